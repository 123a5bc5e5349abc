/**
 * POST /webhooks/saas-management/large over real HTTP against the local stack: the body is stored in the
 * file object store, answered 202 RECEIVED, then streamed through the same ingest as the small path.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRows, toCsvReport, toJsonReport, type GeneratedRow } from '../../bench/report-generator.js';
import { IngestAnswer, LargeReportReceipt, RejectedReportList } from '../../functions/http/responses.js';

import { slackMapping, startMappedStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

const SMALL = '/webhooks/saas-management';
const LARGE = '/webhooks/saas-management/large';
let stack: TestStack;

beforeAll(async () => {
  // Small batches, so a few thousand rows make many of them and their order is compared too.
  stack = await startMappedStack({ env: { BATCH_MAX_BYTES: String(8 * 1024) } });
  const zoom = await stack.call('PUT', '/admin/mappings/zoom-production', { body: slackMapping({ application: 'Zoom', instance: 'Zoom-production', source: { id: 'src-zoom' } }) });
  expect(zoom.status).toBe(201);
});
afterAll(() => stack.close());

/** A report with duplicate people (most activity wins), a bad email, a row without activity and three instances. */
function mixedRows(): GeneratedRow[] {
  const rows = generateRows(3_000, ['Slack-production', 'Zoom-production', 'Box-production']);
  // Without any activity column on purpose: the report rejects this row.
  const noActivity = { Email: 'x@example.com', Instance: 'Slack-production' } as GeneratedRow;
  rows.push({ ...rows[0]!, 'Days Active': 9 }, { ...rows[3]!, 'Days Active': 0 }, { ...rows[5]!, Email: 'not-an-email' }, noActivity);
  return rows;
}

async function batchesOf(deliveryId: string) {
  const delivery = await stack.store.getDelivery(deliveryId);
  const batches = await stack.store.deliveryBatches(delivery!);
  return batches.sort((a, b) => a.index - b.index).map((b) => ({ instanceKey: b.instanceKey, index: b.index, count: b.count, users: b.input.users }));
}

async function postLarge(body: string | Buffer, query: string, headers: Record<string, string>) {
  const response = await stack.call('POST', `${LARGE}${query}`, { raw: body, headers: webhookHeaders(headers) });
  await stack.largeReports.idle();
  return response;
}

describe('Route: POST /webhooks/saas-management/large — same outcome as the in-memory path', () => {
  it.each([
    ['JSON, gzip', 'application/json', toJsonReport, true],
    ['CSV, plain', 'text/csv', toCsvReport, false],
  ] as const)('%s: the delivery and its batches match the small path row for row', async (label, contentType, render, gzip) => {
    // Prepare
    const body = render(mixedRows());
    const small = await stack.call('POST', `${SMALL}?periodEnd=2026-11-25`, { raw: body, headers: webhookHeaders({ 'content-type': contentType, 'idempotency-key': `small-${label.slice(0, 3)}` }) });
    expect(small.status).toBe(202);
    // Act
    const large = await postLarge(gzip ? gzipSync(body) : body, '?periodEnd=2026-11-25', { 'content-type': contentType, 'idempotency-key': `large-${label.slice(0, 3)}`, ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    // Assess
    expect(large.status).toBe(202);
    expect(large.body).toEqual({ deliveryId: `large-${label.slice(0, 3)}`, status: 'RECEIVED' });
    const fromSmall = (await stack.store.getDelivery(small.read(IngestAnswer).deliveryId))!;
    const fromLarge = (await stack.store.getDelivery(large.read(LargeReportReceipt).deliveryId))!;
    expect(fromLarge.instances).toEqual(fromSmall.instances);
    expect(fromLarge.rejected).toEqual(fromSmall.rejected);
    expect(fromLarge.rejectedCount).toBe(2);
    expect({ ...fromLarge.report, bytes: 0 }).toEqual({ ...fromSmall.report, bytes: 0 });
    expect(fromLarge.batchCount).toBeGreaterThan(5);
    expect(await batchesOf(fromLarge.id)).toEqual(await batchesOf(fromSmall.id));
  });
});

describe('Route: POST /webhooks/saas-management/large — answers and refusals', () => {
  const body = toJsonReport(generateRows(20, ['Slack-production']));

  it('makes a delivery id from the request when the sender gives no key, and ingests the report', async () => {
    const response = await postLarge(body, '', {});
    expect(response.status).toBe(202);
    const { deliveryId } = response.read(LargeReportReceipt);
    expect(deliveryId).toMatch(/^large-[0-9a-f-]{36}$/);
    expect((await stack.store.getDelivery(deliveryId))?.report.rows).toBe(20);
  });

  it('answers a repeat with the same key and body as a duplicate: one delivery, batches once', async () => {
    const first = await postLarge(body, '', { 'idempotency-key': 'large-repeat' });
    const { deliveryId } = first.read(LargeReportReceipt);
    const before = await batchesOf(deliveryId);
    const again = await postLarge(body, '', { 'idempotency-key': 'large-repeat' });
    expect(again.status).toBe(202);
    expect(await batchesOf(deliveryId)).toEqual(before);
    expect(stack.logs.some((line) => line.includes('large report ingested') && line.includes('large-repeat'))).toBe(true);
  });

  it('refuses a wrong secret before storing anything', async () => {
    const response = await stack.call('POST', LARGE, { raw: body, headers: { authorization: 'Bearer nope', 'content-type': 'application/json' } });
    expect(response.status).toBe(401);
  });

  it.each([
    ['an unsupported encoding', { 'content-encoding': 'br' }, 415, 'unsupported_encoding'],
    ['an unsupported type', { 'content-type': 'application/xml' }, 415, 'unsupported_media_type'],
    ['a malformed delivery key', { 'idempotency-key': 'no spaces please' }, 400, 'bad_request'],
  ])('answers %s at once with a precise error', async (_label, headers, status, code) => {
    const response = await postLarge(body, '', headers);
    expect(response.status).toBe(status);
    expect(response.error().code).toBe(code);
  });

  it.each([
    ['no email column', JSON.stringify({ rows: [{ Name: 'a', 'Days Active': 1 }] }), {}, 'missing_columns'],
    ['broken JSON', '{"rows": [{"Email": ', {}, 'bad_request'],
    ['broken gzip', Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5]), { 'content-encoding': 'gzip' }, 'bad_request'],
  ])('keeps a refusal found while streaming (%s) under the announced delivery id', async (_label, refused, headers, code) => {
    const response = await postLarge(refused, '', headers);
    expect(response.status).toBe(202);
    const rejected = await stack.call('GET', '/admin/rejected-reports');
    expect(rejected.status).toBe(200);
    const { deliveryId } = response.read(LargeReportReceipt);
    expect(rejected.read(RejectedReportList).items.find((item) => item.id === deliveryId)?.code).toBe(code);
    expect(await stack.store.getDelivery(deliveryId)).toBeUndefined();
  });
});
