/**
 * connectDynamoDb: the local stack on an engine running elsewhere (the large-report benchmark keeps dynalite in
 * a process of its own). Here the engine is started in this process and reached only through its endpoint.
 */
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDynamoDb, startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../functions/local/embedded-dynamodb.js';

let engine: EmbeddedDynamoDb;
beforeAll(async () => {
  engine = await startEmbeddedDynamoDb('engine-side');
});
afterAll(() => engine.close());

describe('Function: connectDynamoDb', () => {
  it('creates the tables on the remote engine and counts the requests this client sends', async () => {
    const connected = await connectDynamoDb(engine.endpoint, 'connected');
    try {
      const before = connected.requests();
      const { TableNames } = await connected.raw.send(new ListTablesCommand({}));
      expect(TableNames).toEqual(expect.arrayContaining(['engine-side', 'connected']));
      expect(TableNames!.length).toBeGreaterThanOrEqual(4);
      expect(connected.requests()).toBe(before + 1);
      expect(connected.endpoint).toBe(engine.endpoint);
    } finally {
      await connected.close();
    }
  });
});
