import { webhookRoute, type WebhookDeps } from './webhook-route.js';
import { largeWebhookRoute, type LargeReportDeps } from './large-webhook-route.js';
import { targetRoutes } from './admin-targets.js';
import { mappingRoutes } from './admin-mappings.js';
import { deliveryRoutes } from './admin-deliveries.js';
import { previewRoute } from './admin-preview.js';
import { checkRoute } from './admin-check.js';
import { matchTestRoute } from './admin-match-test.js';
import { reportProfileRoutes } from './admin-report-profiles.js';
import { workflowRoutes } from './admin-workflow.js';
import type { AdminDeps } from './admin-common.js';
import type { Route } from './router.js';
import { json } from './types.js';
import { Health, OpenApiBody } from './responses.js';

/**
 * The one route table. API Gateway sends /webhooks/* and /health to the ingest function, /admin/* and
 * /openapi.json to the admin function; each builds its router from the routes it serves. The local server
 * serves them all.
 */
export function publicRoutes(deps: WebhookDeps & { largeReports?: LargeReportDeps }): Route[] {
  return [
    {
      method: 'GET',
      path: '/health',
      auth: 'none',
      summary: 'Liveness: 200 {status:"ok"} once the store is reachable.',
      responses: { 200: { description: 'The store is reachable.', schema: Health } },
      errors: [503],
      async handle() {
        await deps.store.getDelivery('health-check');
        return json(200, { status: 'ok' });
      },
    },
    webhookRoute(deps),
    largeWebhookRoute(deps),
  ];
}

/** The routes as documentation: built without dependencies, since only their shape is read. */
export function documentedRoutes(): Route[] {
  const shapeOnly = {} as never;
  return [...publicRoutes(shapeOnly), ...adminRoutes(shapeOnly)];
}

export function adminRoutes(deps: AdminDeps & { maxBodyBytes: number; matchThreshold: number }): Route[] {
  return [openApiRoute(deps), ...targetRoutes(deps), checkRoute(deps), ...workflowRoutes(deps), ...mappingRoutes(deps), matchTestRoute(deps), ...reportProfileRoutes(deps), previewRoute(deps), ...deliveryRoutes(deps)];
}

/**
 * The committed docs/openapi.json, which a unit test holds equal to what bin/generate-openapi.ts builds from the
 * route table: serving the file keeps the generator and zod's JSON Schema code out of the admin bundle.
 */
function openApiRoute(deps: Pick<AdminDeps, 'documents'>): Route {
  return {
    method: 'GET',
    path: '/openapi.json',
    auth: 'none',
    summary: 'This API as OpenAPI 3.1 (generated from the route table and its zod schemas).',
    responses: { 200: { description: 'This document.', schema: OpenApiBody } },
    async handle() {
      return json(200, await deps.documents.openApi());
    },
  };
}
