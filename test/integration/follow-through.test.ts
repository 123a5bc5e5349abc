/**
 * Follow-through: after DISPATCHED the sweeper follows each batch in ISC (the workflow execution, then the
 * campaign by its exact name, then its decisions) and stops at a final state. Store on dynalite, ISC = the
 * simulator over loopback (it "runs" the workflow), one controllable clock for the pipeline and the simulated run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import { followDispatched } from '../../functions/core/follow-up.js';
import { DEFAULT_DISPATCH_SETTINGS } from '../../functions/core/dispatcher.js';
import type { IscSimulator, SimulatorRoute } from '../../functions/local/isc-simulator.js';
import { captureLog } from '../helpers/capture-log.js';
import { DeliveryDetail, IngestAnswer } from '../../functions/http/responses.js';
import { API_CLIENT, TRIGGER_CLIENT, executionInput, seedIdentities, startFakeIsc } from '../helpers/fake-isc.js';

import { slackMapping, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

const PAT = { clientId: 'follow-pat', clientSecret: 'follow-pat-secret' };
const MINUTE = 60_000;
const FOLLOW_INTERVAL = 5 * MINUTE;
const CAMPAIGN_STEP = 60 * MINUTE;
let now = Date.now();
const clock = { now: () => new Date(now) };
let isc: IscSimulator;
let stack: TestStack;
let rows = 0;

beforeAll(async () => {
  isc = await startFakeIsc({ identities: seedIdentities(40), clients: [TRIGGER_CLIENT, API_CLIENT, { ...PAT, userContext: true }], runClock: () => now, workflowRun: { executionMs: MINUTE, campaignStepMs: CAMPAIGN_STEP } });
  stack = await startTestStack({ isc: new HttpIscClient({ timeoutMs: 2000 }), clock, dispatch: { followIntervalMs: FOLLOW_INTERVAL } });
  const target = { environment: 'production', tenant: 'acme-sim', triggerUrl: `${isc.url}/v3/workflows/execute/external/wf-follow`, tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url };
  await stack.call('PUT', '/admin/targets/prod', { body: target });
  await stack.call('PUT', '/admin/targets/prod/credentials/trigger', { body: TRIGGER_CLIENT });
  await stack.call('PUT', '/admin/targets/prod/credentials/api', { body: PAT });
  await stack.call('PUT', '/admin/targets/nokey', { body: target });
  await stack.call('PUT', '/admin/targets/nokey/credentials/trigger', { body: TRIGGER_CLIENT });
  // One campaign per batch (a named reviewer); MANAGER batches, one campaign per manager, are followed in manager-campaigns.test.ts.
  const campaign = { reviewer: { type: 'IDENTITY', id: 'id-reviewer' } };
  await stack.call('PUT', '/admin/mappings/slack-production?skipSourceCheck=true', { body: slackMapping({ policy: { maxDaysActive: 0, cooldownDays: 0 }, campaign }) });
  await stack.call('PUT', '/admin/mappings/teams-production?skipSourceCheck=true', { body: slackMapping({ application: 'Teams', instance: 'Teams-production', targetId: 'nokey', policy: { maxDaysActive: 0, cooldownDays: 0 }, campaign }) });
});
afterAll(async () => {
  await stack.close();
  await isc.close();
});

/** A delivery of `users` new users (fresh rows, so no dedupe), dispatched. */
async function dispatched(instance: string, users: number): Promise<string> {
  const body = Array.from({ length: users }, () => ({ Email: `user${rows++}@example.com`, 'Days Active': 0, Instance: instance }));
  const response = await stack.call('POST', '/webhooks/saas-management', { body, headers: webhookHeaders({ 'idempotency-key': `follow-${rows}` }) });
  expect(response.status).toBe(202);
  const deliveryId = response.read(IngestAnswer).deliveryId;
  for (let round = 0; round < 50; round++) {
    await stack.poller.runOnce();
    if ((await batch(deliveryId)).status === 'DISPATCHED') {
      // Due from the moment after it was sent (the clock stands still otherwise).
      now += 1;
      return deliveryId;
    }
  }
  throw new Error('not dispatched');
}

async function batch(deliveryId: string): Promise<z.output<typeof DeliveryDetail>['batches'][number]> {
  const detail = await stack.call('GET', `/admin/deliveries/${deliveryId}`);
  return detail.read(DeliveryDetail).batches[0]!;
}

const FOLLOW_ROUTES: SimulatorRoute[] = ['workflow-execution', 'campaigns', 'certifications', 'certification-decision-summary'];
const followCalls = () => FOLLOW_ROUTES.reduce((sum, route) => sum + isc.state.count(route), 0);
const deps = () => ({ store: stack.store, isc: new HttpIscClient({ timeoutMs: 2000 }), secrets: stack.secrets, clock, log: captureLog(), settings: { ...DEFAULT_DISPATCH_SETTINGS, followIntervalMs: FOLLOW_INTERVAL } });

describe('Following a dispatched batch to its outcome', () => {
  it('goes from DISPATCHED through the execution to a COMPLETED campaign with its decisions, then stops asking', async () => {
    const deliveryId = await dispatched('Slack-production', 5);
    await stack.poller.runOnce();
    expect(await batch(deliveryId)).toMatchObject({ execution: { status: 'Running' }, campaign: null, followUp: { checks: 1 } });

    // Not due yet: the next look waits for the follow interval, so no ISC call.
    const calls = followCalls();
    await stack.poller.runOnce();
    expect(followCalls()).toBe(calls);

    now += FOLLOW_INTERVAL + 1;
    await stack.poller.runOnce();
    const name = (await batch(deliveryId)).campaign?.name;
    expect(await batch(deliveryId)).toMatchObject({ execution: { status: 'Completed' }, campaign: { status: 'STAGED', decisions: null } });
    expect(name).toBe(executionInput(isc.state.executions.at(-1)!).campaign.name);

    now += CAMPAIGN_STEP;
    await stack.poller.runOnce();
    expect((await batch(deliveryId)).campaign!.status).toBe('ACTIVE');

    now += CAMPAIGN_STEP;
    await stack.poller.runOnce();
    const done = await batch(deliveryId);
    // Five certifications of one account decision each; the simulated reviewers revoke every third identity's (0 and 3).
    expect(done.campaign).toMatchObject({ name, status: 'COMPLETED', decisions: { approved: 3, revoked: 2, pending: 0 } });
    expect(done.campaign!.id).toMatch(/^[0-9a-f]{32}$/);
    expect(done.execution).toEqual({ status: 'Completed' });
    expect(done.followUp!.nextCheckAt).toBeUndefined();

    const finalCalls = followCalls();
    for (let day = 1; day <= 3; day++) {
      now += 24 * 60 * MINUTE;
      await stack.poller.runOnce();
    }
    expect(followCalls()).toBe(finalCalls);
  });

  it('lists a failed execution on the delivery and counts it once for the FailedBatches alarm', async () => {
    isc.state.runs.failNextExecutions();
    const deliveryId = await dispatched('Slack-production', 2);
    now += FOLLOW_INTERVAL + 1;
    const first = await followDispatched(deps());
    expect(first.failed).toBe(1);
    const failed = await batch(deliveryId);
    expect(failed.status).toBe('DISPATCHED');
    expect(failed.execution!.status).toBe('Failed');
    expect(failed.execution!.error).toContain('Failed');
    expect(failed.campaign).toBeNull();
    now += FOLLOW_INTERVAL + 1;
    const calls = followCalls();
    expect((await followDispatched(deps())).failed).toBe(0);
    expect(followCalls()).toBe(calls);
  });

  it('lists a campaign ISC put in ERROR and counts it for the alarm', async () => {
    isc.state.runs.errorNextCampaigns();
    const deliveryId = await dispatched('Slack-production', 2);
    now += FOLLOW_INTERVAL + 1;
    expect((await followDispatched(deps())).failed).toBe(1);
    expect(await batch(deliveryId)).toMatchObject({ execution: { status: 'Completed' }, campaign: { status: 'ERROR', decisions: null }, followUp: { checks: 1 } });
    expect((await batch(deliveryId)).followUp!.nextCheckAt).toBeUndefined();
  });

  it('follows the campaign alone when ISC will not show the execution (403: executions need ORG_ADMIN)', async () => {
    const deliveryId = await dispatched('Slack-production', 3);
    isc.state.failNext('workflow-execution', { type: 'status', status: 403 });
    now += FOLLOW_INTERVAL + 1;
    await followDispatched(deps());
    expect(await batch(deliveryId)).toMatchObject({ execution: null, campaign: { status: 'STAGED' }, followUp: { executionUnreadable: true } });
    const executions = isc.state.count('workflow-execution');
    now += 2 * CAMPAIGN_STEP;
    await followDispatched(deps());
    expect(await batch(deliveryId)).toMatchObject({ execution: null, campaign: { status: 'COMPLETED', decisions: { approved: 2, revoked: 1, pending: 0 } } });
    expect(isc.state.count('workflow-execution')).toBe(executions);
  });

  it('notes a target without API credentials and makes no follow-up call', async () => {
    const deliveryId = await dispatched('Teams-production', 2);
    const calls = followCalls();
    await stack.poller.runOnce();
    expect(await batch(deliveryId)).toMatchObject({ execution: null, campaign: null, followUp: { checks: 1, note: 'no_api_credentials' } });
    now += FOLLOW_INTERVAL + 1;
    await stack.poller.runOnce();
    expect(followCalls()).toBe(calls);
    expect((await batch(deliveryId)).followUp!.checks).toBe(1);
  });
});
