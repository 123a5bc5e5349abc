/**
 * The stream adapter against DynamoDB Local (dynalite has no Streams): a report is ingested into a table with
 * NEW_IMAGE streams, the real stream records are read, filtered with the event source mapping's filter as
 * Lambda would, and handed to the dispatch handler, which sends the batch to the fake ISC.
 * Skipped, with a printed notice, where Java is not installed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { createDynamoStore, type DynamoStore } from '../../functions/adapters/dynamodb-store.js';
import { documentClient, ensureTables } from '../../functions/adapters/dynamodb-table.js';
import { FileSecretStore } from '../../functions/adapters/file-secret-store.js';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import { DEFAULT_DISPATCH_SETTINGS, sweep } from '../../functions/core/dispatcher.js';
import { ingestReport } from '../../functions/core/ingest.js';
import { PENDING_BATCH_FILTER, handleStreamEvent } from '../../functions/aws/dispatch-stream.js';
import type { IscSimulator } from '../../functions/local/isc-simulator.js';
import { captureLog } from '../helpers/capture-log.js';
import { dynamoDbLocalUnavailable, startDynamoDbLocal } from '../helpers/dynamodb-local.js';
import { TRIGGER_CLIENT, WORKFLOW_ID, startFakeIsc } from '../helpers/fake-isc.js';

const unavailable = dynamoDbLocalUnavailable();
if (unavailable) console.warn(`NOTICE: ${unavailable}`);

/** Lambda's event filtering for the pattern shapes we use: nested objects, leaf arrays of allowed values. */
function matches(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) return pattern.includes(value);
  if (typeof pattern !== 'object' || pattern === null || typeof value !== 'object' || value === null) return false;
  return Object.entries(pattern).every(([key, sub]) => matches((value as Record<string, unknown>)[key], sub));
}

describe.skipIf(unavailable !== undefined)('Adapter: DynamoDB Streams → dispatch (DynamoDB Local)', () => {
  const table = 'streams-test';
  let ddb: Awaited<ReturnType<typeof startDynamoDbLocal>>;
  let isc: IscSimulator;
  let raw: DynamoDBClient;
  let store: DynamoStore;
  let dir: string;
  const clock = { now: () => new Date() };

  beforeAll(async () => {
    ddb = await startDynamoDbLocal();
    isc = await startFakeIsc();
    dir = await mkdtemp(join(tmpdir(), 'streams-'));
    const config = { endpoint: ddb.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
    raw = new DynamoDBClient(config);
    await ensureTables(raw, table, { streams: true });
    store = createDynamoStore({ client: documentClient(raw), tableName: table });
    const secrets = new FileSecretStore(join(dir, 'secrets.json'));
    await secrets.putCredentials('t/trigger', TRIGGER_CLIENT);
    const now = clock.now().toISOString();
    const audit = { at: now, actor: 'test', action: 'create' as const, entity: 'target' as const, key: 'sim' };
    await store.saveTarget(
      { id: 'sim', environment: 'production', tenant: 'acme-sim', triggerUrl: `${isc.url}/beta/workflows/execute/external/${WORKFLOW_ID}`, tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url, credentials: { trigger: { secretId: 't/trigger', clientId: TRIGGER_CLIENT.clientId, updatedAt: now } }, version: 1, updatedAt: now, updatedBy: 'test' },
      undefined,
      audit,
    );
    await store.saveMapping(
      { application: 'Slack', instance: 'Slack-production', instanceKey: 'slack-production', environment: 'production', targetId: 'sim', source: { id: 's' }, policy: { maxDaysActive: 0 }, enabled: true, version: 1, updatedAt: now, updatedBy: 'test' },
      undefined,
      { ...audit, entity: 'mapping', key: 'slack-production' },
    );
    deps = { store, isc: new HttpIscClient({ timeoutMs: 2000 }), secrets, clock, log: captureLog(), settings: DEFAULT_DISPATCH_SETTINGS };
  }, 60_000);

  let deps: Parameters<typeof handleStreamEvent>[1];

  afterAll(async () => {
    raw?.destroy();
    await isc?.close();
    await ddb?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function streamRecords(): Promise<DynamoDBRecord[]> {
    const streams = new DynamoDBStreamsClient({ endpoint: ddb.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const { Table } = await raw.send(new DescribeTableCommand({ TableName: table }));
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: Table!.LatestStreamArn }));
    const records: DynamoDBRecord[] = [];
    for (const shard of StreamDescription!.Shards ?? []) {
      let { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn: Table!.LatestStreamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
      for (let page = 0; ShardIterator && page < 20; page++) {
        const result = await streams.send(new GetRecordsCommand({ ShardIterator }));
        records.push(...((result.Records ?? []) as DynamoDBRecord[]));
        if ((result.Records ?? []).length === 0) break;
        ShardIterator = result.NextShardIterator;
      }
    }
    streams.destroy();
    return records;
  }

  it('passes only PENDING batch images through the filter, and the handler dispatches the batch once', async () => {
    // Prepare: a report accepted the way the ingest function does it.
    const rows = [{ Email: 'a@example.com', 'Days Active': 0, Instance: 'Slack-production' }, { Email: 'b@example.com', 'Days Active': 0, Instance: 'Slack-production' }];
    const { delivery } = await ingestReport(
      { body: JSON.stringify(rows), bytes: 0, contentType: 'application/json', query: {}, deliveryKey: 'stream-1' },
      { store, clock, settings: { batchMaxBytes: 131072, dedupeWindowMs: 86_400_000, maxRows: 1000 } },
    );

    // Act: read the stream, filter as the event source mapping does, invoke the handler.
    const all = await streamRecords();
    const event: DynamoDBStreamEvent = { Records: all.filter((record) => matches(record, PENDING_BATCH_FILTER)) };
    const result = await handleStreamEvent(event, deps);

    // Assess
    const types = all.map((r) => `${r.eventName}:${r.dynamodb?.NewImage?.type?.S}:${r.dynamodb?.NewImage?.status?.S ?? ''}`);
    expect(types).toContain('INSERT:BATCH:STAGED');
    expect(event.Records.map((r) => r.dynamodb?.NewImage?.status?.S)).toEqual(['PENDING']);
    expect(result.batchItemFailures).toEqual([]);
    expect(isc.state.executionCount(delivery.id, 1)).toBe(1);
    const [batch] = await store.deliveryBatches(delivery);
    expect(batch).toMatchObject({ status: 'DISPATCHED', executionId: expect.any(String) as unknown });

    // The DISPATCHED write is on the stream too, and the filter keeps it away from the function.
    const after = await streamRecords();
    expect(after.some((r) => r.dynamodb?.NewImage?.status?.S === 'DISPATCHED' && matches(r, PENDING_BATCH_FILTER))).toBe(false);
    expect(after.some((r) => r.dynamodb?.NewImage?.status?.S === 'DISPATCHED')).toBe(true);
  });

  it('reports a record whose batch cannot be reached as a batch item failure, so Lambda retries only that one', async () => {
    const broken = createDynamoStore({ client: documentClient({ endpoint: 'http://127.0.0.1:9', region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 }), tableName: table });
    const all = await streamRecords();
    const event: DynamoDBStreamEvent = { Records: all.filter((record) => matches(record, PENDING_BATCH_FILTER)) };
    const result = await handleStreamEvent(event, { ...deps, store: broken });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.dynamodb!.SequenceNumber }]);
  });

  it('recovers a batch whose stream record went to the DLQ: the sweeper re-drives it and the new record dispatches it', async () => {
    // Prepare: a report accepted while the dispatch function cannot reach the table.
    const before = new Set((await streamRecords()).map((r) => r.dynamodb?.SequenceNumber));
    const fresh = async () => (await streamRecords()).filter((r) => !before.has(r.dynamodb?.SequenceNumber) && matches(r, PENDING_BATCH_FILTER));
    const rows = [{ Email: 'dlq@example.com', 'Days Active': 0, Instance: 'Slack-production' }];
    const { delivery } = await ingestReport(
      { body: JSON.stringify(rows), bytes: 0, contentType: 'application/json', query: {}, deliveryKey: 'stream-dlq' },
      { store, clock, settings: { batchMaxBytes: 131072, dedupeWindowMs: 86_400_000, maxRows: 1000 } },
    );
    const broken = createDynamoStore({ client: documentClient({ endpoint: 'http://127.0.0.1:9', region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 }), tableName: table });
    const lost = await fresh();
    expect(lost).toHaveLength(1);
    // The first try and the mapping's 5 retries all fail; Lambda then sends the record's coordinates to the DLQ.
    for (let attempt = 0; attempt < 6; attempt++) {
      expect((await handleStreamEvent({ Records: lost }, { ...deps, store: broken })).batchItemFailures).toHaveLength(1);
    }
    lost.forEach((r) => before.add(r.dynamodb?.SequenceNumber));
    expect((await store.deliveryBatches(delivery))[0]).toMatchObject({ status: 'PENDING' });
    expect(await fresh()).toEqual([]);

    // Act: the scheduled sweep, once the batch has been PENDING longer than the stream should take.
    const later = { now: () => new Date(Date.now() + DEFAULT_DISPATCH_SETTINGS.pendingGraceMs + 60_000) };
    expect(await sweep({ store, clock: later, settings: DEFAULT_DISPATCH_SETTINGS, log: captureLog() })).toMatchObject({ redriven: 1 });
    const redriven = await fresh();
    const result = await handleStreamEvent({ Records: redriven }, deps);

    // Assess: one new PENDING record passed the filter and the batch was sent once.
    expect(redriven.map((r) => `${r.eventName}:${r.dynamodb?.NewImage?.status?.S}`)).toEqual(['MODIFY:PENDING']);
    expect(result.batchItemFailures).toEqual([]);
    expect((await store.deliveryBatches(delivery))[0]).toMatchObject({ status: 'DISPATCHED', executionId: expect.any(String) as unknown, redrives: 1 });
    expect(isc.state.executionCount(delivery.id, 1)).toBe(1);
  });
});
