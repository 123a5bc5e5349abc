import type { IngestDeps } from '../core/ingest.js';
import { compileProfiles, type ReportProfiles } from '../core/report-profile.js';
import { TtlCache } from '../core/ttl-cache.js';
import type { IngestStore } from '../core/ports.js';
import { receiveReport } from '../core/receive-report.js';
import { decodedBody } from './body.js';
import type { Route } from './router.js';
import { json } from './types.js';
import { ReportQuery } from './report-query.js';
import { IngestAnswer } from './responses.js';

export interface WebhookDeps extends Omit<IngestDeps, 'profiles'> {
  maxBodyBytes: number;
}

const PROFILE_CACHE_MS = 60_000;

/**
 * Report profiles change rarely; reading them once a minute keeps a query off every webhook call. `get` says
 * whether it read the store, so a refusal made with a cached copy can retry once with profiles added since.
 */
export function cachedProfiles(store: Pick<IngestStore, 'listReportProfiles'>, ttlMs = PROFILE_CACHE_MS) {
  const cache = new TtlCache<'profiles', ReportProfiles>();
  const load = async () => {
    const value = compileProfiles(await store.listReportProfiles());
    cache.set('profiles', value, ttlMs);
    return value;
  };
  return {
    get: async (): Promise<{ value: ReportProfiles; read: boolean }> => {
      const cached = cache.get('profiles');
      return cached ? { value: cached, read: false } : { value: await load(), read: true };
    },
    reload: load,
  };
}

export function webhookRoute(deps: WebhookDeps): Route {
  const profiles = cachedProfiles(deps.store);
  return {
    method: 'POST',
    path: '/webhooks/saas-management',
    auth: 'webhook',
    summary: 'Receive a SaaS Management scheduled usage report (JSON or CSV); 202 once it is durable, 200 for a repeat.',
    query: ReportQuery,
    reportBody: true,
    headers: ['Idempotency-Key', 'Webhook-Id', 'Content-Encoding'],
    responses: { 202: { description: 'Accepted: durable, dispatched in the background.', schema: IngestAnswer }, 200: { description: 'A repeat of a report already accepted (duplicate: true).', schema: IngestAnswer } },
    async handle(request, { log }) {
      const body = decodedBody(request, deps.maxBodyBytes);
      const incoming = {
        body: body.toString('utf8'),
        bytes: body.length,
        contentType: request.headers['content-type'],
        query: request.query,
        deliveryKey: request.headers['idempotency-key'] ?? request.headers['webhook-id'],
      };
      const { receipt, delivery } = await receiveReport(incoming, { ...deps, profiles, log });
      log.info(receipt.duplicate ? 'duplicate report' : 'report accepted', {
        correlationId: delivery.id,
        rows: delivery.report.rows,
        rejectedRows: delivery.rejectedCount,
        batches: delivery.batchCount,
        instances: delivery.instances.map((i) => ({ instanceKey: i.instanceKey, status: i.status, inactiveUsers: i.inactiveUsers })),
      });
      // 202: accepted and durable; 200: the answer of the earlier delivery this one repeats.
      return json(receipt.duplicate ? 200 : 202, receipt);
    },
  };
}
