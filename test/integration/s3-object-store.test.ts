/**
 * The S3 object store against a real S3-protocol server (s3rver on loopback): the metadata layout API
 * Gateway writes, a streamed read, delete, and a large report ingested from the bucket into the store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import S3rver from 's3rver';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../functions/adapters/s3-object-store.js';
import { ingestSettings, loadConfig } from '../../functions/adapters/config.js';
import { ingestStoredReport } from '../../functions/core/stream-ingest.js';
import { generateRows, toJsonReport } from '../../bench/report-generator.js';
import { startMappedStack, type TestStack } from '../helpers/stack.js';

const BUCKET = 'large-reports';
let server: S3rver;
let dir: string;
let client: S3Client;
let objects: S3ObjectStore;
let stack: TestStack;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3rver-'));
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  client = new S3Client({ endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  objects = new S3ObjectStore(client, BUCKET);
  stack = await startMappedStack();
});
afterAll(async () => {
  client.destroy();
  await server.close();
  await stack.close();
  await rm(dir, { recursive: true, force: true });
});

describe('S3ObjectStore on an S3-protocol server', () => {
  it('reads what API Gateway writes: delivery key, URL fields, type and encoding', async () => {
    // Prepare: the object as the S3 integration writes it (x-amz-meta-* headers from the request).
    const body = gzipSync('{"rows":[]}');
    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET, Key: 'incoming/req-1', Body: body, ContentType: 'application/json', ContentEncoding: 'gzip',
        Metadata: { 'request-id': 'req-1', 'webhook-id': 'msg_2abc', 'q-instance': 'Slack-production', 'q-periodend': '2026-11-30' },
      }),
    );
    // Act
    const stored = await objects.get('incoming/req-1');
    const chunks: Buffer[] = [];
    for await (const chunk of stored.body) chunks.push(Buffer.from(chunk));
    // Assess
    expect(stored.meta).toEqual({ deliveryId: 'msg_2abc', idSource: 'header', contentType: 'application/json', contentEncoding: 'gzip', query: { instance: 'Slack-production', periodEnd: '2026-11-30' } });
    expect(Buffer.concat(chunks)).toEqual(body);
    expect(stored.bytes).toBe(body.length);
  });

  it('names a keyless upload after its request id, and deletes', async () => {
    await objects.put('incoming/req-2', Buffer.from('Email,Days Active\na@example.com,0\n'), { deliveryId: 'large-req-2', idSource: 'request', contentType: 'text/csv', query: {} });
    expect((await objects.get('incoming/req-2')).meta).toMatchObject({ deliveryId: 'large-req-2', idSource: 'request' });
    await objects.delete('incoming/req-2');
    await expect(objects.get('incoming/req-2')).rejects.toThrow(/NoSuchKey|not exist/i);
  });

  it('refuses a key outside the incoming/ prefix', async () => {
    await expect(objects.get('../etc/passwd')).rejects.toThrow(/is not incoming/);
  });

  it('ingests a gzip report streamed from the bucket, then removes the object', async () => {
    // Prepare
    const body = gzipSync(toJsonReport(generateRows(5_000, ['Slack-production'])));
    await objects.put('incoming/req-3', body, { deliveryId: 's3-ingest-1', idSource: 'header', contentType: 'application/json', contentEncoding: 'gzip', query: {} });
    // Act
    const outcome = await ingestStoredReport('incoming/req-3', objects, { store: stack.store, clock: { now: () => new Date() }, settings: ingestSettings(loadConfig({ TABLE_NAME: 'test-table' })) });
    // Assess
    expect(outcome.status).toBe('ACCEPTED');
    const delivery = await stack.store.getDelivery('s3-ingest-1');
    expect(delivery).toMatchObject({ status: 'QUEUED', report: { rows: 5_000, validRows: 5_000, format: 'json', bytes: body.length } });
    expect(delivery!.instances[0]).toMatchObject({ instanceKey: 'slack-production', status: 'mapped', users: 5_000 });
    await expect(objects.get('incoming/req-3')).rejects.toThrow();
  });
});
