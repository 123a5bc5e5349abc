import { randomUUID } from 'node:crypto';
import type { AuditEntry } from '../core/types.js';
import { fromItem, keys, type Table } from './dynamodb-table.js';

/**
 * The audit trail, in its own append-only table (same pk as the item it records). No transactions on the
 * embedded engine: an entry follows the change it records.
 */
export function auditRepository(table: Table) {
  /** Append only: the conditional put never overwrites an entry. */
  async function append(pk: string, audit: AuditEntry): Promise<void> {
    await table.put({ Item: { ...keys.audit(pk, audit.at, randomUUID()), type: 'AUDIT', ...audit }, ConditionExpression: 'attribute_not_exists(pk)' });
  }

  return {
    append,

    /** Audit entries for admin actions that change no configuration item (replays). */
    recordAudit: async (audit: AuditEntry): Promise<void> => {
      await append(auditPk(audit.entity, audit.key), audit);
    },

    listAudit: async (entity: AuditEntry['entity'], key: string, limit: number): Promise<AuditEntry[]> => {
      const { Items } = await table.query({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
        ExpressionAttributeValues: { ':pk': auditPk(entity, key), ':a': 'AUDIT#' },
        ScanIndexForward: false,
        Limit: limit,
      });
      return (Items ?? []).map((item) => fromItem<AuditEntry>(item)!);
    },
  };
}

export type AuditRepository = ReturnType<typeof auditRepository>;

function auditPk(entity: AuditEntry['entity'], key: string): string {
  return { target: keys.target, mapping: keys.mapping, 'report-profile': keys.reportProfile, delivery: keys.delivery }[entity](key).pk;
}
