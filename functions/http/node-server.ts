import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Log } from '../adapters/logger.js';
import { tooLarge } from './body.js';
import { errorResponse, type Router } from './router.js';
import type { HttpRequest, HttpResponse } from './types.js';

/** Serve the shared route table over node:http, as API Gateway does on AWS. */
export function createNodeServer(router: Router, log: Log, maxBodyBytes: number): Server {
  return createServer((req, res) => {
    const requestId = randomUUID();
    readBody(req, maxBodyBytes)
      .then((body) => router.handle(toRequest(req, body, requestId), log))
      .catch((error: unknown) => errorResponse(error, { requestId }, log))
      .then((response) => send(res, response, requestId));
  });
}

function toRequest(req: IncomingMessage, body: Buffer, requestId: string): HttpRequest {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body, requestId };
}

/** Read at most `limit` bytes: a declared or actual larger body is refused without buffering it. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, response: HttpResponse, requestId: string): void {
  const isText = typeof response.body === 'string';
  const payload = response.body === undefined ? '' : isText ? (response.body as string) : JSON.stringify(response.body);
  res.writeHead(response.status, {
    'content-type': isText ? 'text/html; charset=utf-8' : 'application/json',
    'x-request-id': requestId,
    ...response.headers,
  });
  res.end(payload);
}
