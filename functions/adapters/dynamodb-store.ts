import { BatchGetCommand, BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { AppError, StoreUnavailableError } from '../core/errors.js';
import type { BatchKey, BatchStatus, Delivery, DeliveryStatus, DispatchBatch } from '../core/delivery.js';
import type { Mapping } from '../core/mapping.js';
import type { Target } from '../core/target.js';
import type { DispatchStore, IngestStore } from '../core/ports.js';
import type { BatchTransition, FollowUpRecord, InstanceSeen, RejectedReport } from '../core/types.js';
import type { ReportProfile } from '../core/report-profile.js';
import { TABLE_SCHEMA, auditTableFor, fromItem, keys } from './dynamodb-table.js';
import { UNSETTLED, unsettledSince } from '../core/redrive.js';
import { REPORT_HISTORY } from '../core/staleness.js';
import type { RateLedger } from './rate-limiter.js';

type Item = Record<string, unknown>;
const DAY_S = 86_400;

export interface DynamoStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** The append-only audit table (admin store only). */
  auditTableName?: string;
  /** Deliveries and batches expire (TTL) after this many days on AWS. */
  retentionDays?: number;
}

/** The DynamoDB adapter for ingest and dispatch. SDK errors never leave it: they become domain results or 503s. */
export class DynamoStore implements IngestStore, DispatchStore, RateLedger {
  protected readonly client: DynamoDBDocumentClient;
  protected readonly table: string;
  protected readonly auditTable: string;
  private readonly retentionDays: number;

  constructor(options: DynamoStoreOptions) {
    this.client = options.client;
    this.table = options.tableName;
    this.auditTable = auditTableFor(options.tableName, options.auditTableName);
    this.retentionDays = options.retentionDays ?? 400;
  }

  // ---- configuration reads ------------------------------------------------------------------

  async getMappings(instanceKeys: readonly string[]): Promise<Map<string, Mapping>> {
    const items = await this.batchGet(instanceKeys.map(keys.mapping));
    return new Map(items.map((item) => [String(item.instanceKey), fromItem<Mapping>(item)!]));
  }

  async getTargets(ids: readonly string[]): Promise<Map<string, Target>> {
    const items = await this.batchGet(ids.map(keys.target));
    return new Map(items.map((item) => [String(item.id), fromItem<Target>(item)!]));
  }

  // ---- deliveries ---------------------------------------------------------------------------

  async getDelivery(id: string): Promise<Delivery | undefined> {
    const { Item } = await this.guard(() => this.client.send(new GetCommand({ TableName: this.table, Key: keys.delivery(id), ConsistentRead: true })));
    return fromItem<Delivery>(Item);
  }

  async commitDelivery(delivery: Delivery): Promise<boolean> {
    const item = { ...delivery, settled: { dispatched: 0, failed: 0, held: 0 } };
    return this.conditionally(() =>
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.delivery(delivery.id), type: 'DELIVERY', ...deliveryIndexes(item), ...item, expiresAt: this.expiry(delivery.receivedAt) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async recordSettlement(deliveryId: string, outcome: 'dispatched' | 'failed' | 'held'): Promise<void> {
    const { Attributes } = await this.guard(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.delivery(deliveryId),
          UpdateExpression: 'ADD settled.#o :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#o': outcome },
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    const delivery = fromItem<Delivery>(Attributes);
    if (delivery) await this.setDeliveryStatus(delivery, settledStatus(delivery));
  }

  protected async setDeliveryStatus(delivery: Delivery, status: DeliveryStatus): Promise<void> {
    if (status === delivery.status) return;
    await this.guard(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.delivery(delivery.id),
          UpdateExpression: 'SET #s = :s, gsi1pk = :g',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': status, ':g': `DELIVERY#${status}` },
        }),
      ),
    );
  }

  // ---- batches: ingest side -----------------------------------------------------------------

  async stageBatches(batches: readonly DispatchBatch[]): Promise<void> {
    await this.batchWrite(batches.map((batch) => ({ PutRequest: { Item: this.batchItem(batch) } })));
  }

  async releaseBatches(delivery: Pick<Delivery, 'id' | 'writeId' | 'batchCount' | 'receivedAt'>): Promise<void> {
    for (let index = 0; index < delivery.batchCount; index++) {
      await this.requeueBatch({ deliveryId: delivery.id, writeId: delivery.writeId, index }, 'STAGED', delivery.receivedAt);
    }
  }

  async discardBatches(delivery: Pick<Delivery, 'id' | 'writeId' | 'batchCount'>): Promise<void> {
    const requests = Array.from({ length: delivery.batchCount }, (_, index) => ({ DeleteRequest: { Key: keys.batch(delivery.id, delivery.writeId, index) } }));
    await this.batchWrite(requests);
  }

  async listReportProfiles(): Promise<ReportProfile[]> {
    const items = await this.queryAll({ IndexName: TABLE_SCHEMA.listIndex.name, KeyConditionExpression: 'gsi2pk = :p', ExpressionAttributeValues: { ':p': 'PROFILES' } });
    return items.map((item) => fromItem<ReportProfile>(item)!);
  }

  async recordRejectedReport(report: RejectedReport): Promise<void> {
    await this.guard(() =>
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.rejectedReport(report.at, report.id), type: 'REJECTED', gsi2pk: 'REJECTED', gsi2sk: `${report.at}#${report.id}`, expiresAt: this.expiry(report.at), ...report },
        }),
      ),
    );
  }

  async recordReportsSeen(instances: ReadonlyArray<{ instanceKey: string; instance: string; application?: string }>, deliveryId: string, at: string): Promise<void> {
    // Read-then-write: two reports for one instance at the same moment may keep only one arrival time, which
    // the learned interval (a median) shrugs off.
    const earlier = await this.instancesSeen(instances.map((seen) => seen.instanceKey));
    await this.batchWrite(
      instances.map((seen) => {
        const reportTimes = [...(earlier.get(seen.instanceKey)?.reportTimes ?? []), at].slice(-REPORT_HISTORY);
        return {
          PutRequest: { Item: { ...keys.instanceSeen(seen.instanceKey), type: 'SEEN', gsi2pk: 'SEEN', gsi2sk: seen.instanceKey, instanceKey: seen.instanceKey, instance: seen.instance, application: seen.application, lastReportAt: at, lastDeliveryId: deliveryId, reportTimes } },
        };
      }),
    );
  }

  async instancesSeen(instanceKeys: readonly string[]): Promise<Map<string, InstanceSeen>> {
    const items = await this.batchGet(instanceKeys.map(keys.instanceSeen));
    return new Map(items.map((item) => [String(item.instanceKey), fromItem<InstanceSeen>(item)!]));
  }

  async recentlySentEmails(instanceKey: string, sinceIso: string): Promise<Set<string>> {
    const emails = new Set<string>();
    const items = await this.queryAll({
      IndexName: TABLE_SCHEMA.listIndex.name,
      KeyConditionExpression: 'gsi2pk = :p AND gsi2sk >= :since',
      // Only what ISC received: a held, pending, retrying or failed batch certified no one.
      FilterExpression: '#s = :dispatched',
      ProjectionExpression: '#s, #in.#u',
      ExpressionAttributeNames: { '#s': 'status', '#in': 'input', '#u': 'users' },
      ExpressionAttributeValues: { ':p': `INSTANCE#${instanceKey}`, ':since': sinceIso, ':dispatched': 'DISPATCHED' },
    });
    for (const item of items) for (const user of (item.input as DispatchBatch['input'] | undefined)?.users ?? []) emails.add(user.email);
    return emails;
  }

  // ---- batches: dispatch side ---------------------------------------------------------------

  async getBatch(key: BatchKey): Promise<DispatchBatch | undefined> {
    const { Item } = await this.guard(() => this.client.send(new GetCommand({ TableName: this.table, Key: keys.batch(key.deliveryId, key.writeId, key.index), ConsistentRead: true })));
    return fromItem<DispatchBatch>(Item);
  }

  async claimBatch(key: BatchKey, now: string, leaseUntil: string): Promise<DispatchBatch | undefined> {
    let claimed: DispatchBatch | undefined;
    const won = await this.conditionally(async () => {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.batch(key.deliveryId, key.writeId, key.index),
          UpdateExpression: 'SET #s = :inflight, leaseUntil = :lease, updatedAt = :now, attempts = attempts + :one, gsi1pk = :g, gsi1sk = :gs',
          ConditionExpression: '#s = :pending OR (#s = :inflight AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':inflight': 'IN_FLIGHT', ':pending': 'PENDING', ':lease': leaseUntil, ':now': now, ':one': 1,
            ':g': 'BATCH#IN_FLIGHT', ':gs': statusSortKey(leaseUntil, key),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      claimed = fromItem<DispatchBatch>(Attributes);
    });
    return won ? claimed : undefined;
  }

  async settleBatch(key: BatchKey, leaseUntil: string, transition: BatchTransition, now: string): Promise<boolean> {
    const { status, ...fields } = transition;
    const values: Item = { ':s': status, ':now': now, ':lease': leaseUntil, ':inflight': 'IN_FLIGHT', ':g': `BATCH#${status}`, ':gs': statusSortKey(transition.dueAt ?? now, key) };
    const sets = ['#s = :s', 'updatedAt = :now', 'gsi1pk = :g', 'gsi1sk = :gs'];
    const removes = ['leaseUntil'];
    for (const [name, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      sets.push(`${name} = :${name}`);
      values[`:${name}`] = value;
    }
    if (status === 'DISPATCHED') {
      // Sent: the cooldown starts now (the instance index sorts by it), and an earlier attempt's error is history.
      sets.push('sentAt = :now', 'gsi2sk = :now');
      if (!fields.lastError) removes.push('lastError');
      // A new send is followed afresh (its sort key, the send time, makes it due at once).
      removes.push('execution', 'campaign', 'followUp');
    }
    return this.conditionally(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.batch(key.deliveryId, key.writeId, key.index),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
          ConditionExpression: '#s = :inflight AND leaseUntil = :lease',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async recordFollowUp(key: BatchKey, executionId: string, record: FollowUpRecord, now: string): Promise<boolean> {
    const { nextCheckAt } = record.followUp;
    const names: Record<string, string> = { '#s': 'status', '#f': 'followUp' };
    const values: Item = { ':dispatched': 'DISPATCHED', ':exec': executionId, ':f': record.followUp, ':now': now };
    const sets = ['#f = :f', 'updatedAt = :now'];
    for (const field of ['execution', 'campaign'] as const) {
      if (record[field] === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = record[field];
      sets.push(`#${field} = :${field}`);
    }
    // Due again later: re-sorted by the next check; done: out of the status index, so no sweep reads it again.
    if (nextCheckAt) {
      sets.push('gsi1sk = :gs');
      values[':gs'] = statusSortKey(nextCheckAt, key);
    }
    return this.conditionally(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.batch(key.deliveryId, key.writeId, key.index),
          UpdateExpression: `SET ${sets.join(', ')}${nextCheckAt ? '' : ' REMOVE gsi1pk, gsi1sk'}`,
          ConditionExpression: '#s = :dispatched AND executionId = :exec',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async batchesByStatus(status: BatchStatus, limit: number, dueBefore?: string): Promise<DispatchBatch[]> {
    const { Items } = await this.guard(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: TABLE_SCHEMA.statusIndex.name,
          KeyConditionExpression: dueBefore ? 'gsi1pk = :p AND gsi1sk < :due' : 'gsi1pk = :p',
          ExpressionAttributeValues: dueBefore ? { ':p': `BATCH#${status}`, ':due': dueBefore } : { ':p': `BATCH#${status}` },
          Limit: limit,
        }),
      ),
    );
    return (Items ?? []).map((item) => fromItem<DispatchBatch>(item)!);
  }

  async countBatchesSince(status: BatchStatus, sinceIso: string): Promise<number> {
    let count = 0;
    let ExclusiveStartKey: Item | undefined;
    do {
      const page = await this.guard(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: TABLE_SCHEMA.statusIndex.name,
            KeyConditionExpression: 'gsi1pk = :p AND gsi1sk >= :since',
            ExpressionAttributeValues: { ':p': `BATCH#${status}`, ':since': sinceIso },
            Select: 'COUNT',
            ExclusiveStartKey,
          }),
        ),
      );
      count += page.Count ?? 0;
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return count;
  }

  async requeueBatch(key: BatchKey, from: BatchStatus, now: string): Promise<boolean> {
    const expired = from === 'IN_FLIGHT' ? ' AND leaseUntil < :now' : '';
    const queued = from === 'STAGED' ? ', queuedAt = :now' : '';
    return this.conditionally(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.batch(key.deliveryId, key.writeId, key.index),
          UpdateExpression: `SET #s = :pending, updatedAt = :now, gsi1pk = :g, gsi1sk = :gs${queued}${from === 'IN_FLIGHT' ? ' REMOVE leaseUntil' : ''}`,
          ConditionExpression: `#s = :from${expired}`,
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':pending': 'PENDING', ':from': from, ':now': now, ':g': 'BATCH#PENDING', ':gs': statusSortKey(now, key) },
        }),
      ),
    );
  }

  async redriveBatch(key: BatchKey, seenUpdatedAt: string, now: string): Promise<boolean> {
    return this.conditionally(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.batch(key.deliveryId, key.writeId, key.index),
          UpdateExpression: 'SET updatedAt = :now, gsi1sk = :gs ADD redrives :one',
          ConditionExpression: '#s = :pending AND updatedAt = :seen',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':pending': 'PENDING', ':seen': seenUpdatedAt, ':now': now, ':gs': statusSortKey(now, key), ':one': 1 },
        }),
      ),
    );
  }

  async oldestUnsettled(): Promise<string | undefined> {
    let oldest: string | undefined;
    for (const status of UNSETTLED) {
      // Unsettled batches are few (the dispatcher drains them within minutes); the cap bounds a pathological backlog.
      const items = await this.queryAll(
        {
          IndexName: TABLE_SCHEMA.statusIndex.name,
          KeyConditionExpression: 'gsi1pk = :p',
          ProjectionExpression: 'queuedAt, createdAt',
          ExpressionAttributeValues: { ':p': `BATCH#${status}` },
        },
        5000,
      );
      for (const item of items) {
        const since = unsettledSince(item as Pick<DispatchBatch, 'queuedAt' | 'createdAt'>);
        if (oldest === undefined || since < oldest) oldest = since;
      }
    }
    return oldest;
  }

  async deleteStagedBatch(key: BatchKey): Promise<void> {
    // Not STAGED any more means its delivery released it meanwhile: nothing to delete.
    await this.conditionally(() =>
      this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: keys.batch(key.deliveryId, key.writeId, key.index),
          ConditionExpression: '#s = :staged',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':staged': 'STAGED' },
        }),
      ),
    );
  }

  async queuedDeliveries(beforeIso: string, limit: number): Promise<Delivery[]> {
    const { Items } = await this.guard(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: TABLE_SCHEMA.statusIndex.name,
          KeyConditionExpression: 'gsi1pk = :p AND gsi1sk < :before',
          ExpressionAttributeValues: { ':p': 'DELIVERY#QUEUED', ':before': beforeIso },
          Limit: limit,
        }),
      ),
    );
    return (Items ?? []).map((item) => fromItem<Delivery>(item)!);
  }

  async batchStatuses(delivery: Pick<Delivery, 'id' | 'writeId'>): Promise<Array<Pick<DispatchBatch, 'status' | 'updatedAt'>>> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :b)',
      ProjectionExpression: '#s, updatedAt',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':pk': keys.delivery(delivery.id).pk, ':b': keys.batchPrefix(delivery.writeId) },
    });
    return items.map((item) => ({ status: item.status as BatchStatus, updatedAt: String(item.updatedAt) }));
  }

  async resetSettlement(delivery: Delivery, settled: NonNullable<Delivery['settled']>): Promise<void> {
    await this.guard(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.delivery(delivery.id),
          UpdateExpression: 'SET settled = :settled',
          ExpressionAttributeValues: { ':settled': settled },
        }),
      ),
    );
    await this.setDeliveryStatus(delivery, settledStatus({ ...delivery, settled }));
  }

  // ---- helpers ------------------------------------------------------------------------------

  protected batchItem(batch: DispatchBatch): Item {
    return {
      ...keys.batch(batch.deliveryId, batch.writeId, batch.index),
      type: 'BATCH',
      gsi1pk: `BATCH#${batch.status}`,
      gsi1sk: statusSortKey(batch.dueAt ?? batch.updatedAt, batch),
      gsi2pk: `INSTANCE#${batch.instanceKey}`,
      gsi2sk: batch.createdAt,
      expiresAt: this.expiry(batch.createdAt),
      ...batch,
    };
  }

  // ---- the shared ISC rate limit (RateLedger) -------------------------------------------------

  /**
   * One item per limiter key holding the current slice number and the slots asked for in it, overwritten by
   * each new slice so it never grows. Conditional updates only (no transactions, no TTL: it runs on dynalite).
   * Claiming adds to the count unconditionally within the slice and reads the sum back, so one update says
   * exactly how many of the asked-for slots were still free (asks beyond the quota are counted, never granted).
   * Two updates for the slice's first claim, three when another process opened the slice in between.
   */
  async takeRateSlots(key: string, slice: number, want: number, quota: number): Promise<number> {
    let used = 0;
    const update = (expression: string, condition: string) =>
      this.conditionally(async () => {
        const { Attributes } = await this.client.send(
          new UpdateCommand({ TableName: this.table, Key: keys.rateLimit(key), UpdateExpression: expression, ConditionExpression: condition, ExpressionAttributeValues: { ':slice': slice, ':n': want }, ReturnValues: 'UPDATED_NEW' }),
        );
        used = Number(Attributes?.used);
      });
    const add = () => update('SET used = used + :n', 'slice = :slice');
    // A newer slice replaces the item; a process whose clock is behind cannot move the slice back.
    const open = () => update('SET slice = :slice, used = :n', 'attribute_not_exists(slice) OR slice < :slice');
    if (!(await add()) && !(await open()) && !(await add())) return 0;
    return Math.max(0, Math.min(want, quota - (used - want)));
  }

  protected expiry(fromIso: string): number {
    return Math.floor(Date.parse(fromIso) / 1000) + this.retentionDays * DAY_S;
  }

  protected async queryAll(input: Omit<QueryCommandInput, 'TableName'>, max = Infinity): Promise<Item[]> {
    const items: Item[] = [];
    let ExclusiveStartKey: Item | undefined;
    do {
      const page = await this.guard(() => this.client.send(new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey })));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && items.length < max);
    return items;
  }

  private async batchGet(itemKeys: Array<{ pk: string; sk: string }>): Promise<Item[]> {
    const found: Item[] = [];
    await this.untilProcessed<Item>(itemKeys, 100, 'BatchGet', async (chunk) => {
      const result = await this.guard(() => this.client.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: chunk, ConsistentRead: true } } })));
      found.push(...(result.Responses?.[this.table] ?? []));
      return result.UnprocessedKeys?.[this.table]?.Keys;
    });
    return found;
  }

  private async batchWrite(requests: Item[]): Promise<void> {
    await this.untilProcessed<Item>(requests, 25, 'BatchWrite', async (chunk) => {
      const result = await this.guard(() => this.client.send(new BatchWriteCommand({ RequestItems: { [this.table]: chunk } })));
      return result.UnprocessedItems?.[this.table] as Item[] | undefined;
    });
  }

  /** Batch APIs may leave part of a request unprocessed under load: resend that part with backoff, a bounded number of times. */
  private async untilProcessed<T>(all: T[], chunkSize: number, what: string, send: (chunk: T[]) => Promise<T[] | undefined>): Promise<void> {
    for (let i = 0; i < all.length; i += chunkSize) {
      let pending: T[] | undefined = all.slice(i, i + chunkSize);
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt > 8) throw new StoreUnavailableError(new Error(`${what} kept returning unprocessed items`));
        if (attempt > 0) await backoff(attempt);
        pending = await send(pending);
      }
    }
  }

  /** A conditional write: false when its condition does not hold; any other failure is a 503. */
  protected async conditionally(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw new StoreUnavailableError(error);
    }
  }

  /** Any SDK failure on the request path becomes a 503 (retry later), never a 500 with SDK internals. */
  protected async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw error instanceof AppError ? error : new StoreUnavailableError(error);
    }
  }
}

export function deliveryIndexes(delivery: Pick<Delivery, 'id' | 'status' | 'receivedAt'>): Item {
  return { gsi1pk: `DELIVERY#${delivery.status}`, gsi1sk: `${delivery.receivedAt}#${delivery.id}`, gsi2pk: 'DELIVERIES', gsi2sk: `${delivery.receivedAt}#${delivery.id}` };
}

/** Once every batch has settled, the delivery's status says how it went. */
export function settledStatus(delivery: Delivery): DeliveryStatus {
  const { dispatched = 0, failed = 0, held = 0 } = delivery.settled ?? {};
  if (dispatched + failed + held < delivery.batchCount) return 'QUEUED';
  if (failed === 0 && held === 0) return 'DISPATCHED';
  if (dispatched === 0 && held === 0) return 'FAILED';
  if (failed === 0 && dispatched === 0) return 'HELD';
  return 'PARTIAL';
}

function statusSortKey(time: string, key: Pick<BatchKey, 'deliveryId' | 'index'>): string {
  return `${time}#${key.deliveryId}#${String(key.index).padStart(5, '0')}`;
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
}

function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 25 * 2 ** attempt)));
}
