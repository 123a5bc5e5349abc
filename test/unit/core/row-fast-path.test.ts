/**
 * The ingest fast path (fastRow) must never accept a row the zod schema path (schemaRow) rejects, and must
 * produce the same row when it accepts. Property-based: fast-check generates ordinary and hostile values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastRow, schemaRow } from '../../../functions/core/rows.js';
import type { ParsedReport, RawRow } from '../../../functions/core/report.js';

// Weighted towards ordinary values so the fast path is reached often; the rest are hostile or odd.
const plain = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ._-]{0,20}[a-z]$/);
const text = fc.oneof({ arbitrary: plain, weight: 6 }, fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('', ' ', ' padded ', ' lead', 'trail ', '\tTab', 'Zoë\u00a0', '\u2028x', 'x'.repeat(300), 'Slack-production'));
const email = fc.oneof({ arbitrary: fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9.+_-]{0,10}[a-z]@[a-z]{2,8}\.(com|org|io)$/), weight: 8 }, fc.emailAddress(), fc.emailAddress().map((e) => ` ${e.toUpperCase()} `), text, fc.constantFrom('a@b.co', 'no-at', 'a@b', `${'a'.repeat(250)}@x.com`));
const days = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 100 }), weight: 6 },
  fc.integer({ min: -5, max: 200_000 }),
  fc.double(),
  fc.constantFrom('0', '12', ' 7 ', '1.5', '-3', 'often', '999999', '1000000', '', null, undefined),
  fc.nat().map(String),
);
const day = fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true });
const date = fc.oneof(
  { arbitrary: day.map((d) => d.toISOString()), weight: 3 },
  { arbitrary: day.map((d) => d.toISOString().slice(0, 10)), weight: 3 },
  fc.constantFrom('2026-02-30', '2026-13-01', '2026-11-10T12:00:00Z', 'yesterday', '1767225600', '', undefined, null),
  fc.integer({ min: 0, max: 2_000_000_000_000 }),
);
const optionalText = fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: text, weight: 4 }, fc.integer());

const rawRow = fc.record({
  row: fc.constant(1),
  email: fc.oneof(email, fc.constant(undefined), fc.integer()),
  daysActive: fc.oneof(days, fc.constant(undefined)),
  lastActive: fc.oneof(date, fc.constant(undefined)),
  name: optionalText,
  application: optionalText,
  instance: fc.oneof({ arbitrary: plain, weight: 6 }, optionalText),
  instanceId: fc.constant(undefined),
}) as fc.Arbitrary<RawRow>;

const report = fc.record({
  meta: fc.record({ instance: fc.oneof(fc.constant(undefined), text), application: fc.oneof(fc.constant(undefined), text) }),
}) as fc.Arbitrary<Pick<ParsedReport, 'meta'>>;

describe('Function: fastRow', () => {
  it('accepts only what the schema path accepts, with the same result', () => {
    let accepted = 0;
    fc.assert(
      fc.property(rawRow, report, (raw, parsed) => {
        const fast = fastRow(raw, parsed);
        if (fast === undefined) return;
        accepted++;
        expect(fast).toEqual(schemaRow(raw, parsed));
      }),
      { numRuns: 20_000 },
    );
    // The generators must reach the fast path often enough for the property to mean something.
    expect(accepted).toBeGreaterThan(100);
  });

  it('answers the same when it writes into one object reused for every row, as ingest does', () => {
    const reused = { email: 'stale@example.com', instance: 'stale', name: 'Stale', daysActive: 99, lastActive: '2000-01-01T00:00:00.000Z', application: 'Stale' };
    fc.assert(
      fc.property(rawRow, report, (raw, parsed) => {
        const fresh = fastRow(raw, parsed);
        const into = fastRow(raw, parsed, reused);
        // toStrictEqual: a field the row lacks must be cleared, not left over from the previous row.
        if (fresh === undefined) expect(into).toBeUndefined();
        else expect({ ...into }).toStrictEqual({ name: undefined, daysActive: undefined, lastActive: undefined, application: undefined, ...fresh });
      }),
      { numRuns: 5_000 },
    );
  });

  it('leaves to the schema an email that passes only once lower-cased (Kelvin sign)', () => {
    const raw: RawRow = { row: 1, email: '\u212Aim@example.com', daysActive: 0, instance: 'Slack-production' };
    expect(fastRow(raw, { meta: {} })).toBeUndefined();
    expect(schemaRow(raw, { meta: {} })).toMatchObject({ email: 'kim@example.com' });
  });

  it('takes the ordinary rows (so the property above is not vacuous)', () => {
    const parsed: Pick<ParsedReport, 'meta'> = { meta: {} };
    const ordinary: RawRow = { row: 1, email: 'Ann@Example.com', daysActive: '3', lastActive: '2026-11-01', name: 'Ann', application: 'Slack', instance: 'Slack-production', instanceId: undefined };
    expect(fastRow(ordinary, parsed)).toEqual({ email: 'ann@example.com', daysActive: 3, lastActive: '2026-11-01T00:00:00.000Z', name: 'Ann', application: 'Slack', instance: 'Slack-production' });
  });
});
