import type { S3Event } from 'aws-lambda';
import { ingestSettings } from '../adapters/config.js';
import { count, type MetricsPublisher } from '../adapters/metrics.js';
import type { ObjectStore } from '../core/ports.js';
import { compileProfiles } from '../core/report-profile.js';
import { ingestStoredReport } from '../core/stream-ingest.js';
import type { AwsRoot } from './root.js';

/** S3 "object created" under incoming/ → stream the large report into the same ingest as the webhook. */
export function makeLargeIngestHandler(deps: Pick<AwsRoot, 'config' | 'log' | 'clock' | 'store'> & { objects: ObjectStore; metrics: MetricsPublisher }) {
  const { store, clock, log, objects } = deps;
  const ingest = { store, clock, settings: ingestSettings(deps.config), profiles: async () => compileProfiles(await store.listReportProfiles()) };
  return async (event: S3Event): Promise<void> => {
    let accepted = 0;
    for (const record of event.Records) {
      // S3 URL-encodes keys in events (a space arrives as "+").
      const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
      const outcome = await ingestStoredReport(key, objects, ingest);
      if (outcome.status === 'ACCEPTED' && !outcome.response.duplicate) accepted += 1;
      if (outcome.status === 'ACCEPTED') log.info('large report ingested', { correlationId: outcome.delivery.id, rows: outcome.delivery.report.rows, batches: outcome.delivery.batchCount });
      else log.warn('large report refused', { correlationId: outcome.deliveryId, code: outcome.error.code });
    }
    if (accepted > 0) deps.metrics.publish({ Deliveries: count(accepted) }, clock.now());
  };
}
