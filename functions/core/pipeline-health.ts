import type { BatchStatus } from './delivery.js';
import type { AdminStore, DispatchStore } from './ports.js';
import { isStale } from './staleness.js';

export interface HealthStore extends Pick<AdminStore, 'listMappings' | 'instancesSeen'>, Pick<DispatchStore, 'oldestUnsettled'> {
  countBatchesSince(status: BatchStatus, sinceIso: string): Promise<number>;
}

export interface PipelineHealth {
  /** Instance keys of enabled mappings whose report is overdue. */
  staleMappings: string[];
  /** Batches that became SUSPECT_MAPPING / FAILED within the window. */
  heldBatches: number;
  failedBatches: number;
  /** Seconds since the longest-waiting unsettled batch (PENDING, IN_FLIGHT, RETRY_WAIT) was queued; 0 when none is. */
  oldestUnsettledSeconds: number;
}

/** What the alarms watch (AWS, via the sweeper's metrics) and the local log warns about. */
export async function pipelineHealth(store: HealthStore, now: Date, windowMs: number): Promise<PipelineHealth> {
  const staleMappings: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listMappings(250, cursor);
    const seen = await store.instancesSeen(page.items.map((m) => m.instanceKey));
    for (const mapping of page.items) if (isStale(mapping, seen.get(mapping.instanceKey), now)) staleMappings.push(mapping.instanceKey);
    cursor = page.next;
  } while (cursor);
  const since = new Date(now.getTime() - windowMs).toISOString();
  const [heldBatches, failedBatches, oldest] = await Promise.all([store.countBatchesSince('SUSPECT_MAPPING', since), store.countBatchesSince('FAILED', since), store.oldestUnsettled()]);
  const oldestUnsettledSeconds = oldest === undefined ? 0 : Math.max(0, Math.floor((now.getTime() - Date.parse(oldest)) / 1000));
  return { staleMappings, heldBatches, failedBatches, oldestUnsettledSeconds };
}
