/** Pure core: which users are inactive, excluded or cooling down (policy.ts) and how they are batched (batching.ts). */
import { describe, expect, it } from 'vitest';
import { applyCooldown, classifyUsers, cooldownStart } from '../../../functions/core/policy.js';
import { byteLength, batchLengths, IDENTITY_RESERVE_BYTES } from '../../../functions/core/batching.js';
import { UserTable } from '../../../functions/core/user-table.js';
import type { UserUsage } from '../../../functions/core/rows.js';
import { batchInput, type BatchEnvelope } from '../../../functions/core/workflow-input.js';

const now = new Date('2026-11-26T00:00:00Z');

function tableOf(users: UserUsage[]): UserTable {
  const table = new UserTable();
  for (const u of users) table.add(u.email, u.name, u.daysActive, u.lastActive);
  return table;
}

/** classifyUsers on a table of `users`, the inactive ones read back as emails. */
function classify(users: UserUsage[], ...rest: Parameters<typeof classifyUsers> extends [unknown, ...infer R] ? R : never) {
  const table = tableOf(users);
  const result = classifyUsers(table, ...rest);
  return { table, result, emails: result.inactive.map((i) => table.email(i)) };
}

describe('Function: classifyUsers', () => {
  it('marks users at or below maxDaysActive inactive and the rest active', () => {
    const { result, emails } = classify([{ email: 'a@x.com', daysActive: 0 }, { email: 'b@x.com', daysActive: 2 }, { email: 'c@x.com', daysActive: 3 }], { maxDaysActive: 2 }, { now });
    expect(emails).toEqual(['a@x.com', 'b@x.com']);
    expect(result.active).toBe(1);
  });

  it('also marks users inactive whose last activity is older than inactiveForDays', () => {
    const users = [
      { email: 'old@x.com', daysActive: 9, lastActive: '2026-01-01T00:00:00.000Z' },
      { email: 'recent@x.com', lastActive: '2026-11-20T00:00:00.000Z' },
      { email: 'lastonly@x.com', lastActive: '2026-05-01T00:00:00.000Z' },
    ];
    const { result, emails } = classify(users, { maxDaysActive: 0, inactiveForDays: 90 }, { now });
    expect(emails).toEqual(['old@x.com', 'lastonly@x.com']);
    expect(result.active).toBe(1);
  });

  it('counts users it cannot judge (only Last Active, no inactiveForDays) as unclassified', () => {
    const { result } = classify([{ email: 'a@x.com', lastActive: '2020-01-01T00:00:00.000Z' }], { maxDaysActive: 0 }, { now });
    expect(result).toMatchObject({ inactive: [], unclassified: 1 });
  });

  it('applies mapping and global exclusions by email and by domain, subdomains included', () => {
    const users = ['keep@x.com', 'boss@x.com', 'c1@contractors.x.com', 'c2@eu.contractors.x.com', 'svc@robots.io'].map((email) => ({ email, daysActive: 0 }));
    const { result, emails } = classify(users, { maxDaysActive: 0, exclude: { emails: ['BOSS@x.com'], domains: ['contractors.x.com'] } }, { now, globalExclude: { domains: ['robots.io'] } });
    expect(emails).toEqual(['keep@x.com']);
    expect(result.excluded).toBe(4);
  });

  it('skips inactive users sent recently (cooldown) and counts them; the rest of the classification stays', () => {
    const { table, result: classes } = classify([{ email: 'a@x.com', daysActive: 0 }, { email: 'b@x.com', daysActive: 0 }, { email: 'c@x.com', daysActive: 5 }], { maxDaysActive: 0 }, { now });
    const result = applyCooldown(classes, table, new Set(['a@x.com', 'c@x.com']));
    expect(result.inactive.map((i) => table.email(i))).toEqual(['b@x.com']);
    expect(result).toMatchObject({ cooledDown: 1, active: 1 });
  });

  it('starts the cooldown window 30 days back by default, or cooldownDays', () => {
    expect(cooldownStart({ maxDaysActive: 0 }, now).toISOString()).toBe('2026-10-27T00:00:00.000Z');
    expect(cooldownStart({ maxDaysActive: 0, cooldownDays: 0 }, now).toISOString()).toBe(now.toISOString());
  });
});

describe('Function: batchLengths', () => {
  const envelope: BatchEnvelope = {
    deliveryId: 'd-1',
    instance: { application: 'Slack', name: 'Slack-production', environment: 'production' },
    source: { id: 's' },
    period: { start: null, end: '2026-11-26T00:00:00.000Z' },
    policy: { maxDaysActive: 0 },
    campaign: { name: 'n', description: 'd', deadline: '2026-12-10T00:00:00.000Z', duration: '14d', reviewer: { type: 'MANAGER' } },
  };
  const users = Array.from({ length: 500 }, (_, i) => ({ email: `user${i}@example.com`, name: `User Number ${i}`, daysActive: 0 }));
  /** The users cut into batches of the planned lengths. */
  const planBatches = (list: UserUsage[], ...rest: [BatchEnvelope, number?]) => {
    let next = 0;
    return batchLengths(list.map(byteLength), ...rest).map((length) => list.slice(next, (next += length)));
  };

  it('keeps every batch, once identity ids are added, under the byte limit and loses nobody', () => {
    const maxBytes = 16 * 1024;
    const batches = planBatches(users, envelope, maxBytes);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat()).toEqual(users);
    for (const [i, batch] of batches.entries()) {
      const withIds = batch.map((u) => ({ ...u, identityId: 'f'.repeat(32) }));
      const input = { ...batchInput(envelope, { index: i + 1, count: batches.length }, withIds), identityIds: withIds.map((u) => u.identityId), unmatchedCount: 0 };
      expect(byteLength({ input })).toBeLessThanOrEqual(maxBytes);
    }
  });

  it('fills batches: the next user would not have fit', () => {
    const maxBytes = 16 * 1024;
    const [first, second] = planBatches(users, envelope, maxBytes);
    const base = byteLength({ input: { ...batchInput(envelope, { index: 99_999, count: 99_999 }, []), identityIds: [], unmatchedCount: 9_999_999 } });
    const used = first!.reduce((sum, u) => sum + byteLength(u) + 1 + IDENTITY_RESERVE_BYTES, 0);
    expect(used + byteLength(second![0]) + 1 + IDENTITY_RESERVE_BYTES).toBeGreaterThan(maxBytes - base);
  });

  it('plans no batch for no users, and one for a few', () => {
    expect(planBatches([], envelope)).toEqual([]);
    expect(planBatches(users.slice(0, 3), envelope)).toHaveLength(1);
  });
});

