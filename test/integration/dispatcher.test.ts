/**
 * dispatchBatch and sweep against the real store (dynalite over HTTP) with a controllable clock: claims,
 * leases, retries, holds, failures and concurrency. ISC is the in-process port fake; the HTTP ISC client has
 * its own suite against the fake ISC server.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DISPATCH_SETTINGS, dispatchBatch, sweep, type DispatcherDeps } from '../../functions/core/dispatcher.js';
import { startPoller } from '../../functions/local/poller.js';
import { captureLog } from '../helpers/capture-log.js';
import { ScriptedIsc, rateLimited, rejected, unavailable } from '../helpers/scripted-isc.js';
import { ReplayAnswer } from '../../functions/http/responses.js';
import { movableClock, startDispatchStack, reportPoster } from '../helpers/dispatch-stack.js';
import { productionTarget, slackMapping, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
const { clock, advance } = movableClock('2026-11-26T10:00:00Z');

beforeAll(async () => {
  stack = await startDispatchStack(clock);
});
afterAll(() => stack.close());

const postReport = reportPoster(() => stack, 'dispatch');

function deps(isc: ScriptedIsc, overrides: Partial<DispatcherDeps['settings']> = {}): DispatcherDeps {
  return { store: stack.store, isc, secrets: stack.secrets, clock, log: captureLog(), settings: { ...DEFAULT_DISPATCH_SETTINGS, backoffBaseMs: 1000, backoffCapMs: 8000, ...overrides } };
}

async function onlyBatch(deliveryId: string) {
  const delivery = (await stack.store.getDelivery(deliveryId))!;
  const [batch] = await stack.store.deliveryBatches(delivery);
  return { delivery, batch: batch! };
}

describe('Function: dispatchBatch', () => {
  beforeEach(() => advance(60_000));

  it('sends a PENDING batch once and records the execution id; the delivery becomes DISPATCHED', async () => {
    const isc = new ScriptedIsc();
    const id = await postReport(['a@example.com', 'b@example.com']);
    const { batch } = await onlyBatch(id);
    expect(await dispatchBatch(batch, deps(isc))).toBe('dispatched');
    expect(await dispatchBatch(batch, deps(isc))).toBe('skipped');
    const after = await onlyBatch(id);
    expect(after.batch).toMatchObject({ status: 'DISPATCHED', executionId: 'exec-1', attempts: 1, identityResolution: 'skipped_no_api_credentials' });
    expect(after.delivery.status).toBe('DISPATCHED');
    expect(isc.triggers[0]).toMatchObject({ deliveryId: id, batch: { index: 1, count: 1 }, identityIds: [], unmatchedCount: 0, instance: { name: 'Slack-production', environment: 'production' } });
    expect(isc.triggers[0]!.users.map((u) => u.email)).toEqual(['a@example.com', 'b@example.com']);
  });

  it('waits and retries 5xx with backoff, then fails after the attempt cap', async () => {
    const isc = new ScriptedIsc();
    isc.failNext(unavailable(), unavailable(), unavailable());
    const id = await postReport(['retry@example.com']);
    const { batch } = await onlyBatch(id);
    const d = deps(isc, { maxAttempts: 3 });
    expect(await dispatchBatch(batch, d)).toBe('retry');
    const waiting = (await onlyBatch(id)).batch;
    expect(waiting).toMatchObject({ status: 'RETRY_WAIT', attempts: 1, lastError: { code: 'isc_unavailable', status: 502 } });
    expect(Date.parse(waiting.dueAt!) - clock.now().getTime()).toBeGreaterThanOrEqual(500);
    expect(await sweep(d)).toMatchObject({ retried: 0 }); // not due yet
    advance(8_000);
    expect(await sweep(d)).toMatchObject({ retried: 1 });
    expect(await dispatchBatch(batch, d)).toBe('retry');
    advance(8_000);
    await sweep(d);
    expect(await dispatchBatch(batch, d)).toBe('failed');
    const failed = await onlyBatch(id);
    expect(failed.batch).toMatchObject({ status: 'FAILED', attempts: 3 });
    expect(failed.batch.lastError!.message).toContain('gave up after 3 attempts');
    expect(failed.delivery.status).toBe('FAILED');
    expect(isc.triggers).toHaveLength(0);
  });

  it('honours 429 without using up attempts', async () => {
    const isc = new ScriptedIsc();
    isc.failNext(rateLimited(3000), rateLimited(3000));
    const id = await postReport(['throttle@example.com']);
    const { batch } = await onlyBatch(id);
    const d = deps(isc, { maxAttempts: 1 });
    for (let i = 0; i < 2; i++) {
      expect(await dispatchBatch(batch, d)).toBe('retry');
      const waiting = (await onlyBatch(id)).batch;
      expect(waiting).toMatchObject({ status: 'RETRY_WAIT', attempts: 0, throttled: i + 1 });
      expect(Date.parse(waiting.dueAt!) - clock.now().getTime()).toBeGreaterThanOrEqual(3000);
      advance(5_000);
      await sweep(d);
    }
    expect(await dispatchBatch(batch, d)).toBe('dispatched');
  });

  it('fails at once, keeping ISC error details, when ISC rejects the request', async () => {
    const isc = new ScriptedIsc();
    isc.failNext(rejected());
    const id = await postReport(['rejected@example.com']);
    const { batch } = await onlyBatch(id);
    expect(await dispatchBatch(batch, deps(isc))).toBe('failed');
    expect((await onlyBatch(id)).batch.lastError).toMatchObject({ code: 'isc_request_rejected', status: 400, isc: { detailCode: '400.1 Bad request content', trackingId: 't-1' } });
  });

  it('fails at once with environment_mismatch, before any identity search or trigger, when the token belongs to a sandbox org', async () => {
    const isc = new ScriptedIsc();
    isc.tokenOrgs.set('prod-api', 'acme-sb');
    const id = await postReport(['sandboxed@example.com'], 'Teams-production');
    expect(await dispatchBatch((await onlyBatch(id)).batch, deps(isc))).toBe('failed');
    const { batch, delivery } = await onlyBatch(id);
    expect(batch).toMatchObject({ status: 'FAILED', attempts: 1, lastError: { code: 'environment_mismatch' } });
    expect(batch.lastError!.message).toContain('Not sent to target "prod-api" (production, tenant "acme-api")');
    expect(delivery.status).toBe('FAILED');
    expect(isc.searches).toEqual([]);
    expect(isc.triggers).toEqual([]);
  });

  it.each(['trigger', 'api'] as const)('fails at once (1 attempt, no ISC call) naming the fix when the %s secret was deleted by hand', async (kind) => {
    // Prepare: a target with its credentials (api ones imply identity resolution first), then one secret removed
    // from the store behind the API's back.
    const targetId = `gone-${kind}`;
    const instance = `Gone${kind}-production`;
    await stack.call('PUT', `/admin/targets/${targetId}`, { body: productionTarget });
    for (const k of kind === 'api' ? ['trigger', 'api'] : ['trigger']) await stack.call('PUT', `/admin/targets/${targetId}/credentials/${k}`, { body: { clientId: k, clientSecret: `gone-secret-${k}-98765` } });
    await stack.call('PUT', `/admin/mappings/${instance.toLowerCase()}?skipSourceCheck=true`, { body: slackMapping({ application: 'Gone', instance, targetId, policy: { maxDaysActive: 0, cooldownDays: 0 } }) });
    const file = join(stack.dir, 'secrets.json');
    const secrets = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    delete secrets[`targets/${targetId}/${kind}`];
    await writeFile(file, JSON.stringify(secrets));
    const isc = new ScriptedIsc();
    const d = deps(isc);
    const id = await postReport([`gone-${kind}@example.com`], instance);
    // Act
    expect(await dispatchBatch((await onlyBatch(id)).batch, d)).toBe('failed');
    // Assess
    const { batch, delivery } = await onlyBatch(id);
    expect(batch).toMatchObject({ status: 'FAILED', attempts: 1, lastError: { code: 'credentials_missing' } });
    expect(batch.dueAt).toBeUndefined();
    expect(batch.lastError!.message).toBe(
      `The ${kind} credentials of target "${targetId}" cannot be used: Secret targets/${targetId}/${kind} does not exist. ` +
        `Set them with PUT /admin/targets/${targetId}/credentials/${kind} (CLI: usage-cert targets set-credentials ${targetId} --kind ${kind} --client-id <id>).`,
    );
    expect(delivery.status).toBe('FAILED');
    expect(isc.triggers).toHaveLength(0);
    expect(isc.searches).toHaveLength(0);
    expect((d.log as ReturnType<typeof captureLog>).lines.join('\n')).not.toContain('gone-secret');
  });

  it('resolves identities with the API client, records the unmatched, and holds a low match share as SUSPECT_MAPPING', async () => {
    const isc = new ScriptedIsc(new Map([['known1@example.com', 'id-1'], ['known2@example.com', 'id-2']]));
    const good = await postReport(['known1@example.com', 'known2@example.com', 'stranger@example.com'], 'Teams-production');
    expect(await dispatchBatch((await onlyBatch(good)).batch, deps(isc))).toBe('dispatched');
    expect((await onlyBatch(good)).batch).toMatchObject({ status: 'DISPATCHED', unmatched: ['stranger@example.com'], identityResolution: 'resolved' });
    expect(isc.triggers[0]).toMatchObject({ identityIds: ['id-1', 'id-2'], unmatchedCount: 1 });

    const suspect = await postReport(['known1@example.com', 'x1@example.com', 'x2@example.com'], 'Teams-production');
    expect(await dispatchBatch((await onlyBatch(suspect)).batch, deps(isc))).toBe('held');
    const held = await onlyBatch(suspect);
    expect(held.batch).toMatchObject({ status: 'SUSPECT_MAPPING', lastError: { code: 'suspect_mapping' } });
    expect(held.batch.lastError!.message).toContain('Only 1 of 3 users (33%)');
    expect(held.delivery.status).toBe('HELD');
    expect(isc.triggers).toHaveLength(1);

    // An admin who checked the mapping sends it anyway.
    const replay = await stack.call('POST', `/admin/deliveries/${suspect}/replay?force=true`);
    expect(replay.read(ReplayAnswer).requeued).toEqual([0]);
    expect(await dispatchBatch((await onlyBatch(suspect)).batch, deps(isc))).toBe('dispatched');
    expect((await onlyBatch(suspect)).delivery.status).toBe('DISPATCHED');
    expect(isc.triggers[1]).toMatchObject({ identityIds: ['id-1'], unmatchedCount: 2 });
  });

  it('keeps the identities an attempt found, so the retry searches only the emails not searched yet', async () => {
    // Prepare: the first attempt resolves every email, then the trigger fails.
    const isc = new ScriptedIsc(new Map([['known1@example.com', 'id-1'], ['known2@example.com', 'id-2']]));
    isc.failNext(unavailable());
    const id = await postReport(['known1@example.com', 'known2@example.com', 'stranger@example.com'], 'Teams-production');
    const { batch } = await onlyBatch(id);
    const d = deps(isc);
    // Act
    expect(await dispatchBatch(batch, d)).toBe('retry');
    const waiting = (await onlyBatch(id)).batch;
    advance(60_000);
    await sweep(d);
    expect(await dispatchBatch(batch, d)).toBe('dispatched');
    // Assess
    expect(waiting.identities).toEqual({ 'known1@example.com': 'id-1', 'known2@example.com': 'id-2', 'stranger@example.com': null });
    expect(isc.searches).toHaveLength(1);
    expect(isc.triggers[0]).toMatchObject({ identityIds: ['id-1', 'id-2'], unmatchedCount: 1 });
  });

  it('keeps the chunks a failed identity search completed, and the retry searches only the rest', async () => {
    const isc = new ScriptedIsc(new Map([['chunk1@example.com', 'id-1'], ['chunk2@example.com', 'id-2']]));
    isc.failNextSearch(2, unavailable());
    const id = await postReport(['chunk1@example.com', 'stranger@example.com', 'chunk2@example.com'], 'Teams-production');
    const { batch } = await onlyBatch(id);
    const d = deps(isc);
    expect(await dispatchBatch(batch, d)).toBe('retry');
    expect((await onlyBatch(id)).batch.identities).toEqual({ 'chunk1@example.com': 'id-1', 'stranger@example.com': null });
    advance(60_000);
    await sweep(d);
    expect(await dispatchBatch(batch, d)).toBe('dispatched');
    expect(isc.searches.at(-1)).toEqual(['chunk2@example.com']);
    expect(isc.triggers.at(-1)).toMatchObject({ identityIds: ['id-1', 'id-2'], unmatchedCount: 1 });
  });

  it('picks up a batch whose dispatcher died mid-call once its lease expires, and sends it once', async () => {
    const isc = new ScriptedIsc();
    const id = await postReport(['crash@example.com']);
    const { batch } = await onlyBatch(id);
    const d = deps(isc, { leaseMs: 30_000 });
    // A dispatcher claims the batch and dies before settling it.
    expect(await stack.store.claimBatch(batch, clock.now().toISOString(), new Date(clock.now().getTime() + 30_000).toISOString())).toBeDefined();
    expect(await dispatchBatch(batch, d)).toBe('skipped');
    advance(31_000);
    expect(await sweep(d)).toMatchObject({ reclaimed: 1 });
    expect(await dispatchBatch(batch, d)).toBe('dispatched');
    expect(isc.sendsPerBatch().get(`${id}/Slack-production/1`)).toBe(1);
    expect((await onlyBatch(id)).batch.attempts).toBe(2);
  });
});

describe('Function: sweep', () => {
  it('recounts a delivery whose dispatcher died between settling the batch and counting it', async () => {
    const isc = new ScriptedIsc();
    const id = await postReport(['recount@example.com']);
    const { batch } = await onlyBatch(id);
    const lease = new Date(clock.now().getTime() + 30_000).toISOString();
    await stack.store.claimBatch(batch, clock.now().toISOString(), lease);
    await stack.store.settleBatch(batch, lease, { status: 'DISPATCHED', executionId: 'x' }, clock.now().toISOString());
    // ...and the process died before recordSettlement.
    const d = deps(isc, { leaseMs: 30_000 });
    expect((await sweep(d)).reconciled).toBe(0); // too recent to judge
    advance(11_000);
    expect((await sweep(d)).reconciled).toBe(1);
    expect((await stack.store.getDelivery(id))).toMatchObject({ status: 'DISPATCHED', settled: { dispatched: 1, failed: 0, held: 0 } });
  });
});

describe('Function: startPoller', () => {
  it('two pollers on one store send every batch exactly once', async () => {
    const isc = new ScriptedIsc();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await postReport([`p${i}a@example.com`, `p${i}b@example.com`]));
    const first = startPoller(deps(isc), 3_600_000, 3);
    const second = startPoller(deps(isc), 3_600_000, 3);
    for (let round = 0; round < 10 && isc.triggers.length < 12; round++) await Promise.all([first.runOnce(), second.runOnce()]);
    await Promise.all([first.stop(), second.stop()]);
    const sends = isc.sendsPerBatch();
    for (const id of ids) expect(sends.get(`${id}/Slack-production/1`)).toBe(1);
    for (const id of ids) expect((await stack.store.getDelivery(id))!.status).toBe('DISPATCHED');
  });
});
