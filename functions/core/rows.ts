import * as z from 'zod/mini';
import { unprocessable } from './errors.js';
import { describeIssues } from './validation.js';
import { instanceKey } from './instance.js';
import { emptyRow, type ParsedReport, type RawRow } from './report.js';
import { fieldForColumn } from './columns.js';
import { UserTable } from './user-table.js';

/** One person's usage of one app instance, after validation and duplicate merging. */
export interface UserUsage {
  email: string;
  name?: string;
  daysActive?: number;
  lastActive?: string;
}

export interface InstanceGroup {
  instanceKey: string;
  instance: string;
  application?: string;
  rowCount: number;
  users: UserTable;
}

export interface RejectedRow {
  row: number;
  field: string;
  reason: string;
}

export interface ValidatedReport {
  groups: InstanceGroup[];
  validRows: number;
  rejectedRows: number;
  /** The first rejections, enough for an admin to fix the report (the count above is complete). */
  rejected: RejectedRow[];
}

export const MAX_LISTED_REJECTIONS = 50;

const MAX_DAYS = 100_000;
const LastActiveSchema = z.iso.datetime();
export const ReportRowSchema = z.object({
  email: z.email().check(z.maxLength(254)),
  name: z.optional(z.string().check(z.maxLength(512))),
  daysActive: z.optional(z.int().check(z.minimum(0), z.maximum(MAX_DAYS))),
  lastActive: z.optional(LastActiveSchema),
  application: z.optional(z.string().check(z.maxLength(256))),
  instance: z.string().check(z.minLength(1, 'missing: give the webhook URL ?instance=<name> or add an Instance column'), z.maxLength(256)),
});

export function validateReport(report: ParsedReport): ValidatedReport {
  requireColumns(report);
  const validator = rowValidator(report);
  const { rows } = report;
  const raw = emptyRow(0);
  for (let i = 0; i < rows.length; i++) validator.add(rows.at(i, raw));
  rows.release();
  return validator.finish();
}

/** Rows validated and grouped one at a time: the in-memory path feeds it an array, the large-report path a stream. */
export interface RowValidator {
  /** `raw` is read, not kept: callers may reuse one object for every row. */
  add(raw: RawRow): void;
  finish(): ValidatedReport;
}

export function rowValidator(report: Pick<ParsedReport, 'meta'>): RowValidator {
  const groups = new Map<string, InstanceGroup>();
  const byName = new Map<string, InstanceGroup>();
  const rejected: RejectedRow[] = [];
  const accepted: ReportRow = { email: '', instance: '' };
  let rows = 0;
  let rejectedRows = 0;
  return {
    add(raw) {
      rows++;
      const row = acceptRow(raw, report, accepted);
      if (!row) {
        rejectedRows++;
        for (const { field, message } of rowProblems(raw, report)) if (rejected.length < MAX_LISTED_REJECTIONS) rejected.push({ row: raw.row, field, reason: message });
        return;
      }
      let group = byName.get(row.instance);
      if (!group) {
        const key = instanceKey(row.instance);
        group = groups.get(key) ?? { instanceKey: key, instance: row.instance, application: row.application, rowCount: 0, users: new UserTable() };
        groups.set(key, group);
        byName.set(row.instance, group);
      }
      group.rowCount++;
      group.users.add(row.email, row.name, row.daysActive, row.lastActive);
    },
    finish() {
      const validRows = rows - rejectedRows;
      if (validRows === 0) {
        throw unprocessable('no_valid_rows', `None of the ${rows} rows is usable; see details for the first problems.`, { rejected });
      }
      return {
        groups: [...groups.values()],
        validRows,
        rejectedRows,
        rejected,
      };
    },
  };
}

type ReportRow = z.infer<typeof ReportRowSchema>;

/**
 * The usual row, checked without building a zod result: the same normalisation and the same patterns as
 * ReportRowSchema (zod's own email and datetime regexes), so it accepts nothing the schema would reject.
 * Anything unusual (text numbers, other date forms, a failing value) goes to the schema, which also words
 * the errors. A property test holds the two to the same answers.
 */
export function acceptRow(raw: RawRow, report: Pick<ParsedReport, 'meta'>, into?: ReportRow): ReportRow | undefined {
  return fastRow(raw, report, into) ?? schemaRow(raw, report);
}

/** The reference path: normalise, then ReportRowSchema. */
export function schemaRow(raw: RawRow, report: Pick<ParsedReport, 'meta'>): ReportRow | undefined {
  const result = ReportRowSchema.safeParse(normalizeRow(raw, report));
  return result.success && activityMissing(result.data).length === 0 ? result.data : undefined;
}

function rowProblems(raw: RawRow, report: Pick<ParsedReport, 'meta'>): Array<{ field: string; message: string }> {
  const result = ReportRowSchema.safeParse(normalizeRow(raw, report));
  return result.success ? activityMissing(result.data) : describeIssues(result.error.issues);
}

// The schema's own pattern: `z.regexes` would bundle every zod regex (~6 KiB in each function).
const EMAIL = ReportRowSchema.shape.email._zod.pattern;
const DATETIME = LastActiveSchema._zod.pattern;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
/** EMAIL with lower-case letters only: what it accepts, EMAIL accepts, and lower-casing leaves unchanged. */
const LOWER_CASE_EMAIL = new RegExp(EMAIL.source.replaceAll('A-Za-z', 'a-z'), EMAIL.flags);
const DIGITS = /^\d{1,6}$/;

/**
 * Reports repeat a few hundred distinct dates at most, so each is checked once (the datetime regex is costly);
 * '' marks a value found not to be a date, so that one look-up answers both ways.
 */
const dateCache = new Map<string, string>();

function canonicalDate(value: string): string | undefined {
  let result = dateCache.get(value);
  if (result === undefined) {
    const candidate = DATE_ONLY.test(value) ? `${value}T00:00:00.000Z` : value;
    result = candidate.length === 24 && DATETIME.test(candidate) ? candidate : '';
    if (dateCache.size < 10_000) dateCache.set(value, result);
  }
  return result === '' ? undefined : result;
}

/** The accepted row is written into `into` when given (ingest reuses one), else into a new object. */
export function fastRow(raw: RawRow, report: Pick<ParsedReport, 'meta'>, into?: ReportRow): ReportRow | undefined {
  const { email, lastActive, name, application, instance } = raw;
  // CSV gives numbers as text; plain digit strings convert exactly as the schema path's toNumber does.
  const daysActive = typeof raw.daysActive === 'string' && DIGITS.test(raw.daysActive) ? Number(raw.daysActive) : raw.daysActive;
  if (typeof email !== 'string') return undefined;
  const trimmed = email.trim();
  if (trimmed.length > 254) return undefined;
  // The usual email is lower-case already: one test of the lower-case pattern takes it as it is, with no copy.
  // The schema's pattern is ASCII with both cases, so it judges the text as lower-casing would leave it; a text
  // it refuses may still pass once lower-cased (the Kelvin sign becomes "k"), and the schema path decides those.
  let normalizedEmail = trimmed;
  if (!LOWER_CASE_EMAIL.test(trimmed)) {
    if (!EMAIL.test(trimmed)) return undefined;
    normalizedEmail = trimmed.toLowerCase();
  }
  if (daysActive !== undefined && !(typeof daysActive === 'number' && Number.isInteger(daysActive) && daysActive >= 0 && daysActive <= MAX_DAYS)) return undefined;
  let last: string | undefined;
  if (typeof lastActive === 'string') {
    last = canonicalDate(lastActive);
    if (last === undefined) return undefined;
  } else if (lastActive !== undefined) return undefined;
  if (daysActive === undefined && last === undefined) return undefined;
  if (name !== undefined && !(typeof name === 'string' && name.length <= 512 && isTrimmedText(name))) return undefined;
  if (application !== undefined && !(typeof application === 'string' && application.length <= 256 && isTrimmedText(application))) return undefined;
  const instanceName = instance === undefined ? report.meta.instance : instance;
  if (typeof instanceName !== 'string' || instanceName.length > 256 || !isTrimmedText(instanceName)) return undefined;
  const app = application ?? report.meta.application;
  if (app !== undefined && app.length > 256) return undefined;
  const row = into ?? ({} as ReportRow);
  row.email = normalizedEmail;
  row.instance = instanceName;
  row.name = name;
  row.daysActive = daysActive;
  row.lastActive = last;
  row.application = app;
  return row;
}

/**
 * Non-empty and without surrounding whitespace, as the schema path's trim would leave it. Visible ASCII at both
 * ends settles it without trim() scanning the text; anything else asks trim itself.
 */
function isTrimmedText(text: string): boolean {
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  if (first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f) return true;
  return text !== '' && text === text.trim();
}

export function requireColumns(report: Pick<ParsedReport, 'columns' | 'aliases'>): void {
  const fields = new Set(report.columns.map((column) => fieldForColumn(column, report.aliases)));
  const missing: string[] = [];
  if (!fields.has('email')) missing.push('Email');
  if (!fields.has('daysActive') && !fields.has('lastActive')) missing.push('Days Active (or Last Active)');
  if (missing.length > 0) {
    throw unprocessable('missing_columns', `The report lacks required column(s): ${missing.join(', ')}. Found: ${report.columns.slice(0, 30).join(', ') || '(none)'}.`, {
      missing,
      found: report.columns.slice(0, 30),
    });
  }
}

/** Bring CSV strings and JSON values to one form before the schema judges them. */
function normalizeRow(raw: RawRow, report: Pick<ParsedReport, 'meta'>): Record<string, unknown> {
  return {
    email: typeof raw.email === 'string' ? raw.email.trim().toLowerCase() : raw.email,
    name: optionalText(raw.name),
    daysActive: toNumber(raw.daysActive),
    lastActive: toIsoDate(raw.lastActive),
    application: optionalText(raw.application) ?? report.meta.application,
    instance: optionalText(raw.instance) ?? report.meta.instance ?? '',
  };
}

function activityMissing(row: { daysActive?: number; lastActive?: string }) {
  return row.daysActive === undefined && row.lastActive === undefined
    ? [{ field: 'daysActive', message: 'missing: neither Days Active nor Last Active has a value' }]
    : [];
}

function optionalText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return value as string; // let the schema name the wrong type
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function toNumber(value: unknown): unknown {
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  if (value === '' || value === null) return undefined;
  return value;
}

/** ISO dates and epoch seconds/milliseconds become ISO timestamps; anything else is left for the schema to reject. */
function toIsoDate(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  const epoch = typeof value === 'number' ? value : typeof value === 'string' && /^\d{9,13}$/.test(value.trim()) ? Number(value) : undefined;
  if (epoch !== undefined) return new Date(epoch < 1e12 ? epoch * 1000 : epoch).toISOString();
  if (typeof value === 'string') {
    const time = Date.parse(value.trim());
    return Number.isNaN(time) ? value : new Date(time).toISOString();
  }
  return value;
}
