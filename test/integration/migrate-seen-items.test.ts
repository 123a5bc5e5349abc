/**
 * Local data directories from before the "seen" items got their own partition: start-up moves them from
 * MAPPING#{key}/SEEN to SEEN#{key}/SEEN, so ingest's IAM prefixes never need to reach the mapping partitions.
 */
import { describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoStore } from '../../functions/adapters/dynamodb-store.js';
import { migrateSeenItems } from '../../functions/local/migrate-seen-items.js';
import { embeddedTable } from '../helpers/embedded-table.js';

const TABLE = 'migrate-seen';
const db = embeddedTable(TABLE);

describe('Function: migrateSeenItems', () => {
  it('moves old-shape seen items to their own partition, leaves mappings alone, and is a no-op the second time', async () => {
    // Prepare: one old-shape seen item beside its mapping.
    const old = { pk: 'MAPPING#slack-production', sk: 'SEEN', type: 'SEEN', gsi2pk: 'SEEN', gsi2sk: 'slack-production', instanceKey: 'slack-production', instance: 'Slack-production', lastReportAt: '2026-11-20T08:00:00.000Z', lastDeliveryId: 'd-1' };
    await db.client.send(new PutCommand({ TableName: TABLE, Item: old }));
    await db.client.send(new PutCommand({ TableName: TABLE, Item: { pk: 'MAPPING#slack-production', sk: 'MAPPING', instanceKey: 'slack-production' } }));
    // Act
    const moved = await migrateSeenItems(db.client, TABLE);
    // Assess
    expect(moved).toBe(1);
    expect((await db.client.send(new GetCommand({ TableName: TABLE, Key: { pk: 'MAPPING#slack-production', sk: 'SEEN' } }))).Item).toBeUndefined();
    expect((await db.client.send(new GetCommand({ TableName: TABLE, Key: { pk: 'MAPPING#slack-production', sk: 'MAPPING' } }))).Item).toBeDefined();
    const store = createDynamoStore({ client: db.client, tableName: TABLE });
    const seen = await store.instancesSeen(['slack-production']);
    expect(seen.get('slack-production')).toMatchObject({ lastReportAt: '2026-11-20T08:00:00.000Z', lastDeliveryId: 'd-1', instance: 'Slack-production' });
    expect(await migrateSeenItems(db.client, TABLE)).toBe(0);
  });
});
