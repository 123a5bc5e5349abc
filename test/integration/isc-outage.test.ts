/**
 * A full ISC outage on a controllable clock (issue 13): every ISC call answers 503 until the outage ends. The
 * batch-level backoff retries within seconds first and grows; a 20-minute outage ends FAILED after at least
 * 15 minutes and 8 attempts, counted in the FailedBatches metric the sweeper publishes for the alarm; a
 * shorter outage recovers and delivers. The ISC client's waits between tries advance the same clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import { pipelineHealth } from '../../functions/core/pipeline-health.js';
import type { IscSimulator } from '../../functions/local/isc-simulator.js';
import { API_CLIENT, TRIGGER_CLIENT, WORKFLOW_ID, seedIdentities, startFakeIsc } from '../helpers/fake-isc.js';
import { slackMapping, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

const MINUTE = 60_000;
let now = new Date('2026-12-03T09:00:00Z');
const clock = { now: () => now };
const advance = (ms: number) => {
  now = new Date(now.getTime() + ms);
};

let isc: IscSimulator;
let stack: TestStack;

beforeAll(async () => {
  isc = await startFakeIsc({ identities: seedIdentities(20), rateLimit: false });
  stack = await startTestStack({
    clock,
    isc: (rateLedger) => new HttpIscClient({ timeoutMs: 1_000, clock, rateLedger, sleep: (ms) => Promise.resolve(advance(ms)) }),
  });
  await stack.call('PUT', '/admin/targets/sim', { body: { environment: 'production', tenant: 'acme-sim', triggerUrl: `${isc.url}/beta/workflows/execute/external/${WORKFLOW_ID}`, tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url } });
  await stack.call('PUT', '/admin/targets/sim/credentials/trigger', { body: TRIGGER_CLIENT });
  await stack.call('PUT', '/admin/targets/sim/credentials/api', { body: API_CLIENT });
  await stack.call('PUT', '/admin/mappings/slack-production?skipSourceCheck=true', { body: slackMapping({ targetId: 'sim', policy: { maxDaysActive: 0, cooldownDays: 0 } }) });
});
afterAll(async () => {
  await stack?.close();
  await isc?.close();
});

/** Post a one-batch report, then run dispatch rounds while ISC is down for `outageMs`, jumping the clock to each retry. */
async function throughOutage(deliveryId: string, outageMs: number) {
  advance(24 * 60 * MINUTE);
  const rows = Array.from({ length: 5 }, (_, i) => ({ Email: `user${i}@example.com`, 'Days Active': 0, Instance: 'Slack-production' }));
  expect((await stack.call('POST', '/webhooks/saas-management', { body: rows, headers: webhookHeaders({ 'idempotency-key': deliveryId }) })).status).toBe(202);
  const start = now.getTime();
  isc.state.setFaultMix({ faults: [{ share: 1, fault: { type: 'status', status: 503 } }], random: () => 0 });
  const attemptsAt: number[] = [];
  for (let round = 0; round < 50; round++) {
    if (now.getTime() - start >= outageMs) isc.state.setFaultMix(undefined);
    await stack.poller.runOnce();
    const delivery = (await stack.store.getDelivery(deliveryId))!;
    const [batch] = await stack.store.deliveryBatches(delivery);
    if (batch!.attempts > attemptsAt.length) attemptsAt.push(now.getTime() - start);
    if (batch!.status !== 'RETRY_WAIT') return { batch: batch!, delivery, attemptsAt, elapsedMs: now.getTime() - start };
    now = new Date(Math.max(now.getTime(), Date.parse(batch!.dueAt!)) + 1);
  }
  throw new Error('the batch did not settle within 50 rounds');
}

describe('Reliability: a full ISC outage', () => {
  it('ends FAILED after at least 15 minutes and 8 attempts when ISC is down for 20 minutes, and the alarm metric counts it', async () => {
    // Act
    const { batch, delivery, attemptsAt, elapsedMs } = await throughOutage('outage-20m', 20 * MINUTE);
    // Assess
    expect(batch).toMatchObject({ status: 'FAILED', attempts: 8, lastError: { code: 'isc_unavailable' } });
    expect(batch.lastError!.message).toContain('gave up after 8 attempts');
    expect(delivery.status).toBe('FAILED');
    expect(elapsedMs).toBeGreaterThanOrEqual(15 * MINUTE);
    expect(elapsedMs).toBeLessThan(20 * MINUTE);
    // Seconds first: the first retries come within half a minute.
    expect(attemptsAt[1]! - attemptsAt[0]!).toBeLessThanOrEqual(5_000);
    expect(attemptsAt[3]!).toBeLessThanOrEqual(30_000);
    // The sweeper publishes this count as the FailedBatches metric, which the FailedBatches alarm watches.
    expect((await pipelineHealth(stack.store, now, MINUTE)).failedBatches).toBe(1);
    expect(isc.state.executionCount('outage-20m', 1)).toBe(0);
  });

  it('recovers and delivers once when the outage lasts 3 minutes', async () => {
    isc.state.reset();
    const { batch, delivery, elapsedMs } = await throughOutage('outage-3m', 3 * MINUTE);
    expect(batch).toMatchObject({ status: 'DISPATCHED' });
    expect(batch.attempts).toBeGreaterThan(3);
    expect(delivery.status).toBe('DISPATCHED');
    expect(elapsedMs).toBeLessThan(10 * MINUTE);
    expect(isc.state.executionCount('outage-3m', 1)).toBe(1);
  });
});
