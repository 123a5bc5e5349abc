/**
 * Direct mode: for tenants without the workflow, the dispatcher creates the campaign through /v3/campaigns
 * (found by name first, activated once STAGED). The fake ISC enforces the request shapes and that only a
 * user-context token may use the campaigns API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import type { IscSimulator } from '../../functions/local/isc-simulator.js';
import type { IscError } from '../../functions/core/errors.js';
import { batchInput, type BatchEnvelope, type WorkflowInput } from '../../functions/core/workflow-input.js';
import { API_CLIENT, seedIdentities, simulatorTarget, startFakeIsc } from '../helpers/fake-isc.js';
import { DeliveryDetail, IngestAnswer, ReplayAnswer } from '../../functions/http/responses.js';
import { ValidationIssues } from '../helpers/answer.js';
import { slackMapping, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';


const PAT = { clientId: 'cert-admin-pat', clientSecret: 'cert-admin-pat-secret' };
let isc: IscSimulator;
let stack: TestStack;
const client = new HttpIscClient({ timeoutMs: 2000 });
const directTarget = () => simulatorTarget(isc.url, { id: 'direct', mode: 'direct', triggerUrl: undefined });

function directInput(deliveryId: string, campaign: Partial<BatchEnvelope['campaign']> = {}): WorkflowInput {
  const envelope: BatchEnvelope = {
    deliveryId,
    instance: { application: 'Slack', name: 'Slack-production', environment: 'production' },
    source: { id: 'src-1' },
    period: { start: null, end: '2026-11-25T00:00:00.000Z' },
    policy: { maxDaysActive: 0 },
    campaign: { name: `Inactive Slack users [${deliveryId}]`, description: 'd', deadline: '2099-01-01T00:00:00.000Z', duration: '14d', reviewer: { type: 'MANAGER' }, ...campaign },
  };
  return { ...batchInput(envelope, { index: 1, count: 1 }, []), identityIds: ['id-0', 'id-1'], unmatchedCount: 0 };
}

beforeAll(async () => {
  isc = await startFakeIsc({ identities: seedIdentities(30), clients: [{ ...PAT, userContext: true }, API_CLIENT] });
  stack = await startTestStack({ isc: new HttpIscClient({ timeoutMs: 2000 }), dispatch: { backoffBaseMs: 20, backoffCapMs: 100 } });
  const direct = { environment: 'production', tenant: 'acme-sim', mode: 'direct', tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url };
  await stack.call('PUT', '/admin/targets/direct', { body: direct });
  await stack.call('PUT', '/admin/targets/direct/credentials/api', { body: PAT });
  await stack.call('PUT', '/admin/targets/no-pat', { body: direct });
  await stack.call('PUT', '/admin/targets/no-pat/credentials/api', { body: API_CLIENT });
  const reviewer = { type: 'IDENTITY', id: 'id-29' };
  await stack.call('PUT', '/admin/mappings/slack-production?skipSourceCheck=true', { body: slackMapping({ targetId: 'direct', campaign: { reviewer }, policy: { maxDaysActive: 0, cooldownDays: 0 } }) });
  await stack.call('PUT', '/admin/mappings/teams-production?skipSourceCheck=true', { body: slackMapping({ application: 'Teams', instance: 'Teams-production', targetId: 'no-pat' }) });
});
afterAll(async () => {
  await stack.close();
  await isc.close();
});

async function deliver(instance: string, key: string): Promise<string> {
  const rows = [0, 1, 2, 3, 4].map((i) => ({ Email: `user${i}@example.com`, 'Days Active': 0, Instance: instance }));
  const response = await stack.call('POST', '/webhooks/saas-management', { body: rows, headers: webhookHeaders({ 'idempotency-key': key }) });
  expect(response.status).toBe(202);
  return response.read(IngestAnswer).deliveryId;
}

async function settle(deliveryId: string): Promise<z.output<typeof DeliveryDetail>> {
  for (let round = 0; round < 100; round++) {
    await stack.poller.runOnce();
    const detail = await stack.call('GET', `/admin/deliveries/${deliveryId}`);
    const delivery = detail.read(DeliveryDetail);
    if (delivery.status !== 'QUEUED') return delivery;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('delivery did not settle');
}

describe('Direct mode', () => {
  it('accepts a workflow-mode target without a triggerUrl (workflow install stores it), and still checks one that is given', async () => {
    expect((await stack.call('PUT', '/admin/targets/nope', { body: { environment: 'production', tenant: 'acme' } })).status).toBe(201);
    const response = await stack.call('PUT', '/admin/targets/nope2', { body: { environment: 'production', tenant: 'acme', triggerUrl: 'ftp://acme.example.com/x' } });
    expect(response.status).toBe(422);
    expect(response.error(ValidationIssues).details.issues[0]?.field).toBe('triggerUrl');
  });

  it('creates, then activates, one SEARCH campaign over the resolved identities, named for the delivery and part', async () => {
    const deliveryId = await deliver('Slack-production', 'direct-1');
    const delivery = await settle(deliveryId);
    expect(delivery.status).toBe('DISPATCHED');
    const campaigns = [...isc.state.campaigns.values()];
    expect(campaigns).toHaveLength(1);
    expect(campaigns[0]).toMatchObject({
      status: 'ACTIVE',
      type: 'SEARCH',
      searchCampaignInfo: { type: 'IDENTITY', identityIds: ['id-0', 'id-1', 'id-2', 'id-3', 'id-4'], reviewer: { type: 'IDENTITY', id: 'id-29' } },
    });
    expect(campaigns[0]!.name).toMatch(/direct-1\] \(part 1 of 1\)$/);
    // ISC's default for emailNotificationEnabled is false: reviewers would never hear of the campaign.
    expect(campaigns[0]!.emailNotificationEnabled).toBe(true);
    expect(delivery.batches[0]?.executionId).toBe(`campaign:${campaigns[0]!.id}`);
  });

  it('reuses the campaign on a replay instead of creating a second one', async () => {
    const replay = await stack.call('POST', '/admin/deliveries/direct-1/replay?force=true');
    expect(replay.read(ReplayAnswer).requeued).toEqual([0]);
    const delivery = await settle('direct-1');
    expect(delivery.status).toBe('DISPATCHED');
    expect(isc.state.campaigns.size).toBe(1);
    expect(isc.state.count('campaign-create')).toBe(1);
  });

  it('counts the deadline from the moment the campaign is created, so a replay long after ingest is still accepted', async () => {
    // The ingest-time deadline is long past, as for a replay weeks later; ISC refuses to activate with a past deadline.
    const input = directInput('direct-late', { deadline: '2020-01-01T00:00:00.000Z' });
    const { campaignId, created } = await client.createCampaign(directTarget(), PAT, input);
    expect(created).toBe(true);
    const campaign = isc.state.campaigns.get(campaignId)!;
    expect(campaign.status).toBe('ACTIVE');
    expect(Date.parse(campaign.deadline) - Date.now()).toBeGreaterThan(13 * 86_400_000);
  });

  it('stops with ISC\'s status when the campaign of that name is in ERROR, instead of retrying forever', async () => {
    const input = directInput('direct-error');
    isc.state.campaigns.set('errored', { id: 'errored', name: input.campaign.name, description: 'd', deadline: '2099-01-01T00:00:00.000Z', type: 'SEARCH', status: 'ERROR' as 'ACTIVE', emailNotificationEnabled: true, searchCampaignInfo: { type: 'IDENTITY', identityIds: ['id-0'] }, pendingPolls: 0 });
    const error = await client.createCampaign(directTarget(), PAT, input).then(() => undefined, (e: unknown) => e as IscError);
    expect(error).toMatchObject({ code: 'campaign_failed', retryable: false });
    expect(error!.message).toContain('is ERROR in ISC');
  });

  it('fails a batch whose direct-mode target has no API credentials, saying what direct mode needs', async () => {
    await stack.call('PUT', '/admin/targets/no-creds', { body: { environment: 'production', tenant: 'acme-sim', mode: 'direct', tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url } });
    await stack.call('PUT', '/admin/mappings/zoom-production?skipSourceCheck=true', { body: slackMapping({ application: 'Zoom', instance: 'Zoom-production', targetId: 'no-creds' }) });
    const delivery = await settle(await deliver('Zoom-production', 'direct-no-creds'));
    expect(delivery.status).toBe('FAILED');
    expect(delivery.batches[0]?.lastError).toMatchObject({ code: 'credentials_missing' });
    expect(delivery.batches[0]?.lastError?.message).toMatch(/^Target "no-creds" has no API credentials \(direct mode creates campaigns with a user-context PAT\)\. Set them with PUT \/admin\/targets\/no-creds\/credentials\/api/);
  });

  it('fails with ISC\'s reason when the credential is not a user-context token', async () => {
    const deliveryId = await deliver('Teams-production', 'direct-2');
    const delivery = await settle(deliveryId);
    expect(delivery.status).toBe('FAILED');
    expect(delivery.batches[0]?.lastError).toMatchObject({ code: 'isc_request_rejected', status: 403 });
    expect(delivery.batches[0]?.lastError?.message).toContain('user-context token');
  });
});
