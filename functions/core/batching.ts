import { batchInput, type BatchEnvelope } from './workflow-input.js';

export const DEFAULT_BATCH_MAX_BYTES = 128 * 1024;
/** Room kept per user for what the dispatcher adds: `"identityId":"<32 hex>",` in users[] plus the id in identityIds[]. */
export const IDENTITY_RESERVE_BYTES = 96;

/**
 * How many users go into each workflow input, in order, so that its serialized `{"input": …}` stays under
 * maxBytes once identity ids are added; `userSizes` are the users' JSON sizes (UserTable.jsonBytes). ISC documents no input limit, so
 * batches are sized by bytes rather than by a row count.
 */
export function batchLengths(userSizes: Iterable<number>, envelope: BatchEnvelope, maxBytes = DEFAULT_BATCH_MAX_BYTES): number[] {
  const base = byteLength({ input: { ...batchInput(envelope, { index: 99_999, count: 99_999 }, []), identityIds: [], unmatchedCount: 9_999_999 } });
  const budget = maxBytes - base;
  const lengths: number[] = [];
  let current = 0;
  let used = 0;
  for (const userSize of userSizes) {
    const size = userSize + 1 + IDENTITY_RESERVE_BYTES;
    if (current > 0 && used + size > budget) {
      lengths.push(current);
      current = 0;
      used = 0;
    }
    current++;
    used += size;
  }
  if (current > 0) lengths.push(current);
  return lengths;
}

export function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
