import * as z from 'zod/mini';
import type { Route } from './router.js';

/**
 * OpenAPI 3.1 for the route table, generated from the same route objects and zod schemas the handlers use,
 * so the document cannot drift from the code (a test compares it with the committed docs/openapi.json).
 */
export function openApiDocument(routes: readonly Route[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const parameters = [
      ...names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...queryParameters(route.query),
    ];
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: operationId(route),
      summary: route.summary,
      security: SECURITY[route.auth],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } } } : {}),
      responses: {
        '200': { description: 'Success (201 when created, 202 when a report is accepted).' },
        '4XX': { description: 'Caller error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'SaaS usage → ISC certification pipeline', version: '1' },
    paths,
    components: {
      securitySchemes: {
        webhookSecret: { type: 'http', scheme: 'bearer', description: 'The webhook secret, as "Bearer <secret>", the bare secret in Authorization, or X-Webhook-Secret.' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'Local stack: ADMIN_TOKEN.' },
        awsSigV4: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'On AWS: IAM (SigV4) through API Gateway.' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} } } },
        },
      },
    },
  };
}

const SECURITY: Record<Route['auth'], unknown[]> = {
  none: [],
  webhook: [{ webhookSecret: [] }],
  admin: [{ adminToken: [] }, { awsSigV4: [] }],
};

function jsonSchema(schema: z.ZodMiniType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function queryParameters(schema: z.ZodMiniType | undefined): Array<Record<string, unknown>> {
  if (!schema) return [];
  const properties = (jsonSchema(schema).properties ?? {}) as Record<string, unknown>;
  return Object.entries(properties).map(([name, property]) => ({ name, in: 'query', required: false, schema: property }));
}

function operationId(route: Route): string {
  const words = route.path.replace(/\{(\w+)\}/g, 'by-$1').split(/[^A-Za-z0-9]+/).filter(Boolean);
  return [route.method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('');
}
