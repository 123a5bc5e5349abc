/** The OpenAPI document is generated from the route table; the committed copy must match (npm run openapi). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../../functions/http/openapi.js';
import { documentedRoutes } from '../../../functions/http/routes.js';

describe('Function: openApiDocument', () => {
  const generated = openApiDocument(documentedRoutes()) as { paths: Record<string, Record<string, any>> };

  it('matches docs/openapi.json (run `npm run openapi` after changing a route or schema)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8'));
    expect(generated).toEqual(committed);
  });

  it('documents every route of the table with its auth and body schema', () => {
    const routes = documentedRoutes();
    expect(routes.map((r) => `${r.method} ${r.path}`).filter((op) => !generated.paths[op.split(' ')[1]!]?.[op.split(' ')[0]!.toLowerCase()])).toEqual([]);
    const putMapping = generated.paths['/admin/mappings/{instanceKey}']!.put;
    expect(putMapping.security).toEqual([{ adminToken: [] }, { awsSigV4: [] }, { consoleIdToken: [] }]);
    expect(putMapping.requestBody.content['application/json'].schema.required).toEqual(['application', 'instance', 'environment', 'targetId', 'source', 'policy']);
    expect(putMapping.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(generated.paths['/webhooks/saas-management']!.post.security).toEqual([{ webhookSecret: [] }, { webhookSecretHeader: [] }]);
  });
});
