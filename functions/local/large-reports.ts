import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestStoredReport } from '../core/stream-ingest.js';
import type { IngestDeps } from '../core/ingest.js';
import type { Log } from '../core/ports.js';
import { FileObjectStore } from '../adapters/file-object-store.js';
import type { LargeReportDeps } from '../http/large-webhook-route.js';

export interface LocalLargeReports extends LargeReportDeps {
  /** Resolves once every stored report has been ingested (or refused). */
  idle(): Promise<void>;
}

/**
 * The local stand-in for S3 + its event: bodies under DATA_DIR/large-reports (a temporary directory in memory
 * mode), each ingested in this process right after it is stored, one at a time as a Lambda per object would.
 */
export async function localLargeReports(dataDir: string | undefined, deps: IngestDeps, log: Log, maxBodyBytes?: number): Promise<LocalLargeReports> {
  const objects = new FileObjectStore(dataDir ? join(dataDir, 'large-reports') : await mkdtemp(join(tmpdir(), 'large-reports-')));
  let queue: Promise<void> = Promise.resolve();
  return {
    objects,
    maxBodyBytes,
    onStored(key) {
      queue = queue.then(async () => {
        try {
          const outcome = await ingestStoredReport(key, objects, deps);
          if (outcome.status === 'ACCEPTED') log.info('large report ingested', { correlationId: outcome.delivery.id, rows: outcome.delivery.report.rows, batches: outcome.delivery.batchCount });
          else log.warn('large report refused', { correlationId: outcome.deliveryId, code: outcome.error.code });
        } catch (error) {
          log.error('large report ingest failed; the body stays stored', error as Error);
        }
      });
    },
    idle: () => queue,
  };
}
