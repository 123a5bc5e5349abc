import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { badRequest } from '../core/errors.js';
import type { BatchKey, BatchStatus, Delivery, DispatchBatch } from '../core/delivery.js';
import type { Mapping } from '../core/mapping.js';
import type { Target } from '../core/target.js';
import type { AdminStore } from '../core/ports.js';
import type { AuditEntry, DeliveryQuery, MatchTest, Page, RejectedReport } from '../core/types.js';
import type { ReportProfile } from '../core/report-profile.js';
import { DynamoStore, deliveryIndexes } from './dynamodb-store.js';
import { TABLE_SCHEMA, fromItem, keys } from './dynamodb-table.js';

type Item = Record<string, unknown>;

/** Admin reads and writes on the same table: targets, mappings (optimistic locking), audit, deliveries, replay. */
export class DynamoAdminStore extends DynamoStore implements AdminStore {
  async getTarget(id: string): Promise<Target | undefined> {
    return fromItem<Target>(await this.getItem(keys.target(id)));
  }

  async listTargets(): Promise<Target[]> {
    const items = await this.queryAll({ IndexName: TABLE_SCHEMA.listIndex.name, KeyConditionExpression: 'gsi2pk = :p', ExpressionAttributeValues: { ':p': 'TARGETS' } });
    return items.map((item) => fromItem<Target>(item)!);
  }

  async saveTarget(target: Target, expectedVersion: number | undefined, audit: AuditEntry): Promise<boolean> {
    const item = { ...keys.target(target.id), type: 'TARGET', gsi2pk: 'TARGETS', gsi2sk: target.id, ...target };
    return this.versionedPut(item, expectedVersion, audit);
  }

  async deleteTarget(id: string, audit: AuditEntry): Promise<void> {
    await this.guard(() => this.client.send(new DeleteCommand({ TableName: this.table, Key: keys.target(id) })));
    await this.writeAudit(keys.target(id).pk, audit);
  }

  async getMapping(instanceKey: string): Promise<Mapping | undefined> {
    return fromItem<Mapping>(await this.getItem(keys.mapping(instanceKey)));
  }

  async listMappings(limit: number, cursor?: string): Promise<Page<Mapping>> {
    const startKey = decodeCursor(cursor);
    const { Items, LastEvaluatedKey } = await this.guard(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: TABLE_SCHEMA.listIndex.name,
          KeyConditionExpression: 'gsi2pk = :p',
          ExpressionAttributeValues: { ':p': 'MAPPINGS' },
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      ),
    );
    return { items: (Items ?? []).map((item) => fromItem<Mapping>(item)!), next: encodeCursor(LastEvaluatedKey) };
  }

  async saveMapping(mapping: Mapping, expectedVersion: number | undefined, audit: AuditEntry): Promise<boolean> {
    const item = { ...keys.mapping(mapping.instanceKey), type: 'MAPPING', gsi2pk: 'MAPPINGS', gsi2sk: mapping.instanceKey, ...mapping };
    return this.versionedPut(item, expectedVersion, audit);
  }

  async deleteMapping(instanceKey: string, expectedVersion: number, audit: AuditEntry): Promise<boolean> {
    const deleted = await this.conditionally(() =>
      this.client.send(new DeleteCommand({ TableName: this.table, Key: keys.mapping(instanceKey), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } })),
    );
    if (deleted) await this.writeAudit(keys.mapping(instanceKey).pk, audit);
    return deleted;
  }

  async recentInstanceUsers(instanceKey: string, limit: number): Promise<{ emails: string[]; deliveryId?: string }> {
    const emails = new Set<string>();
    let deliveryId: string | undefined;
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    // Newest batches first; a handful of pages covers any sample size the match test asks for.
    for (let page = 0; page < 10 && emails.size < limit; page++) {
      const result = await this.guard(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: TABLE_SCHEMA.listIndex.name,
            KeyConditionExpression: 'gsi2pk = :p',
            ProjectionExpression: 'deliveryId, #in.#u',
            ExpressionAttributeNames: { '#in': 'input', '#u': 'users' },
            ExpressionAttributeValues: { ':p': `INSTANCE#${instanceKey}` },
            ScanIndexForward: false,
            Limit: 25,
            ExclusiveStartKey,
          }),
        ),
      );
      for (const item of result.Items ?? []) {
        deliveryId ??= item.deliveryId as string;
        for (const user of (item.input as DispatchBatch['input'] | undefined)?.users ?? []) if (emails.size < limit) emails.add(user.email);
      }
      ExclusiveStartKey = result.LastEvaluatedKey;
      if (!ExclusiveStartKey) break;
    }
    return { emails: [...emails], deliveryId };
  }

  async recordMatchTest(instanceKey: string, result: MatchTest): Promise<void> {
    await this.guard(() =>
      this.client.send(new UpdateCommand({ TableName: this.table, Key: keys.instanceSeen(instanceKey), UpdateExpression: 'SET matchTest = :m', ExpressionAttributeValues: { ':m': result } })),
    );
  }

  async saveReportProfile(profile: ReportProfile, audit: AuditEntry): Promise<void> {
    const key = keys.reportProfile(profile.id);
    await this.guard(() => this.client.send(new PutCommand({ TableName: this.table, Item: { ...key, type: 'PROFILE', gsi2pk: 'PROFILES', gsi2sk: profile.id, ...profile } })));
    await this.writeAudit(key.pk, audit);
  }

  async deleteReportProfile(id: string, audit: AuditEntry): Promise<boolean> {
    const { Attributes } = await this.guard(() => this.client.send(new DeleteCommand({ TableName: this.table, Key: keys.reportProfile(id), ReturnValues: 'ALL_OLD' })));
    if (Attributes !== undefined) await this.writeAudit(keys.reportProfile(id).pk, { ...audit, before: fromItem(Attributes) });
    return Attributes !== undefined;
  }

  async listRejectedReports(limit: number): Promise<RejectedReport[]> {
    const { Items } = await this.guard(() =>
      this.client.send(new QueryCommand({ TableName: this.table, IndexName: TABLE_SCHEMA.listIndex.name, KeyConditionExpression: 'gsi2pk = :p', ExpressionAttributeValues: { ':p': 'REJECTED' }, ScanIndexForward: false, Limit: limit })),
    );
    return (Items ?? []).map((item) => fromItem<RejectedReport>(item)!);
  }

  async listAudit(entity: AuditEntry['entity'], key: string, limit: number): Promise<AuditEntry[]> {
    const pk = auditPk(entity, key);
    const { Items } = await this.guard(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.auditTable,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
          ExpressionAttributeValues: { ':pk': pk, ':a': 'AUDIT#' },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return (Items ?? []).map((item) => fromItem<AuditEntry>(item)!);
  }

  async listDeliveries(query: DeliveryQuery): Promise<Page<Delivery>> {
    const byStatus = query.status !== undefined;
    const [pkName, skName] = byStatus ? ['gsi1pk', 'gsi1sk'] : ['gsi2pk', 'gsi2sk'];
    const values: Item = { ':p': byStatus ? `DELIVERY#${query.status}` : 'DELIVERIES' };
    if (query.since) values[':since'] = query.since;
    const startKey = decodeCursor(query.cursor);
    const { Items, LastEvaluatedKey } = await this.guard(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: byStatus ? TABLE_SCHEMA.statusIndex.name : TABLE_SCHEMA.listIndex.name,
          KeyConditionExpression: `${pkName} = :p${query.since ? ` AND ${skName} >= :since` : ''}`,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: query.limit,
          ExclusiveStartKey: startKey,
        }),
      ),
    );
    return { items: (Items ?? []).map((item) => fromItem<Delivery>(item)!), next: encodeCursor(LastEvaluatedKey) };
  }

  async deliveryBatches(delivery: Pick<Delivery, 'id' | 'writeId'>): Promise<DispatchBatch[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :b)',
      ExpressionAttributeValues: { ':pk': keys.delivery(delivery.id).pk, ':b': keys.batchPrefix(delivery.writeId) },
    });
    return items.map((item) => fromItem<DispatchBatch>(item)!);
  }

  async replayBatch(key: BatchKey, from: BatchStatus, now: string, overrideMatchCheck: boolean): Promise<boolean> {
    return this.conditionally(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.batch(key.deliveryId, key.writeId, key.index),
          // A replay searches identities afresh: ISC may have changed since (that may be why it is replayed).
          UpdateExpression: 'SET #s = :pending, attempts = :zero, throttled = :zero, updatedAt = :now, queuedAt = :now, gsi1pk = :g, gsi1sk = :gs, overrideMatchCheck = :o REMOVE identities',
          ConditionExpression: '#s = :from',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':pending': 'PENDING', ':zero': 0, ':now': now, ':g': 'BATCH#PENDING', ':gs': `${now}#${key.deliveryId}#${String(key.index).padStart(5, '0')}`,
            ':o': overrideMatchCheck, ':from': from,
          },
        }),
      ),
    );
  }

  async reopenDelivery(id: string, replayed: { dispatched: number; failed: number; held: number }): Promise<void> {
    const delivery = await this.getDelivery(id);
    if (!delivery) return;
    await this.guard(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.delivery(id),
          UpdateExpression: 'ADD settled.dispatched :d, settled.failed :f, settled.held :h SET #s = :q, gsi1pk = :g',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':d': -replayed.dispatched, ':f': -replayed.failed, ':h': -replayed.held, ':q': 'QUEUED', ':g': deliveryIndexes({ ...delivery, status: 'QUEUED' }).gsi1pk },
        }),
      ),
    );
  }

  private async getItem(key: { pk: string; sk: string }): Promise<Item | undefined> {
    const { Item } = await this.guard(() => this.client.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true })));
    return Item;
  }

  /** Optimistic locking: create only if absent, update only at the version the caller read. Then audit. */
  private async versionedPut(item: Item & { pk: string }, expectedVersion: number | undefined, audit: AuditEntry): Promise<boolean> {
    const saved = await this.conditionally(() =>
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: expectedVersion === undefined ? 'attribute_not_exists(pk)' : 'version = :v',
          ExpressionAttributeValues: expectedVersion === undefined ? undefined : { ':v': expectedVersion },
        }),
      ),
    );
    if (saved) await this.writeAudit(item.pk, audit);
    return saved;
  }

  /** No transactions on the embedded engine: the audit item follows the change it records. Append only: never overwrites. */
  private async writeAudit(pk: string, audit: AuditEntry): Promise<void> {
    await this.guard(() =>
      this.client.send(
        new PutCommand({ TableName: this.auditTable, Item: { ...keys.audit(pk, audit.at, randomUUID()), type: 'AUDIT', ...audit }, ConditionExpression: 'attribute_not_exists(pk)' }),
      ),
    );
  }

  /** Audit entries for admin actions that change no configuration item (replays). */
  async recordAudit(audit: AuditEntry): Promise<void> {
    await this.writeAudit(auditPk(audit.entity, audit.key), audit);
  }
}

function auditPk(entity: AuditEntry['entity'], key: string): string {
  return { target: keys.target, mapping: keys.mapping, 'report-profile': keys.reportProfile, delivery: keys.delivery }[entity](key).pk;
}

function encodeCursor(key: Item | undefined): string | undefined {
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

function decodeCursor(cursor: string | undefined): Item | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = CursorSchema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // not base64url JSON: the 400 below
  }
  throw badRequest('cursor is not a cursor this API returned.', { field: 'cursor' });
}
