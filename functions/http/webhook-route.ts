import { randomUUID } from 'node:crypto';
import { AppError } from '../core/errors.js';
import { ingestReport, type IngestDeps } from '../core/ingest.js';
import { compileProfiles, type ReportProfiles } from '../core/report-profile.js';
import type { IngestStore, Log } from '../core/ports.js';
import { decodedBody } from './body.js';
import type { Route } from './router.js';
import { json, type HttpRequest } from './types.js';
import { ReportQuery } from './report-query.js';
import { IngestAnswer } from './responses.js';

export interface WebhookDeps extends Omit<IngestDeps, 'profiles'> {
  maxBodyBytes: number;
}

const PROFILE_CACHE_MS = 60_000;
/** Refusals an admin can fix by adding a report profile or changing the report: worth keeping a sample of. */
const SAMPLED_REFUSALS = new Set(['unrecognized_report_shape', 'missing_columns', 'empty_report', 'no_valid_rows']);

/**
 * Report profiles change rarely; reading them once a minute keeps a query off every webhook call. `get` says
 * whether it read the store, so a refusal made with a cached copy can retry once with profiles added since.
 */
export function cachedProfiles(store: Pick<IngestStore, 'listReportProfiles'>, ttlMs = PROFILE_CACHE_MS) {
  let cached: { value: ReportProfiles; at: number } | undefined;
  const load = async () => {
    const value = compileProfiles(await store.listReportProfiles());
    cached = { value, at: Date.now() };
    return value;
  };
  return {
    get: async (): Promise<{ value: ReportProfiles; read: boolean }> =>
      cached && Date.now() - cached.at < ttlMs ? { value: cached.value, read: false } : { value: await load(), read: true },
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
      const refusable = (error: unknown): error is AppError => error instanceof AppError && SAMPLED_REFUSALS.has(error.code);
      let readStore = false;
      const current = async () => {
        const { value, read } = await profiles.get();
        readStore = read;
        return value;
      };
      let result;
      try {
        result = await ingestReport(incoming, { ...deps, profiles: current }).catch((error: unknown) => {
          // A profile added since the cache was filled may be exactly what this report needs.
          if (!refusable(error) || readStore) throw error;
          return ingestReport(incoming, { ...deps, profiles: profiles.reload });
        });
      } catch (error) {
        if (refusable(error)) await keepSample(deps.store, request, body.length, error, log);
        throw error;
      }
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

/** Best effort: the sender still gets its 422 if the sample cannot be stored. */
async function keepSample(store: IngestStore, request: HttpRequest, bytes: number, error: AppError, log: Log): Promise<void> {
  try {
    await store.recordRejectedReport({ id: randomUUID(), at: new Date().toISOString(), code: error.code, message: error.message, bytes, contentType: request.headers['content-type'], sample: error.details });
  } catch (storeError) {
    log.warn('could not keep the sample of a refused report', { error: (storeError as Error).message });
  }
  log.warn('report refused', { code: error.code, correlationId: request.requestId });
}
