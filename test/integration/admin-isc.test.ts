/**
 * Admin calls that reach ISC — connection check, source check, match test — over real HTTP against the fake
 * ISC server, through the local stack's admin API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import type { IscSimulator } from '../../functions/local/isc-simulator.js';
import { API_CLIENT, TRIGGER_CLIENT, WORKFLOW_ID, seedIdentities, startFakeIsc } from '../helpers/fake-isc.js';
import { slackMapping, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

let isc: IscSimulator;
let stack: TestStack;
const sources = Array.from({ length: 300 }, (_, i) => ({ id: `src-${String(i).padStart(3, '0')}`, name: `Source ${String(i).padStart(3, '0')}` }));
const identities = seedIdentities(40);
// Users 0-29 have an account on src-007; 30-39 exist in ISC but not on that source.
const accounts = identities.slice(0, 30).map((identity, i) => ({ id: `acc-${i}`, identityId: identity.id, sourceId: 'src-007', name: identity.email }));

const target = (overrides: Record<string, unknown> = {}) => ({
  environment: 'production',
  tenant: 'acme-sim',
  triggerUrl: `${isc.url}/beta/workflows/execute/external/${WORKFLOW_ID}`,
  tokenUrl: `${isc.url}/oauth/token`,
  apiBaseUrl: isc.url,
  ...overrides,
});

beforeAll(async () => {
  isc = await startFakeIsc({
    identities,
    sources,
    accounts,
    clients: [TRIGGER_CLIENT, { ...API_CLIENT, scope: ['sp:search:read', 'idn:sources:read', 'idn:accounts:read'] }, { clientId: 'narrow', clientSecret: 'narrow-secret', scope: ['sp:search:read'] }],
  });
  stack = await startTestStack({ isc: new HttpIscClient({ timeoutMs: 2000 }) });
  await stack.call('PUT', '/admin/targets/sim', { body: target() });
  await stack.call('PUT', '/admin/targets/sim/credentials/trigger', { body: TRIGGER_CLIENT });
  await stack.call('PUT', '/admin/targets/sim/credentials/api', { body: API_CLIENT });
});
afterAll(async () => {
  await stack.close();
  await isc.close();
});

describe('Route: POST /admin/targets/{id}/check', () => {
  it('passes every step for a well-configured target and shows the decoded token claims', async () => {
    const response = await stack.call('POST', '/admin/targets/sim/check');
    expect(response.status).toBe(200);
    expect(response.body.ok).toBe(true);
    expect(response.body.steps.map((s: any) => [s.step, s.ok])).toEqual([
      ['tenant', true],
      ['trigger token', true],
      ['trigger echo', true],
      ['api token', true],
      ['source lookup', true],
    ]);
    expect(response.body.steps[1].data).toMatchObject({ tenant: 'acme-sim', expiresIn: 300 });
    expect(response.body.steps[4].detail).toContain('300 found');
    expect(response.body.advice).toContain('dedicated service-account identity');
    expect(JSON.stringify(response.body)).not.toContain(TRIGGER_CLIENT.clientSecret);
  });

  it('names rejected credentials and lists the usual causes in order', async () => {
    await stack.call('PUT', '/admin/targets/bad-secret', { body: target() });
    await stack.call('PUT', '/admin/targets/bad-secret/credentials/trigger', { body: { clientId: TRIGGER_CLIENT.clientId, clientSecret: 'wrong-secret-123' } });
    const response = await stack.call('POST', '/admin/targets/bad-secret/check');
    expect(response.body.ok).toBe(false);
    expect(response.body.steps.find((s: any) => s.step === 'trigger token')).toMatchObject({ ok: false });
    expect(response.body.steps.find((s: any) => s.step === 'api credentials')).toMatchObject({ ok: false });
    expect(response.body.troubleshooting[0]).toBe('The tenant name or token URL is wrong (the token endpoint belongs to another tenant).');
    expect(response.body.troubleshooting).toContain('The personal access token was deleted or has expired.');
    expect(JSON.stringify(response.body)).not.toContain('wrong-secret-123');
  });

  it('reports, without failing, a tenant name that differs from the host label (ISC allows that)', async () => {
    await stack.call('PUT', '/admin/targets/other', { body: target({ tenant: 'globex' }) });
    const response = await stack.call('POST', '/admin/targets/other/check');
    expect(response.body.steps[0]).toMatchObject({ step: 'tenant', ok: true });
    expect(response.body.steps[0].detail).toContain('ISC names it "acme-sim" while the target says "globex"');
  });

  it('names missing API scopes', async () => {
    await stack.call('PUT', '/admin/targets/narrow', { body: target() });
    await stack.call('PUT', '/admin/targets/narrow/credentials/api', { body: { clientId: 'narrow', clientSecret: 'narrow-secret' } });
    const response = await stack.call('POST', '/admin/targets/narrow/check');
    expect(response.body.steps.find((s: any) => s.step === 'api token').detail).toContain('Missing scopes: idn:sources:read idn:accounts:read');
  });
});

describe('Source check on PUT /admin/mappings/{key}', () => {
  it('stores ISC\'s canonical source name', async () => {
    const response = await stack.call('PUT', '/admin/mappings/slack-production', { body: slackMapping({ targetId: 'sim', source: { id: 'src-007', name: 'whatever' } }) });
    expect(response.status).toBe(201);
    expect(response.body.source).toEqual({ id: 'src-007', name: 'Source 007' });
  });

  it('refuses an unknown source id and, paging past 250 sources, names the id that has the given name', async () => {
    const before = isc.state.calls.length;
    const response = await stack.call('PUT', '/admin/mappings/box', { body: slackMapping({ instance: 'Box', targetId: 'sim', source: { id: 'src-nope', name: 'source 280' } }) });
    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({ code: 'source_not_found', details: { field: 'source.id', suggestion: { id: 'src-280', name: 'Source 280' } } });
    const listCalls = isc.state.calls.slice(before).filter((c) => c.route === 'sources').map((c) => new URLSearchParams(c.query).get('offset'));
    expect(listCalls).toEqual(['0', '250']);
  });

  it('saves without the check when asked, and says so in the audit', async () => {
    const response = await stack.call('PUT', '/admin/mappings/zoom?skipSourceCheck=true', { body: slackMapping({ instance: 'Zoom', targetId: 'sim', source: { id: 'src-offline' } }) });
    expect(response.status).toBe(201);
    expect((await stack.call('GET', '/admin/mappings/zoom/audit')).body.items[0].note).toBe('source check skipped (skipSourceCheck=true)');
  });
});

describe('Route: POST /admin/mappings/{key}/match-test', () => {
  async function report(emails: string[], key: string) {
    const rows = emails.map((Email) => ({ Email, 'Days Active': 0, Instance: 'Slack-production' }));
    expect((await stack.call('POST', '/webhooks/saas-management', { body: rows, headers: webhookHeaders({ 'idempotency-key': key }) })).status).toBe(202);
  }

  it('answers 422 before any report has users', async () => {
    expect((await stack.call('POST', '/admin/mappings/slack-production/match-test')).body.error.code).toBe('no_report_users');
  });

  it('grades the share of report users with an account on the source, and shows it in the mapping list', async () => {
    await report(identities.slice(0, 20).map((i) => i.email), 'match-1');
    const success = await stack.call('POST', '/admin/mappings/slack-production/match-test');
    expect(success.body).toMatchObject({ status: 'SUCCESS', checked: 20, found: 20, share: 1 });

    // Five with an account on the source, five known to ISC but without one.
    await report(identities.slice(25, 35).map((i) => i.email), 'match-2');
    const partial = await stack.call('POST', '/admin/mappings/slack-production/match-test');
    expect(partial.body).toMatchObject({ status: 'PARTIAL', checked: 10, found: 5, share: 0.5 });

    await report(['nobody1@staging.example', 'nobody2@staging.example', identities[20]!.email], 'match-3');
    const failure = await stack.call('POST', '/admin/mappings/slack-production/match-test');
    expect(failure.body).toMatchObject({ status: 'FAILURE', checked: 3, found: 1 });

    const list = await stack.call('GET', '/admin/mappings');
    expect(list.body.items.find((m: any) => m.instanceKey === 'slack-production').matchTest).toMatchObject({ status: 'FAILURE', found: 1 });
  });
});
