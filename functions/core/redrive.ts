import type { BatchKey, BatchStatus, DispatchBatch } from './delivery.js';
import type { Clock, DispatchStore, Log } from './ports.js';

export interface RedrivenBatch extends BatchKey {
  instanceKey: string;
  /** When the batch last became PENDING: the stream record written then never led to a dispatch. */
  pendingSince: string;
}

/**
 * A PENDING batch is sent when its stream record reaches the dispatch function. A record that exhausted its
 * retries went to the DLQ and nothing else will ever send the batch: a fresh write of the same PENDING item
 * puts a new record on the stream (the filter passes PENDING modifications). The write is conditional on the
 * version seen, so a dispatcher that claims the batch meanwhile wins and nothing is sent twice.
 */
export async function redriveStalePending(deps: { store: Pick<DispatchStore, 'batchesByStatus' | 'redriveBatch'>; clock: Clock; log: Log }, olderThanMs: number, limit: number): Promise<RedrivenBatch[]> {
  const now = deps.clock.now();
  const edge = new Date(now.getTime() - olderThanMs).toISOString();
  const redriven: RedrivenBatch[] = [];
  for (const batch of await deps.store.batchesByStatus('PENDING', limit, edge)) {
    if (await deps.store.redriveBatch(batch, batch.updatedAt, now.toISOString())) {
      redriven.push({ deliveryId: batch.deliveryId, writeId: batch.writeId, index: batch.index, instanceKey: batch.instanceKey, pendingSince: batch.updatedAt });
    }
  }
  if (redriven.length > 0) deps.log.warn('re-drove PENDING batches whose stream record never led to a dispatch', { batches: redriven.map((b) => `${b.deliveryId}#${b.index}`) });
  return redriven;
}

/** Statuses of a batch that has not reached ISC (or a final answer) yet; STAGED ones belong to no committed delivery yet. */
export const UNSETTLED: readonly BatchStatus[] = ['PENDING', 'IN_FLIGHT', 'RETRY_WAIT'];

/** Since when a batch has been waiting to be settled: queued (released or replayed), not last touched. */
export function unsettledSince(batch: Pick<DispatchBatch, 'queuedAt' | 'createdAt'>): string {
  return batch.queuedAt ?? batch.createdAt;
}
