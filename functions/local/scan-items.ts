import { ScanCommand, type DynamoDBDocumentClient, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';

/**
 * Every item of the local table that matches `filter`, page by page, each handed to `each`; answers how many.
 * Start-up maintenance of the embedded engine only: on AWS nothing scans the table.
 */
export async function forEachScannedItem(
  client: DynamoDBDocumentClient,
  filter: Omit<ScanCommandInput, 'TableName' | 'ExclusiveStartKey'> & { TableName: string },
  each: (item: Record<string, unknown>) => Promise<void>,
): Promise<number> {
  let count = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ ...filter, ExclusiveStartKey }));
    for (const item of page.Items ?? []) {
      await each(item);
      count++;
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return count;
}
