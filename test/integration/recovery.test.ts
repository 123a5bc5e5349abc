/**
 * Recovery paths on the real store (dynalite over HTTP) with a controllable clock: stranded PENDING batches
 * re-driven by the sweeper and by the admin, the oldest-unsettled metric, honest forced replays, a cooldown
 * that counts only what ISC received, and errors cleared once a batch is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DISPATCH_SETTINGS, dispatchBatch, sweep, type DispatcherDeps } from '../../functions/core/dispatcher.js';
import { pipelineHealth } from '../../functions/core/pipeline-health.js';
import { captureLog } from '../helpers/capture-log.js';
import { ScriptedIsc, unavailable } from '../helpers/scripted-isc.js';
import { DeliveryDetail, DeliverySchema, MappingView, Paged, RedriveAnswer, ReplayAnswer } from '../../functions/http/responses.js';
import { startDispatchStack, reportPoster } from '../helpers/dispatch-stack.js';

import { slackMapping, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let now = new Date('2026-11-26T10:00:00Z');
const clock = { now: () => now };
const advance = (ms: number) => {
  now = new Date(now.getTime() + ms);
};
const MINUTE = 60_000;
const DAY = 86_400_000;

beforeAll(async () => {
  stack = await startDispatchStack(clock, { 'zoom-production': slackMapping({ application: 'Zoom', instance: 'Zoom-production', targetId: 'prod-api', policy: { maxDaysActive: 0, cooldownDays: 30 } }) });
});
afterAll(() => stack.close());

const postReport = reportPoster(() => stack, 'recovery');

function deps(isc: ScriptedIsc): DispatcherDeps {
  return { store: stack.store, isc, secrets: stack.secrets, clock, log: captureLog(), settings: { ...DEFAULT_DISPATCH_SETTINGS, backoffBaseMs: 1000, backoffCapMs: 8000 } };
}

async function onlyBatch(deliveryId: string) {
  const delivery = (await stack.store.getDelivery(deliveryId))!;
  const batches = await stack.store.deliveryBatches(delivery);
  return { delivery, batch: batches[0]!, batches };
}

/** Settle whatever an earlier test left queued, so each test sees only its own batches. */
async function drain(): Promise<void> {
  for (const batch of await stack.store.batchesByStatus('PENDING', 100)) await dispatchBatch(batch, deps(new ScriptedIsc()));
}

describe('Recovery: stranded PENDING batches', () => {
  it('the sweeper re-drives a batch left PENDING past the grace period (its stream record was lost), once per grace period', async () => {
    await drain();
    const id = await postReport(['stranded@example.com']);
    const d = deps(new ScriptedIsc());
    advance(DEFAULT_DISPATCH_SETTINGS.pendingGraceMs - MINUTE);
    expect((await sweep(d)).redriven).toBe(0);
    advance(2 * MINUTE);
    expect((await sweep(d)).redriven).toBe(1);
    const redriven = (await onlyBatch(id)).batch;
    expect(redriven).toMatchObject({ status: 'PENDING', redrives: 1, updatedAt: now.toISOString() });
    // The new write starts a new grace period: the next minute's sweep leaves it alone.
    advance(MINUTE);
    expect((await sweep(d)).redriven).toBe(0);
    // The oldest-unsettled metric counts from when the batch was queued, not from the re-drive.
    const health = await pipelineHealth(stack.store, now, MINUTE);
    expect(health.oldestUnsettledSeconds).toBe((DEFAULT_DISPATCH_SETTINGS.pendingGraceMs + 2 * MINUTE) / 1000);
    expect(await dispatchBatch(redriven, d)).toBe('dispatched');
    expect((await pipelineHealth(stack.store, now, MINUTE)).oldestUnsettledSeconds).toBe(0);
  });

  it('POST /admin/deliveries/redrive re-drives stale PENDING batches at once and lists them; replay --force re-drives a PENDING batch', async () => {
    await drain();
    const id = await postReport(['redrive@example.com']);
    const fresh = await stack.call('POST', '/admin/deliveries/redrive?olderThanMinutes=5');
    expect(fresh.read(RedriveAnswer).redriven).toEqual([]);
    advance(6 * MINUTE);
    const response = await stack.call('POST', '/admin/deliveries/redrive?olderThanMinutes=5');
    expect(response.status).toBe(200);
    expect(response.read(RedriveAnswer).redriven).toEqual([{ deliveryId: id, index: 0, instanceKey: 'slack-production', pendingSince: expect.any(String) as unknown }]);
    expect(response.read(RedriveAnswer).hint).toContain('purge');

    const plain = await stack.call('POST', `/admin/deliveries/${id}/replay`);
    expect(plain.body).toMatchObject({ requeued: [], redriven: [], skipped: [{ index: 0, status: 'PENDING' }] });
    expect(plain.read(ReplayAnswer).hint).toContain('--force');
    const forced = await stack.call('POST', `/admin/deliveries/${id}/replay?force=true`);
    expect(forced.body).toMatchObject({ requeued: [], redriven: [0], skipped: [] });
    expect((await onlyBatch(id)).batch).toMatchObject({ status: 'PENDING', redrives: 2 });

    const bad = await stack.call('POST', '/admin/deliveries/redrive?olderThanMinutes=soon');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.error())).toContain('olderThanMinutes');
    await drain();
  });
});

describe('Recovery: honest forced replay', () => {
  it('a forced held batch with no identity in the tenant is FAILED naming the users, never DISPATCHED', async () => {
    const isc = new ScriptedIsc();
    const id = await postReport(['ghost1@example.com', 'ghost2@example.com'], 'Teams-production');
    expect(await dispatchBatch((await onlyBatch(id)).batch, deps(isc))).toBe('held');
    const replay = await stack.call('POST', `/admin/deliveries/${id}/replay?force=true`);
    expect(replay.body).toMatchObject({ requeued: [0], leftOut: [{ index: 0, count: 2, users: ['ghost1@example.com', 'ghost2@example.com'] }] });
    expect(await dispatchBatch((await onlyBatch(id)).batch, deps(isc))).toBe('failed');
    const { batch, delivery } = await onlyBatch(id);
    expect(batch).toMatchObject({ status: 'FAILED', lastError: { code: 'no_identities' }, unmatched: ['ghost1@example.com', 'ghost2@example.com'] });
    expect(batch.executionId).toBeUndefined();
    expect(batch.lastError!.message).toContain('ghost1@example.com, ghost2@example.com');
    expect(delivery.status).toBe('FAILED');
    expect(isc.triggers).toHaveLength(0);
  });

  it('a forced held batch sends the matched users, and the replay answer lists who is left out', async () => {
    const isc = new ScriptedIsc(new Map([['known@example.com', 'id-k']]));
    const id = await postReport(['known@example.com', 'lost1@example.com', 'lost2@example.com'], 'Teams-production');
    expect(await dispatchBatch((await onlyBatch(id)).batch, deps(isc))).toBe('held');
    const replay = await stack.call('POST', `/admin/deliveries/${id}/replay?force=true`);
    expect(replay.read(ReplayAnswer).leftOut).toEqual([{ index: 0, count: 2, users: ['lost1@example.com', 'lost2@example.com'] }]);
    expect(await dispatchBatch((await onlyBatch(id)).batch, deps(isc))).toBe('dispatched');
    expect(isc.triggers[0]).toMatchObject({ identityIds: ['id-k'], unmatchedCount: 2 });
  });
});

describe('Recovery: the cooldown counts only what ISC received', () => {
  it('a held batch cools no one down; a held batch replayed and sent later starts the cooldown then', async () => {
    const isc = new ScriptedIsc(new Map([['c1@example.com', 'id-c1']]));
    const users = ['c1@example.com', 'c2@example.com', 'c3@example.com'];
    const first = await postReport(users, 'Zoom-production');
    expect(await dispatchBatch((await onlyBatch(first)).batch, deps(isc))).toBe('held');

    advance(DAY);
    const second = await postReport(users, 'Zoom-production');
    const secondOutcome = (await onlyBatch(second)).delivery.instances[0]!;
    expect(secondOutcome).toMatchObject({ inactiveUsers: 3, cooledDown: 0, batches: 1 });

    // Forty days on (past the 30-day cooldown counted from the first report), the held batch is sent.
    advance(40 * DAY);
    await stack.call('POST', `/admin/deliveries/${first}/replay?force=true`);
    expect(await dispatchBatch((await onlyBatch(first)).batch, deps(isc))).toBe('dispatched');
    advance(DAY);
    const third = await postReport(users, 'Zoom-production');
    expect((await onlyBatch(third)).delivery.instances[0]).toMatchObject({ inactiveUsers: 0, cooledDown: 3, batches: 0 });
  });
});

describe('Recovery: a batch sent after a failed attempt carries no stale error', () => {
  it('clears lastError when the retry is DISPATCHED', async () => {
    await drain();
    const isc = new ScriptedIsc();
    isc.failNext(unavailable());
    const id = await postReport(['flaky@example.com']);
    const d = deps(isc);
    expect(await dispatchBatch((await onlyBatch(id)).batch, d)).toBe('retry');
    expect((await onlyBatch(id)).batch.lastError).toMatchObject({ code: 'isc_unavailable' });
    advance(10_000);
    await sweep(d);
    expect(await dispatchBatch((await onlyBatch(id)).batch, d)).toBe('dispatched');
    const sent = (await stack.call('GET', `/admin/deliveries/${id}`)).read(DeliveryDetail).batches[0];
    expect(sent).toMatchObject({ status: 'DISPATCHED', lastError: null });
  });
});

describe('Recovery: delivery list filters as admins type them', () => {
  it('accepts a plain date for since and batch-status names as aliases', async () => {
    const byDate = await stack.call('GET', `/admin/deliveries?since=${now.toISOString().slice(0, 10)}`);
    expect(byDate.status).toBe(200);
    expect(byDate.read(Paged(DeliverySchema)).items.length).toBeGreaterThan(0);
    const tomorrow = new Date(now.getTime() + DAY).toISOString().slice(0, 10);
    expect((await stack.call('GET', `/admin/deliveries?since=${tomorrow}`)).read(Paged(DeliverySchema)).items).toEqual([]);
    const withOffset = await stack.call('GET', `/admin/deliveries?since=${encodeURIComponent('2026-01-01T02:00:00+02:00')}`);
    expect(withOffset.status).toBe(200);

    const held = await stack.call('GET', '/admin/deliveries?status=HELD');
    const alias = await stack.call('GET', '/admin/deliveries?status=SUSPECT_MAPPING');
    expect(alias.status).toBe(200);
    expect(alias.read(Paged(DeliverySchema)).items.map((d) => d.id)).toEqual(held.read(Paged(DeliverySchema)).items.map((d) => d.id));
    expect((await stack.call('GET', '/admin/deliveries?status=SOMETIMES')).status).toBe(400);
  });
});

describe('Recovery: staleness is on without expectEveryDays', () => {
  it('learns the interval from the report history, shows it in the mapping list, and flags the mapping once reports stop', async () => {
    await stack.call('PUT', '/admin/mappings/notion-production', { body: slackMapping({ application: 'Notion', instance: 'Notion-production', policy: { maxDaysActive: 0, cooldownDays: 0 } }) });
    const view = async () => (await stack.call('GET', '/admin/mappings')).read(Paged(MappingView)).items.find((m) => m.instanceKey === 'notion-production');
    for (let week = 0; week < 3; week++) {
      if (week > 0) advance(7 * DAY);
      await postReport([`weekly${week}@example.com`], 'Notion-production');
      if (week < 2) expect((await view())?.expectedInterval).toBeNull();
    }
    expect(await view()).toMatchObject({ expectedInterval: { days: 10.5, learned: true }, stale: false });
    advance(11 * DAY);
    expect((await view())?.stale).toBe(true);
    expect((await pipelineHealth(stack.store, now, MINUTE)).staleMappings).toContain('notion-production');
    await drain();
  });
});
