import type { Mapping } from '../core/mapping.js';
import type { Target } from '../core/target.js';
import type { AuditEntry, Page } from '../core/types.js';
import type { AuditRepository } from './dynamodb-audit.js';
import { TABLE_SCHEMA, decodeCursor, encodeCursor, fromItem, keys, type Item, type Table } from './dynamodb-table.js';

/** The configuration: targets and mappings, written with optimistic locking and audited. */
export function configRepository(table: Table, audit: AuditRepository) {
  /** Optimistic locking: create only if absent, update only at the version the caller read. Then audit. */
  async function versionedPut(item: Item & { pk: string }, expectedVersion: number | undefined, entry: AuditEntry): Promise<boolean> {
    const saved = await table.putIf({
      Item: item,
      ConditionExpression: expectedVersion === undefined ? 'attribute_not_exists(pk)' : 'version = :v',
      ExpressionAttributeValues: expectedVersion === undefined ? undefined : { ':v': expectedVersion },
    });
    if (saved) await audit.append(item.pk, entry);
    return saved;
  }

  return {
    async getMappings(instanceKeys: readonly string[]): Promise<Map<string, Mapping>> {
      const items = await table.batchGet(instanceKeys.map(keys.mapping));
      return new Map(items.map((item) => [String(item.instanceKey), fromItem<Mapping>(item)!]));
    },

    async getTargets(ids: readonly string[]): Promise<Map<string, Target>> {
      const items = await table.batchGet(ids.map(keys.target));
      return new Map(items.map((item) => [String(item.id), fromItem<Target>(item)!]));
    },

    async getTarget(id: string): Promise<Target | undefined> {
      return fromItem<Target>(await table.get(keys.target(id)));
    },

    async listTargets(): Promise<Target[]> {
      const items = await table.queryAll({ IndexName: TABLE_SCHEMA.listIndex.name, KeyConditionExpression: 'gsi2pk = :p', ExpressionAttributeValues: { ':p': 'TARGETS' } });
      return items.map((item) => fromItem<Target>(item)!);
    },

    saveTarget(target: Target, expectedVersion: number | undefined, entry: AuditEntry): Promise<boolean> {
      return versionedPut({ ...keys.target(target.id), type: 'TARGET', gsi2pk: 'TARGETS', gsi2sk: target.id, ...target }, expectedVersion, entry);
    },

    async deleteTarget(id: string, entry: AuditEntry): Promise<void> {
      await table.delete(keys.target(id));
      await audit.append(keys.target(id).pk, entry);
    },

    async getMapping(instanceKey: string): Promise<Mapping | undefined> {
      return fromItem<Mapping>(await table.get(keys.mapping(instanceKey)));
    },

    async listMappings(limit: number, cursor?: string): Promise<Page<Mapping>> {
      const { Items, LastEvaluatedKey } = await table.query({
        IndexName: TABLE_SCHEMA.listIndex.name,
        KeyConditionExpression: 'gsi2pk = :p',
        ExpressionAttributeValues: { ':p': 'MAPPINGS' },
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor),
      });
      return { items: (Items ?? []).map((item) => fromItem<Mapping>(item)!), next: encodeCursor(LastEvaluatedKey) };
    },

    saveMapping(mapping: Mapping, expectedVersion: number | undefined, entry: AuditEntry): Promise<boolean> {
      return versionedPut({ ...keys.mapping(mapping.instanceKey), type: 'MAPPING', gsi2pk: 'MAPPINGS', gsi2sk: mapping.instanceKey, ...mapping }, expectedVersion, entry);
    },

    async deleteMapping(instanceKey: string, expectedVersion: number, entry: AuditEntry): Promise<boolean> {
      const deleted = await table.deleteIf({ Key: keys.mapping(instanceKey), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } });
      if (deleted) await audit.append(keys.mapping(instanceKey).pk, entry);
      return deleted;
    },
  };
}
