import * as z from 'zod/mini';
import { notFound } from '../core/errors.js';
import { DELIVERY_STATUSES, type BatchStatus, type Delivery, type DeliveryStatus, type DispatchBatch } from '../core/delivery.js';
import { BooleanFlag, PagingQuery, audit, queryParams, wholeNumber, type AdminDeps } from './admin-common.js';
import { redriveStalePending } from '../core/redrive.js';
import type { Route } from './router.js';
import type { CampaignOutcome } from '../core/follow-up.js';
import { json } from './types.js';
import { DeliveryDetail, DeliverySchema, Paged, RedriveAnswer, ReplayAnswer } from './responses.js';

/** Batch statuses an admin sees in `deliveries show`, accepted for the delivery status they lead to. */
const STATUS_ALIASES: Record<string, DeliveryStatus> = { SUSPECT_MAPPING: 'HELD', AWAITING_INSTALL: 'HELD', PENDING: 'QUEUED', IN_FLIGHT: 'QUEUED', RETRY_WAIT: 'QUEUED' };

const DeliveryListQuery = z.extend(PagingQuery, {
  status: z.optional(z.pipe(z.enum([...DELIVERY_STATUSES, ...Object.keys(STATUS_ALIASES)]), z.transform((s): DeliveryStatus => STATUS_ALIASES[s] ?? (s as DeliveryStatus)))),
  // A date means its start (UTC); an offset is normalised to UTC, the form the index sorts by.
  since: z.optional(z.pipe(z.union([z.iso.datetime({ offset: true }), z.iso.date()]), z.transform((s) => new Date(s.length === 10 ? `${s}T00:00:00Z` : s).toISOString()))),
});

const ReplayQuery = z.object({ force: BooleanFlag });

const RedriveQuery = z.object({
  olderThanMinutes: z.optional(wholeNumber(0, 10_080)),
  limit: PagingQuery.shape.limit,
});

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
    // Followed after dispatch (core/follow-up.ts); decisions stay null until the campaign has completed.
    execution: batch.execution ?? null,
    campaign: campaignView(batch.campaign),
    campaigns: batch.campaigns?.map((c) => ({ manager: c.manager, name: c.name, identities: c.identityIds.length, executionId: c.executionId ?? null, execution: c.execution ?? null, campaign: campaignView(c.campaign) })) ?? null,
    withoutManager: batch.withoutManager ?? [],
    followUp: batch.followUp ?? null,
    nonEmployees: batch.nonEmployees ?? null,
    updatedAt: batch.updatedAt,
  };
}

function campaignView(campaign: CampaignOutcome | undefined) {
  return campaign ? { ...campaign, decisions: campaign.decisions ?? null } : null;
}

async function requireDelivery(deps: AdminDeps, id: string): Promise<Delivery> {
  const delivery = await deps.store.getDelivery(id);
  if (!delivery) throw notFound(`Delivery "${id}" does not exist.`);
  return delivery;
}

/**
 * Replaying FAILED and AWAITING_INSTALL batches is always allowed; DISPATCHED and held SUSPECT_MAPPING ones only with force. A forced
 * replay of a PENDING batch re-drives it (a new stream record), for a batch whose record went to the DLQ.
 */
const REPLAYABLE: Record<BatchStatus, 'always' | 'force' | 'never'> = {
  FAILED: 'always',
  SUSPECT_MAPPING: 'force',
  // Held only for the trigger URL: a replay sends it once the URL is there (and holds it again otherwise).
  AWAITING_INSTALL: 'always',
  DISPATCHED: 'force',
  PENDING: 'force',
  STAGED: 'never',
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
      responses: { 200: { description: 'A page of deliveries.', schema: Paged(DeliverySchema) } },
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
      summary: 'One delivery with per-instance outcome and every batch (attempts, ISC execution ids, errors, and after dispatch the followed execution {status, error?} and campaign {id, name, status, decisions:{approved, revoked, pending}}; a MANAGER batch lists campaigns[], one per manager, each with its own execution and campaign, and withoutManager[]; the unmatched users found in the target\'s NERM as nonEmployees).',
      responses: { 200: { description: 'The delivery and its batches.', schema: DeliveryDetail } },
      async handle(_request, { params }) {
        const delivery = await requireDelivery(deps, params.id!);
        const batches = await deps.store.deliveryBatches(delivery);
        return json(200, { ...delivery, batches: batches.map(batchView) });
      },
    },
    {
      method: 'POST',
      path: '/admin/deliveries/redrive',
      auth: 'admin',
      summary: 'Re-drive PENDING batches unchanged for olderThanMinutes (default 5): their stream records went to the DLQ. The sweeper does this after 15 minutes.',
      query: RedriveQuery,
      responses: { 200: { description: 'The batches re-driven.', schema: RedriveAnswer } },
      async handle(request, { log, actor }) {
        const query = queryParams(request, RedriveQuery);
        const redriven = await redriveStalePending({ store: deps.store, clock: deps.clock, log }, (query.olderThanMinutes ?? 5) * 60_000, query.limit ?? 100);
        log.info('PENDING batches re-driven', { actor, redriven: redriven.length });
        return json(200, {
          redriven: redriven.map(({ deliveryId, index, instanceKey, pendingSince }) => ({ deliveryId, index, instanceKey, pendingSince })),
          hint: 'The dispatch DLQ holds only pointers to stream records; once the batches above settle, purge it (aws sqs purge-queue).',
        });
      },
    },
    {
      method: 'POST',
      path: '/admin/deliveries/{id}/replay',
      auth: 'admin',
      summary: 'Re-queue FAILED batches (with force=true also DISPATCHED and SUSPECT_MAPPING ones, and re-drive PENDING ones).',
      query: ReplayQuery,
      responses: { 200: { description: 'What was re-queued, re-driven and skipped.', schema: ReplayAnswer } },
      async handle(request, { params, log, actor }) {
        const { force } = queryParams(request, ReplayQuery);
        const forced = force === 'true';
        const delivery = await requireDelivery(deps, params.id!);
        const now = deps.clock.now().toISOString();
        const replayed = { dispatched: 0, failed: 0, held: 0 };
        const requeued: number[] = [];
        const redriven: number[] = [];
        const skipped: Array<{ index: number; status: BatchStatus }> = [];
        // A forced held batch is sent with the users ISC knows; the admin sees now who is left out.
        const leftOut: Array<{ index: number; count: number; users: string[] }> = [];
        for (const batch of await deps.store.deliveryBatches(delivery)) {
          const rule = REPLAYABLE[batch.status];
          const allowed = rule === 'always' || (rule === 'force' && forced);
          if (allowed && batch.status === 'PENDING') {
            if (await deps.store.redriveBatch(batch, batch.updatedAt, now)) redriven.push(batch.index);
            else skipped.push({ index: batch.index, status: batch.status });
          } else if (allowed && (await deps.store.replayBatch(batch, batch.status, now, batch.status === 'SUSPECT_MAPPING'))) {
            requeued.push(batch.index);
            if (batch.status === 'FAILED') replayed.failed++;
            else if (batch.status === 'DISPATCHED') replayed.dispatched++;
            else replayed.held++;
            if (batch.status === 'SUSPECT_MAPPING' && batch.unmatched?.length) leftOut.push({ index: batch.index, count: batch.unmatched.length, users: batch.unmatched });
          } else {
            skipped.push({ index: batch.index, status: batch.status });
          }
        }
        if (requeued.length > 0 || redriven.length > 0) {
          if (requeued.length > 0) await deps.store.reopenDelivery(delivery.id, replayed);
          await deps.store.recordAudit(audit('delivery', delivery.id, 'replay', actor, deps.clock, undefined, { requeued, redriven, forced }));
        }
        log.info('delivery replayed', { correlationId: delivery.id, actor, requeued: requeued.length, redriven: redriven.length, forced });
        const forceWouldHelp = !forced && skipped.some((s) => REPLAYABLE[s.status] === 'force');
        return json(200, { deliveryId: delivery.id, requeued, redriven, skipped, leftOut, hint: forceWouldHelp ? 'force (CLI: --force, API: ?force=true) also re-sends DISPATCHED and SUSPECT_MAPPING batches and re-drives PENDING ones' : undefined });
      },
    },
  ];
}
