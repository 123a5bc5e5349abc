/**
 * MANAGER reviewer: a batch becomes one campaign per manager of its identities (the manager as individual reviewer),
 * since a v3 MANAGER campaign reviews every identity in the tenant. Workflow mode (one trigger per manager) and direct
 * mode (one /v3/campaigns campaign per manager), identities without a manager listed on the batch, a retry that
 * sends only the managers not sent yet, and the follow-through of every campaign to COMPLETED with its decisions.
 * Store on dynalite, ISC = the simulator over loopback, one controllable clock for the pipeline and the simulated run.
 */
import * as z from 'zod/mini';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import { DeliveryDetail } from '../../functions/http/responses.js';
import type { IscSimulator } from '../../functions/local/isc-simulator.js';
import { API_CLIENT, TRIGGER_CLIENT, startFakeIsc } from '../helpers/fake-isc.js';
import { slackMapping, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

const PAT = { clientId: 'manager-pat', clientSecret: 'manager-pat-secret' };
const ANN = { id: 'id-ann', name: 'Ann Boss' };
const BEN = { id: 'id-ben', name: 'Ben Chief' };
const MINUTE = 60_000;
let now = Date.parse('2026-12-01T08:00:00.000Z');
const clock = { now: () => new Date(now) };
let isc: IscSimulator;
let stack: TestStack;

beforeAll(async () => {
  isc = await startFakeIsc({
    identities: [
      { id: 'id-0', name: 'User 0', email: 'user0@example.com', manager: ANN },
      { id: 'id-1', name: 'User 1', email: 'user1@example.com', manager: BEN },
      { id: 'id-2', name: 'User 2', email: 'user2@example.com', manager: ANN },
      { id: 'id-3', name: 'User 3', email: 'user3@example.com', manager: null },
    ],
    clients: [TRIGGER_CLIENT, API_CLIENT, { ...PAT, userContext: true }],
    runClock: () => now,
    workflowRun: { executionMs: MINUTE, campaignStepMs: 60 * MINUTE },
  });
  stack = await startTestStack({ isc: new HttpIscClient({ timeoutMs: 2000 }), clock, dispatch: { followIntervalMs: 5 * MINUTE, backoffBaseMs: 1000, backoffCapMs: 1000 } });
  const urls = { environment: 'production', tenant: 'acme-sim', tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url };
  await stack.call('PUT', '/admin/targets/prod', { body: { ...urls, triggerUrl: `${isc.url}/v3/workflows/execute/external/wf-managers` } });
  await stack.call('PUT', '/admin/targets/prod/credentials/trigger', { body: TRIGGER_CLIENT });
  await stack.call('PUT', '/admin/targets/prod/credentials/api', { body: PAT });
  await stack.call('PUT', '/admin/targets/direct', { body: { ...urls, mode: 'direct' } });
  await stack.call('PUT', '/admin/targets/direct/credentials/api', { body: PAT });
  // No campaign settings: the reviewer defaults to MANAGER.
  const policy = { maxDaysActive: 0, cooldownDays: 0 };
  await stack.call('PUT', '/admin/mappings/slack-production?skipSourceCheck=true', { body: slackMapping({ policy }) });
  await stack.call('PUT', '/admin/mappings/teams-production?skipSourceCheck=true', { body: slackMapping({ application: 'Teams', instance: 'Teams-production', targetId: 'direct', policy }) });
});
afterAll(async () => {
  await stack?.close();
  await isc?.close();
});

const TriggerInput = z.object({
  deliveryId: z.string(),
  identityIds: z.array(z.string()),
  users: z.array(z.object({ email: z.string() })),
  campaign: z.object({ name: z.string(), nameFilter: z.string(), reviewer: z.object({ type: z.string(), id: z.optional(z.string()) }) }),
});

async function deliver(instance: string, users: number[], key: string): Promise<string> {
  const rows = users.map((i) => ({ Email: `user${i}@example.com`, 'Days Active': 0, Instance: instance }));
  const response = await stack.call('POST', '/webhooks/saas-management', { body: rows, headers: webhookHeaders({ 'idempotency-key': key }) });
  expect(response.status).toBe(202);
  return z.object({ deliveryId: z.string() }).parse(response.body).deliveryId;
}

async function detail(deliveryId: string): Promise<z.infer<typeof DeliveryDetail>> {
  return DeliveryDetail.parse((await stack.call('GET', `/admin/deliveries/${deliveryId}`)).body);
}

/** Poll (the sweeper included) until the delivery settles; the clock moves on so retries fall due. */
async function settled(deliveryId: string): Promise<z.infer<typeof DeliveryDetail>> {
  for (let round = 0; round < 50; round++) {
    await stack.poller.runOnce();
    const delivery = await detail(deliveryId);
    if (delivery.status !== 'QUEUED') return delivery;
    now += MINUTE;
  }
  throw new Error('delivery did not settle');
}

const inputsOf = (deliveryId: string) => isc.state.executions.map((execution) => TriggerInput.parse(execution.input)).filter((input) => input.deliveryId === deliveryId);

describe('MANAGER reviewer: one campaign per manager', () => {
  it('workflow mode: triggers once per manager with the manager as IDENTITY reviewer, lists the identity without a manager, and follows both campaigns to COMPLETED', async () => {
    const deliveryId = await deliver('Slack-production', [0, 1, 2, 3], 'managers-workflow');
    const delivery = await settled(deliveryId);
    expect(delivery.status).toBe('DISPATCHED');
    const [batch] = delivery.batches;
    const base = inputsOf(deliveryId)[0]!.campaign.name.replace(/ - manager .*$/, '');
    const names = [`${base} - manager Ann Boss (part 1 of 1)`, `${base} - manager Ben Chief (part 1 of 1)`];

    expect(inputsOf(deliveryId).map((input) => ({ name: input.campaign.name, reviewer: input.campaign.reviewer, identityIds: input.identityIds, users: input.users.length }))).toEqual([
      { name: names[0], reviewer: { type: 'IDENTITY', id: ANN.id }, identityIds: ['id-0', 'id-2'], users: 2 },
      { name: names[1], reviewer: { type: 'IDENTITY', id: BEN.id }, identityIds: ['id-1'], users: 1 },
    ]);
    expect(inputsOf(deliveryId)[0]!.campaign.nameFilter).toBe(`name eq "${names[0]}"`);
    expect(batch).toMatchObject({ status: 'DISPATCHED', campaign: null, withoutManager: ['user3@example.com'] });
    expect(batch!.campaigns!.map((c) => ({ manager: c.manager, name: c.name, identities: c.identities }))).toEqual([
      { manager: ANN, name: names[0], identities: 2 },
      { manager: BEN, name: names[1], identities: 1 },
    ]);
    expect(batch!.executionId).toBe(batch!.campaigns!.map((c) => c.executionId).join(','));

    // Followed: both executions, then both campaigns; decisions stay null until a campaign has COMPLETED.
    let followed = batch!;
    for (let round = 0; round < 20 && !followed.campaigns!.every((c) => c.campaign?.status === 'COMPLETED'); round++) {
      now += 30 * MINUTE;
      await stack.poller.runOnce();
      followed = (await detail(deliveryId)).batches[0]!;
      for (const c of followed.campaigns!) if (c.campaign && c.campaign.status !== 'COMPLETED') expect(c.campaign.decisions).toBeNull();
    }
    // The simulated reviewers revoke every third identity's access of each campaign (its first one here).
    expect(followed.campaigns!.map((c) => ({ execution: c.execution, name: c.campaign?.name, status: c.campaign?.status, decisions: c.campaign?.decisions }))).toEqual([
      { execution: { status: 'Completed' }, name: names[0], status: 'COMPLETED', decisions: { approved: 1, revoked: 1, pending: 0 } },
      { execution: { status: 'Completed' }, name: names[1], status: 'COMPLETED', decisions: { approved: 0, revoked: 1, pending: 0 } },
    ]);
    expect(followed.followUp?.nextCheckAt).toBeUndefined();
  });

  it('workflow mode: a retry after the second manager’s trigger failed sends only that manager', async () => {
    const draws = [0.9, 0];
    isc.state.setFaultMix({ faults: [{ share: 0.5, fault: { type: 'status', status: 503 } }], random: () => draws.shift() ?? 0.9, routes: ['trigger'] });
    const deliveryId = await deliver('Slack-production', [0, 1, 2], 'managers-retry');
    const delivery = await settled(deliveryId);
    isc.state.setFaultMix(undefined);
    expect(delivery.status).toBe('DISPATCHED');
    expect(delivery.batches[0]!.attempts).toBe(2);
    expect(inputsOf(deliveryId).map((input) => input.campaign.reviewer.id)).toEqual([ANN.id, BEN.id]);
    expect(delivery.batches[0]!.withoutManager).toEqual([]);
  });

  it('a later report of the same people searches ISC for neither their identities nor their managers (directory cache)', async () => {
    const searches = isc.state.count('search');
    const deliveryId = await deliver('Slack-production', [0, 1, 2], 'managers-cached');
    const delivery = await settled(deliveryId);
    expect(delivery.status).toBe('DISPATCHED');
    expect(inputsOf(deliveryId).map((input) => ({ reviewer: input.campaign.reviewer.id, identityIds: input.identityIds }))).toEqual([
      { reviewer: ANN.id, identityIds: ['id-0', 'id-2'] },
      { reviewer: BEN.id, identityIds: ['id-1'] },
    ]);
    expect(isc.state.count('search')).toBe(searches);
  });

  it('direct mode: creates one campaign per manager through /v3/campaigns, each reviewed by its manager', async () => {
    const before = new Set(isc.state.campaigns.keys());
    const deliveryId = await deliver('Teams-production', [0, 1, 2, 3], 'managers-direct');
    const delivery = await settled(deliveryId);
    expect(delivery.status).toBe('DISPATCHED');
    const created = [...isc.state.campaigns.values()].filter((c) => !before.has(c.id));
    expect(created.map((c) => ({ name: c.name.replace(/^.* - manager /, ''), reviewer: c.searchCampaignInfo.reviewer, identityIds: c.searchCampaignInfo.identityIds, status: c.status }))).toEqual([
      { name: 'Ann Boss (part 1 of 1)', reviewer: { type: 'IDENTITY', id: ANN.id }, identityIds: ['id-0', 'id-2'], status: 'ACTIVE' },
      { name: 'Ben Chief (part 1 of 1)', reviewer: { type: 'IDENTITY', id: BEN.id }, identityIds: ['id-1'], status: 'ACTIVE' },
    ]);
    const [batch] = delivery.batches;
    expect(batch!.campaigns!.map((c) => c.executionId)).toEqual(created.map((c) => `campaign:${c.id}`));
    expect(batch!.withoutManager).toEqual(['user3@example.com']);
  });

  it('fails a batch whose identities have no manager at all, naming them and the fix; nothing is sent', async () => {
    const executions = isc.state.executions.length;
    const deliveryId = await deliver('Slack-production', [3], 'managers-none');
    const delivery = await settled(deliveryId);
    expect(delivery.status).toBe('FAILED');
    expect(delivery.batches[0]!.lastError).toMatchObject({ code: 'no_manager' });
    expect(delivery.batches[0]!.lastError!.message).toContain('user3@example.com');
    expect(delivery.batches[0]!.withoutManager).toEqual(['user3@example.com']);
    expect(isc.state.executions.length).toBe(executions);
  });
});
