import { ingestReport, type IngestDeps } from '../core/ingest.js';
import { decodedBody } from './body.js';
import type { Route } from './router.js';
import { json } from './types.js';

export interface WebhookDeps extends IngestDeps {
  maxBodyBytes: number;
}

export function webhookRoute(deps: WebhookDeps): Route {
  return {
    method: 'POST',
    path: '/webhooks/saas-management',
    auth: 'webhook',
    summary: 'Receive a SaaS Management scheduled usage report (JSON or CSV); 202 once it is durable, 200 for a repeat.',
    async handle(request, { log }) {
      const body = decodedBody(request, deps.maxBodyBytes);
      const result = await ingestReport(
        {
          body: body.toString('utf8'),
          bytes: body.length,
          contentType: request.headers['content-type'],
          query: request.query,
          deliveryKey: request.headers['idempotency-key'] ?? request.headers['webhook-id'],
        },
        deps,
      );
      const { delivery } = result;
      log.info(result.httpStatus === 200 ? 'duplicate report' : 'report accepted', {
        correlationId: delivery.id,
        rows: delivery.report.rows,
        rejectedRows: delivery.rejectedCount,
        batches: delivery.batchCount,
        instances: delivery.instances.map((i) => ({ instanceKey: i.instanceKey, status: i.status, inactiveUsers: i.inactiveUsers })),
      });
      return json(result.httpStatus, result.body);
    },
  };
}
