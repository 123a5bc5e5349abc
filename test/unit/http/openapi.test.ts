/** The OpenAPI document is generated from the route table; the committed copy must match (npm run openapi). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { openApiDocument } from '../../../functions/http/openapi.js';
import { documentedRoutes } from '../../../functions/http/routes.js';
import { readAs } from '../../helpers/answer.js';


/** What these checks read of the document: per path and method, the security and the request body schemas. */
const OpenApiOperations = z.object({
  paths: z.record(
    z.string(),
    z.record(z.string(), z.object({ security: z.array(z.record(z.string(), z.array(z.string()))), requestBody: z.optional(z.object({ content: z.record(z.string(), z.object({ schema: z.record(z.string(), z.unknown()) })) })) })),
  ),
});

describe('Function: openApiDocument', () => {
  const generated = readAs(OpenApiOperations, openApiDocument(documentedRoutes()));

  it('matches docs/openapi.json (run `npm run openapi` after changing a route or schema)', () => {
    const committed: unknown = JSON.parse(readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8'));
    expect(generated).toEqual(committed);
  });

  it('documents every route of the table with its auth and body schema', () => {
    const routes = documentedRoutes();
    expect(routes.map((r) => `${r.method} ${r.path}`).filter((op) => !generated.paths[op.split(' ')[1]!]?.[op.split(' ')[0]!.toLowerCase()])).toEqual([]);
    const putMapping = generated.paths['/admin/mappings/{instanceKey}']!.put;
    expect(putMapping?.security).toEqual([{ adminToken: [] }, { awsSigV4: [] }, { consoleIdToken: [] }]);
    expect(putMapping?.requestBody?.content['application/json']?.schema).toMatchObject({
      required: ['application', 'instance', 'environment', 'targetId', 'source', 'policy'],
      additionalProperties: false,
    });
    expect(generated.paths['/webhooks/saas-management']!.post?.security).toEqual([{ webhookSecret: [] }, { webhookSecretHeader: [] }]);
  });
});
