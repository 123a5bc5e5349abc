import type { S3Event } from 'aws-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { awsContext } from './aws-context.js';
import { ingestSettings } from './adapters/config.js';
import { S3ObjectStore } from './adapters/s3-object-store.js';
import { compileProfiles } from './core/report-profile.js';
import { ingestStoredReport } from './core/stream-ingest.js';

/** S3 "object created" under incoming/ → stream the large report into the same ingest as the webhook. */
const context = awsContext('large-ingest');
const bucket = process.env.LARGE_REPORT_BUCKET;
if (!bucket) throw new Error('LARGE_REPORT_BUCKET environment variable is not set');
const objects = new S3ObjectStore(new S3Client({}), bucket);
const deps = { store: context.store, clock: context.clock, settings: ingestSettings(context.config), profiles: async () => compileProfiles(await context.store.listReportProfiles()) };

export const handler = async (event: S3Event): Promise<void> => {
  for (const record of event.Records) {
    // S3 URL-encodes keys in events (a space arrives as "+").
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    const outcome = await ingestStoredReport(key, objects, deps);
    if (outcome.status === 'ACCEPTED') context.log.info('large report ingested', { correlationId: outcome.delivery.id, rows: outcome.delivery.report.rows, batches: outcome.delivery.batchCount });
    else context.log.warn('large report refused', { correlationId: outcome.deliveryId, code: outcome.error.code });
  }
};
