import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DispatchBatch } from '../core/delivery.js';
import { Table } from '../adapters/dynamodb-table.js';
import { sentRepository } from '../adapters/dynamodb-sent.js';
import { forEachScannedItem } from './scan-items.js';

const DONE = { pk: 'MIGRATION#sent-items', sk: 'MIGRATION' };

/**
 * Data directories written before the cooldown had its own items (SENT#{instanceKey} / email) kept it only in the
 * DISPATCHED batches' user lists. Write each such batch's items once, oldest send kept only where no newer one is
 * (a conditional put per user), then a marker so later start-ups skip the scan. Answers the batches read.
 * Local only: at start-up, where the embedded engine may scan; AWS functions have no Scan permission.
 */
export async function migrateSentItems(client: DynamoDBDocumentClient, tableName: string): Promise<number> {
  const table = new Table({ client, tableName });
  if (await table.get(DONE)) return 0;
  const sent = sentRepository(table);
  const batches = await forEachScannedItem(
    client,
    {
      TableName: tableName,
      FilterExpression: '#t = :batch AND #s = :dispatched',
      ExpressionAttributeNames: { '#t': 'type', '#s': 'status' },
      ExpressionAttributeValues: { ':batch': 'BATCH', ':dispatched': 'DISPATCHED' },
    },
    async (item) => {
      const batch = item as unknown as DispatchBatch;
      await sent.recordSent(batch, batch.sentAt ?? batch.updatedAt, { onlyIfNewer: true });
    },
  );
  await table.put({ Item: { ...DONE, at: new Date().toISOString(), batches } });
  return batches;
}
