import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Log } from '../adapters/logger.js';
import { AppError } from '../core/errors.js';
import { tooLarge } from './body.js';
import { errorResponse, type Router } from './router.js';
import type { HttpRequest, HttpResponse } from './types.js';

export interface NodeServerOptions {
  maxBodyBytes: number;
  /** Host headers accepted besides 127.0.0.1, localhost and [::1] on the listening port (host:port, lower case). */
  extraHosts?: readonly string[];
}

/**
 * Serve the shared route table over node:http, as API Gateway does on AWS. Local hardening: the Host header
 * must name this machine (a page on another site cannot reach the admin API by DNS rebinding), and a request
 * the route table would refuse from its headers alone (401, 404, 405) is answered before its body is read.
 */
export function createNodeServer(router: Router, log: Log, options: NodeServerOptions): Server {
  return createServer((req, res) => {
    const requestId = randomUUID();
    const head = toRequest(req, requestId);
    refuseEarly(req, head, router, log, options)
      .then(async (refused) => {
        if (refused) {
          // Discard the body unread (nothing buffered) and close: the caller may still be sending it.
          res.setHeader('connection', 'close');
          req.resume();
          return refused;
        }
        return router.handle({ ...head, body: await readBody(req, options.maxBodyBytes) }, log);
      })
      .catch((error: unknown) => errorResponse(error, { requestId }, log))
      .then((response) => send(res, response, requestId))
      // The socket failed under us (e.g. the caller hung up): nothing left to answer, so close it.
      .catch((error: unknown) => {
        log.error('Response not sent', { requestId, error: error instanceof Error ? error.message : String(error) });
        res.destroy();
      });
  });
}

async function refuseEarly(req: IncomingMessage, head: Omit<HttpRequest, 'body'>, router: Router, log: Log, options: NodeServerOptions): Promise<HttpResponse | undefined> {
  const port = req.socket.localPort;
  const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, ...(options.extraHosts ?? [])]);
  if (!allowed.has((head.headers.host ?? '').toLowerCase())) {
    return errorResponse(new AppError(421, 'host_not_allowed', `Host "${head.headers.host ?? ''}" is not this server; use http://127.0.0.1:${port} (or add the host to LOCAL_ALLOWED_HOSTS).`), head, log);
  }
  return router.refuseEarly(head, log);
}

function toRequest(req: IncomingMessage, requestId: string): Omit<HttpRequest, 'body'> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, requestId };
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
    // Text is plain unless the route says otherwise (the console sets its own types); never sniffed.
    'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json',
    'x-content-type-options': 'nosniff',
    'x-request-id': requestId,
    ...response.headers,
  });
  res.end(payload);
}
