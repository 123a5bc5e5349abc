/**
 * The admin API over real HTTP on the local stack (dynalite): targets, write-only credentials, mappings with
 * environment rules and optimistic locking, audit, deliveries and replay.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { AuditList, DeliveryDetail, DeliverySchema, IngestAnswer, MappingView, Paged, PreviewAnswer, TargetView } from '../../functions/http/responses.js';
import { readAs, ValidationIssues } from '../helpers/answer.js';
import { productionTarget, slackMapping, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
  await stack.call('PUT', '/admin/targets/prod', { body: productionTarget });
  await stack.call('PUT', '/admin/targets/sandbox', { body: { ...productionTarget, environment: 'staging', tenant: 'acme-sb', triggerUrl: 'https://acme-sb.api.identitynow.com/beta/workflows/execute/external/wf-2' } });
});
afterAll(() => stack.close());

describe('Admin auth', () => {
  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer wrong' }],
    ['the webhook secret', { authorization: 'Bearer test-webhook-secret-5f2c9a' }],
  ])('answers 401 for %s', async (_label, headers) => {
    const response = await stack.call('GET', '/admin/targets', { headers, admin: false });
    expect(response.status).toBe(401);
    expect(response.error().code).toBe('unauthorized');
  });
});

describe('Routes: /admin/targets', () => {
  it('derives the token and API URLs from the tenant name and shows credentials only as set/unset', async () => {
    const response = await stack.call('GET', '/admin/targets/prod');
    expect(response.status).toBe(200);
    expect(response.headers.etag).toBe('"1"');
    expect(response.body).toMatchObject({
      id: 'prod',
      tokenUrl: 'https://acme.api.identitynow.com/oauth/token',
      apiBaseUrl: 'https://acme.api.identitynow.com',
      credentials: { trigger: { set: false }, api: { set: false } },
    });
  });

  it('refuses plain-http trigger URLs except to loopback, naming the field', async () => {
    const response = await stack.call('PUT', '/admin/targets/bad', { body: { ...productionTarget, triggerUrl: 'http://acme.example.com/hook' } });
    expect(response.status).toBe(422);
    expect(response.error()).toMatchObject({ code: 'isc_host_not_allowed', details: { field: 'triggerUrl' }, message: expect.stringContaining('must be an https URL') as unknown });
  });

  it('names unknown fields', async () => {
    const response = await stack.call('PUT', '/admin/targets/bad', { body: { ...productionTarget, clientSecret: 'x', colour: 'red' } });
    expect(response.status).toBe(422);
    expect(response.error().message).toContain('unknown fields: clientSecret, colour');
  });

  it('answers 400 for bad JSON and 415 for a non-JSON body', async () => {
    expect((await stack.call('PUT', '/admin/targets/bad', { raw: '{', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await stack.call('PUT', '/admin/targets/bad', { raw: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(415);
  });

  it('stores credentials write-only: the secret is in the secret store, never in responses or the table', async () => {
    const put = await stack.call('PUT', '/admin/targets/prod/credentials/trigger', { body: { clientId: 'trigger-client', clientSecret: 'very-secret-value-123' } });
    expect(put.status).toBe(200);
    expect(put.read(TargetView).credentials.trigger).toEqual({ set: true, clientId: 'trigger-client', updatedAt: expect.any(String) as unknown });
    expect(JSON.stringify(put.body)).not.toContain('very-secret-value-123');
    expect(await stack.secrets.getCredentials('targets/prod/trigger')).toEqual({ clientId: 'trigger-client', clientSecret: 'very-secret-value-123' });
    expect(JSON.stringify(await stack.store.getTarget('prod'))).not.toContain('very-secret-value-123');
    const audit = await stack.store.listAudit('target', 'prod', 10);
    expect(audit[0]).toMatchObject({ action: 'credentials', actor: 'admin-token', note: 'trigger credentials set for client trigger-client' });
    expect(JSON.stringify(audit)).not.toContain('very-secret-value-123');
    const file = await readFile(join(stack.dir, 'secrets.json'), 'utf8');
    expect(file).toContain('very-secret-value-123');
  });

  it('answers 404 for an unknown credential kind', async () => {
    expect((await stack.call('PUT', '/admin/targets/prod/credentials/root', { body: { clientId: 'a', clientSecret: 'b' } })).status).toBe(404);
  });

  it('refuses to delete a target that mappings use, listing them', async () => {
    await stack.call('PUT', '/admin/mappings/slack-production', { body: slackMapping() });
    const response = await stack.call('DELETE', '/admin/targets/prod');
    expect(response.status).toBe(409);
    expect(response.error().details).toMatchObject({ mappings: ['slack-production'] });
  });
});

describe('Routes: /admin/mappings', () => {
  it('refuses a staging-named instance mapped as production, saying exactly what is wrong', async () => {
    const response = await stack.call('PUT', '/admin/mappings/okta-staging', { body: slackMapping({ application: 'Okta', instance: 'Okta-staging' }) });
    expect(response.status).toBe(422);
    expect(response.error().code).toBe('environment_mismatch');
    expect(response.error().message).toContain('instance "Okta-staging" is named like a non-production instance (non-production word "staging") but the mapping says production');
  });

  it('refuses a production mapping that points at a staging target', async () => {
    const response = await stack.call('PUT', '/admin/mappings/okta', { body: slackMapping({ application: 'Okta', instance: 'Okta', targetId: 'sandbox' }) });
    expect(response.status).toBe(422);
    expect(response.error().message).toContain('target "sandbox" is a staging tenant but the mapping says production');
  });

  it('allows a name mismatch only with a reason', async () => {
    const body = slackMapping({ application: 'Okta', instance: 'Okta-sandbox', allowNameMismatch: true });
    const missing = await stack.call('PUT', '/admin/mappings/okta-sandbox', { body });
    const given = await stack.call('PUT', '/admin/mappings/okta-sandbox', { body: { ...body, mismatchReason: 'sandbox instance used by production pilots' } });
    expect(missing.status).toBe(422);
    expect(missing.error().details).toMatchObject({ field: 'mismatchReason' });
    expect(given.status).toBe(201);
  });

  it('answers 422 for a missing target and for a path that is not the instance key', async () => {
    const missing = await stack.call('PUT', '/admin/mappings/zoom', { body: slackMapping({ instance: 'Zoom', targetId: 'nope' }) });
    const wrongPath = await stack.call('PUT', '/admin/mappings/zoom', { body: slackMapping({ instance: 'Teams' }) });
    expect(missing.error()).toMatchObject({ code: 'target_not_found', details: { field: 'targetId' } });
    expect(wrongPath.error().details).toMatchObject({ field: 'instance' });
  });

  it('requires If-Match to update (428), refuses a stale version (409) and audits each change', async () => {
    const key = 'jira-production';
    const body = slackMapping({ application: 'Jira', instance: 'Jira-production' });
    const created = await stack.call('PUT', `/admin/mappings/${key}`, { body });
    const noIfMatch = await stack.call('PUT', `/admin/mappings/${key}`, { body: { ...body, enabled: false } });
    const updated = await stack.call('PUT', `/admin/mappings/${key}`, { body: { ...body, enabled: false }, headers: { 'if-match': created.headers.etag as string } });
    const stale = await stack.call('PUT', `/admin/mappings/${key}`, { body, headers: { 'if-match': created.headers.etag as string } });
    expect(created.status).toBe(201);
    expect(noIfMatch.status).toBe(428);
    expect(updated).toMatchObject({ status: 200, body: { version: 2, enabled: false } });
    expect(stale.status).toBe(409);
    expect(stale.error().details).toMatchObject({ currentVersion: 2 });
    const audit = await stack.call('GET', `/admin/mappings/${key}/audit`);
    const Versioned = z.optional(z.object({ version: z.int() }));
    expect(audit.read(AuditList).items.map((a) => [a.action, readAs(Versioned, a.before)?.version ?? null, readAs(Versioned, a.after)?.version])).toEqual([
      ['update', 1, 2],
      ['create', null, 1],
    ]);
  });

  it('applies policy defaults and rejects out-of-range policy values by name', async () => {
    const response = await stack.call('PUT', '/admin/mappings/box', { body: slackMapping({ instance: 'Box', policy: { maxDaysActive: -1, exclude: { domains: ['not a domain'] } } }) });
    expect(response.status).toBe(422);
    expect(response.error(ValidationIssues).details.issues.map((i) => i.field)).toEqual(['policy.maxDaysActive', 'policy.exclude.domains.0']);
  });

  it('lists mappings with paging, lastReportAt and the stale flag', async () => {
    await stack.call('PUT', '/admin/mappings/stale-app', { body: slackMapping({ instance: 'stale-app', expectEveryDays: 1 }) });
    await stack.call('POST', '/webhooks/saas-management', { body: [{ Email: 'a@example.com', 'Days Active': 3, Instance: 'Slack-production' }], headers: webhookHeaders() });
    const first = (await stack.call('GET', '/admin/mappings?limit=2')).read(Paged(MappingView));
    expect(first.items).toHaveLength(2);
    expect(first.next).toEqual(expect.any(String));
    const all = (await stack.call('GET', '/admin/mappings?limit=250')).read(Paged(MappingView));
    const slack = all.items.find((m) => m.instanceKey === 'slack-production');
    expect(slack?.lastReportAt).toEqual(expect.any(String));
    expect(slack?.stale).toBe(false);
    expect(all.items.find((m) => m.instanceKey === 'stale-app')).toMatchObject({ lastReportAt: null, stale: false });
    expect((await stack.call('GET', '/admin/mappings?limit=0')).status).toBe(400);
  });

  it('deletes a mapping and records who did it', async () => {
    await stack.call('PUT', '/admin/mappings/tmp', { body: slackMapping({ instance: 'tmp' }) });
    expect((await stack.call('DELETE', '/admin/mappings/tmp')).status).toBe(200);
    expect((await stack.call('GET', '/admin/mappings/tmp')).status).toBe(404);
    expect((await stack.call('GET', '/admin/mappings/tmp/audit')).read(AuditList).items[0]).toMatchObject({ action: 'delete', actor: 'admin-token' });
  });
});

describe('Routes: /admin/deliveries', () => {
  it('lists deliveries newest first, filters by status and shows one with its batches', async () => {
    const posted = await stack.call('POST', '/webhooks/saas-management', { body: [{ Email: 'z@example.com', 'Days Active': 0, Instance: 'Slack-production' }], headers: webhookHeaders({ 'idempotency-key': 'list-me' }) });
    expect(posted.status).toBe(202);
    const queued = (await stack.call('GET', '/admin/deliveries?status=QUEUED')).read(Paged(DeliverySchema));
    expect(queued.items.map((d) => d.id)).toContain('list-me');
    expect(queued.items.every((d) => d.status === 'QUEUED')).toBe(true);
    const one = await stack.call('GET', '/admin/deliveries/list-me');
    expect(one.read(DeliveryDetail).batches).toEqual([expect.objectContaining({ index: 0, status: 'PENDING', users: 1, attempts: 0, executionId: null })]);
    expect((await stack.call('GET', '/admin/deliveries?status=NOPE')).status).toBe(400);
    expect((await stack.call('GET', '/admin/deliveries/unknown')).status).toBe(404);
  });

  it('replays FAILED batches and leaves others unless forced', async () => {
    const posted = await stack.call('POST', '/webhooks/saas-management', { body: [{ Email: 'r@example.com', 'Days Active': 0, Instance: 'Slack-production' }], headers: webhookHeaders({ 'idempotency-key': 'replay-me' }) });
    const delivery = (await stack.store.getDelivery(posted.read(IngestAnswer).deliveryId))!;
    const [batch] = await stack.store.deliveryBatches(delivery);
    // Fail it the way the dispatcher would: claim, then settle FAILED.
    const lease = new Date(Date.now() + 60_000).toISOString();
    await stack.store.claimBatch(batch!, new Date().toISOString(), lease);
    await stack.store.settleBatch(batch!, lease, { status: 'FAILED', lastError: { code: 'isc_request_rejected', message: 'no', at: new Date().toISOString() } }, new Date().toISOString());
    await stack.store.recordSettlement(delivery.id, 'failed');
    expect((await stack.store.getDelivery(delivery.id))!.status).toBe('FAILED');

    const replay = await stack.call('POST', '/admin/deliveries/replay-me/replay');
    expect(replay.body).toMatchObject({ requeued: [0], skipped: [] });
    const after = await stack.call('GET', '/admin/deliveries/replay-me');
    expect(after.body).toMatchObject({ status: 'QUEUED', settled: { failed: 0 } });
    expect(after.read(DeliveryDetail).batches[0]).toMatchObject({ status: 'PENDING', attempts: 0 });
    const again = await stack.call('POST', '/admin/deliveries/replay-me/replay');
    expect(again.body).toMatchObject({ requeued: [], skipped: [{ index: 0, status: 'PENDING' }] });
  });
});

describe('Route: POST /admin/deliveries/preview', () => {
  it('runs the pipeline on a CSV report bound to a mapping and stores nothing', async () => {
    const before = (await stack.call('GET', '/admin/deliveries?limit=250')).read(Paged(DeliverySchema)).items.length;
    const csv = 'Name,Email,Days Active\nAnn,ann@example.com,0\nBob,bob@example.com,5\nCy,cy@example.com,0\n';
    const response = await stack.call('POST', '/admin/deliveries/preview?mapping=Slack-production', { raw: csv, headers: { 'content-type': 'text/csv' } });
    expect(response.status).toBe(200);
    const preview = response.read(PreviewAnswer);
    expect(preview.triggerCalls).toBe(1);
    expect(preview.instances).toEqual([
      expect.objectContaining({ instanceKey: 'slack-production', environment: 'production', source: { id: 'src-slack', name: 'Slack' }, users: 3, inactiveUsers: 2, triggerCalls: 1 }),
    ]);
    expect(preview.instances[0]?.sampleInput?.users.map((u) => u.email)).toEqual(['ann@example.com', 'cy@example.com']);
    expect((await stack.call('GET', '/admin/deliveries?limit=250')).read(Paged(DeliverySchema)).items.length).toBe(before);

  });

  it('answers 404 for an unknown mapping and 422 for an unusable report', async () => {
    expect((await stack.call('POST', '/admin/deliveries/preview?mapping=nope', { raw: 'Email,Days Active\na@x.com,0\n', headers: { 'content-type': 'text/csv' } })).status).toBe(404);
    expect((await stack.call('POST', '/admin/deliveries/preview', { body: { nothing: true } })).status).toBe(422);
  });
});
