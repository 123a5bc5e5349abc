import { settledStatus, type Delivery, type DeliveryStatus } from '../core/delivery.js';
import type { DeliveryQuery, Page } from '../core/types.js';
import { TABLE_SCHEMA, decodeCursor, encodeCursor, fromItem, keys, type Item, type Table } from './dynamodb-table.js';

/** Deliveries: committed once (conditional put), then their settled counts and status as batches settle. */
export function deliveryRepository(table: Table) {
  async function getDelivery(id: string): Promise<Delivery | undefined> {
    return fromItem<Delivery>(await table.get(keys.delivery(id)));
  }

  async function setStatus(delivery: Delivery, status: DeliveryStatus): Promise<void> {
    if (status === delivery.status) return;
    await table.update({
      Key: keys.delivery(delivery.id),
      UpdateExpression: 'SET #s = :s, gsi1pk = :g',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': status, ':g': statusIndexKey(status) },
    });
  }

  return {
    getDelivery,

    /** Conditional put: false when a delivery with this id is already committed. */
    commitDelivery(delivery: Delivery): Promise<boolean> {
      const item = { ...delivery, settled: { dispatched: 0, failed: 0, held: 0 } };
      return table.putIf({
        Item: { ...keys.delivery(delivery.id), type: 'DELIVERY', ...deliveryIndexes(item), ...item, expiresAt: table.expiry(delivery.receivedAt) },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
    },

    async recordSettlement(deliveryId: string, outcome: 'dispatched' | 'failed' | 'held'): Promise<void> {
      const attributes = await table.update({
        Key: keys.delivery(deliveryId),
        UpdateExpression: 'ADD settled.#o :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#o': outcome },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'ALL_NEW',
      });
      const delivery = fromItem<Delivery>(attributes);
      if (delivery) await setStatus(delivery, settledStatus(delivery));
    },

    async resetSettlement(delivery: Delivery, settled: NonNullable<Delivery['settled']>): Promise<void> {
      await table.update({ Key: keys.delivery(delivery.id), UpdateExpression: 'SET settled = :settled', ExpressionAttributeValues: { ':settled': settled } });
      await setStatus(delivery, settledStatus({ ...delivery, settled }));
    },

    /** Take replayed batches out of the delivery's settled counts and mark it QUEUED again. */
    async reopenDelivery(id: string, replayed: { dispatched: number; failed: number; held: number }): Promise<void> {
      if (!(await getDelivery(id))) return;
      await table.update({
        Key: keys.delivery(id),
        UpdateExpression: 'ADD settled.dispatched :d, settled.failed :f, settled.held :h SET #s = :q, gsi1pk = :g',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':d': -replayed.dispatched, ':f': -replayed.failed, ':h': -replayed.held, ':q': 'QUEUED', ':g': statusIndexKey('QUEUED') },
      });
    },

    async queuedDeliveries(beforeIso: string, limit: number): Promise<Delivery[]> {
      const { Items } = await table.query({
        IndexName: TABLE_SCHEMA.statusIndex.name,
        KeyConditionExpression: 'gsi1pk = :p AND gsi1sk < :before',
        ExpressionAttributeValues: { ':p': statusIndexKey('QUEUED'), ':before': beforeIso },
        Limit: limit,
      });
      return (Items ?? []).map((item) => fromItem<Delivery>(item)!);
    },

    /** Newest first: by status through the status index, else all through the list index. */
    async listDeliveries(query: DeliveryQuery): Promise<Page<Delivery>> {
      const byStatus = query.status !== undefined;
      const [pkName, skName] = byStatus ? ['gsi1pk', 'gsi1sk'] : ['gsi2pk', 'gsi2sk'];
      const values: Item = { ':p': byStatus ? statusIndexKey(query.status!) : 'DELIVERIES' };
      if (query.since) values[':since'] = query.since;
      const { Items, LastEvaluatedKey } = await table.query({
        IndexName: byStatus ? TABLE_SCHEMA.statusIndex.name : TABLE_SCHEMA.listIndex.name,
        KeyConditionExpression: `${pkName} = :p${query.since ? ` AND ${skName} >= :since` : ''}`,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: query.limit,
        ExclusiveStartKey: decodeCursor(query.cursor),
      });
      return { items: (Items ?? []).map((item) => fromItem<Delivery>(item)!), next: encodeCursor(LastEvaluatedKey) };
    },
  };
}

function statusIndexKey(status: DeliveryStatus): string {
  return `DELIVERY#${status}`;
}

function deliveryIndexes(delivery: Pick<Delivery, 'id' | 'status' | 'receivedAt'>): Item {
  return { gsi1pk: statusIndexKey(delivery.status), gsi1sk: `${delivery.receivedAt}#${delivery.id}`, gsi2pk: 'DELIVERIES', gsi2sk: `${delivery.receivedAt}#${delivery.id}` };
}
