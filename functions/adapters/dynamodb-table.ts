import { ConditionalCheckFailedException, DynamoDBClient, CreateTableCommand, DescribeTableCommand, ResourceNotFoundException, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DeleteCommandInput,
  type PutCommandInput,
  type QueryCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { AppError, StoreUnavailableError, badRequest } from '../core/errors.js';

/**
 * The single table of design.md. Key and index names are shared with the CDK stack (lib/) so the
 * local engine and AWS cannot drift apart.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Batches and deliveries by status; the sort key is the time that matters for that status. */
  statusIndex: { name: 'byStatus', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Batches by instance (the match test samples recent users), and listings: all deliveries, all mappings, all targets. */
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
  /**
   * When ISC last received this email for this instance (the cooldown): one partition per instance, the email as
   * sort key, so ingest fetches exactly a report's inactive users with BatchGetItem.
   */
  sent: (instanceKey: string, email: string) => ({ pk: `SENT#${instanceKey}`, sk: email }),
  /** email → ISC identity id in one tenant (the identity directory cache); the tenant key keeps tenants apart. */
  identity: (tenantKey: string, email: string) => ({ pk: `IDENTITY#${tenantKey}`, sk: email }),
  /** An identity's manager in one tenant, for MANAGER batches (dynamodb-identities.ts). */
  manager: (tenantKey: string, identityId: string) => ({ pk: `MANAGER#${tenantKey}`, sk: identityId }),
  /** The shared ISC rate limit of one client: its current slice and the slots taken (dynamodb-rate-slots.ts). */
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

/** The one DocumentClient builder: from client options (AWS, tests) or an existing client (a local engine). */
export function documentClient(config: DynamoDBClientConfig | DynamoDBClient = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(config instanceof DynamoDBClient ? config : new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export type Item = Record<string, unknown>;
type Key = { pk: string; sk: string };
const DAY_S = 86_400;

export interface TableOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Items that expire (deliveries, batches, samples) do so this many days after they were written. Default 400. */
  retentionDays?: number;
}

/**
 * One table as the repositories use it: every call names the table, SDK failures become StoreUnavailableError
 * (a 503: retry) and a failed condition becomes `false`, so no SDK error leaves the adapters.
 */
export class Table {
  readonly client: DynamoDBDocumentClient;
  readonly name: string;
  private readonly retentionDays: number;

  constructor(options: TableOptions) {
    this.client = options.client;
    this.name = options.tableName;
    this.retentionDays = options.retentionDays ?? 400;
  }

  /** The TTL attribute's value for an item written at `fromIso`. */
  expiry(fromIso: string): number {
    return Math.floor(Date.parse(fromIso) / 1000) + this.retentionDays * DAY_S;
  }

  async get(key: Key): Promise<Item | undefined> {
    const { Item } = await guard(() => this.client.send(new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true })));
    return Item;
  }

  async put(input: Omit<PutCommandInput, 'TableName'>): Promise<void> {
    await guard(() => this.client.send(new PutCommand({ ...input, TableName: this.name })));
  }

  async update(input: Omit<UpdateCommandInput, 'TableName'>): Promise<Item | undefined> {
    const { Attributes } = await guard(() => this.client.send(new UpdateCommand({ ...input, TableName: this.name })));
    return Attributes;
  }

  /** Unconditional delete; resolves to the item it removed, if any. */
  async delete(key: Key): Promise<Item | undefined> {
    const { Attributes } = await guard(() => this.client.send(new DeleteCommand({ TableName: this.name, Key: key, ReturnValues: 'ALL_OLD' })));
    return Attributes;
  }

  /** A conditional update: the attributes it returns (ReturnValues), or false when its condition does not hold. */
  async updateIf(input: Omit<UpdateCommandInput, 'TableName'>): Promise<Item | false> {
    let attributes: Item | undefined;
    const done = await conditionally(async () => {
      ({ Attributes: attributes } = await this.client.send(new UpdateCommand({ ...input, TableName: this.name })));
    });
    return done && (attributes ?? {});
  }

  /** A conditional put: false when its condition does not hold. */
  putIf(input: Omit<PutCommandInput, 'TableName'>): Promise<boolean> {
    return conditionally(() => this.client.send(new PutCommand({ ...input, TableName: this.name })));
  }

  /** A conditional delete: false when its condition does not hold. */
  deleteIf(input: Omit<DeleteCommandInput, 'TableName'>): Promise<boolean> {
    return conditionally(() => this.client.send(new DeleteCommand({ ...input, TableName: this.name })));
  }

  /** One page of a query. */
  query(input: Omit<QueryCommandInput, 'TableName'>): Promise<{ Items?: Item[]; LastEvaluatedKey?: Item; Count?: number }> {
    return guard(() => this.client.send(new QueryCommand({ ...input, TableName: this.name })));
  }

  /** Every page of a query, up to about `max` items. */
  async queryAll(input: Omit<QueryCommandInput, 'TableName'>, max = Infinity): Promise<Item[]> {
    const items: Item[] = [];
    let ExclusiveStartKey: Item | undefined;
    do {
      const page = await this.query({ ...input, ExclusiveStartKey });
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && items.length < max);
    return items;
  }

  async batchGet(itemKeys: Key[]): Promise<Item[]> {
    const found: Item[] = [];
    await untilProcessed<Item>(itemKeys, 100, 'BatchGet', async (chunk) => {
      const result = await guard(() => this.client.send(new BatchGetCommand({ RequestItems: { [this.name]: { Keys: chunk, ConsistentRead: true } } })));
      found.push(...(result.Responses?.[this.name] ?? []));
      return result.UnprocessedKeys?.[this.name]?.Keys;
    });
    return found;
  }

  async batchWrite(requests: Item[]): Promise<void> {
    await untilProcessed<Item>(requests, 25, 'BatchWrite', async (chunk) => {
      const result = await guard(() => this.client.send(new BatchWriteCommand({ RequestItems: { [this.name]: chunk } })));
      return result.UnprocessedItems?.[this.name];
    });
  }
}

/** A conditional write: false when its condition does not hold; any other failure is a 503. */
async function conditionally(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw new StoreUnavailableError(error);
  }
}

/** Any SDK failure on the request path becomes a 503 (retry later), never a 500 with SDK internals. */
async function guard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw error instanceof AppError ? error : new StoreUnavailableError(error);
  }
}

/** Batch APIs may leave part of a request unprocessed under load: resend that part with backoff, a bounded number of times. */
async function untilProcessed<T>(all: T[], chunkSize: number, what: string, send: (chunk: T[]) => Promise<T[] | undefined>): Promise<void> {
  for (let i = 0; i < all.length; i += chunkSize) {
    let pending: T[] | undefined = all.slice(i, i + chunkSize);
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > 8) throw new StoreUnavailableError(new Error(`${what} kept returning unprocessed items`));
      if (attempt > 0) await backoff(attempt);
      pending = await send(pending);
    }
  }
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
}

function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 25 * 2 ** attempt)));
}

/** A page cursor is the LastEvaluatedKey we handed out, opaque to the caller. */
export function encodeCursor(key: Item | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

/** A cursor is a LastEvaluatedKey we handed out: table and index key attributes, all strings, pk and sk present. */
const CursorSchema = z.strictObject({
  pk: z.string(),
  sk: z.string(),
  gsi1pk: z.optional(z.string()),
  gsi1sk: z.optional(z.string()),
  gsi2pk: z.optional(z.string()),
  gsi2sk: z.optional(z.string()),
});

export function decodeCursor(cursor: string | undefined): Item | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = CursorSchema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // not base64url JSON: the 400 below
  }
  throw badRequest('cursor is not a cursor this API returned.', { field: 'cursor' });
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
