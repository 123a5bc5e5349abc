import type * as z from 'zod/mini';
import { AppError, unauthorized } from '../core/errors.js';
import type { Log } from '../adapters/logger.js';
import { matchesAnySecret, presentedSecret } from './auth.js';
import { authorizeConsoleToken, looksLikeJwt, type ConsoleAuth } from './console-auth.js';
import type { HttpRequest, HttpResponse, RouteContext } from './types.js';

export type RouteAuth = 'none' | 'webhook' | 'admin';

export interface Route {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Path template with `{name}` segments, e.g. /admin/targets/{id}. */
  path: string;
  auth: RouteAuth;
  summary: string;
  /** The JSON body schema the handler validates with; also what docs/openapi.json documents. */
  body?: z.ZodMiniType;
  query?: z.ZodMiniType;
  /** Path parameter rules beyond the router's own (1-256 characters), e.g. an id pattern or the credential kinds. */
  params?: Record<string, z.ZodMiniType>;
  /** A report body (JSON or CSV, optionally gzip), read by ingest rather than by one JSON schema. */
  reportBody?: boolean;
  /** Request headers the handler reads (auth headers are the security schemes). */
  headers?: RequestHeader[];
  /** The success answers by status; docs/openapi.json describes them and a test checks real answers against it. */
  responses?: Partial<Record<200 | 201 | 202, RouteResponse>>;
  /** Error statuses beyond those the route's auth, path, query and body already imply (see openapi.ts). */
  errors?: number[];
  handle(request: HttpRequest, context: RouteContext): Promise<HttpResponse>;
}

export type RequestHeader = 'If-Match' | 'Idempotency-Key' | 'Webhook-Id' | 'Content-Encoding';

export interface RouteResponse {
  description: string;
  schema: z.ZodMiniType;
  /** Answers with ETag: "<version>", the value a later write sends back as If-Match. */
  etag?: boolean;
}

export interface AuthSettings {
  /** Current and previous webhook secrets (rotation without downtime). */
  webhookSecrets(): Promise<string[]>;
  /** Local admin bearer token; on AWS admin routes are IAM-authorized by API Gateway instead. */
  adminToken?: string;
  /** OpenID Connect sign-in for the console: admin routes also accept a verified ID token, with its role. */
  console?: ConsoleAuth;
}

const MAX_PARAM_LENGTH = 256;

interface CompiledRoute extends Route {
  pattern: RegExp;
  names: string[];
}

export interface Router {
  routes: readonly Route[];
  handle(request: HttpRequest, log: Log): Promise<HttpResponse>;
  /**
   * The answer a request gets from its method, path and headers alone (404, 405, 401), or undefined: lets
   * the local server refuse an unauthenticated caller before reading up to MAX_BODY_BYTES of body.
   */
  refuseEarly(request: Omit<HttpRequest, 'body'>, log: Log): Promise<HttpResponse | undefined>;
}

/** One router over one route table, used by the API Gateway handlers and the local server alike. */
export function createRouter(routes: readonly Route[], auth: AuthSettings): Router {
  const compiled = routes.map(compile);
  const find = (request: Pick<HttpRequest, 'method' | 'path'>): CompiledRoute => {
    const matching = compiled.filter((route) => route.pattern.test(request.path));
    if (matching.length === 0) throw new AppError(404, 'not_found', `No route for ${request.path}.`);
    const route = matching.find((r) => r.method === request.method);
    if (!route) {
      const allowed = matching.map((r) => r.method).join(', ');
      throw new AppError(405, 'method_not_allowed', `${request.method} is not allowed on ${request.path}; use ${allowed}.`, { allowed });
    }
    return route;
  };
  return {
    routes,
    async refuseEarly(request, baseLog) {
      try {
        await authorize(find(request).auth, request, auth);
        return undefined;
      } catch (error) {
        return errorResponse(error, request, baseLog.child({ correlationId: request.requestId }));
      }
    },
    async handle(request, baseLog) {
      const log = baseLog.child({ correlationId: request.requestId });
      try {
        const route = find(request);
        const actor = await authorize(route.auth, request, auth);
        const params = extractParams(route, request.path);
        return await route.handle(request, { params, log, actor });
      } catch (error) {
        return errorResponse(error, request, log);
      }
    },
  };
}

async function authorize(kind: RouteAuth, request: Omit<HttpRequest, 'body'>, auth: AuthSettings): Promise<string> {
  if (kind === 'none') return 'anonymous';
  if (kind === 'webhook') {
    if (!matchesAnySecret(presentedSecret(request.headers), await auth.webhookSecrets())) throw unauthorized('Missing or invalid webhook secret.');
    return 'saas-management';
  }
  if (request.principal) return request.principal;
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (auth.adminToken && matchesAnySecret(bearer, [auth.adminToken])) return 'admin-token';
  if (auth.console && bearer && looksLikeJwt(bearer)) return authorizeConsoleToken(auth.console, bearer, request.method);
  throw unauthorized('Missing or invalid admin token (Authorization: Bearer <ADMIN_TOKEN>).');
}

export function errorResponse(error: unknown, request: Pick<HttpRequest, 'requestId'>, log: Log): HttpResponse {
  if (error instanceof AppError && error.exposed) {
    if (error.status >= 500) log.warn('request failed', { code: error.code, cause: String((error.cause as Error | undefined)?.message ?? '') });
    return { status: error.status, body: error.toJSON(), headers: error.status === 405 ? { allow: String((error.details as { allowed: string }).allowed) } : undefined };
  }
  log.error('unexpected error', error as Error);
  return { status: 500, body: { error: { code: 'internal_error', message: `Internal error; the logs have the details under correlationId ${request.requestId}.` } } };
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(\w+)\\?\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { ...route, pattern: new RegExp(`^${source}/?$`), names };
}

function extractParams(route: CompiledRoute, path: string): Record<string, string> {
  const match = route.pattern.exec(path)!;
  const params: Record<string, string> = {};
  route.names.forEach((name, i) => {
    let value: string;
    try {
      value = decodeURIComponent(match[i + 1]!);
    } catch {
      throw new AppError(400, 'bad_path', `Path segment {${name}} is not valid URL encoding.`);
    }
    // Every id we issue or accept is far shorter; this keeps oversized keys away from the store.
    if (value.length > MAX_PARAM_LENGTH) throw new AppError(400, 'bad_path', `Path segment {${name}} is longer than ${MAX_PARAM_LENGTH} characters.`);
    params[name] = value;
  });
  return params;
}
