import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTables } from '../adapters/dynamodb-table.js';

export interface EmbeddedDynamoDb {
  endpoint: string;
  /** A client for the engine, the tables created and ACTIVE. */
  raw: DynamoDBClient;
  /** Requests the engine has served. */
  requests: () => number;
  close(): Promise<void>;
}

/**
 * dynalite on a free loopback port with the tables created (the audit trail in its own table, as on AWS);
 * persisted under `dataDir` when given, else in memory.
 */
export async function startEmbeddedDynamoDb(tableName: string, dataDir?: string, auditTableName?: string): Promise<EmbeddedDynamoDb> {
  const engine = dynalite({ path: dataDir ? join(dataDir, 'dynamodb') : undefined, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  let requests = 0;
  engine.on('request', () => requests++);
  engine.listen(0, '127.0.0.1');
  await once(engine, 'listening');
  const endpoint = `http://127.0.0.1:${(engine.address() as AddressInfo).port}`;
  const raw = await tablesAt(endpoint, tableName, auditTableName);
  return {
    endpoint,
    raw,
    requests: () => requests,
    async close() {
      await new Promise((resolve) => engine.close(resolve));
      raw.destroy();
    },
  };
}

/**
 * An engine that runs in another process (the large-report benchmark keeps it apart, as the table is remote on
 * AWS, so each process's memory is its own), the tables created; requests are counted as this client sends them.
 */
export async function connectDynamoDb(endpoint: string, tableName: string, auditTableName?: string): Promise<EmbeddedDynamoDb> {
  const raw = await tablesAt(endpoint, tableName, auditTableName);
  let requests = 0;
  raw.middlewareStack.add((next) => (args) => (requests++, next(args)), { step: 'build' });
  return { endpoint, raw, requests: () => requests, close: () => Promise.resolve(raw.destroy()) };
}

async function tablesAt(endpoint: string, tableName: string, auditTableName?: string): Promise<DynamoDBClient> {
  const raw = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await ensureTables(raw, tableName, { auditTableName });
  return raw;
}
