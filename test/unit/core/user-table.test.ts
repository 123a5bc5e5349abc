/**
 * UserTable keeps users as bytes and numbers; it must merge duplicates exactly as one object per user would
 * (first appearance order, the most activity wins, the first name stays), across its growth steps.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserTable } from '../../../functions/core/user-table.js';
import type { UserUsage } from '../../../functions/core/rows.js';

/** The merge rule written plainly, one object per user. */
function reference(users: UserUsage[]): UserUsage[] {
  const byEmail = new Map<string, UserUsage>();
  for (const user of users) {
    const seen = byEmail.get(user.email);
    if (!seen) {
      byEmail.set(user.email, Object.fromEntries(Object.entries(user).filter(([, v]) => v !== undefined)) as UserUsage);
      continue;
    }
    if (user.daysActive !== undefined) seen.daysActive = Math.max(seen.daysActive ?? 0, user.daysActive);
    if (user.lastActive !== undefined && (seen.lastActive === undefined || user.lastActive > seen.lastActive)) seen.lastActive = user.lastActive;
    if (seen.name === undefined && user.name !== undefined) seen.name = user.name;
  }
  return [...byEmail.values()];
}

// Few distinct emails, so duplicates are common; names of any UTF-16, a lone surrogate included.
const user = fc.record(
  {
    email: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 700 }).map((n) => `user.${n}@example.com`), weight: 9 }, fc.constantFrom('zoë@example.com', 'Zoë@example.com', '\ud800@x.io')),
    name: fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('Ann', 'Zoë Ødegård', '\ud800', 'Ann "The" Lee\\', 'Tab\there', '\u0001', 'C:\\temp')),
    daysActive: fc.integer({ min: 0, max: 100_000 }),
    lastActive: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  },
  { requiredKeys: ['email'] },
);

describe('Class: UserTable', () => {
  it('merges like one object per user, in order of first appearance', () => {
    fc.assert(
      fc.property(fc.array(user, { maxLength: 2_000 }), (users) => {
        const table = new UserTable();
        for (const u of users) table.add(u.email, u.name, u.daysActive, u.lastActive);
        const expected = reference(users);
        expect(table.size).toBe(expected.length);
        expect([...table]).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('measures each user as the UTF-8 length of its JSON, escapes and non-ASCII text included', () => {
    fc.assert(
      fc.property(fc.array(user, { maxLength: 300 }), (users) => {
        const table = new UserTable();
        for (const u of users) table.add(u.email, u.name, u.daysActive, u.lastActive);
        for (let i = 0; i < table.size; i++) expect(table.jsonBytes(i)).toBe(Buffer.byteLength(JSON.stringify(table.user(i)), 'utf8'));
      }),
      { numRuns: 60 },
    );
  });

  it('keeps 100k distinct users apart and finds each again', () => {
    const table = new UserTable();
    for (let i = 0; i < 100_000; i++) table.add(`u${i}@x.io`, undefined, i % 7, undefined);
    for (let i = 0; i < 100_000; i += 3) table.add(`u${i}@x.io`, undefined, 50, undefined);
    const users = [...table];
    expect(users).toHaveLength(100_000);
    expect(users[99_999]).toEqual({ email: 'u99999@x.io', daysActive: 50 });
    expect(users[1]).toEqual({ email: 'u1@x.io', daysActive: 1 });
  });

  it('merges rows added after a read with the users read before', () => {
    fc.assert(
      fc.property(fc.array(user, { maxLength: 400 }), fc.array(user, { maxLength: 400 }), (first, second) => {
        const table = new UserTable();
        for (const u of first) table.add(u.email, u.name, u.daysActive, u.lastActive);
        expect([...table]).toEqual(reference(first));
        for (const u of second) table.add(u.email, u.name, u.daysActive, u.lastActive);
        expect([...table]).toEqual(reference([...first, ...second]));
      }),
      { numRuns: 40 },
    );
  });

  it('keeps two emails with the same hash apart, and still merges each one\'s duplicates', () => {
    const [a, b] = collidingEmails();
    const table = new UserTable();
    table.add(a, 'A', 0, undefined);
    table.add('other@x.io', undefined, 4, undefined);
    table.add(b, 'B', 2, undefined);
    table.add(a, undefined, 5, undefined);
    table.add(b, undefined, 1, undefined);
    expect([...table]).toEqual([
      { email: a, name: 'A', daysActive: 5 },
      { email: 'other@x.io', daysActive: 4 },
      { email: b, name: 'B', daysActive: 2 },
    ]);
  });
});

/** Two emails on which the table's hash (32-bit FNV-1a over UTF-16 code units, written here plainly) agrees. */
function collidingEmails(): [string, string] {
  const fnv = (text: string) => {
    let hash = 0x811c9dc5;
    for (let j = 0; j < text.length; j++) hash = Math.imul(hash ^ text.charCodeAt(j), 0x01000193);
    return hash;
  };
  const seen = new Map<number, string>();
  // Scattered names, so the birthday bound holds (about 80k tries; the first pair comes at 162,517). Counting
  // names (c1, c2, …) differ too little: FNV-1a keeps them apart for over a million.
  for (let i = 0; i < 1_000_000; i++) {
    const email = `${(Math.imul(i, 2654435761) >>> 0).toString(36)}@x.io`;
    const earlier = seen.get(fnv(email));
    if (earlier !== undefined) return [earlier, email];
    seen.set(fnv(email), email);
  }
  throw new Error('no colliding pair found');
}
