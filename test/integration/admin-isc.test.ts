/**
 * Admin calls that reach ISC — connection check, source check, match test — over real HTTP against the fake
 * ISC server, through the local stack's admin API.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import type { IscSimulator } from '../../functions/local/isc-simulator.js';
import { AuditList, CheckAnswer, IngestAnswer, MappingSchema, MappingView, MatchTestResult, Paged } from '../../functions/http/responses.js';
import { API_CLIENT, TRIGGER_CLIENT, WORKFLOW_ID, seedIdentities, startFakeIsc } from '../helpers/fake-isc.js';
import { markDispatched, slackMapping, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

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
    expect(response.read(CheckAnswer).ok).toBe(true);
    expect(response.read(CheckAnswer).steps.map((s) => [s.step, s.ok])).toEqual([
      ['tenant', true],
      ['trigger token', true],
      ['trigger tenant', true],
      ['trigger echo', true],
      ['api token', true],
      ['api tenant', true],
      ['source lookup', true],
    ]);
    expect(response.read(CheckAnswer).steps[1]?.data).toMatchObject({ tenant: 'acme-sim', pod: 'simulator', expiresIn: 300 });
    expect(response.read(CheckAnswer).steps[2]).toMatchObject({ data: { org: 'acme-sim', from: 'token' }, detail: expect.stringContaining('fits target "sim" (production, tenant "acme-sim")') as unknown });
    expect(response.read(CheckAnswer).steps[6]?.detail).toContain('300 found');
    expect(response.read(CheckAnswer).advice).toContain('dedicated service-account identity');
    expect(JSON.stringify(response.body)).not.toContain(TRIGGER_CLIENT.clientSecret);
  });

  it('names rejected credentials and lists the usual causes in order', async () => {
    await stack.call('PUT', '/admin/targets/bad-secret', { body: target() });
    await stack.call('PUT', '/admin/targets/bad-secret/credentials/trigger', { body: { clientId: TRIGGER_CLIENT.clientId, clientSecret: 'wrong-secret-123' } });
    const response = await stack.call('POST', '/admin/targets/bad-secret/check');
    expect(response.read(CheckAnswer).ok).toBe(false);
    expect(response.read(CheckAnswer).steps.find((s) => s.step === 'trigger token')).toMatchObject({ ok: false });
    expect(response.read(CheckAnswer).steps.find((s) => s.step === 'api credentials')).toMatchObject({ ok: false });
    expect(response.read(CheckAnswer).troubleshooting[0]).toBe('The tenant name or token URL is wrong (the token endpoint belongs to another tenant).');
    expect(response.read(CheckAnswer).troubleshooting).toContain('The personal access token was deleted or has expired.');
    // Each cause once, in one wording.
    expect(response.read(CheckAnswer).troubleshooting).toEqual([...new Set(response.read(CheckAnswer).troubleshooting)]);
    expect(response.read(CheckAnswer).troubleshooting.filter((h) => /personal access token/i.test(h))).toHaveLength(1);
    expect(JSON.stringify(response.body)).not.toContain('wrong-secret-123');
  });

  it('gives network hints, not credential hints, when nothing answers', async () => {
    const closed = 'http://127.0.0.1:9';
    await stack.call('PUT', '/admin/targets/unreachable', { body: target({ triggerUrl: `${closed}/beta/workflows/execute/external/${WORKFLOW_ID}`, tokenUrl: `${closed}/oauth/token`, apiBaseUrl: closed }) });
    await stack.call('PUT', '/admin/targets/unreachable/credentials/trigger', { body: TRIGGER_CLIENT });
    const response = await stack.call('POST', '/admin/targets/unreachable/check');
    expect(response.read(CheckAnswer).ok).toBe(false);
    expect(response.read(CheckAnswer).troubleshooting).toHaveLength(1);
    expect(response.read(CheckAnswer).troubleshooting[0]).toContain('Nothing answered at http://127.0.0.1:9');
    expect(response.read(CheckAnswer).troubleshooting.join(' ')).not.toMatch(/personal access token|\bPAT\b|client secret/i);
  });

  it('spots a host that belongs to another tenant', async () => {
    await stack.call('PUT', '/admin/targets/other', { body: target({ tenant: 'globex' }) });
    const response = await stack.call('POST', '/admin/targets/other/check');
    expect(response.read(CheckAnswer).steps[0]).toMatchObject({ step: 'tenant', ok: false });
    expect(response.read(CheckAnswer).troubleshooting[0]).toContain('belongs to tenant "acme-sim", not "globex"');
  });

  it('reports, without failing, a tenant name that differs from the host label but fits it (ISC allows that)', async () => {
    await stack.call('PUT', '/admin/targets/label', { body: target({ tenant: 'acme' }) });
    const response = await stack.call('POST', '/admin/targets/label/check');
    expect(response.read(CheckAnswer).steps[0]).toMatchObject({ step: 'tenant', ok: true });
    expect(response.read(CheckAnswer).steps[0]?.detail).toContain('ISC names it "acme-sim" while the target says "acme"');
  });

  it('reports deleted or unreadable stored secrets as failed steps naming the fix, with a 200 (was a 500)', async () => {
    // Prepare: both credentials set through the API, then the trigger secret deleted and the API secret mangled by hand.
    await stack.call('PUT', '/admin/targets/lost', { body: target() });
    await stack.call('PUT', '/admin/targets/lost/credentials/trigger', { body: { clientId: TRIGGER_CLIENT.clientId, clientSecret: 'lost-trigger-secret-4321' } });
    await stack.call('PUT', '/admin/targets/lost/credentials/api', { body: { clientId: API_CLIENT.clientId, clientSecret: 'lost-api-secret-8765' } });
    const file = join(stack.dir, 'secrets.json');
    const secrets = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    delete secrets['targets/lost/trigger'];
    secrets['targets/lost/api'] = { clientId: API_CLIENT.clientId, secret: 'lost-api-secret-8765' };
    await writeFile(file, JSON.stringify(secrets));
    // Act
    const response = await stack.call('POST', '/admin/targets/lost/check');
    const mapping = await stack.call('PUT', '/admin/mappings/lost-production', { body: slackMapping({ instance: 'Lost-production', targetId: 'lost', source: { id: 'src-007' } }) });
    // Assess
    expect(response.status).toBe(200);
    expect(response.read(CheckAnswer).ok).toBe(false);
    expect(response.read(CheckAnswer).steps.map((s) => [s.step, s.ok])).toEqual([
      ['tenant', true],
      ['trigger credentials', false],
      ['api credentials', false],
    ]);
    expect(response.read(CheckAnswer).steps[1]?.detail).toBe(
      'The trigger credentials of target "lost" cannot be used: Secret targets/lost/trigger does not exist. Set them with PUT /admin/targets/lost/credentials/trigger (CLI: usage-cert targets set-credentials lost --kind trigger --client-id <id>).',
    );
    expect(response.read(CheckAnswer).steps[2]?.detail).toContain('Secret targets/lost/api is not JSON {clientId, clientSecret}.');
    expect(response.read(CheckAnswer).troubleshooting.slice(0, 2)).toEqual([
      'Set them with PUT /admin/targets/lost/credentials/trigger (CLI: usage-cert targets set-credentials lost --kind trigger --client-id <id>).',
      'Set them with PUT /admin/targets/lost/credentials/api (CLI: usage-cert targets set-credentials lost --kind api --client-id <id>).',
    ]);
    expect(mapping).toMatchObject({ status: 422, body: { error: { code: 'credentials_missing' } } });
    expect(mapping.error().message).toContain('PUT /admin/targets/lost/credentials/api');
    const everything = JSON.stringify([response.body, mapping.body]) + stack.logs.join('\n');
    for (const secret of ['lost-trigger-secret-4321', 'lost-api-secret-8765']) expect(everything).not.toContain(secret.slice(0, 8));
  });

  it('names missing API scopes', async () => {
    await stack.call('PUT', '/admin/targets/narrow', { body: target() });
    await stack.call('PUT', '/admin/targets/narrow/credentials/api', { body: { clientId: 'narrow', clientSecret: 'narrow-secret' } });
    const response = await stack.call('POST', '/admin/targets/narrow/check');
    expect(response.read(CheckAnswer).steps.find((s) => s.step === 'api token')?.detail).toContain('Missing scopes: idn:sources:read idn:accounts:read');
    expect(response.read(CheckAnswer).troubleshooting).toContain('Give the API client the scopes idn:sources:read idn:accounts:read (or use a personal access token of an identity that has them).');
  });
});

describe('Source check on PUT /admin/mappings/{key}', () => {
  it('stores ISC\'s canonical source name', async () => {
    const response = await stack.call('PUT', '/admin/mappings/slack-production', { body: slackMapping({ targetId: 'sim', source: { id: 'src-007', name: 'whatever' } }) });
    expect(response.status).toBe(201);
    expect(response.read(MappingSchema).source).toEqual({ id: 'src-007', name: 'Source 007' });
  });

  it('refuses an unknown source id and, paging past 250 sources, names the id that has the given name', async () => {
    const before = isc.state.calls.length;
    const response = await stack.call('PUT', '/admin/mappings/box', { body: slackMapping({ instance: 'Box', targetId: 'sim', source: { id: 'src-nope', name: 'source 280' } }) });
    expect(response.status).toBe(422);
    expect(response.error()).toMatchObject({ code: 'source_not_found', details: { field: 'source.id', suggestion: { id: 'src-280', name: 'Source 280' } } });
    const listCalls = isc.state.calls.slice(before).filter((c) => c.route === 'sources').map((c) => new URLSearchParams(c.query).get('offset'));
    expect(listCalls).toEqual(['0', '250']);
  });

  it('saves without the check when asked, and says so in the audit', async () => {
    const response = await stack.call('PUT', '/admin/mappings/zoom?skipSourceCheck=true', { body: slackMapping({ instance: 'Zoom', targetId: 'sim', source: { id: 'src-offline' } }) });
    expect(response.status).toBe(201);
    expect((await stack.call('GET', '/admin/mappings/zoom/audit')).read(AuditList).items[0]?.note).toBe('source check skipped (skipSourceCheck=true)');
  });
});

describe('Route: POST /admin/mappings/{key}/match-test', () => {
  async function report(emails: string[], key: string) {
    const rows = emails.map((Email) => ({ Email, 'Days Active': 0, Instance: 'Slack-production' }));
    expect((await stack.call('POST', '/webhooks/saas-management', { body: rows, headers: webhookHeaders({ 'idempotency-key': key }) })).status).toBe(202);
  }

  it('answers 422 before any report has users', async () => {
    expect((await stack.call('POST', '/admin/mappings/slack-production/match-test')).error().code).toBe('no_report_users');
  });

  it('grades the share of users that exist as identities in the tenant — the hold rule — and shows accounts on the source beside it', async () => {
    // Known to ISC, but without an account on src-007: a batch of them is sent, so the match test says SUCCESS.
    await report(identities.slice(30, 40).map((i) => i.email), 'match-1');
    const success = await stack.call('POST', '/admin/mappings/slack-production/match-test');
    expect(success.read(MatchTestResult)).toMatchObject({ status: 'SUCCESS', measure: 'identities', checked: 10, found: 10, onSource: 0, share: 1, holdBelow: 0.5 });

    // The newest batch first, then the earlier one: 2 strangers among 12 users is still above the hold threshold.
    await report(['nobody1@staging.example', 'nobody2@staging.example'], 'match-2');
    const mostly = await stack.call('POST', '/admin/mappings/slack-production/match-test');
    expect(mostly.read(MatchTestResult)).toMatchObject({ status: 'SUCCESS', checked: 12, found: 10 });

    await stack.call('PUT', '/admin/mappings/teams-production?skipSourceCheck=true', { body: slackMapping({ application: 'Teams', instance: 'Teams-production', targetId: 'sim', source: { id: 'src-007' } }) });
    const rows = ['x1@staging.example', 'x2@staging.example', 'x3@staging.example', identities[0]!.email].map((Email) => ({ Email, 'Days Active': 0, Instance: 'Teams-production' }));
    expect((await stack.call('POST', '/webhooks/saas-management', { body: rows, headers: webhookHeaders({ 'idempotency-key': 'match-3' }) })).status).toBe(202);
    const failure = await stack.call('POST', '/admin/mappings/teams-production/match-test');
    expect(failure.read(MatchTestResult)).toMatchObject({ status: 'FAILURE', checked: 4, found: 1, onSource: 1 });

    const list = await stack.call('GET', '/admin/mappings');
    expect(list.read(Paged(MappingView)).items.find((m) => m.instanceKey === 'teams-production')?.matchTest).toMatchObject({ status: 'FAILURE', measure: 'identities', found: 1 });
  });

  it('still samples the users when the latest report’s users were all in cooldown (no batch of its own)', async () => {
    await stack.call('PUT', '/admin/mappings/miro-production?skipSourceCheck=true', { body: slackMapping({ application: 'Miro', instance: 'Miro-production', targetId: 'sim', source: { id: 'src-007' }, policy: { maxDaysActive: 0, cooldownDays: 30 } }) });
    const rows = identities.slice(0, 5).map((i) => ({ Email: i.email, 'Days Active': 0, Instance: 'Miro-production' }));
    const first = await stack.call('POST', '/webhooks/saas-management', { body: rows, headers: webhookHeaders({ 'idempotency-key': 'cool-1' }) });
    await markDispatched(stack, first.read(IngestAnswer).deliveryId);
    const second = await stack.call('POST', '/webhooks/saas-management', { body: rows, headers: webhookHeaders({ 'idempotency-key': 'cool-2' }) });
    expect(second.read(IngestAnswer).instances[0]).toMatchObject({ inactiveUsers: 0, batches: 0 });
    const test = await stack.call('POST', '/admin/mappings/miro-production/match-test');
    expect(test.read(MatchTestResult)).toMatchObject(
{ status: 'SUCCESS', checked: 5, found: 5, onSource: 5 });
  });
});
