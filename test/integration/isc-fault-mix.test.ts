/**
 * Delivery through a flaky ISC (issue 13), on the real clock: the ISC simulator draws, for every call, 20 %
 * HTTP 500, 10 % HTTP 429 with Retry-After: 1, 5 % connection resets and 2 % tokens revoked early, from a
 * seeded generator (a failing run can be replayed), and issues tokens that live 3 s. A 2,000-user report over
 * three mapped instances must have every batch DISPATCHED, the workflow run exactly once per batch, within
 * 120 s of the 202.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import type { IscSimulator } from '../../functions/local/isc-simulator.js';
import { DeliveryDetail, IngestAnswer } from '../../functions/http/responses.js';
import { API_CLIENT, TRIGGER_CLIENT, WORKFLOW_ID, executionInput, seedIdentities, startFakeIsc } from '../helpers/fake-isc.js';

import { FAULT_MIX, seededRandom } from '../helpers/fault-mix.js';
import { slackMapping, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

const INSTANCES = ['Slack-production', 'Zoom-production', 'Teams-production'];
const USERS = 2_000;
const SEED = 20261203;

let isc: IscSimulator;
let stack: TestStack;

beforeAll(async () => {
  isc = await startFakeIsc({ identities: seedIdentities(USERS), tokenTtlSeconds: 3 });
  stack = await startTestStack({
    // The wiring of `npm start`: the rate limit is held in the table.
    isc: (rateLedger) => new HttpIscClient({ timeoutMs: 2_000, rateLedger }),
    env: { BATCH_MAX_BYTES: '32768' },
    pollIntervalMs: 200,
  });
  await stack.call('PUT', '/admin/targets/sim', { body: { environment: 'production', tenant: 'acme-sim', triggerUrl: `${isc.url}/beta/workflows/execute/external/${WORKFLOW_ID}`, tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url } });
  await stack.call('PUT', '/admin/targets/sim/credentials/trigger', { body: TRIGGER_CLIENT });
  await stack.call('PUT', '/admin/targets/sim/credentials/api', { body: API_CLIENT });
  for (const instance of INSTANCES) {
    const [application] = instance.split('-');
    await stack.call('PUT', `/admin/mappings/${instance.toLowerCase()}?skipSourceCheck=true`, { body: slackMapping({ application, instance, targetId: 'sim', policy: { maxDaysActive: 0, cooldownDays: 0 } }) });
  }
});
afterAll(async () => {
  await stack?.close();
  await isc?.close();
});

describe('Reliability: the issue-13 fault mix', () => {
  it('dispatches every batch of a 2,000-user report exactly once within 120 s of the 202', async () => {
    // Prepare
    isc.state.setFaultMix({ faults: FAULT_MIX, random: seededRandom(SEED) });
    const rows = Array.from({ length: USERS }, (_, i) => ({ Email: `user${i}@example.com`, Name: `User ${i}`, 'Days Active': 0, Instance: INSTANCES[i % 3] }));

    // Act
    const posted = await stack.call('POST', '/webhooks/saas-management', { body: rows, headers: webhookHeaders({ 'idempotency-key': 'fault-mix-1' }) });
    const accepted = Date.now();
    expect(posted.status).toBe(202);
    let status = 'QUEUED';
    for (let poll = 0; poll < 600 && status === 'QUEUED' && Date.now() - accepted < 130_000; poll++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      status = (await stack.store.getDelivery('fault-mix-1'))!.status;
    }
    const elapsedMs = Date.now() - accepted;
    isc.state.setFaultMix(undefined);

    // Assess
    const batches = (await stack.call('GET', '/admin/deliveries/fault-mix-1')).read(DeliveryDetail).batches;
    console.log(`fault mix (seed ${SEED}): ${batches.length} batches DISPATCHED in ${(elapsedMs / 1000).toFixed(1)} s after the 202; attempts per batch ${batches.map((b) => b.attempts).join(',')}; ISC answered ${isc.state.calls.filter((c) => c.status === 500).length}×500, ${isc.state.calls.filter((c) => c.status === 429).length}×429, ${isc.state.calls.filter((c) => c.status === 401).length}×401, ${isc.state.calls.filter((c) => c.status === 0).length} resets`);
    expect(status).toBe('DISPATCHED');
    expect(elapsedMs).toBeLessThanOrEqual(120_000);
    expect(batches.length).toBeGreaterThanOrEqual(8);
    expect(new Set(batches.map((b) => b.instanceKey)).size).toBe(3);
    const perInstance = posted.read(IngestAnswer).instances;
    const inputs = isc.state.executions.map(executionInput);
    for (const [i, instance] of perInstance.entries()) {
      for (let index = 1; index <= instance.batches; index++) expect(inputs.filter((input) => input.deliveryId === 'fault-mix-1' && input.instance.name === INSTANCES[i] && input.batch.index === index)).toHaveLength(1);
    }
    expect(inputs.filter((input) => input.deliveryId === 'fault-mix-1')).toHaveLength(batches.length);
    // The faults really happened.
    expect(isc.state.calls.filter((c) => c.status >= 500 || c.status === 429 || c.status === 0).length).toBeGreaterThan(5);
  }, 150_000);
});
