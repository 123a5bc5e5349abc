/**
 * Reliability: a fake ISC that misbehaves at random — 429 with Retry-After, 500, 502, answers slower than our
 * timeout, connection resets, tokens expiring early — while many batches go out. Every batch must end
 * DISPATCHED, and the workflow must have run exactly once per batch: each fault here happens before ISC runs
 * the workflow (a reset after it ran is the at-least-once case the crash test and the workflow's
 * check-before-create cover).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import type { Fault, IscSimulator } from '../../functions/local/isc-simulator.js';
import { DeliveryDetail, IngestAnswer } from '../../functions/http/responses.js';
import { API_CLIENT, TRIGGER_CLIENT, WORKFLOW_ID, seedIdentities, startFakeIsc } from '../helpers/fake-isc.js';

import { seededRandom } from '../helpers/fault-mix.js';
import { slackMapping, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

let isc: IscSimulator;
let stack: TestStack;

beforeAll(async () => {
  isc = await startFakeIsc({ identities: seedIdentities(400), tokenTtlSeconds: 300 });
  stack = await startTestStack({
    // Far above a normal answer even on a starved CPU (a normal answer that timed out after ISC ran the workflow
    // would be the at-least-once case, not an injected fault), far below the injected delay.
    isc: new HttpIscClient({ timeoutMs: 2_000 }),
    env: { BATCH_MAX_BYTES: '8192' },
    dispatch: { backoffBaseMs: 10, backoffCapMs: 80, maxAttempts: 8 },
  });
  await stack.call('PUT', '/admin/targets/sim', { body: { environment: 'production', tenant: 'acme-sim', triggerUrl: `${isc.url}/beta/workflows/execute/external/${WORKFLOW_ID}`, tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url } });
  await stack.call('PUT', '/admin/targets/sim/credentials/trigger', { body: TRIGGER_CLIENT });
  await stack.call('PUT', '/admin/targets/sim/credentials/api', { body: API_CLIENT });
  await stack.call('PUT', '/admin/mappings/slack-production?skipSourceCheck=true', { body: slackMapping({ targetId: 'sim', policy: { maxDaysActive: 0, cooldownDays: 0 } }) });
});
afterAll(async () => {
  await stack.close();
  await isc.close();
});

const FAULTS: Fault[] = [
  { type: 'rate-limit', retryAfterSeconds: 1 },
  { type: 'status', status: 500 },
  { type: 'status', status: 502 },
  { type: 'delay', ms: 4_000 },
  { type: 'reset' },
];

describe('Reliability: ISC faults', () => {
  it('dispatches every batch exactly once through random 429s, 5xx, timeouts, resets and early token expiry', async () => {
    // Prepare: about a third of the calls to each route fail, in a seeded random order.
    const next = seededRandom(20261126);
    for (const route of ['trigger', 'search'] as const) {
      for (let i = 0; i < 24; i++) isc.state.failNext(route, next() < 0.35 ? FAULTS[Math.floor(next() * FAULTS.length)]! : { type: 'delay', ms: 1 });
    }
    const rows = Array.from({ length: 400 }, (_, i) => ({ Email: `user${i}@example.com`, Name: `User ${i}`, 'Days Active': 0, Instance: 'Slack-production' }));
    const posted = await stack.call('POST', '/webhooks/saas-management', { body: rows, headers: webhookHeaders({ 'idempotency-key': 'faults-1' }) });
    expect(posted.status).toBe(202);
    const batches = posted.read(IngestAnswer).instances[0]!.batches;
    expect(batches).toBeGreaterThan(5);

    // Act: dispatch rounds, revoking every token once midway; bounded so a bug fails rather than hangs.
    let status = 'QUEUED';
    for (let round = 0; round < 400 && status === 'QUEUED'; round++) {
      if (round === 3) isc.state.revokeAllTokens();
      await stack.poller.runOnce();
      status = (await stack.store.getDelivery('faults-1'))!.status;
      if (status === 'QUEUED') await new Promise((resolve) => setTimeout(resolve, 30));
    }

    // Assess
    expect(status).toBe('DISPATCHED');
    for (let part = 1; part <= batches; part++) expect(isc.state.executionCount('faults-1', part)).toBe(1);
    const faulted = isc.state.calls.filter((c) => c.status === 429 || c.status >= 500).length;
    expect(faulted).toBeGreaterThan(3); // the faults really happened
    const batchesDetail = (await stack.call('GET', '/admin/deliveries/faults-1')).read(DeliveryDetail).batches;
    expect(batchesDetail.some((b) => b.attempts > 1)).toBe(true);
  }, 60_000);
});
