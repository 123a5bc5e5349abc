/**
 * The cooldown as SENT#{instance}/{email} items: written when a batch settles DISPATCHED, read for a report's
 * inactive users only, judged by their time (dynalite has no TTL), and migrated once from older data directories.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoStore } from '../../functions/adapters/dynamodb-store.js';
import { migrateSentItems } from '../../functions/local/migrate-sent-items.js';
import { embeddedTable } from '../helpers/embedded-table.js';
import { markDispatched, slackMapping, startMappedStack, webhookHeaders, type TestStack } from '../helpers/stack.js';
import { IngestAnswer } from '../../functions/http/responses.js';

const DAY_MS = 86_400_000;

describe('Cooldown items: written on DISPATCHED, read per report', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startMappedStack();
  });
  afterAll(() => stack.close());

  const post = async (key: string, emails: string[]) => {
    const response = await stack.call('POST', '/webhooks/saas-management', { body: emails.map((Email) => ({ Email, 'Days Active': 0, Instance: 'Slack-production' })), headers: webhookHeaders({ 'idempotency-key': key }) });
    expect(response.status).toBe(202);
    return response.read(IngestAnswer);
  };

  it('cools down the users of a dispatched batch, and only for the instance they were sent for', async () => {
    const first = await post('cool-1', ['a@example.com', 'b@example.com']);
    // Not yet received by ISC: nobody cools down.
    expect((await post('cool-2', ['a@example.com'])).instances[0]).toMatchObject({ inactiveUsers: 1, cooledDown: 0 });
    await markDispatched(stack, first.deliveryId);
    const third = await post('cool-3', ['a@example.com', 'b@example.com', 'c@example.com']);
    expect(third.instances[0]).toMatchObject({ inactiveUsers: 1, cooledDown: 2, batches: 1 });
    const since = new Date(Date.now() - DAY_MS).toISOString();
    expect(await stack.store.recentlySentEmails('slack-production', ['a@example.com', 'b@example.com', 'z@example.com'], since)).toEqual(new Set(['a@example.com', 'b@example.com']));
    expect(await stack.store.recentlySentEmails('zoom-production', ['a@example.com'], since)).toEqual(new Set());
  });

  it('judges an item by its time, so one past the window counts as not sent even before TTL removes it', async () => {
    const future = new Date(Date.now() + DAY_MS).toISOString();
    expect(await stack.store.recentlySentEmails('slack-production', ['a@example.com', 'b@example.com'], future)).toEqual(new Set());
  });

  it('writes no items for a policy without cooldown', async () => {
    await stack.call('PUT', '/admin/mappings/teams-production?skipSourceCheck=true', { body: slackMapping({ application: 'Teams', instance: 'Teams-production', policy: { maxDaysActive: 0, cooldownDays: 0 } }) });
    const response = await stack.call('POST', '/webhooks/saas-management', { body: [{ Email: 't@example.com', 'Days Active': 0, Instance: 'Teams-production' }], headers: webhookHeaders({ 'idempotency-key': 'teams-1' }) });
    await markDispatched(stack, response.read(IngestAnswer).deliveryId);
    expect(await stack.store.recentlySentEmails('teams-production', ['t@example.com'], '2000-01-01T00:00:00.000Z')).toEqual(new Set());
  });
});

describe('Function: migrateSentItems', () => {
  const TABLE = 'migrate-sent';
  const db = embeddedTable(TABLE);

  const oldBatch = (n: number, status: string, sentAt: string, emails: string[]) => ({
    pk: `DELIVERY#d-${n}`, sk: 'BATCH#w#00000', type: 'BATCH', status, instanceKey: 'slack-production', sentAt, updatedAt: sentAt,
    input: { policy: { maxDaysActive: 0, cooldownDays: 10 }, users: emails.map((email) => ({ email, daysActive: 0 })) },
  });

  it('writes the newest send of each user from the dispatched batches, skips the rest, and runs once', async () => {
    // Prepare: the newer send is scanned in any order relative to the older one; a failed batch sent no one.
    for (const item of [
      oldBatch(1, 'DISPATCHED', '2026-11-20T00:00:00.000Z', ['a@example.com']),
      oldBatch(2, 'DISPATCHED', '2026-11-10T00:00:00.000Z', ['a@example.com', 'b@example.com']),
      oldBatch(3, 'FAILED', '2026-11-21T00:00:00.000Z', ['f@example.com']),
    ]) await db.client.send(new PutCommand({ TableName: TABLE, Item: item }));
    // Act
    expect(await migrateSentItems(db.client, TABLE)).toBe(2);
    // Assess
    const store = createDynamoStore({ client: db.client, tableName: TABLE });
    expect(await store.recentlySentEmails('slack-production', ['a@example.com', 'b@example.com', 'f@example.com'], '2026-11-01T00:00:00.000Z')).toEqual(new Set(['a@example.com', 'b@example.com']));
    expect(await store.recentlySentEmails('slack-production', ['a@example.com', 'b@example.com'], '2026-11-15T00:00:00.000Z')).toEqual(new Set(['a@example.com']));
    const { Item } = await db.client.send(new GetCommand({ TableName: TABLE, Key: { pk: 'SENT#slack-production', sk: 'a@example.com' } }));
    expect(Item).toMatchObject({ sentAt: '2026-11-20T00:00:00.000Z', expiresAt: Date.parse('2026-11-30T00:00:00.000Z') / 1000 });
    expect(await migrateSentItems(db.client, TABLE)).toBe(0);
  });
});
