import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { forEachScannedItem } from './scan-items.js';

/**
 * The embedded engine (dynalite on LevelDB) writes an item and its index entries as separate operations, so a
 * killed process can leave an item whose index entry is missing — a PENDING batch the poller would never see.
 * At start-up, rewrite every unfinished batch and delivery in place; dynalite rebuilds their index entries.
 * DynamoDB on AWS maintains its indexes itself and needs none of this.
 */
export async function repairIndexes(client: DynamoDBDocumentClient, tableName: string): Promise<number> {
  return forEachScannedItem(
    client,
    {
      TableName: tableName,
      FilterExpression: '(#t = :batch AND #s IN (:staged, :pending, :inflight, :retry)) OR (#t = :delivery AND #s = :queued)',
      ExpressionAttributeNames: { '#t': 'type', '#s': 'status' },
      ExpressionAttributeValues: { ':batch': 'BATCH', ':delivery': 'DELIVERY', ':staged': 'STAGED', ':pending': 'PENDING', ':inflight': 'IN_FLIGHT', ':retry': 'RETRY_WAIT', ':queued': 'QUEUED' },
    },
    async (item) => {
      await client.send(new PutCommand({ TableName: tableName, Item: item }));
    },
  );
}
