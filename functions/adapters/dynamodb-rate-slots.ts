import { keys, type Table } from './dynamodb-table.js';
import type { RateLedger } from './rate-limiter.js';

/**
 * The shared ISC rate limit (RateLedger): one item per limiter key holding the current slice number and the
 * slots asked for in it, overwritten by each new slice so it never grows. Conditional updates only (no
 * transactions, no TTL: it runs on dynalite).
 */
export function rateSlotRepository(table: Table): RateLedger {
  return {
    /**
     * Claiming adds to the count unconditionally within the slice and reads the sum back, so one update says
     * exactly how many of the asked-for slots were still free (asks beyond the quota are counted, never granted).
     * Two updates for the slice's first claim, three when another process opened the slice in between.
     */
    async takeRateSlots(key: string, slice: number, want: number, quota: number): Promise<number> {
      const update = (expression: string, condition: string) =>
        table.updateIf({ Key: keys.rateLimit(key), UpdateExpression: expression, ConditionExpression: condition, ExpressionAttributeValues: { ':slice': slice, ':n': want }, ReturnValues: 'UPDATED_NEW' });
      const add = () => update('SET used = used + :n', 'slice = :slice');
      // A newer slice replaces the item; a process whose clock is behind cannot move the slice back.
      const open = () => update('SET slice = :slice, used = :n', 'attribute_not_exists(slice) OR slice < :slice');
      const taken = (await add()) || (await open()) || (await add());
      if (!taken) return 0;
      const used = Number(taken.used);
      return Math.max(0, Math.min(want, quota - (used - want)));
    },
  };
}
