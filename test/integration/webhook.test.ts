/**
 * POST /webhooks/saas-management over real HTTP against the local stack (dynalite): auth, body shapes,
 * validation answers, idempotency, mapping outcomes and durability of what is accepted.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { IngestAnswer } from '../../functions/http/responses.js';
import { PREVIOUS_SECRET, WEBHOOK_SECRET, markDispatched, productionTarget, slackMapping, startMappedStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

const PATH = '/webhooks/saas-management';
let stack: TestStack;

function report(rows: unknown[], extra: Record<string, unknown> = {}) {
  return { reportName: 'Slack usage', periodStart: '2026-10-01', periodEnd: '2026-10-31', rows, ...extra };
}
const row = (email: string, days: number, instance = 'Slack-production') => ({ Name: email.split('@')[0], Email: email, 'Days Active': days, Application: 'Slack', Instance: instance });

beforeAll(async () => {
  stack = await startMappedStack();
});
afterAll(() => stack.close());

describe('Route: POST /webhooks/saas-management — authentication', () => {
  const body = JSON.stringify(report([row('auth@example.com', 3)]));
  it.each([
    ['Bearer', `Bearer ${WEBHOOK_SECRET}`],
    ['bare Authorization', WEBHOOK_SECRET],
    ['previous secret during rotation', `Bearer ${PREVIOUS_SECRET}`],
  ])('accepts the secret as %s', async (_label, authorization) => {
    const response = await stack.call('POST', PATH, { raw: body, headers: { authorization, 'content-type': 'application/json' } });
    expect([200, 202]).toContain(response.status);
  });

  it('accepts X-Webhook-Secret for other senders', async () => {
    const response = await stack.call('POST', PATH, { raw: body, headers: { 'x-webhook-secret': WEBHOOK_SECRET, 'content-type': 'application/json' } });
    expect([200, 202]).toContain(response.status);
  });

  it.each([
    ['a wrong secret', { authorization: 'Bearer nope' }],
    ['no secret', {}],
    ['the admin token', { authorization: 'Bearer test-admin-token-77ab31' }],
  ])('answers 401 with one body for %s', async (_label, headers) => {
    const response = await stack.call('POST', PATH, { raw: body, headers: { ...headers, 'content-type': 'application/json' } });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: { code: 'unauthorized', message: 'Missing or invalid webhook secret.' } });
  });
});

describe('Route: POST /webhooks/saas-management — accepted reports', () => {
  it('accepts a JSON report, counts inactive users per instance and makes it durable before answering', async () => {
    // Prepare
    const body = report([row('ann@example.com', 0), row('bob@example.com', 12), row('cy@example.com', 0), row('dee@example.com', 0, 'Zoom-production')]);
    // Act
    const response = await stack.call('POST', PATH, { body, headers: webhookHeaders() });
    // Assess
    expect(response.status).toBe(202);
    expect(response.read(IngestAnswer).duplicate).toBe(false);
    const slack = response.read(IngestAnswer).instances.find((i) => i.instanceKey === 'slack-production');
    expect(slack).toMatchObject({ mapped: true, status: 'mapped', rows: 3, users: 3, inactiveUsers: 2, batches: 1 });
    const zoom = response.read(IngestAnswer).instances.find((i) => i.instanceKey === 'zoom-production');
    expect(zoom).toMatchObject({ mapped: false, status: 'unmapped', rows: 1, batches: 0 });
    const delivery = await stack.store.getDelivery(response.read(IngestAnswer).deliveryId);
    expect(delivery?.status).toBe('QUEUED');
    const batches = await stack.store.deliveryBatches(delivery!);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ status: 'PENDING', targetId: 'prod' });
    expect(batches[0]!.input.users.map((u) => u.email).sort()).toEqual(['ann@example.com', 'cy@example.com']);
    expect(batches[0]!.input.period).toEqual({ start: '2026-10-01T00:00:00.000Z', end: '2026-10-31T00:00:00.000Z' });
  });

  it('answers a repeat of the same delivery id with 200, duplicate:true and the original outcome, adding nothing', async () => {
    const body = report([row('rep1@example.com', 0)]);
    const first = await stack.call('POST', PATH, { body, headers: webhookHeaders({ 'idempotency-key': 'delivery-42' }) });
    const again = await stack.call('POST', PATH, { body, headers: webhookHeaders({ 'idempotency-key': 'delivery-42' }) });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.read(IngestAnswer), duplicate: true });
    expect(await stack.store.deliveryBatches((await stack.store.getDelivery('delivery-42'))!)).toHaveLength(1);
  });

  it('answers 409 delivery_id_reused when a delivery id comes back with a different report, storing nothing', async () => {
    const headers = webhookHeaders({ 'idempotency-key': 'delivery-43' });
    const first = await stack.call('POST', PATH, { body: report([row('reuse1@example.com', 0)]), headers });
    const otherBody = await stack.call('POST', PATH, { body: report([row('reuse2@example.com', 0)]), headers });
    const sameBodyOtherUrl = await stack.call('POST', `${PATH}?instance=Slack-production`, { body: report([row('reuse1@example.com', 0)]), headers });
    expect(first.status).toBe(202);
    for (const refused of [otherBody, sameBodyOtherUrl]) {
      expect(refused).toMatchObject({ status: 409, body: { error: { code: 'delivery_id_reused', details: { deliveryId: 'delivery-43' } } } });
      expect(refused.error().message).toContain('new Idempotency-Key/webhook-id');
    }
    const batches = await stack.store.deliveryBatches((await stack.store.getDelivery('delivery-43'))!);
    expect(batches.flatMap((b) => b.input.users.map((u) => u.email))).toEqual(['reuse1@example.com']);
  });

  it('keeps the same CSV body posted for different instances as separate reports, and still dedupes a true repeat', async () => {
    const csv = 'Email,Days Active\nsame1@example.com,0\nsame2@example.com,5\n';
    const post = (query: string) => stack.call('POST', `${PATH}?${query}`, { raw: csv, headers: { authorization: WEBHOOK_SECRET, 'content-type': 'text/csv' } });
    const answers = [];
    for (const instance of ['Slack-production', 'Zoom-production', 'Teams-production']) answers.push(await post(`instance=${instance}`));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(new Set(answers.map((a) => a.read(IngestAnswer).deliveryId)).size).toBe(3);
    expect(answers.map((a) => a.read(IngestAnswer).instances.map((i) => i.instanceKey))).toEqual([['slack-production'], ['zoom-production'], ['teams-production']]);
    for (const answer of answers) expect((await stack.store.getDelivery(answer.read(IngestAnswer).deliveryId))!.instances[0]!.rows).toBe(2);

    const otherPeriod = await post('instance=Zoom-production&periodEnd=2026-10-31');
    const repeat = await post('instance=Zoom-production');
    const repeatWithNoise = await post('instance=Zoom-production&utm_source=retry');
    expect(otherPeriod.status).toBe(202);
    expect(repeat).toMatchObject({ status: 200, body: { duplicate: true, deliveryId: answers[1]!.read(IngestAnswer).deliveryId } });
    expect(repeatWithNoise).toMatchObject({ status: 200, body: { duplicate: true, deliveryId: answers[1]!.read(IngestAnswer).deliveryId } });
  });

  it('treats the same bytes without a delivery header as a duplicate (body hash)', async () => {
    const raw = JSON.stringify(report([row('hash@example.com', 0)], { reportName: 'hash test' }));
    const first = await stack.call('POST', PATH, { raw, headers: webhookHeaders() });
    const second = await stack.call('POST', PATH, { raw, headers: webhookHeaders({ 'webhook-id': first.read(IngestAnswer).deliveryId }) });
    const third = await stack.call('POST', PATH, { raw, headers: webhookHeaders() });
    expect(first.status).toBe(202);
    expect(first.read(IngestAnswer).deliveryId).toMatch(/^sha256-[0-9a-f]{40}-\d+$/);
    expect(third.status).toBe(200);
    expect(third.read(IngestAnswer).deliveryId).toBe(first.read(IngestAnswer).deliveryId);
    expect(second.status).toBe(200);
  });

  it('skips users ISC received for the same instance within the cooldown window', async () => {
    const first = await stack.call('POST', PATH, { body: report([row('cool@example.com', 0), row('cool2@example.com', 0)]), headers: webhookHeaders({ 'idempotency-key': 'cool-1' }) });
    await markDispatched(stack, first.read(IngestAnswer).deliveryId);
    const second = await stack.call('POST', PATH, { body: report([row('cool@example.com', 0), row('fresh@example.com', 0)]), headers: webhookHeaders({ 'idempotency-key': 'cool-2' }) });
    expect(first.read(IngestAnswer).instances[0]).toMatchObject({ inactiveUsers: 2, cooledDown: 0 });
    expect(second.read(IngestAnswer).instances[0]).toMatchObject({ inactiveUsers: 1, cooledDown: 1 });
  });

  it('accepts a report with some bad rows and lists each bad row with its field and reason', async () => {
    const body = report([row('ok@example.com', 0), { Email: 'not-an-email', 'Days Active': 1, Instance: 'Slack-production' }, { Email: 'neg@example.com', 'Days Active': -3, Instance: 'Slack-production' }]);
    const response = await stack.call('POST', PATH, { body, headers: webhookHeaders() });
    expect(response.status).toBe(202);
    expect(response.read(IngestAnswer).rejectedCount).toBe(2);
    expect(response.read(IngestAnswer).rejectedRows).toEqual([
      { row: 2, field: 'email', reason: 'Invalid email address' },
      { row: 3, field: 'daysActive', reason: 'Too small: expected number to be >=0' },
    ]);
  });

  it('accepts a gzip-encoded CSV with BOM, semicolons, quotes and an embedded newline, binding the instance from the URL', async () => {
    const csv = '\uFEFFFull Name;E-mail;Active Days\n"Doe; Jane";JANE@Example.com;0\n"Multi\nLine";ml@example.com;4\n';
    const response = await stack.call('POST', `${PATH}?instance=Slack-production`, { raw: gzipSync(Buffer.from(csv)), headers: { authorization: WEBHOOK_SECRET, 'content-type': 'text/csv', 'content-encoding': 'gzip' } });
    expect(response.status).toBe(202);
    expect(response.read(IngestAnswer).instances).toEqual([expect.objectContaining({ instanceKey: 'slack-production', rows: 2, inactiveUsers: 1 })]);
    const delivery = await stack.store.getDelivery(response.read(IngestAnswer).deliveryId);
    const [batch] = await stack.store.deliveryBatches(delivery!);
    expect(batch!.input.users).toEqual([{ email: 'jane@example.com', name: 'Doe; Jane', daysActive: 0 }]);
  });

  it('accepts rows wrapped as an ISC workflow input {"input":{"data":[…]}}', async () => {
    const response = await stack.call('POST', PATH, { body: { input: { instance: 'Slack-production', data: [{ email: 'wrapped@example.com', daysActive: 0 }] } }, headers: webhookHeaders() });
    expect(response.status).toBe(202);
    expect(response.read(IngestAnswer).instances[0]).toMatchObject({ instanceKey: 'slack-production', inactiveUsers: 1 });
  });

  it('records environment_mismatch and plans nothing when the target has moved to another environment', async () => {
    await stack.call('PUT', '/admin/targets/stage', { body: { ...productionTarget, environment: 'staging' } });
    await stack.call('PUT', '/admin/mappings/teams-production', { body: slackMapping({ application: 'Teams', instance: 'Teams-production', targetId: 'prod' }) });
    // The target is switched to staging after the mapping was saved: ingest must still refuse to send.
    const target = await stack.call('GET', '/admin/targets/prod');
    await stack.call('PUT', '/admin/targets/prod', { body: { ...productionTarget, environment: 'staging' }, headers: { 'if-match': target.headers.etag as string } });
    const response = await stack.call('POST', PATH, { body: report([row('t@example.com', 0, 'Teams-production')]), headers: webhookHeaders() });
    await stack.call('PUT', '/admin/targets/prod', { body: productionTarget });
    expect(response.status).toBe(202);
    expect(response.read(IngestAnswer).instances[0]).toMatchObject({ status: 'environment_mismatch', mapped: false, batches: 0 });
    expect(response.read(IngestAnswer).instances[0]?.reason).toContain('target "prod" is a staging tenant but the mapping says production');
  });
});

describe('Route: POST /webhooks/saas-management — refused reports', () => {
  it('answers 413 for a body over 6 MB without reading it', async () => {
    const response = await stack.call('POST', PATH, { raw: Buffer.alloc(6 * 1024 * 1024 + 1, 0x20), headers: webhookHeaders() });
    expect(response.status).toBe(413);
    expect(response.error().code).toBe('payload_too_large');
  });

  it('answers 415 for an unsupported content type', async () => {
    const response = await stack.call('POST', PATH, { raw: '<xml/>', headers: webhookHeaders({ 'content-type': 'application/xml' }) });
    expect(response.status).toBe(415);
    expect(response.error().message).toContain('application/xml');
  });

  it('answers 400 for unreadable JSON', async () => {
    const response = await stack.call('POST', PATH, { raw: '{"rows": [', headers: webhookHeaders() });
    expect(response.status).toBe(400);
    expect(response.error().message).toMatch(/^Body is not valid JSON/);
  });

  it('answers 422 naming what was found when the shape is unknown', async () => {
    const response = await stack.call('POST', PATH, { body: { hello: 'world', count: 3 }, headers: webhookHeaders() });
    expect(response.status).toBe(422);
    expect(response.error()).toMatchObject({ code: 'unrecognized_report_shape', details: { found: { type: 'object', topLevelKeys: ['hello', 'count'] } } });
  });

  it('answers 422 naming missing and found columns', async () => {
    const response = await stack.call('POST', PATH, { raw: 'User,Department\nann,IT\n', headers: webhookHeaders({ 'content-type': 'text/csv' }) });
    expect(response.status).toBe(422);
    expect(response.error()).toMatchObject({ code: 'missing_columns', details: { missing: ['Email', 'Days Active (or Last Active)'], found: ['User', 'Department'] } });
  });

  it('answers 422 when every row is bad, listing the rows', async () => {
    const response = await stack.call('POST', PATH, { body: [{ email: 'x', daysActive: 'often', instance: 'Slack-production' }], headers: webhookHeaders() });
    expect(response.status).toBe(422);
    expect(response.error().code).toBe('no_valid_rows');
    expect(response.error(z.object({ rejected: z.array(z.object({ field: z.string() })) })).details.rejected.map((r) => r.field)).toEqual(['email', 'daysActive']);

  });

  it('answers 422 when the body and the URL disagree on the instance', async () => {
    const response = await stack.call('POST', `${PATH}?instance=Zoom-production`, { body: report([row('a@example.com', 0)], { instance: 'Slack-production' }), headers: webhookHeaders() });
    expect(response.status).toBe(422);
    expect(response.error().code).toBe('conflicting_report_fields');
  });

  it('answers 404 and 405 as JSON errors', async () => {
    const missing = await stack.call('GET', '/nope');
    const wrongMethod = await stack.call('GET', PATH);
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(wrongMethod).toMatchObject({ status: 405, body: { error: { code: 'method_not_allowed' } } });
    expect(wrongMethod.headers.allow).toBe('POST');
  });

  it('answers GET /health with status ok', async () => {
    expect(await stack.call('GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });
});

describe('Route: POST /webhooks/saas-management — gzip already undone upstream', () => {
  it('accepts a body marked gzip that API Gateway has already decompressed', async () => {
    const response = await stack.call('POST', PATH, { body: report([row('predecoded@example.com', 0)]), headers: webhookHeaders({ 'content-encoding': 'gzip' }) });
    expect(response.status).toBe(202);
  });
});
