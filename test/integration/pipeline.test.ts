/**
 * The whole local pipeline over real HTTP: webhook → dynalite → poller → HttpIscClient → fake ISC server.
 * Counts what ISC saw: tokens, searches, one execution per batch — under faults and token expiry — and scans
 * everything written for the secrets in play.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import { DeliveryDetail, IngestAnswer } from '../../functions/http/responses.js';
import { API_CLIENT, TRIGGER_CLIENT, WORKFLOW_ID, executionInput, seedIdentities, startFakeIsc } from '../helpers/fake-isc.js';

import { ADMIN_TOKEN, WEBHOOK_SECRET, settleDelivery, slackMapping, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';
import type { IscSimulator } from '../../functions/local/isc-simulator.js';

let isc: IscSimulator;
let stack: TestStack;
const responses: string[] = [];

beforeAll(async () => {
  isc = await startFakeIsc({ identities: seedIdentities(1200), tokenTtlSeconds: 300 });
  stack = await startTestStack({
    isc: new HttpIscClient({ timeoutMs: 2000, rateLimit: { requests: 90, windowMs: 10_000 } }),
    env: { BATCH_MAX_BYTES: '16384' },
    dispatch: { backoffBaseMs: 20, backoffCapMs: 100 },
  });
  const put = async (path: string, body: unknown) => responses.push(JSON.stringify((await stack.call('PUT', path, { body })).body));
  await put('/admin/targets/sim', { environment: 'production', tenant: 'acme-sim', triggerUrl: `${isc.url}/beta/workflows/execute/external/${WORKFLOW_ID}`, tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url });
  await put('/admin/targets/sim/credentials/trigger', TRIGGER_CLIENT);
  await put('/admin/targets/sim/credentials/api', API_CLIENT);
  await put('/admin/mappings/slack-production?skipSourceCheck=true', slackMapping({ targetId: 'sim', policy: { maxDaysActive: 0, cooldownDays: 0 } }));
});
afterAll(async () => {
  await stack.close();
  await isc.close();
});

let reports = 0;
async function post(emails: string[]): Promise<{ deliveryId: string; batches: number }> {
  const rows = emails.map((Email) => ({ Email, Name: Email.split('@')[0], 'Days Active': 0, Instance: 'Slack-production' }));
  const response = await stack.call('POST', '/webhooks/saas-management', { body: rows, headers: webhookHeaders({ 'idempotency-key': `pipeline-${++reports}` }) });
  responses.push(JSON.stringify(response.body));
  expect(response.status).toBe(202);
  const { deliveryId, instances } = response.read(IngestAnswer);
  return { deliveryId, batches: instances[0]!.batches };
}

const settle = (deliveryId: string) => settleDelivery(stack, deliveryId);

const users = (from: number, count: number) => Array.from({ length: count }, (_, i) => `user${from + i}@example.com`);

describe('Pipeline: webhook to ISC over HTTP', () => {
  it('sends each batch once with one token per client, resolving identities in chunks', async () => {
    const { deliveryId, batches } = await post([...users(0, 600), 'stranger@example.org']);
    expect(batches).toBeGreaterThan(3);
    expect(await settle(deliveryId)).toBe('DISPATCHED');
    expect(isc.state.count('token')).toBe(2); // one for the trigger client, one for the API client
    expect(isc.state.count('trigger')).toBe(batches);
    for (let part = 1; part <= batches; part++) expect(isc.state.executionCount(deliveryId, part)).toBe(1);
    const sent = isc.state.executions.flatMap((e) => executionInput(e).identityIds);
    expect(new Set(sent).size).toBe(600);
    const detail = await stack.call('GET', `/admin/deliveries/${deliveryId}`);
    responses.push(JSON.stringify(detail.body));
    expect(detail.read(DeliveryDetail).batches.flatMap((b) => b.unmatched)).toEqual(['stranger@example.org']);
    expect(detail.read(DeliveryDetail).batches.every((b) => typeof b.executionId === 'string')).toBe(true);
  });

  it('refreshes a token that expired early, transparently', async () => {
    const before = isc.state.count('token');
    isc.state.revokeAllTokens();
    const { deliveryId } = await post(users(700, 10));
    expect(await settle(deliveryId)).toBe('DISPATCHED');
    expect(isc.state.count('token')).toBe(before + 2);
  });

  it('retries 500s and a 429 and still sends each batch exactly once', async () => {
    isc.state.failNext('trigger', { type: 'status', status: 500 }, 3);
    isc.state.failNext('search', { type: 'rate-limit', retryAfterSeconds: 1 });
    const { deliveryId, batches } = await post(users(800, 20));
    expect(await settle(deliveryId)).toBe('DISPATCHED');
    for (let part = 1; part <= batches; part++) expect(isc.state.executionCount(deliveryId, part)).toBe(1);
  });

  it('fails a batch whose workflow is disabled, with ISC\'s message, and sends it after the fix and a replay', async () => {
    isc.state.disableWorkflow();
    const { deliveryId } = await post(users(900, 5));
    expect(await settle(deliveryId)).toBe('FAILED');
    const failed = await stack.call('GET', `/admin/deliveries/${deliveryId}`);
    expect(failed.read(DeliveryDetail).batches[0]?.lastError).toMatchObject({ code: 'workflow_not_executed' });
    expect(failed.read(DeliveryDetail).batches[0]?.lastError?.message).toContain('enabled');
    isc.state.enableWorkflow();
    await stack.call('POST', `/admin/deliveries/${deliveryId}/replay`);
    expect(await settle(deliveryId)).toBe('DISPATCHED');
    expect(isc.state.executionCount(deliveryId, 1)).toBe(1);
  });

  it('never writes a secret or token into logs or API responses', () => {
    const secrets = [WEBHOOK_SECRET, ADMIN_TOKEN, TRIGGER_CLIENT.clientSecret, API_CLIENT.clientSecret, ...isc.state.tokens.keys()];
    expect(isc.state.tokens.size).toBeGreaterThan(0);
    const written = [...stack.logs, ...responses].join('\n');
    expect(stack.logs.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(written).not.toContain(secret);
  });
});
