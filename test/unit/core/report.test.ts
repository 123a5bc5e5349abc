/** Pure core: how report bodies are read (functions/core/report.ts, rows.ts). */
import { describe, expect, it } from 'vitest';
import { bodyKind, parseReport, type ParsedReport } from '../../../functions/core/report.js';
import { validateReport } from '../../../functions/core/rows.js';
import { AppError } from '../../../functions/core/errors.js';
import { MAX_JSON_DEPTH, parseJsonText } from '../../../functions/core/json-text.js';
import { readReport, reportContentHash } from '../../../functions/core/ingest.js';
import { compileProfiles, type ReportProfileInput } from '../../../functions/core/report-profile.js';

const rows = [{ Email: 'a@x.com', 'Days Active': 0, Instance: 'Slack-production' }];

const rowsOf = (parsed: ParsedReport) => Array.from({ length: parsed.rows.length }, (_, i) => parsed.rows.at(i));

function failure(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('Function: bodyKind', () => {
  it.each([
    ['application/json; charset=utf-8', 'x', 'json'],
    ['application/vnd.report+json', 'x', 'json'],
    ['text/csv', '[', 'csv'],
    [undefined, '  [{"a":1}]', 'json'],
    ['text/plain', 'Email,Days\n', 'csv'],
  ])('reads %s (body %j) as %s', (type, body, kind) => {
    expect(bodyKind(type, body)).toBe(kind);
  });

  it('refuses other types with 415', () => {
    expect(failure(() => bodyKind('application/xml', '<a/>')).status).toBe(415);
  });
});

describe('Function: parseReport', () => {
  it.each([
    ['a bare array', rows],
    ['rows', { rows }],
    ['data', { data: rows }],
    ['records', { records: rows }],
    ['users', { users: rows }],
    ['report.rows', { report: { rows } }],
    ['input.data', { input: { data: rows } }],
    ['input as array', { input: rows }],
  ])('finds rows in %s', (_label, doc) => {
    const parsed = parseReport(JSON.stringify(doc), 'json', {});
    expect(rowsOf(parsed)).toEqual([{ row: 1, email: 'a@x.com', daysActive: 0, instance: 'Slack-production' }]);
  });

  it('matches column aliases case-, space- and punctuation-insensitively', () => {
    const doc = [{ 'EMAIL ADDRESS': 'a@x.com', active_days: '3', 'Display-Name': 'A', 'last login': '2026-01-01', 'App Name': 'Slack', 'Integration Instance': 'S', 'Instance ID': 'i-1', Ignored: 1 }];
    const parsed = parseReport(JSON.stringify(doc), 'json', {});
    expect(parsed.rows.at(0)).toEqual({ row: 1, email: 'a@x.com', daysActive: '3', name: 'A', lastActive: '2026-01-01', application: 'Slack', instance: 'S', instanceId: 'i-1' });
  });

  it('reads report-level fields from the body and the URL; body wins when they agree', () => {
    const doc = { reportName: 'R', period: { start: '2026-10-01', end: '2026-10-31' }, instance: 'Slack-PRODUCTION', rows };
    const parsed = parseReport(JSON.stringify(doc), 'json', { instance: 'slack-production', application: 'Slack', lastNDays: '30' });
    expect(parsed.meta).toEqual({ reportName: 'R', periodStart: '2026-10-01', periodEnd: '2026-10-31', instance: 'Slack-PRODUCTION', application: 'Slack', periodDays: 30 });
  });

  it('names each field on which the body and the URL disagree', () => {
    const error = failure(() => parseReport(JSON.stringify({ application: 'Slack', rows }), 'json', { application: 'Zoom' }));
    expect(error).toMatchObject({ status: 422, code: 'conflicting_report_fields', details: { conflicts: [{ field: 'application', body: 'Slack', query: 'Zoom' }] } });
  });

  it('reads CSV with a BOM, ";" delimiter, quotes and embedded newlines', () => {
    const csv = '\uFEFFName;Email;Days Active\n"Doe; J";j@x.com;1\n"Two\nLines";t@x.com;0\n';
    const parsed = parseReport(csv, 'csv', {});
    expect(parsed.columns).toEqual(['Name', 'Email', 'Days Active']);
    expect(rowsOf(parsed)).toEqual([
      { row: 1, name: 'Doe; J', email: 'j@x.com', daysActive: '1' },
      { row: 2, name: 'Two\nLines', email: 't@x.com', daysActive: '0' },
    ]);
  });

  it('reads a JSON table given as [header, ...rows]', () => {
    const parsed = parseReport(JSON.stringify([['Email', 'Days Active'], ['a@x.com', 2]]), 'json', {});
    expect(rowsOf(parsed)).toEqual([{ row: 1, email: 'a@x.com', daysActive: '2' }]);
  });

  it.each([
    ['a number', '42', 'number'],
    ['an object without rows', '{"meta":{}}', 'object'],
  ])('answers 422 with what it found for %s', (_label, body, type) => {
    const error = failure(() => parseReport(body, 'json', {}));
    expect(error).toMatchObject({ status: 422, code: 'unrecognized_report_shape', details: { found: { type } } });
  });

  it('answers 400 for broken JSON and 422 for an empty report', () => {
    expect(failure(() => parseReport('[{', 'json', {})).status).toBe(400);
    expect(failure(() => parseReport('[]', 'json', {})).code).toBe('empty_report');
    expect(failure(() => parseReport('Email,Days Active\n', 'csv', {})).code).toBe('empty_report');
  });

  it('ignores prototype-pollution keys', () => {
    const parsed = parseReport('[{"__proto__":{"polluted":true},"Email":"a@x.com","Days Active":0}]', 'json', {});
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(parsed.rows.at(0)).toEqual({ row: 1, email: 'a@x.com', daysActive: 0 });
  });
});

describe('Function: validateReport', () => {
  const validate = (doc: unknown, query: Record<string, string> = {}) => validateReport(parseReport(JSON.stringify(doc), 'json', query));

  it('lets the parsed rows go once it has read them, JSON and CSV alike', () => {
    const readings: Array<[ParsedReport, unknown]> = [
      [parseReport(JSON.stringify(rows), 'json', {}), 0],
      [parseReport('Email,Days Active,Instance\na@x.com,0,Slack-production\n', 'csv', {}), '0'],
    ];
    for (const [parsed, daysActive] of readings) {
      expect(rowsOf(parsed)).toEqual([{ row: 1, email: 'a@x.com', daysActive, instance: 'Slack-production' }]);
      expect(validateReport(parsed).validRows).toBe(1);
      expect(() => parsed.rows.at(0)).toThrow(/released/);
    }
  });

  it('reads a row into the object it is given, every field reset', () => {
    const parsed = parseReport(JSON.stringify([{ Email: 'a@x.com', 'Days Active': 0, Name: 'A' }, { Email: 'b@x.com', 'Last Active': '2026-01-01' }]), 'json', {});
    const into = parsed.rows.at(0);
    expect(parsed.rows.at(1, into)).toBe(into);
    expect(into).toStrictEqual({ row: 2, email: 'b@x.com', lastActive: '2026-01-01', name: undefined, daysActive: undefined, application: undefined, instance: undefined, instanceId: undefined });
  });

  it('normalises emails, numbers from text and dates (ISO and epoch) and groups by instance key', () => {
    const result = validate([
      { Email: ' Ann@X.com ', 'Days Active': '2', Instance: 'Slack-Production' },
      { Email: 'bob@x.com', 'Last Active': 1767225600, Instance: 'slack-production ' },
      { Email: 'cy@x.com', 'Last Active': '2026-01-02', Instance: 'Zoom' },
    ]);
    expect(result.groups.map((group) => ({ ...group, users: [...group.users] }))).toEqual([
      { instanceKey: 'slack-production', instance: 'Slack-Production', rowCount: 2, users: [{ email: 'ann@x.com', daysActive: 2 }, { email: 'bob@x.com', lastActive: '2026-01-01T00:00:00.000Z' }] },
      { instanceKey: 'zoom', instance: 'Zoom', rowCount: 1, users: [{ email: 'cy@x.com', lastActive: '2026-01-02T00:00:00.000Z' }] },
    ]);
  });

  it('merges duplicate emails within an instance keeping the most activity', () => {
    const result = validate([
      { Email: 'a@x.com', 'Days Active': 0, 'Last Active': '2026-01-01', Instance: 'S' },
      { Email: 'A@x.com', 'Days Active': 5, 'Last Active': '2025-01-01', Instance: 'S', Name: 'Ann' },
    ]);
    expect([...result.groups[0]!.users]).toEqual([{ email: 'a@x.com', name: 'Ann', daysActive: 5, lastActive: '2026-01-01T00:00:00.000Z' }]);
    expect(result.groups[0]!.rowCount).toBe(2);
  });

  it('rejects bad rows by row number, field and reason, and keeps the good ones', () => {
    const result = validate([
      { Email: 'a@x.com', 'Days Active': 1, Instance: 'S' },
      { Email: 'nope', 'Days Active': 1, Instance: 'S' },
      { Email: 'b@x.com', 'Days Active': 1.5, Instance: 'S' },
      { Email: 'c@x.com', 'Days Active': 'often', Instance: 'S' },
      { Email: 'd@x.com', 'Days Active': 1 },
      { Email: 'e@x.com', 'Last Active': 'yesterday', Instance: 'S' },
      { Email: 'f@x.com', Instance: 'S', 'Days Active': null },
    ]);
    expect(result.validRows).toBe(1);
    expect(result.rejectedRows).toBe(6);
    expect(result.rejected.map((r) => [r.row, r.field])).toEqual([
      [2, 'email'],
      [3, 'daysActive'],
      [4, 'daysActive'],
      [5, 'instance'],
      [6, 'lastActive'],
      [7, 'daysActive'],
    ]);
    expect(result.rejected.find((r) => r.field === 'instance')!.reason).toContain('?instance=');
  });

  it('lists at most 50 rejections but counts them all', () => {
    const bad = Array.from({ length: 80 }, () => ({ Email: 'bad', 'Days Active': 0, Instance: 'S' }));
    const result = validate([...bad, { Email: 'ok@x.com', 'Days Active': 0, Instance: 'S' }]);
    expect(result.rejectedRows).toBe(80);
    expect(result.rejected).toHaveLength(50);
  });

  it('answers 422 naming the missing columns and the ones found', () => {
    const error = failure(() => validate([{ User: 'a', Dept: 'IT' }]));
    expect(error).toMatchObject({ code: 'missing_columns', details: { missing: ['Email', 'Days Active (or Last Active)'], found: ['User', 'Dept'] } });
  });

  it('answers 422 when no row is valid', () => {
    expect(failure(() => validate([{ Email: 'x', 'Days Active': 0, Instance: 'S' }])).code).toBe('no_valid_rows');
  });

  it('takes the instance from the URL when rows have none', () => {
    expect(validate([{ Email: 'a@x.com', 'Days Active': 0 }], { instance: 'Slack-production' }).groups[0]!.instanceKey).toBe('slack-production');
  });
});

describe('Function: parseJsonText (nesting depth)', () => {
  const arrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  const objects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

  it(`accepts ${MAX_JSON_DEPTH} levels and refuses ${MAX_JSON_DEPTH + 1} with a 422 naming the depth and the path`, () => {
    expect(parseJsonText(arrays(MAX_JSON_DEPTH))).toBeInstanceOf(Array);
    expect(parseJsonText(objects(MAX_JSON_DEPTH))).toHaveProperty('a');
    const error = failure(() => parseJsonText(arrays(MAX_JSON_DEPTH + 1)));
    expect(error).toMatchObject({ status: 422, code: 'nesting_too_deep', details: { maxDepth: MAX_JSON_DEPTH, path: '$[0][0][0][0][0][0][0][0]…' } });
    expect(error.message).toContain(`${MAX_JSON_DEPTH} levels`);
  });

  it('names the first deep spot inside a field, past shallow siblings, with awkward keys quoted', () => {
    const body = `{"rows":[{"Email":"a@x.com"},{"Email":"b@x.com","odd key":${objects(100_000)}}]}`;
    expect(failure(() => parseJsonText(body)).details).toMatchObject({ path: '$.rows[1]["odd key"].a.a.a.a.a…' });
  });

  it('is not fooled by brackets inside strings, and keeps 400 for bad syntax', () => {
    expect(parseJsonText(JSON.stringify({ text: '['.repeat(1000) }))).toEqual({ text: '['.repeat(1000) });
    expect(failure(() => parseJsonText('[1,')).status).toBe(400);
  });
});

describe('Function: reportContentHash (what makes two posts the same report)', () => {
  const settings = { batchMaxBytes: 131_072, dedupeWindowMs: 86_400_000, maxRows: 1000 };
  const hash = async (body: string, query: Record<string, string> = {}, profiles: ReportProfileInput[] = [], contentType = 'text/csv') =>
    reportContentHash(body, await readReport({ body, bytes: body.length, contentType, query }, { settings, profiles: () => Promise.resolve(compileProfiles(profiles)) }));
  const csv = 'Email,Last Active,Activity Days\na@x.com,2026-01-01,0\n';

  it('differs for the same body under other metadata, and not for parameters that change nothing', async () => {
    const base = await hash(csv, { instance: 'Slack-production' });
    expect(await hash(csv, { instance: 'Slack-production' })).toBe(base);
    expect(await hash(csv, { instance: 'Slack-production', utm: 'x' })).toBe(base);
    const others: Array<Record<string, string>> = [{ instance: 'Zoom-production' }, { instance: 'Slack-production', application: 'Slack' }, { instance: 'Slack-production', periodDays: '30' }, { instance: 'Slack-production', reportName: 'r' }];
    for (const query of others) {
      expect(await hash(csv, query)).not.toBe(base);
    }
    expect(await hash(`${csv}b@x.com,2026-01-01,0\n`, { instance: 'Slack-production' })).not.toBe(base);
  });

  it('differs when a report profile reads the columns or finds the rows differently, not for a profile that does not apply', async () => {
    const base = await hash(csv);
    expect(await hash(csv, {}, [{ columns: { email: 'Contact' } }])).toBe(base);
    expect(await hash(csv, {}, [{ columns: { daysActive: 'Activity Days' } }])).not.toBe(base);
    const nested = JSON.stringify({ payload: { items: [{ Email: 'a@x.com', 'Days Active': 0, Instance: 'S' }] }, other: [{ Email: 'b@x.com', 'Days Active': 0, Instance: 'S' }] });
    const viaPayload = await hash(nested, {}, [{ rowPath: 'payload.items', columns: {} }], 'application/json');
    expect(await hash(nested, {}, [{ rowPath: 'other', columns: {} }], 'application/json')).not.toBe(viaPayload);
  });
});
