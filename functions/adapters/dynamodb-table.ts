import { DynamoDBClient, CreateTableCommand, DescribeTableCommand, ResourceNotFoundException, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The single table of design.md. Key and index names are shared with the CDK stack (lib/) so the
 * local engine and AWS cannot drift apart.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Batches and deliveries by status; the sort key is the time that matters for that status. */
  statusIndex: { name: 'byStatus', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Batches by instance (cooldown), and listings: all deliveries, all mappings, all targets. */
  listIndex: { name: 'byList', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ttlAttribute: 'expiresAt',
} as const;

/**
 * The audit trail's own table (same pk, sk `AUDIT#…`): on AWS only the admin function may write it, append
 * only, so the runtime functions that hold the main table cannot rewrite history.
 */
export const AUDIT_TABLE_SCHEMA = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** AUDIT_TABLE_NAME when set (the CDK stack sets it), else the main table's name + "-audit". */
export function auditTableFor(tableName: string, explicit?: string): string {
  return explicit ?? `${tableName}-audit`;
}

export const keys = {
  target: (id: string) => ({ pk: `TARGET#${id}`, sk: 'TARGET' }),
  mapping: (instanceKey: string) => ({ pk: `MAPPING#${instanceKey}`, sk: 'MAPPING' }),
  /** Its own partition, not the mapping's: ingest writes it, and its IAM grant (LeadingKeys) must not reach mappings. */
  instanceSeen: (instanceKey: string) => ({ pk: `SEEN#${instanceKey}`, sk: 'SEEN' }),
  reportProfile: (id: string) => ({ pk: `PROFILE#${id}`, sk: 'PROFILE' }),
  rejectedReport: (at: string, id: string) => ({ pk: `REJECTED#${at.slice(0, 10)}`, sk: `${at}#${id}` }),
  delivery: (id: string) => ({ pk: `DELIVERY#${id}`, sk: 'DELIVERY' }),
  batch: (deliveryId: string, writeId: string, index: number) => ({ pk: `DELIVERY#${deliveryId}`, sk: `BATCH#${writeId}#${String(index).padStart(5, '0')}` }),
  batchPrefix: (writeId: string) => `BATCH#${writeId}#`,
  audit: (pk: string, at: string, suffix: string) => ({ pk, sk: `AUDIT#${at}#${suffix}` }),
  /** The shared ISC rate limit of one client: its current slice and the slots taken (DynamoStore.takeRateSlots). */
  rateLimit: (key: string) => ({ pk: `RATE#${key}`, sk: 'RATE' }),
};

const BOOKKEEPING = new Set(['pk', 'sk', 'type', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'expiresAt']);

/** Strip the table's bookkeeping attributes so callers get the domain object back. */
export function fromItem<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!BOOKKEEPING.has(k)) out[k] = v;
  return out as T;
}

export function documentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/** The main table and the audit table on a local engine (the CDK stack creates both on AWS). */
export async function ensureTables(client: DynamoDBClient, tableName: string, options: { streams?: boolean; auditTableName?: string } = {}): Promise<void> {
  await ensureTable(client, tableName, { streams: options.streams });
  await ensureTable(client, auditTableFor(tableName, options.auditTableName), { indexes: false });
}

/**
 * Create the table on a local engine (the CDK stack creates it on AWS) and wait until it is ACTIVE.
 * `streams` asks for NEW_IMAGE streams as on AWS (DynamoDB Local has them; dynalite ignores them).
 */
export async function ensureTable(client: DynamoDBClient, tableName: string, options: { streams?: boolean; indexes?: boolean } = {}): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException) && (error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  const { statusIndex, listIndex } = TABLE_SCHEMA;
  const indexes = options.indexes === false ? [] : [statusIndex, listIndex];
  const attributes = ['pk', 'sk', ...indexes.flatMap((index) => [index.partitionKey, index.sortKey])];
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: options.streams ? { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } : undefined,
      AttributeDefinitions: attributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: indexes.length === 0 ? undefined : indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
  for (let i = 0; i < 100; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE' && (Table.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Table ${tableName} did not become ACTIVE`);
}
