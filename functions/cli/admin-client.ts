import { request } from 'undici';
import * as z from 'zod/mini';
import type { RequestSigner } from './sigv4.js';
import { InternalError } from '../core/errors.js';

export class CliError extends InternalError {
  override name = 'CliError';

  constructor(message: string, readonly exitCode = 1) {
    super('cli_failed', message);
  }
}

export interface ApiResponse<T = unknown> {
  status: number;
  etag?: string;
  body: T;
}

export interface CallOptions {
  json?: unknown;
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  expect?: number[];
}

const FailureBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.optional(z.object({ issues: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))) })) }),
});

/** Locally a bearer token; on AWS the caller's IAM identity signs each request (SigV4). */
export type AdminAuth = { token: string } | { sign: RequestSigner };

/** A thin client for the admin API. Errors come back as the API's own words, never a stack trace. */
export class AdminClient {
  constructor(
    private readonly baseUrl: string,
    private readonly auth: AdminAuth,
    private readonly timeoutMs = 30_000,
  ) {}

  /** A 2xx answer read with the route's own response schema, so commands use checked fields, not guesses. */
  async read<S extends z.ZodMiniType>(answer: S, method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<z.output<S>>> {
    const response = await this.call(method, path, options);
    const body = answer.safeParse(response.body);
    if (!body.success) throw new CliError(`${method} ${path} answered HTTP ${response.status} with an unexpected body: ${z.prettifyError(body.error)}`);
    return { ...response, body: body.data };
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    let headers: Record<string, string> = { ...options.headers };
    let body: string | undefined = options.raw;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.contentType) headers['content-type'] = options.contentType;
    // Relative to the base URL's path, so https://…/v1/ + admin/… keeps the stage.
    const url = new URL(path.replace(/^\//, ''), this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    headers = 'token' in this.auth ? { ...headers, authorization: `Bearer ${this.auth.token}` } : await this.auth.sign(method, url, headers, body);
    let response;
    try {
      response = await request(url, { method: method as 'GET', headers, body, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
    } catch (error) {
      throw new CliError(`Cannot reach the admin API at ${this.baseUrl}: ${(error as Error).message}. Is the stack running (npm start) and --url right?`);
    }
    const text = await response.body.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // keep text
    }
    const result: ApiResponse = { status: response.statusCode, etag: response.headers.etag as string | undefined, body: parsed };
    if ((options.expect ?? [200, 201, 202]).includes(result.status)) return result;
    throw new CliError(describeFailure(method, path, result));
  }
}

function describeFailure(method: string, path: string, response: ApiResponse): string {
  const failure = FailureBody.safeParse(response.body);
  if (!failure.success) return `${method} ${path} failed with HTTP ${response.status}.`;
  const { error } = failure.data;
  const issues = error.details?.issues ?? [];
  const lines = issues.length > 0 ? issues.map((i) => `  - ${i.field}: ${i.message}`) : [];
  return [`${error.message} (HTTP ${response.status}, ${error.code})`, ...lines].join('\n');
}
