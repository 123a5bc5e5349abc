import { checkConnection } from '../core/connection-check.js';
import { TargetId, requireTarget } from './admin-targets.js';
import type { AdminDeps } from './admin-common.js';
import type { Route } from './router.js';
import { json } from './types.js';
import { CheckAnswer } from './responses.js';

/** POST /admin/targets/{id}/check: the connection check (core/connection-check.ts) for a stored target. */
export function checkRoute(deps: AdminDeps): Route {
  return {
    method: 'POST',
    path: '/admin/targets/{id}/check',
    auth: 'admin',
    summary: 'Connection check: tenant, trigger credentials, the tenant and environment their token belongs to, and echo, API credentials, scopes and tenant, source access; an ordered troubleshooting list on failure.',
    params: { id: TargetId },
    responses: { 200: { description: 'Every step, and on failure what to fix in order.', schema: CheckAnswer } },
    async handle(_request, { params }) {
      const target = await requireTarget(deps, params.id!);
      const check = await checkConnection(target, { isc: deps.isc, secrets: deps.secrets, vocabulary: deps.settings.vocabulary });
      return json(200, { targetId: target.id, ...check });
    },
  };
}
