import { webhookRoute, type WebhookDeps } from './webhook-route.js';
import { largeWebhookRoute, type LargeReportDeps } from './large-webhook-route.js';
import { targetRoutes } from './admin-targets.js';
import { mappingRoutes } from './admin-mappings.js';
import { deliveryRoutes } from './admin-deliveries.js';
import { previewRoute, type PreviewDeps } from './admin-preview.js';
import { checkRoute } from './admin-check.js';
import { matchTestRoute } from './admin-match-test.js';
import { reportProfileRoutes } from './admin-report-profiles.js';
import { workflowRoutes } from './admin-workflow.js';
import type { AdminDeps } from './admin-common.js';
import type { Route } from './router.js';
import { json } from './types.js';
import { Health, OpenApiBody } from './responses.js';

/**
 * The one route table. API Gateway sends /webhooks/* and /health to the ingest function, /openapi.json and
 * /admin/* to the admin function but for the tool and preview routes, which have functions of their own
 * (separateAdminRoutes: lib/api.ts derives their API Gateway methods from these lists); each function builds its
 * router from the routes it serves. The local server serves them all.
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

export type AdminRouteDeps = AdminDeps & PreviewDeps & { matchThreshold: number };

/** Every admin route, as the local server serves them. */
export function adminRoutes(deps: AdminRouteDeps): Route[] {
  return [...adminRecordRoutes(deps), ...adminToolRoutes(deps), ...adminPreviewRoutes(deps)];
}

/** The admin function's: the records (targets and their credentials, mappings, report profiles, deliveries and replay) and this API's document. */
export function adminRecordRoutes(deps: AdminDeps): Route[] {
  return [openApiRoute(deps), ...targetRoutes(deps), ...mappingRoutes(deps), ...reportProfileRoutes(deps), ...deliveryRoutes(deps)];
}

/** The admin-tools function's: the operations that make several ISC calls in a row. */
export function adminToolRoutes(deps: AdminDeps & { matchThreshold: number }): Route[] {
  return [checkRoute(deps), ...workflowRoutes(deps), matchTestRoute(deps)];
}

/** The admin-preview function's: the report dry run, which parses a report of up to MAX_BODY_BYTES and reads the table only. */
export function adminPreviewRoutes(deps: PreviewDeps): Route[] {
  return [previewRoute(deps)];
}

/**
 * The admin routes with a function of their own on AWS, by function, as method and path only (built without
 * dependencies, like documentedRoutes): lib/api.ts routes each there, past the admin function's /admin/{proxy+}.
 */
export function separateAdminRoutes(): Record<'admin-tools' | 'admin-preview', Array<Pick<Route, 'method' | 'path'>>> {
  const shapeOnly = {} as never;
  const shape = (routes: Route[]) => routes.map(({ method, path }) => ({ method, path }));
  return { 'admin-tools': shape(adminToolRoutes(shapeOnly)), 'admin-preview': shape(adminPreviewRoutes(shapeOnly)) };
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
