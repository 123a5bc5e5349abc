/** Reliability: the same report posted many times at once becomes one delivery and one set of batches. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestAnswer } from '../../functions/http/responses.js';
import { startMappedStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startMappedStack();
});
afterAll(() => stack.close());

const rows = Array.from({ length: 300 }, (_, i) => ({ Email: `user${i}@example.com`, 'Days Active': i % 2, Instance: 'Slack-production' }));

describe('Reliability: concurrent duplicates', () => {
  it.each([
    ['with an Idempotency-Key', { 'idempotency-key': 'concurrent-1' }],
    ['without a delivery header (body hash)', {}],
  ])('turns 10 concurrent posts %s into one delivery', async (_label, extra) => {
    // Prepare
    const body = { reportName: `concurrency ${JSON.stringify(extra)}`, rows };
    // Act
    const responses = await Promise.all(Array.from({ length: 10 }, () => stack.call('POST', '/webhooks/saas-management', { body, headers: webhookHeaders(extra) })));
    // Assess
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
    const ids = new Set(responses.map((r) => r.read(IngestAnswer).deliveryId));
    expect(ids.size).toBe(1);
    const accepted = responses.find((r) => r.status === 202)!;
    for (const duplicate of responses.filter((r) => r.status === 200)) expect(duplicate.body).toEqual({ ...accepted.read(IngestAnswer), duplicate: true });
    const delivery = (await stack.store.getDelivery([...ids][0]!))!;
    const batches = await stack.store.deliveryBatches(delivery);
    expect(batches).toHaveLength(delivery.batchCount);
    expect(batches.every((b) => b.status === 'PENDING')).toBe(true);
    // The losing copies removed their staged batches; nothing uncommitted is left behind.
    expect(await stack.store.batchesByStatus('STAGED', 100)).toEqual([]);
  });
});
