import * as z from 'zod/mini';
import { DELIVERY_KEY_PATTERN } from '../core/ingest.js';
import { ErrorBody } from './responses.js';
import type { RequestHeader, Route, RouteResponse } from './router.js';

type Json = Record<string, unknown>;

/**
 * OpenAPI 3.1 for the route table, generated from the same route objects and zod schemas the handlers use,
 * so the document cannot drift from the code (a test compares it with the committed docs/openapi.json, and
 * another checks every route's real answers against it).
 */
export function openApiDocument(routes: readonly Route[]): Json {
  const paths: Record<string, Json> = {};
  const schemas = new Schemas();
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation(route, schemas);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'SaaS usage → ISC certification pipeline',
      version: '1',
      description: 'Receives SaaS Management usage reports and turns inactive users into ISC certification campaigns; the admin API configures targets and mappings and follows deliveries.',
      // A private package: no licence is granted (npm's UNLICENSED).
      license: { name: 'UNLICENSED', identifier: 'UNLICENSED' },
    },
    servers: [
      {
        url: 'https://{restApiId}.execute-api.{region}.amazonaws.com/{stage}',
        description: 'The deployed REST API (the stack output names it). The local stack serves the same routes at http://localhost:$PORT (default 3000).',
        variables: { restApiId: { default: 'restApiId' }, region: { default: 'us-east-1' }, stage: { default: 'v1' } },
      },
    ],
    paths,
    components: {
      securitySchemes: {
        webhookSecret: { type: 'http', scheme: 'bearer', description: 'The webhook secret, as "Bearer <secret>" or bare in Authorization.' },
        webhookSecretHeader: { type: 'apiKey', in: 'header', name: 'X-Webhook-Secret', description: 'The webhook secret in its own header.' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'Local stack: ADMIN_TOKEN.' },
        awsSigV4: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'On AWS: IAM (SigV4) through API Gateway.' },
        consoleIdToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The console: an OpenID Connect ID token (Cognito on AWS, CONSOLE_OIDC=1 locally). Group "admin" may write; "viewer" may only read (403 otherwise).' },
      },
      schemas: schemas.named,
      headers: { ETag: { description: 'The item\'s version, as "<n>": send it back as If-Match.', schema: { type: 'string', pattern: '^"\\d+"$' } } },
    },
  };
}

const SECURITY: Record<Route['auth'], unknown[]> = {
  none: [],
  webhook: [{ webhookSecret: [] }, { webhookSecretHeader: [] }],
  admin: [{ adminToken: [] }, { awsSigV4: [] }, { consoleIdToken: [] }],
};

const DELIVERY_KEY = { type: 'string', pattern: DELIVERY_KEY_PATTERN.source };

const HEADERS: Record<RequestHeader, Json> = {
  'If-Match': { description: 'The ETag of the version this change was made from ("3", W/"3" or 3).', schema: { type: 'string', pattern: '^\\s*(W/)?"?\\d{1,9}"?\\s*$' } },
  'Idempotency-Key': { description: 'Names the delivery: a repeat with the same key and body is answered 200 as a duplicate.', schema: DELIVERY_KEY },
  'Webhook-Id': { description: 'As Idempotency-Key (the Standard Webhooks name), when Idempotency-Key is absent.', schema: DELIVERY_KEY },
  'Content-Encoding': { description: 'gzip for a compressed body.', schema: { type: 'string', enum: ['gzip', 'identity'] } },
};

const ERRORS: Record<number, string> = {
  400: 'Bad request: a path segment, query parameter, header or the body syntax; details name it.',
  401: 'Missing or invalid credentials.',
  404: 'No such item.',
  409: 'Conflict: the item changed (retry with the current If-Match) or is still in use.',
  413: 'The body is over the size limit.',
  415: 'Unsupported Content-Type or Content-Encoding.',
  422: 'The body is well-formed but breaks a rule; details name the field or row.',
  428: 'If-Match is required to change an existing item.',
  500: 'Internal error; the logs have the details under the correlation id.',
  503: 'The store or ISC is unavailable; retry.',
};

function operation(route: Route, schemas: Schemas): Json {
  const responses: Json = {};
  for (const [status, response] of Object.entries(route.responses ?? {})) responses[status] = success(response, schemas);
  for (const status of errorStatuses(route)) {
    responses[status] = { description: ERRORS[status], content: { 'application/json': { schema: schemas.of(ErrorBody, 'output') } } };
  }
  // API Gateway's own answer (in the same error shape, lib/api.ts) when a stage or route throttle is exceeded.
  responses['429'] = { description: 'Throttled by API Gateway (deployed API only); retry later.', content: { 'application/json': { schema: schemas.of(ErrorBody, 'output') } } };
  const parameters = [...pathParameters(route, schemas), ...queryParameters(route.query, schemas), ...(route.headers ?? []).map((name) => ({ name, in: 'header', required: false, ...HEADERS[name] }))];
  return {
    operationId: operationId(route),
    summary: route.summary,
    security: SECURITY[route.auth],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemas.of(route.body, 'input') } } } } : {}),
    ...(route.reportBody ? { requestBody: REPORT_BODY } : {}),
    responses,
  };
}

const REPORT_BODY = {
  required: true,
  description: 'A usage report as SaaS Management sends it: JSON (rows at a known or profiled path) or CSV, optionally gzip (Content-Encoding).',
  content: {
    'application/json': { schema: { type: ['object', 'array'] } },
    'text/csv': { schema: { type: 'string' } },
  },
};

function success(response: RouteResponse, schemas: Schemas): Json {
  return {
    description: response.description,
    ...(response.etag ? { headers: { ETag: { $ref: '#/components/headers/ETag' } } } : {}),
    content: { 'application/json': { schema: schemas.of(response.schema, 'output') } },
  };
}

/** What the route can answer besides success: implied by what it reads, plus the statuses it declares. */
function errorStatuses(route: Route): number[] {
  const statuses = new Set([...(route.errors ?? []), 500]);
  const hasParams = route.path.includes('{');
  const readsBody = route.body !== undefined || route.reportBody === true;
  if (route.auth !== 'none') [401, 503].forEach((s) => statuses.add(s));
  if (hasParams || route.query || readsBody || route.headers?.length) statuses.add(400);
  // A PUT creates what it names; every other route with an id in its path reads an existing item.
  if (hasParams && route.method !== 'PUT') statuses.add(404);
  if (readsBody) [413, 415, 422].forEach((s) => statuses.add(s));
  return [...statuses].sort((a, b) => a - b);
}

/**
 * JSON Schemas of zod schemas. Those registered with an id (functions/http/responses.ts) come out as $defs:
 * they are collected under components.schemas and referenced from there.
 */
class Schemas {
  readonly named: Json = {};

  of(schema: z.ZodMiniType, io: 'input' | 'output'): Json {
    const { $schema: _ignored, $defs, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
    for (const [id, definition] of Object.entries(($defs ?? {}) as Json)) this.named[id] = toComponents(definition);
    return toComponents(rest) as Json;
  }
}

function toComponents(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/$defs/', '"#/components/schemas/'));
}

const PATH_PARAMETER = { type: 'string', minLength: 1, maxLength: 256 };

function pathParameters(route: Route, schemas: Schemas): Json[] {
  return [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
    const rule = route.params?.[name!];
    return { name, in: 'path', required: true, schema: rule ? schemas.of(rule, 'input') : PATH_PARAMETER };
  });
}

function queryParameters(schema: z.ZodMiniType | undefined, schemas: Schemas): Json[] {
  if (!schema) return [];
  const properties = (schemas.of(schema, 'input').properties ?? {}) as Json;
  return Object.entries(properties).map(([name, property]) => ({ name, in: 'query', required: false, schema: property }));
}

function operationId(route: Route): string {
  const words = route.path.replace(/\{(\w+)\}/g, 'by-$1').split(/[^A-Za-z0-9]+/).filter(Boolean);
  return [route.method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('');
}
