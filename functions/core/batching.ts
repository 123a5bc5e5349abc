import { batchInput, type BatchEnvelope, type WorkflowUser } from './workflow-input.js';

export const DEFAULT_BATCH_MAX_BYTES = 128 * 1024;
/** Room kept per user for what the dispatcher adds: `"identityId":"<32 hex>",` in users[] plus the id in identityIds[]. */
export const IDENTITY_RESERVE_BYTES = 96;

/**
 * How many users go into each workflow input, in order, so that its serialized `{"input": …}` stays under
 * maxBytes once identity ids are added; `userSizes` are the users' userBytes. ISC documents no input limit, so
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

const PLAIN_ASCII = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * The exact UTF-8 size of JSON.stringify(user), without serialising it: this runs once per inactive user,
 * so it is on the ingest hot path. Strings that need escaping or are not ASCII fall back to serialising.
 */
export function userBytes(user: WorkflowUser): number {
  let size = 1; // {
  let fields = 0;
  for (const key in user) {
    const value = user[key as keyof WorkflowUser];
    if (value === undefined) continue;
    size += key.length + 3 + (typeof value === 'number' ? String(value).length : PLAIN_ASCII.test(value) ? value.length + 2 : byteLength(value));
    fields++;
  }
  return size + Math.max(0, fields - 1) + 1; // commas, }
}
