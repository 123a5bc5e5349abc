import type { BatchStatus, Delivery, DispatchBatch } from '../core/delivery.js';
import { UNSETTLED, unsettledSince } from '../core/redrive.js';
import { TABLE_SCHEMA, fromItem, keys, type Item, type Table } from './dynamodb-table.js';

/** What the batches say in aggregate: an instance's recent users, a delivery's batches, the health counts. */
export function batchReadRepository(table: Table) {
  return {
    /** Up to `limit` distinct users of the instance's newest batches (any status), newest first. */
    async recentInstanceUsers(instanceKey: string, limit: number): Promise<{ emails: string[]; deliveryId?: string }> {
      const emails = new Set<string>();
      let deliveryId: string | undefined;
      let ExclusiveStartKey: Item | undefined;
      // Newest batches first; a handful of pages covers any sample size the match test asks for.
      for (let page = 0; page < 10 && emails.size < limit; page++) {
        const result = await table.query({
          IndexName: TABLE_SCHEMA.listIndex.name,
          KeyConditionExpression: 'gsi2pk = :p',
          ProjectionExpression: 'deliveryId, #in.#u',
          ExpressionAttributeNames: { '#in': 'input', '#u': 'users' },
          ExpressionAttributeValues: { ':p': `INSTANCE#${instanceKey}` },
          ScanIndexForward: false,
          Limit: 25,
          ExclusiveStartKey,
        });
        for (const item of result.Items ?? []) {
          deliveryId ??= item.deliveryId as string;
          for (const email of usersOf(item)) if (emails.size < limit) emails.add(email);
        }
        ExclusiveStartKey = result.LastEvaluatedKey;
        if (!ExclusiveStartKey) break;
      }
      return { emails: [...emails], deliveryId };
    },

    async deliveryBatches(delivery: Pick<Delivery, 'id' | 'writeId'>): Promise<DispatchBatch[]> {
      const items = await table.queryAll(ofDelivery(delivery));
      return items.map((item) => fromItem<DispatchBatch>(item)!);
    },

    /** Status and last change of each of a delivery's batches (small reads: no inputs). */
    async batchStatuses(delivery: Pick<Delivery, 'id' | 'writeId'>): Promise<Array<Pick<DispatchBatch, 'status' | 'updatedAt'>>> {
      const items = await table.queryAll({ ...ofDelivery(delivery), ProjectionExpression: '#s, updatedAt', ExpressionAttributeNames: { '#s': 'status' } });
      return items.map((item) => ({ status: item.status as BatchStatus, updatedAt: String(item.updatedAt) }));
    },

    async countBatchesSince(status: BatchStatus, sinceIso: string): Promise<number> {
      let count = 0;
      let ExclusiveStartKey: Item | undefined;
      do {
        const page = await table.query({
          IndexName: TABLE_SCHEMA.statusIndex.name,
          KeyConditionExpression: 'gsi1pk = :p AND gsi1sk >= :since',
          ExpressionAttributeValues: { ':p': `BATCH#${status}`, ':since': sinceIso },
          Select: 'COUNT',
          ExclusiveStartKey,
        });
        count += page.Count ?? 0;
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return count;
    },

    /** The earliest time a batch that is still unsettled entered the queue; undefined when none is. */
    async oldestUnsettled(): Promise<string | undefined> {
      let oldest: string | undefined;
      for (const status of UNSETTLED) {
        // Unsettled batches are few (the dispatcher drains them within minutes); the cap bounds a pathological backlog.
        const items = await table.queryAll(
          { IndexName: TABLE_SCHEMA.statusIndex.name, KeyConditionExpression: 'gsi1pk = :p', ProjectionExpression: 'queuedAt, createdAt', ExpressionAttributeValues: { ':p': `BATCH#${status}` } },
          5000,
        );
        for (const item of items) {
          const since = unsettledSince(item as Pick<DispatchBatch, 'queuedAt' | 'createdAt'>);
          if (oldest === undefined || since < oldest) oldest = since;
        }
      }
      return oldest;
    },
  };
}

function ofDelivery(delivery: Pick<Delivery, 'id' | 'writeId'>) {
  return {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :b)',
    ExpressionAttributeValues: { ':pk': keys.delivery(delivery.id).pk, ':b': keys.batchPrefix(delivery.writeId) },
  };
}

function usersOf(item: Item): string[] {
  return ((item.input as DispatchBatch['input'] | undefined)?.users ?? []).map((user) => user.email);
}
