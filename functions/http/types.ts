import type { Log } from '../adapters/logger.js';

/** The one request shape both the API Gateway adapter and the local node:http server produce. */
export interface HttpRequest {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  body: Buffer;
  requestId: string;
  /** Set by API Gateway's IAM authorizer on AWS (the caller's ARN); absent locally. */
  principal?: string;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON-serialized unless it is already a string (then sent as-is, e.g. HTML). */
  body?: unknown;
}

export interface RouteContext {
  params: Record<string, string>;
  log: Log;
  /** Who made an admin change: the IAM principal on AWS, "admin-token" locally. */
  actor: string;
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): HttpResponse => ({ status, body, headers });
