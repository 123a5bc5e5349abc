/**
 * Non-employees (NERM): after identity resolution the dispatcher looks the unmatched users up in the target's NERM
 * and records what it found on the batch. The local stack on dynalite, the real ISC and NERM HTTP clients, and the
 * simulator (ISC and NERM's /api routes) over loopback: found, not found, NERM down, feature off, and nermUrl rules.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import { HttpNermClient } from '../../functions/adapters/nerm-client.js';
import { DeliveryDetail, ErrorBody } from '../../functions/http/responses.js';
import type { IscSimulator, SimulatedNermUser, SimulatorRoute } from '../../functions/local/isc-simulator.js';
import { TRIGGER_CLIENT, seedIdentities, startFakeIsc } from '../helpers/fake-isc.js';
import { settleDelivery, slackMapping, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

const PAT = { clientId: 'nerm-pat', clientSecret: 'nerm-pat-secret-9d' };
const SPONSOR: SimulatedNermUser = { id: '0b1d4f0e-1111-4000-8000-000000000001', name: 'Sara Sponsor', email: 'sara.sponsor@example.com', type: 'NeaccessUser', status: 'Active' };
const CONTRACTOR: SimulatedNermUser = { id: '0b1d4f0e-1111-4000-8000-000000000002', name: 'Carl Contractor', email: 'carl@partner.example', type: 'NeprofileUser', status: 'Active', title: 'Contractor', managerId: SPONSOR.id };
const GUEST: SimulatedNermUser = { id: '0b1d4f0e-1111-4000-8000-000000000003', name: 'Gwen Guest', email: 'gwen@partner.example', type: 'NeprofileUser', status: 'Disabled' };
const NERM_ROUTES: SimulatorRoute[] = ['nerm-users', 'nerm-user', 'nerm-user-managers'];

let isc: IscSimulator;
let stack: TestStack;
let deliveries = 0;

beforeAll(async () => {
  isc = await startFakeIsc({ identities: seedIdentities(10), clients: [TRIGGER_CLIENT, { ...PAT, userContext: true }], nermUsers: [SPONSOR, CONTRACTOR, GUEST] });
  stack = await startTestStack({ isc: new HttpIscClient({ timeoutMs: 2000 }), nerm: new HttpNermClient({ timeoutMs: 2000, retry: { budgetMs: 2000 } }) });
  const target = { environment: 'production', tenant: 'acme-sim', triggerUrl: `${isc.url}/v3/workflows/execute/external/wf-nerm`, tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url };
  for (const [id, body] of [['nerm', { ...target, nermUrl: isc.url }], ['plain', target]] as const) {
    expect((await stack.call('PUT', `/admin/targets/${id}`, { body })).status).toBe(201);
    await stack.call('PUT', `/admin/targets/${id}/credentials/trigger`, { body: TRIGGER_CLIENT });
    await stack.call('PUT', `/admin/targets/${id}/credentials/api`, { body: PAT });
  }
  await stack.call('PUT', '/admin/mappings/slack-production?skipSourceCheck=true', { body: slackMapping({ targetId: 'nerm', policy: { maxDaysActive: 0, cooldownDays: 0 } }) });
  await stack.call('PUT', '/admin/mappings/teams-production?skipSourceCheck=true', { body: slackMapping({ application: 'Teams', instance: 'Teams-production', targetId: 'plain', policy: { maxDaysActive: 0, cooldownDays: 0 } }) });
});
afterAll(async () => {
  await stack?.close();
  await isc?.close();
});
beforeEach(() => isc.state.reset());

/** Post one report of these inactive users and dispatch it; the batch as GET /admin/deliveries/{id} shows it. */
async function dispatched(instance: string, emails: string[]) {
  const body = emails.map((Email) => ({ Email, 'Days Active': 0, Instance: instance }));
  const posted = await stack.call('POST', '/webhooks/saas-management', { body, headers: webhookHeaders({ 'idempotency-key': `nerm-${deliveries++}` }) });
  expect(posted.status).toBe(202);
  const deliveryId = z.object({ deliveryId: z.string() }).parse(posted.body).deliveryId;
  expect(await settleDelivery(stack, deliveryId)).toBe('DISPATCHED');
  const detail = DeliveryDetail.parse((await stack.call('GET', `/admin/deliveries/${encodeURIComponent(deliveryId)}`)).body);
  return detail.batches[0]!;
}

const nermCalls = () => NERM_ROUTES.reduce((sum, route) => sum + isc.state.count(route), 0);
const known = ['user0@example.com', 'user1@example.com', 'user2@example.com'];

describe('NERM look-up of the users ISC does not know', () => {
  it('records a found non-employee with type, status and sponsor, and sends the batch with the users ISC knows', async () => {
    const batch = await dispatched('Slack-production', [...known, 'Carl@Partner.example', 'nobody@partner.example']);
    expect(batch.status).toBe('DISPATCHED');
    expect(batch.unmatched).toEqual(['carl@partner.example', 'nobody@partner.example']);
    expect(batch.nonEmployees).toMatchObject({ checked: 2, skipped: 0 });
    expect(batch.nonEmployees?.found).toEqual([
      { email: 'carl@partner.example', nermId: CONTRACTOR.id, type: 'NeprofileUser', status: 'Active', manager: { name: 'Sara Sponsor', email: 'sara.sponsor@example.com' } },
    ]);
    expect(batch.nonEmployees?.error).toBeUndefined();
    // One users look-up per unmatched email; the manager's relationship and record only for the one found.
    expect([isc.state.count('nerm-users'), isc.state.count('nerm-user-managers'), isc.state.count('nerm-user')]).toEqual([2, 1, 1]);
    expect(isc.state.executions).toHaveLength(1);
    // Only what an admin acts on is stored: no NERM title, login or name of the non-employee.
    expect(JSON.stringify(batch.nonEmployees)).not.toMatch(/Contractor|Carl/);
  });

  it('records an empty result when NERM knows none of them, and a user without a manager without one', async () => {
    const batch = await dispatched('Slack-production', [...known, 'stranger@partner.example', 'gwen@partner.example']);
    expect(batch.nonEmployees?.found).toEqual([{ email: 'gwen@partner.example', nermId: GUEST.id, type: 'NeprofileUser', status: 'Disabled' }]);
    expect(isc.state.count('nerm-user')).toBe(0);
    const none = await dispatched('Slack-production', [...known, 'stranger@partner.example']);
    expect(none.nonEmployees).toMatchObject({ checked: 1, skipped: 0, found: [] });
  });

  it('sends the batch when NERM is down and records the look-up error', async () => {
    isc.state.failNext('nerm-users', { type: 'status', status: 503 }, 20);
    const batch = await dispatched('Slack-production', [...known, 'carl@partner.example', 'nobody@partner.example']);
    expect(batch.status).toBe('DISPATCHED');
    expect(batch.lastError).toBeNull();
    expect(isc.state.executions).toHaveLength(1);
    expect(batch.nonEmployees).toMatchObject({ checked: 0, skipped: 2, found: [], error: { code: 'isc_unavailable' } });
    expect(batch.nonEmployees?.error?.message).toMatch(/^NERM look-up stopped: .*GET \/api\/users.*503/);
    // Stopped after the first email: the second was never asked for.
    expect(isc.state.calls.filter((call) => call.route === 'nerm-users').every((call) => call.query.includes('carl%40partner.example'))).toBe(true);
  });

  it('makes no NERM request when the target has no nermUrl', async () => {
    const batch = await dispatched('Teams-production', [...known, 'carl@partner.example']);
    expect(batch.unmatched).toEqual(['carl@partner.example']);
    expect(batch.nonEmployees).toBeNull();
    expect(nermCalls()).toBe(0);
    expect(isc.state.executions).toHaveLength(1);
  });

  it('forgets an earlier look-up when a replay finds NERM turned off', async () => {
    const target = { environment: 'production', tenant: 'acme-sim', triggerUrl: `${isc.url}/v3/workflows/execute/external/wf-nerm`, tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url };
    await stack.call('PUT', '/admin/targets/later', { body: { ...target, nermUrl: isc.url } });
    await stack.call('PUT', '/admin/targets/later/credentials/trigger', { body: TRIGGER_CLIENT });
    await stack.call('PUT', '/admin/targets/later/credentials/api', { body: PAT });
    await stack.call('PUT', '/admin/mappings/zoom-production?skipSourceCheck=true', { body: slackMapping({ application: 'Zoom', instance: 'Zoom-production', targetId: 'later', policy: { maxDaysActive: 0, cooldownDays: 0 } }) });
    const first = await dispatched('Zoom-production', [...known, 'carl@partner.example']);
    expect(first.nonEmployees?.found).toHaveLength(1);
    // Turned off (the credentials stay: nermUrl is not an ISC URL), then replayed: the old finding must not linger.
    await stack.call('PUT', '/admin/targets/later', { body: target });
    const deliveryId = (await stack.store.listDeliveries({ limit: 1 })).items[0]!.id;
    expect((await stack.call('POST', `/admin/deliveries/${encodeURIComponent(deliveryId)}/replay?force=true`)).status).toBe(200);
    isc.state.reset();
    expect(await settleDelivery(stack, deliveryId)).toBe('DISPATCHED');
    const replayed = DeliveryDetail.parse((await stack.call('GET', `/admin/deliveries/${encodeURIComponent(deliveryId)}`)).body).batches[0]!;
    expect(replayed.nonEmployees).toBeNull();
    expect(nermCalls()).toBe(0);
  });

  it('makes no NERM request when every user is an ISC identity', async () => {
    const batch = await dispatched('Slack-production', known);
    expect(batch.nonEmployees).toBeNull();
    expect(nermCalls()).toBe(0);
  });
});

describe('nermUrl on a target', () => {
  const target = { environment: 'production', tenant: 'acme', triggerUrl: 'https://acme.api.identitynow.com/v3/workflows/execute/external/wf-1' };

  it('accepts a NERM tenant host and shows it on the target', async () => {
    const saved = await stack.call('PUT', '/admin/targets/nerm-ok', { body: { ...target, nermUrl: 'https://acme.nonemployee.com' } });
    expect(saved.status).toBe(201);
    expect(z.object({ nermUrl: z.string() }).parse(saved.body).nermUrl).toBe('https://acme.nonemployee.com');
  });

  it.each([
    ['https://acme.example.com', 422, 'isc_host_not_allowed', 'not a NERM tenant host'],
    ['http://acme.nonemployee.com', 422, 'isc_host_not_allowed', 'must be an https URL'],
    ['https://acme.nonemployee.com/api', 422, 'validation_failed', 'without a path'],
    ['not a url', 422, 'validation_failed', 'without a path'],
  ])('refuses %s with %i %s naming the field', async (nermUrl, status, code, text) => {
    const refused = await stack.call('PUT', '/admin/targets/nerm-bad', { body: { ...target, nermUrl } });
    expect(refused.status).toBe(status);
    const { error } = ErrorBody.parse(refused.body);
    expect(error.code).toBe(code);
    expect(JSON.stringify(error)).toContain('nermUrl');
    expect(error.message + JSON.stringify(error.details)).toContain(text);
  });
});
