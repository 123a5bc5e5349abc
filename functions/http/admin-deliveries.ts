import * as z from 'zod/mini';
import { notFound } from '../core/errors.js';
import { DELIVERY_STATUSES, type BatchStatus, type Delivery, type DispatchBatch } from '../core/delivery.js';
import { BooleanFlag, PagingQuery, audit, queryParams, type AdminDeps } from './admin-common.js';
import type { Route } from './router.js';
import { json } from './types.js';

const DeliveryListQuery = z.extend(PagingQuery, {
  status: z.optional(z.enum(DELIVERY_STATUSES)),
  since: z.optional(z.iso.datetime({ offset: true })),
});

const ReplayQuery = z.object({ force: BooleanFlag });

/** A batch as an admin needs it: where it stands, what ISC said, who was not found; not the whole input. */
function batchView(batch: DispatchBatch) {
  return {
    index: batch.index,
    instanceKey: batch.instanceKey,
    targetId: batch.targetId,
    part: batch.input.batch,
    status: batch.status,
    attempts: batch.attempts,
    users: batch.input.users.length,
    executionId: batch.executionId ?? null,
    dueAt: batch.dueAt ?? null,
    identityResolution: batch.identityResolution ?? null,
    unmatched: batch.unmatched ?? [],
    lastError: batch.lastError ?? null,
    updatedAt: batch.updatedAt,
  };
}

async function requireDelivery(deps: AdminDeps, id: string): Promise<Delivery> {
  const delivery = await deps.store.getDelivery(id);
  if (!delivery) throw notFound(`Delivery "${id}" does not exist.`);
  return delivery;
}

/** Replaying FAILED batches is always allowed; DISPATCHED and held SUSPECT_MAPPING ones only with force. */
const REPLAYABLE: Record<BatchStatus, 'always' | 'force' | 'never'> = {
  FAILED: 'always',
  SUSPECT_MAPPING: 'force',
  DISPATCHED: 'force',
  STAGED: 'never',
  PENDING: 'never',
  IN_FLIGHT: 'never',
  RETRY_WAIT: 'never',
};

export function deliveryRoutes(deps: AdminDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/admin/deliveries',
      auth: 'admin',
      summary: 'List deliveries, newest first (status, since, limit ≤ 250, cursor).',
      query: DeliveryListQuery,
      async handle(request) {
        const query = queryParams(request, DeliveryListQuery);
        const page = await deps.store.listDeliveries({ status: query.status, since: query.since, limit: query.limit ?? 50, cursor: query.cursor });
        return json(200, { items: page.items, next: page.next ?? null });
      },
    },
    {
      method: 'GET',
      path: '/admin/deliveries/{id}',
      auth: 'admin',
      summary: 'One delivery with per-instance outcome and every batch (attempts, ISC execution ids, errors).',
      async handle(_request, { params }) {
        const delivery = await requireDelivery(deps, params.id!);
        const batches = await deps.store.deliveryBatches(delivery);
        return json(200, { ...delivery, batches: batches.map(batchView) });
      },
    },
    {
      method: 'POST',
      path: '/admin/deliveries/{id}/replay',
      auth: 'admin',
      summary: 'Re-queue FAILED batches (with force=true also DISPATCHED and SUSPECT_MAPPING ones).',
      query: ReplayQuery,
      async handle(request, { params, log, actor }) {
        const { force } = queryParams(request, ReplayQuery);
        const forced = force === 'true';
        const delivery = await requireDelivery(deps, params.id!);
        const now = deps.clock.now().toISOString();
        const replayed = { dispatched: 0, failed: 0, held: 0 };
        const requeued: number[] = [];
        const skipped: Array<{ index: number; status: BatchStatus }> = [];
        for (const batch of await deps.store.deliveryBatches(delivery)) {
          const rule = REPLAYABLE[batch.status];
          const allowed = rule === 'always' || (rule === 'force' && forced);
          if (allowed && (await deps.store.replayBatch(batch, batch.status, now, batch.status === 'SUSPECT_MAPPING'))) {
            requeued.push(batch.index);
            if (batch.status === 'FAILED') replayed.failed++;
            else if (batch.status === 'DISPATCHED') replayed.dispatched++;
            else replayed.held++;
          } else {
            skipped.push({ index: batch.index, status: batch.status });
          }
        }
        if (requeued.length > 0) {
          await deps.store.reopenDelivery(delivery.id, replayed);
          await deps.store.recordAudit(audit('delivery', delivery.id, 'replay', actor, deps.clock, undefined, { requeued, forced }));
        }
        log.info('delivery replayed', { correlationId: delivery.id, actor, requeued: requeued.length, forced });
        return json(200, { deliveryId: delivery.id, requeued, skipped, hint: skipped.some((s) => REPLAYABLE[s.status] === 'force') && !forced ? 'add force=true to also re-send DISPATCHED and SUSPECT_MAPPING batches' : undefined });
      },
    },
  ];
}
