import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../adapters/dynamodb-table.js';
import { forEachScannedItem } from './scan-items.js';

/**
 * Data directories written before the per-instance "seen" items got their own partition kept them under
 * `MAPPING#{instanceKey}` / `SEEN`. Move each to `keys.instanceSeen` (put first, then delete, so a crash in
 * between leaves a copy, never a loss). Local only: no deployment ever stored the old shape.
 */
export async function migrateSeenItems(client: DynamoDBDocumentClient, tableName: string): Promise<number> {
  return forEachScannedItem(
    client,
    { TableName: tableName, FilterExpression: 'sk = :seen AND begins_with(pk, :old)', ExpressionAttributeValues: { ':seen': 'SEEN', ':old': 'MAPPING#' } },
    async (item) => {
      await client.send(new PutCommand({ TableName: tableName, Item: { ...item, ...keys.instanceSeen(String(item.instanceKey)) } }));
      await client.send(new DeleteCommand({ TableName: tableName, Key: { pk: item.pk, sk: item.sk } }));
    },
  );
}
