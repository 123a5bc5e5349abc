import { afterAll, beforeAll } from 'vitest';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../functions/local/embedded-dynamodb.js';

/**
 * One table on the embedded engine for the enclosing suite (started before it, closed after), read and written
 * through a document client, for tests that put raw items of an older shape before a migration runs.
 */
export function embeddedTable(table: string): { readonly client: DynamoDBDocumentClient } {
  let dynamo: EmbeddedDynamoDb | undefined;
  let client: DynamoDBDocumentClient | undefined;
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamoDb(table);
    client = DynamoDBDocumentClient.from(dynamo.raw);
  });
  afterAll(() => dynamo?.close());
  return {
    get client() {
      if (!client) throw new Error('embeddedTable: the client exists once beforeAll has run');
      return client;
    },
  };
}
