import type { DispatchBatch } from '../core/delivery.js';
import { DEFAULT_COOLDOWN_DAYS } from '../core/mapping.js';
import { keys, type Table } from './dynamodb-table.js';

const DAY_S = 86_400;

/**
 * The cooldown as one small item per (instance, email): when ISC last received that user for that instance. Read
 * per report (its inactive users only) and written per sent batch, so neither grows with the instance's history.
 */
export function sentRepository(table: Table) {
  return {
    /** Which of `emails` ISC last received for this instance at or after `sinceIso`. */
    recentlySentEmails: async (instanceKey: string, emails: readonly string[], sinceIso: string): Promise<Set<string>> => {
      const items = await table.batchGet([...new Set(emails)].map((email) => keys.sent(instanceKey, email)));
      // The time decides, not the item's presence: TTL deletes late on AWS and never on a local engine, and the
      // mapping's window may have shrunk since the item was written.
      return new Set(items.filter((item) => String(item.sentAt) >= sinceIso).map((item) => String(item.sk)));
    },

    /**
     * A batch became DISPATCHED at `sentAt`: its users cool down until the window of the policy it was sent under
     * ends (TTL). A policy without cooldown writes nothing. A live send is always the newest, so it overwrites in
     * one BatchWriteItem; `onlyIfNewer` (replaying old sends in any order) puts each item conditionally instead.
     */
    async recordSent(batch: Pick<DispatchBatch, 'instanceKey' | 'input'>, sentAt: string, options: { onlyIfNewer?: boolean } = {}): Promise<void> {
      const days = batch.input.policy.cooldownDays ?? DEFAULT_COOLDOWN_DAYS;
      if (days === 0) return;
      const expiresAt = Math.floor(Date.parse(sentAt) / 1000) + days * DAY_S;
      const items = [...new Set(batch.input.users.map((user) => user.email))].map((email) => ({ ...keys.sent(batch.instanceKey, email), type: 'SENT', sentAt, expiresAt }));
      if (!options.onlyIfNewer) return table.batchWrite(items.map((Item) => ({ PutRequest: { Item } })));
      for (const Item of items) {
        await table.putIf({ Item, ConditionExpression: 'attribute_not_exists(pk) OR sentAt < :t', ExpressionAttributeValues: { ':t': sentAt } });
      }
    },
  };
}
