import type { DispatchBatch } from './delivery.js';
import type { AdminStore } from './ports.js';
import type { Target } from './target.js';
import type { BatchTransition } from './types.js';

/**
 * A workflow-mode target may exist before its workflow does: `usage-cert workflow install` creates the workflow and
 * stores its trigger URL. Until then its batches wait as AWAITING_INSTALL (held, not failed, not retried), and the
 * install that enables the workflow sends them (a disabled workflow would not run them); so does a replay.
 */
export function workflowNotInstalled(target: Pick<Target, 'id'>): string {
  return `Target "${target.id}" has no workflow trigger URL yet: run usage-cert workflow install ${target.id} (POST /admin/targets/${target.id}/workflow/install), which stores it, then workflow test, then install again with --enable, which sends the batches held for it (or replay the delivery once it is enabled).`;
}

export function awaitingInstall(target: Pick<Target, 'id'>, now: Date): BatchTransition {
  return { status: 'AWAITING_INSTALL', lastError: { code: 'workflow_not_installed', message: workflowNotInstalled(target), at: now.toISOString() } };
}

/** Far more than the batches one target gathers before its install; the rest are sent by a replay. */
const RELEASE_LIMIT = 1000;

/** Queue the target's AWAITING_INSTALL batches again (its trigger URL is now stored); their deliveries reopen. */
export async function releaseAwaitingInstall(store: Pick<AdminStore, 'batchesByStatus' | 'replayBatch' | 'reopenDelivery'>, targetId: string, now: string): Promise<DispatchBatch[]> {
  const released: DispatchBatch[] = [];
  for (const batch of await store.batchesByStatus('AWAITING_INSTALL', RELEASE_LIMIT)) {
    if (batch.targetId !== targetId || !(await store.replayBatch(batch, 'AWAITING_INSTALL', now, false))) continue;
    await store.reopenDelivery(batch.deliveryId, { dispatched: 0, failed: 0, held: 1 });
    released.push(batch);
  }
  return released;
}
