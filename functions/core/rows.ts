import * as z from 'zod/mini';
import { unprocessable } from './errors.js';
import { describeIssues } from './validation.js';
import { instanceKey } from './instance.js';
import type { ParsedReport, RawRow } from './report.js';
import { fieldForColumn } from './columns.js';

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
  users: UserUsage[];
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

const ReportRowSchema = z.object({
  email: z.email().check(z.maxLength(254)),
  name: z.optional(z.string().check(z.maxLength(512))),
  daysActive: z.optional(z.int().check(z.minimum(0), z.maximum(100_000))),
  lastActive: z.optional(z.iso.datetime()),
  application: z.optional(z.string().check(z.maxLength(256))),
  instance: z.string().check(z.minLength(1, 'missing: give the webhook URL ?instance=<name> or add an Instance column'), z.maxLength(256)),
});

export function validateReport(report: ParsedReport): ValidatedReport {
  requireColumns(report);
  const groups = new Map<string, InstanceGroup & { byEmail: Map<string, UserUsage> }>();
  const rejected: RejectedRow[] = [];
  let rejectedRows = 0;
  for (const raw of report.rows) {
    const result = ReportRowSchema.safeParse(normalizeRow(raw, report));
    const reasons = result.success ? activityMissing(result.data) : describeIssues(result.error.issues);
    if (reasons.length > 0 || !result.success) {
      rejectedRows++;
      for (const { field, message } of reasons) if (rejected.length < MAX_LISTED_REJECTIONS) rejected.push({ row: raw.row, field, reason: message });
      continue;
    }
    const row = result.data;
    const key = instanceKey(row.instance);
    let group = groups.get(key);
    if (!group) {
      group = { instanceKey: key, instance: row.instance, application: row.application, rowCount: 0, users: [], byEmail: new Map() };
      groups.set(key, group);
    }
    group.rowCount++;
    mergeUser(group, { email: row.email, name: row.name, daysActive: row.daysActive, lastActive: row.lastActive });
  }
  const validRows = report.rows.length - rejectedRows;
  if (validRows === 0) {
    throw unprocessable('no_valid_rows', `None of the ${report.rows.length} rows is usable; see details for the first problems.`, { rejected });
  }
  return {
    groups: [...groups.values()].map(({ byEmail: _byEmail, ...group }) => group),
    validRows,
    rejectedRows,
    rejected,
  };
}

function requireColumns(report: ParsedReport): void {
  const fields = new Set(report.columns.map((column) => fieldForColumn(column)));
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
function normalizeRow(raw: RawRow, report: ParsedReport): Record<string, unknown> {
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

function mergeUser(group: InstanceGroup & { byEmail: Map<string, UserUsage> }, user: UserUsage): void {
  const seen = group.byEmail.get(user.email);
  if (!seen) {
    const fresh: UserUsage = { email: user.email };
    if (user.name !== undefined) fresh.name = user.name;
    if (user.daysActive !== undefined) fresh.daysActive = user.daysActive;
    if (user.lastActive !== undefined) fresh.lastActive = user.lastActive;
    group.byEmail.set(user.email, fresh);
    group.users.push(fresh);
    return;
  }
  // Duplicates within one instance: the most activity wins, so nobody is certified on a partial row.
  if (user.daysActive !== undefined) seen.daysActive = Math.max(seen.daysActive ?? 0, user.daysActive);
  if (user.lastActive !== undefined && (seen.lastActive === undefined || user.lastActive > seen.lastActive)) seen.lastActive = user.lastActive;
  seen.name ??= user.name;
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
