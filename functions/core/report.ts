import { parse as parseCsv } from 'csv-parse/sync';
import { AppError, badRequest, unprocessable } from './errors.js';
import { fieldForColumn, normalizeColumn, type RowField } from './columns.js';
import { NO_PROFILES, valueAt, type ReportProfiles } from './report-profile.js';
import { parseJsonText } from './json-text.js';

/** A row as found in the report: known fields only, values not yet validated. `row` is 1-based among data rows. */
export type RawRow = { row: number } & Partial<Record<RowField, unknown>>;

export interface ReportMeta {
  reportName?: string;
  application?: string;
  instance?: string;
  periodStart?: string;
  periodEnd?: string;
  periodDays?: number;
}

/**
 * A report's rows, each built when it is read and garbage once validated: holding a RawRow per row for the whole
 * report put ingest's peak at 48 MiB for a 100k-row JSON report, against 28 MiB built on demand (bench/ingest).
 */
export interface RowList {
  readonly length: number;
  /** Row `index`, written into `into` when given: reading a whole report then allocates nothing per row. */
  at(index: number, into?: RawRow): RawRow;
  /**
   * Let go of the parsed body once its rows are read. Held, a 100k-row JSON document (15 MiB of young objects)
   * was copied by the next two young-generation collections: 25–50 ms, a third of a bare JSON.parse (bench/ingest).
   */
  release(): void;
}

export interface ParsedReport {
  meta: ReportMeta;
  rows: RowList;
  /** Column names as the sender wrote them (header or first rows' keys). */
  columns: string[];
  /** Column aliases from report profiles, on top of the built-in ones. */
  aliases: ReadonlyMap<string, RowField>;
  /** The report profile's row path that found the rows, when the built-in shapes did not. */
  rowPath?: string;
}

export type BodyKind = 'json' | 'csv';

export const ROW_CONTAINER_KEYS = new Set(['rows', 'data', 'records', 'users', 'report', 'results', 'items']);
const META_KEYS: Record<string, keyof ReportMeta> = {
  reportname: 'reportName', title: 'reportName', name: 'reportName',
  application: 'application', app: 'application', appname: 'application',
  instance: 'instance', instancename: 'instance',
  periodstart: 'periodStart', startdate: 'periodStart', start: 'periodStart', from: 'periodStart',
  periodend: 'periodEnd', enddate: 'periodEnd', end: 'periodEnd', to: 'periodEnd',
  perioddays: 'periodDays', lastndays: 'periodDays', days: 'periodDays',
};
const SAMPLE_KEYS = 20;

/** Decide how to read a body from its Content-Type, sniffing only when the sender gave none or a generic one. */
export function bodyKind(contentType: string | undefined, body: string): BodyKind {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'text/csv' || type === 'application/csv' || type === 'text/comma-separated-values') return 'csv';
  if (type === '' || type === 'text/plain' || type === 'application/octet-stream') {
    return /^\s*[[{]/.test(body) ? 'json' : 'csv';
  }
  throw new AppError(415, 'unsupported_media_type', `Content-Type ${type} is not supported; send application/json or text/csv.`);
}

export function parseReport(body: string, kind: BodyKind, query: Record<string, string | undefined>, profiles: ReportProfiles = NO_PROFILES): ParsedReport {
  const fromBody = kind === 'json' ? parseJsonReport(body, profiles) : parseCsvReport(body, profiles.aliases);
  return { ...fromBody, meta: mergeMeta(fromBody.meta, metaFromRecord(query)) };
}

function parseJsonReport(body: string, profiles: ReportProfiles): ParsedReport {
  const doc = parseJsonText(body);
  const located = locateRows(doc, {}, 0, profiles.aliases);
  if (located) return located;
  for (const path of profiles.rowPaths) {
    const rows = valueAt(doc, path);
    if (Array.isArray(rows)) return { ...rowsFromArray(rows, isRecord(doc) ? metaFromRecord(doc) : {}, profiles.aliases), rowPath: path };
  }
  throw unprocessable(
    'unrecognized_report_shape',
    'No rows found: expected an array of rows, or an object with rows under one of rows, data, records, users, report (optionally inside "input"), or a report profile\'s rowPath. Add a profile with PUT /admin/report-profiles/{id}.',
    { found: describeShape(doc), profilePathsTried: profiles.rowPaths },
  );
}

/** Find the row array in the shapes senders use: a bare array, `{rows|data|records|users|report: …}`, `{"input": …}`. */
function locateRows(doc: unknown, outerMeta: ReportMeta, depth: number, aliases: ReadonlyMap<string, RowField>): ParsedReport | undefined {
  if (Array.isArray(doc)) return rowsFromArray(doc, outerMeta, aliases);
  if (!isRecord(doc) || depth >= 3) return undefined;
  const meta = mergeMeta(metaFromRecord(doc), outerMeta);
  if (isRecord(doc.input) || Array.isArray(doc.input)) return locateRows(doc.input, meta, depth + 1, aliases);
  const containerKey = Object.keys(doc).find((key) => ROW_CONTAINER_KEYS.has(normalizeColumn(key)) && typeof doc[key] === 'object');
  return containerKey === undefined ? undefined : locateRows(doc[containerKey], meta, depth + 1, aliases);
}

function rowsFromArray(items: unknown[], meta: ReportMeta, aliases: ReadonlyMap<string, RowField>): ParsedReport {
  if (items.length === 0) throw unprocessable('empty_report', 'The report has no rows.');
  // A table given as [header, ...rows] arrays: treat it like CSV.
  if (Array.isArray(items[0])) return tableToRows(items.map((line) => (Array.isArray(line) ? line.map(cellText) : [])), meta, aliases);
  const columns = sampleColumns(items);
  const keyOf = fieldKeys(columns, aliases);
  let held: unknown[] | undefined = items;
  const at = (i: number, into?: RawRow): RawRow => {
    const item = readable(held)[i];
    return isRecord(item) ? recordRow(item, i + 1, keyOf, aliases, into) : emptyRow(i + 1, into);
  };
  return { meta, rows: { length: items.length, at, release: () => (held = undefined) }, columns, aliases };
}

/**
 * Rows share their columns in practice: read the known keys directly, and only remap a row key by key when it
 * does not have the email column under the usual name. Each field is read at its own site, not through one
 * shared helper: a site that always sees the same key stays a fast monomorphic load, while one helper seeing
 * all seven keys went megamorphic (measured: half the cost of building the row).
 */
export function recordRow(item: Record<string, unknown>, row: number, keyOf: Partial<Record<RowField, string>>, aliases: ReadonlyMap<string, RowField>, into?: RawRow): RawRow {
  const { name, email, daysActive, lastActive, application, instance, instanceId } = keyOf;
  if (email === undefined || item[email] === undefined) return remapRow(item, row, aliases);
  const raw = into ?? ({} as RawRow);
  raw.row = row;
  raw.name = name === undefined ? undefined : item[name];
  raw.email = item[email];
  raw.daysActive = daysActive === undefined ? undefined : item[daysActive];
  raw.lastActive = lastActive === undefined ? undefined : item[lastActive];
  raw.application = application === undefined ? undefined : item[application];
  raw.instance = instance === undefined ? undefined : item[instance];
  raw.instanceId = instanceId === undefined ? undefined : item[instanceId];
  return raw;
}

export const COLUMN_SAMPLE = 100;

/** Column names seen in the first rows, in order of appearance. */
export function sampleColumns(items: unknown[]): string[] {
  const seen = new Set<string>();
  for (const item of items.slice(0, COLUMN_SAMPLE)) if (isRecord(item)) for (const key of Object.keys(item)) seen.add(key);
  return [...seen];
}

export function fieldKeys(columns: string[], aliases: ReadonlyMap<string, RowField>): Partial<Record<RowField, string>> {
  const keys: Partial<Record<RowField, string>> = {};
  for (const column of columns) {
    const field = fieldForColumn(column, aliases);
    if (field !== undefined) keys[field] ??= column;
  }
  return keys;
}

/** A row with every field unset: a new one, or `into` cleared. */
export function emptyRow(row: number, into?: RawRow): RawRow {
  if (!into) return { row, name: undefined, email: undefined, daysActive: undefined, lastActive: undefined, application: undefined, instance: undefined, instanceId: undefined };
  into.row = row;
  into.name = into.email = into.daysActive = into.lastActive = into.application = into.instance = into.instanceId = undefined;
  return into;
}

function readable<T>(held: T | undefined): T {
  if (held === undefined) throw new Error('The report\'s rows were released after they were read.');
  return held;
}

function remapRow(item: Record<string, unknown>, row: number, aliases: ReadonlyMap<string, RowField>): RawRow {
  const raw = emptyRow(row);
  for (const key of Object.keys(item)) {
    const field = fieldForColumn(key, aliases);
    if (field !== undefined && raw[field] === undefined) raw[field] = item[key];
  }
  return raw;
}

/** csv-parse options both the in-memory and the streaming reader use. */
export const CSV_OPTIONS = { relax_column_count: true, skip_empty_lines: true, trim: true } as const;

function parseCsvReport(body: string, aliases: ReadonlyMap<string, RowField>): ParsedReport {
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  let table: string[][];
  try {
    table = parseCsv(text, { ...CSV_OPTIONS, delimiter: detectDelimiter(text) });
  } catch (error) {
    throw badRequest(`Body is not readable CSV: ${(error as Error).message}`);
  }
  return tableToRows(table, {}, aliases);
}

function tableToRows(table: string[][], meta: ReportMeta, aliases: ReadonlyMap<string, RowField>): ParsedReport {
  const [header, ...lines] = table;
  if (!header || lines.length === 0) throw unprocessable('empty_report', 'The report has a header row but no data rows (or nothing at all).');
  const fields = header.map((column) => fieldForColumn(column, aliases));
  let held: string[][] | undefined = lines;
  const at = (i: number, into?: RawRow) => tableRow(fields, readable(held)[i]!, i + 1, into);
  return { meta, rows: { length: lines.length, at, release: () => (held = undefined) }, columns: header, aliases };
}

/** One data line of a table (CSV, or JSON arrays under a header array); `fields` are the header's. */
export function tableRow(fields: ReadonlyArray<RowField | undefined>, cells: readonly string[], row: number, into?: RawRow): RawRow {
  const raw = emptyRow(row, into);
  fields.forEach((field, c) => {
    if (field !== undefined && raw[field] === undefined && cells[c] !== undefined && cells[c] !== '') raw[field] = cells[c];
  });
  return raw;
}

/** `;` wins over `,` only when the header line has more of them (European spreadsheet exports). */
export function detectDelimiter(text: string): string {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const count = (ch: string) => firstLine.split(ch).length - 1;
  return count(';') > count(',') ? ';' : ',';
}

export function metaFromRecord(record: Record<string, unknown>): ReportMeta {
  const meta: ReportMeta = {};
  for (const [key, value] of Object.entries(record)) {
    const field = META_KEYS[normalizeColumn(key)];
    if (field === undefined) {
      if (normalizeColumn(key) === 'period' && isRecord(value)) Object.assign(meta, metaFromRecord(value));
      continue;
    }
    if (field === 'periodDays') {
      const days = typeof value === 'number' ? value : Number(cellText(value).replace(/[^0-9]/g, ''));
      if (Number.isInteger(days) && days > 0 && cellText(value) !== '') meta.periodDays = days;
    } else if (typeof value === 'string' && value.trim() !== '') {
      meta[field] = value.trim();
    }
  }
  return meta;
}

/** Body values win over URL query values; a real disagreement is a 422 rather than a silent choice. */
export function mergeMeta(body: ReportMeta, query: ReportMeta): ReportMeta {
  const conflicts = (Object.keys(query) as Array<keyof ReportMeta>).filter((key) => {
    const a = body[key];
    const b = query[key];
    return a !== undefined && b !== undefined && String(a).toLowerCase() !== String(b).toLowerCase();
  });
  if (conflicts.length > 0) {
    throw unprocessable('conflicting_report_fields', `The body and the webhook URL disagree on: ${conflicts.join(', ')}.`, {
      conflicts: conflicts.map((field) => ({ field, body: body[field], query: query[field] })),
    });
  }
  return { ...query, ...body };
}

function describeShape(doc: unknown): Record<string, unknown> {
  if (isRecord(doc)) return { type: 'object', topLevelKeys: Object.keys(doc).slice(0, SAMPLE_KEYS) };
  return { type: doc === null ? 'null' : typeof doc };
}

export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // An array cell reads as its items joined ("a,b"), as String() gives; an object as its JSON, not "[object Object]".
  return (Array.isArray(value) ? value.join(',') : JSON.stringify(value)).trim();
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
