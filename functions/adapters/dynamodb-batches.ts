import type { BatchKey, BatchStatus, Delivery, DispatchBatch } from '../core/delivery.js';
import type { BatchTransition, FollowUpRecord } from '../core/types.js';
import { TABLE_SCHEMA, fromItem, keys, type Item, type Table } from './dynamodb-table.js';
import { sentRepository } from './dynamodb-sent.js';

/**
 * A delivery's batches as a queue: staged with the delivery, then PENDING → IN_FLIGHT → settled, each move a
 * conditional update on the status (and lease) last seen, so two dispatchers never both own a batch.
 */
export function batchRepository(table: Table) {
  const sent = sentRepository(table);
  async function requeueBatch(key: BatchKey, from: BatchStatus, now: string): Promise<boolean> {
    const expired = from === 'IN_FLIGHT' ? ' AND leaseUntil < :now' : '';
    const queued = from === 'STAGED' ? ', queuedAt = :now' : '';
    return table.updateIf({
      Key: batchKey(key),
      UpdateExpression: `SET #s = :pending, updatedAt = :now, gsi1pk = :g, gsi1sk = :gs${queued}${from === 'IN_FLIGHT' ? ' REMOVE leaseUntil' : ''}`,
      ConditionExpression: `#s = :from${expired}`,
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':pending': 'PENDING', ':from': from, ':now': now, ':g': 'BATCH#PENDING', ':gs': statusSortKey(now, key) },
    }).then(Boolean);
  }

  return {
    requeueBatch,

    async stageBatches(batches: readonly DispatchBatch[]): Promise<void> {
      await table.batchWrite(batches.map((batch) => ({ PutRequest: { Item: batchItem(table, batch) } })));
    },

    async releaseBatches(delivery: Pick<Delivery, 'id' | 'writeId' | 'batchCount' | 'receivedAt'>): Promise<void> {
      for (let index = 0; index < delivery.batchCount; index++) {
        await requeueBatch({ deliveryId: delivery.id, writeId: delivery.writeId, index }, 'STAGED', delivery.receivedAt);
      }
    },

    async discardBatches(delivery: Pick<Delivery, 'id' | 'writeId' | 'batchCount'>): Promise<void> {
      const requests = Array.from({ length: delivery.batchCount }, (_, index) => ({ DeleteRequest: { Key: keys.batch(delivery.id, delivery.writeId, index) } }));
      await table.batchWrite(requests);
    },

    async deleteStagedBatch(key: BatchKey): Promise<void> {
      // Not STAGED any more means its delivery released it meanwhile: nothing to delete.
      await table.deleteIf({ Key: batchKey(key), ConditionExpression: '#s = :staged', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':staged': 'STAGED' } });
    },

    async claimBatch(key: BatchKey, now: string, leaseUntil: string): Promise<DispatchBatch | undefined> {
      const claimed = await table.updateIf({
        Key: batchKey(key),
        UpdateExpression: 'SET #s = :inflight, leaseUntil = :lease, updatedAt = :now, attempts = attempts + :one, gsi1pk = :g, gsi1sk = :gs',
        ConditionExpression: '#s = :pending OR (#s = :inflight AND leaseUntil < :now)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':inflight': 'IN_FLIGHT', ':pending': 'PENDING', ':lease': leaseUntil, ':now': now, ':one': 1,
          ':g': 'BATCH#IN_FLIGHT', ':gs': statusSortKey(leaseUntil, key),
        },
        ReturnValues: 'ALL_NEW',
      });
      return claimed ? fromItem<DispatchBatch>(claimed) : undefined;
    },

    /**
     * A DISPATCHED settle also starts its users' cooldown items, right after the batch's own update: dynalite has no
     * transactions, and the update's ALL_NEW image carries the users without another read. A crash between the two
     * writes costs those users their cooldown (a repeat certification, never a lost one); the reverse order could
     * cool down users of a batch whose claim was lost.
     */
    async settleBatch(key: BatchKey, leaseUntil: string, transition: BatchTransition, now: string): Promise<boolean> {
      const dispatched = transition.status === 'DISPATCHED';
      const settled = await table.updateIf({ Key: batchKey(key), ...settleExpression(key, leaseUntil, transition, now), ...(dispatched ? { ReturnValues: 'ALL_NEW' as const } : {}) });
      if (settled && dispatched) await sent.recordSent(fromItem<DispatchBatch>(settled)!, now);
      return Boolean(settled);
    },

    recordFollowUp(key: BatchKey, executionId: string, record: FollowUpRecord, now: string): Promise<boolean> {
      return table.updateIf({ Key: batchKey(key), ...followUpExpression(key, executionId, record, now) }).then(Boolean);
    },

    redriveBatch(key: BatchKey, seenUpdatedAt: string, now: string): Promise<boolean> {
      return table.updateIf({
        Key: batchKey(key),
        UpdateExpression: 'SET updatedAt = :now, gsi1sk = :gs ADD redrives :one',
        ConditionExpression: '#s = :pending AND updatedAt = :seen',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':pending': 'PENDING', ':seen': seenUpdatedAt, ':now': now, ':gs': statusSortKey(now, key), ':one': 1 },
      }).then(Boolean);
    },

    replayBatch(key: BatchKey, from: BatchStatus, now: string, overrideMatchCheck: boolean): Promise<boolean> {
      return table.updateIf({
        Key: batchKey(key),
        // A replay searches identities (NERM, and a MANAGER batch's managers) afresh: ISC may have changed since (that may be why it is replayed).
        UpdateExpression: 'SET #s = :pending, attempts = :zero, throttled = :zero, updatedAt = :now, queuedAt = :now, gsi1pk = :g, gsi1sk = :gs, overrideMatchCheck = :o REMOVE identities, nonEmployees, campaigns, withoutManager',
        ConditionExpression: '#s = :from',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':pending': 'PENDING', ':zero': 0, ':now': now, ':g': 'BATCH#PENDING', ':gs': statusSortKey(now, key), ':o': overrideMatchCheck, ':from': from },
      }).then(Boolean);
    },

    async batchesByStatus(status: BatchStatus, limit: number, dueBefore?: string): Promise<DispatchBatch[]> {
      const { Items } = await table.query({
        IndexName: TABLE_SCHEMA.statusIndex.name,
        KeyConditionExpression: dueBefore ? 'gsi1pk = :p AND gsi1sk < :due' : 'gsi1pk = :p',
        ExpressionAttributeValues: dueBefore ? { ':p': `BATCH#${status}`, ':due': dueBefore } : { ':p': `BATCH#${status}` },
        Limit: limit,
      });
      return (Items ?? []).map((item) => fromItem<DispatchBatch>(item)!);
    },
  };
}

function batchKey(key: BatchKey): { pk: string; sk: string } {
  return keys.batch(key.deliveryId, key.writeId, key.index);
}

/** The status index sorts a batch by the time that matters for its status (due, lease end, follow-up check). */
export function statusSortKey(time: string, key: Pick<BatchKey, 'deliveryId' | 'index'>): string {
  return `${time}#${key.deliveryId}#${String(key.index).padStart(5, '0')}`;
}

function batchItem(table: Table, batch: DispatchBatch): Item {
  return {
    ...batchKey(batch),
    type: 'BATCH',
    gsi1pk: `BATCH#${batch.status}`,
    gsi1sk: statusSortKey(batch.dueAt ?? batch.updatedAt, batch),
    gsi2pk: `INSTANCE#${batch.instanceKey}`,
    gsi2sk: batch.createdAt,
    expiresAt: table.expiry(batch.createdAt),
    ...batch,
  };
}

/** Move a claimed batch on; conditional on the claim still being ours (same lease). */
function settleExpression(key: BatchKey, leaseUntil: string, transition: BatchTransition, now: string) {
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
  return {
    UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
    ConditionExpression: '#s = :inflight AND leaseUntil = :lease',
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: values,
  };
}

/** Conditional on the batch still being DISPATCHED with this execution (a replay meanwhile starts over). */
function followUpExpression(key: BatchKey, executionId: string, record: FollowUpRecord, now: string) {
  const { nextCheckAt } = record.followUp;
  const names: Record<string, string> = { '#s': 'status', '#f': 'followUp' };
  const values: Item = { ':dispatched': 'DISPATCHED', ':exec': executionId, ':f': record.followUp, ':now': now };
  const sets = ['#f = :f', 'updatedAt = :now'];
  for (const field of ['execution', 'campaign', 'campaigns'] as const) {
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
  return {
    UpdateExpression: `SET ${sets.join(', ')}${nextCheckAt ? '' : ' REMOVE gsi1pk, gsi1sk'}`,
    ConditionExpression: '#s = :dispatched AND executionId = :exec',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
