import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as csvStream } from 'csv-parse';
import { JSONParser } from '@streamparser/json';
import { AppError, badRequest, unprocessable } from './errors.js';
import { fieldForColumn, normalizeColumn, type RowField } from './columns.js';
import { MAX_JSON_DEPTH } from './json-text.js';
import {
  COLUMN_SAMPLE, CSV_OPTIONS, ROW_CONTAINER_KEYS, cellText, detectDelimiter, emptyRow, fieldKeys, isRecord, mergeMeta, metaFromRecord, recordRow, sampleColumns, tableRow,
  type BodyKind, type ParsedReport, type RawRow, type ReportMeta,
} from './report.js';
import type { ReportProfiles } from './report-profile.js';

/** What a streamed report is besides its rows (which went to `onRow` one by one). */
export type StreamedReport = Omit<ParsedReport, 'rows'> & { rows: number };

/**
 * Read a report body chunk by chunk and hand each row to `onRow`, as parseReport would have found it; memory
 * holds one row (and the first COLUMN_SAMPLE rows until the columns are known), never the body. `live.meta`
 * is kept current (URL fields, then body fields as they arrive) because row validation falls back on it.
 * Differences from the in-memory reader: report fields must come before the rows in a JSON body to apply to
 * them, and the first row array found wins.
 */
export async function streamReport(
  chunks: AsyncIterable<Uint8Array>,
  kind: BodyKind,
  query: ReportMeta,
  profiles: ReportProfiles,
  live: { meta: ReportMeta },
  onRow: (row: RawRow) => void,
): Promise<StreamedReport> {
  live.meta = { ...query };
  const found = kind === 'json' ? await streamJson(chunks, profiles, live, onRow) : await streamCsv(chunks, profiles.aliases, onRow);
  if (found.rows === 0) throw unprocessable('empty_report', 'The report has no rows.');
  return { ...found, meta: mergeMeta(found.meta, query) };
}

/** Rows are handed on in order; until COLUMN_SAMPLE rows are in, they wait so the columns can be sampled first. */
function recordSink(aliases: ReadonlyMap<string, RowField>, onRow: (row: RawRow) => void) {
  let pending: Array<Record<string, unknown>> | undefined = [];
  let columns: string[] = [];
  let keyOf: Partial<Record<RowField, string>> = {};
  let count = 0;
  const emit = (item: unknown) => {
    count++;
    onRow(isRecord(item) ? recordRow(item, count, keyOf, aliases) : emptyRow(count));
  };
  const flush = () => {
    if (!pending) return;
    columns = sampleColumns(pending);
    keyOf = fieldKeys(columns, aliases);
    const sample = pending;
    pending = undefined;
    sample.forEach(emit);
  };
  return {
    add(item: Record<string, unknown>) {
      if (!pending) return emit(item);
      pending.push(item);
      if (pending.length === COLUMN_SAMPLE) flush();
    },
    finish() {
      flush();
      return { columns, rows: count };
    },
  };
}

/** A table given as [header, ...rows] arrays, or CSV records. */
function tableSink(aliases: ReadonlyMap<string, RowField>, onRow: (row: RawRow) => void) {
  let header: string[] | undefined;
  let fields: Array<RowField | undefined> = [];
  let count = 0;
  return {
    add(cells: string[]) {
      if (!header) {
        header = cells;
        fields = header.map((column) => fieldForColumn(column, aliases));
        return;
      }
      onRow(tableRow(fields, cells, ++count));
    },
    finish() {
      return { columns: header ?? [], rows: count };
    },
  };
}

async function streamJson(chunks: AsyncIterable<Uint8Array>, profiles: ReportProfiles, live: { meta: ReportMeta }, onRow: (row: RawRow) => void) {
  const aliases = profiles.aliases;
  const records = recordSink(aliases, onRow);
  const table = tableSink(aliases, onRow);
  let mode: 'records' | 'table' | undefined;
  let container: string | undefined;
  /** The parser's stack depth at a row, once the row array is found. */
  let rowDepth = Number.POSITIVE_INFINITY;
  let rowPath: string | undefined;
  let bodyMeta: ReportMeta = {};
  const profilePaths = new Set(profiles.rowPaths);
  const parser = new JSONParser({ keepStack: true });
  parser.onValue = ({ value, key, parent, stack }) => {
    if (stack.length > MAX_JSON_DEPTH) {
      throw new AppError(422, 'nesting_too_deep', `The JSON nests deeper than ${MAX_JSON_DEPTH} levels of arrays/objects.`, { maxDepth: MAX_JSON_DEPTH });
    }
    // A value inside a row (most of the calls): the row itself is handed on when it completes.
    if (stack.length === 0 || stack.length > rowDepth) return;
    const keys = stack.slice(1).map((s) => String(s.key));
    if (Array.isArray(parent)) {
      const path = keys.join('.');
      if (container === undefined && isRowContainer(keys, profilePaths)) {
        container = path;
        rowDepth = stack.length;
        if (profilePaths.has(path) && !keys.every(isContainerKey)) rowPath = path;
      }
      if (path !== container) return;
      // The row is handed on and dropped from its array: the parser keeps nothing of rows already read.
      parent.length -= 1;
      mode ??= Array.isArray(value) ? 'table' : 'records';
      if (mode === 'table') table.add(Array.isArray(value) ? value.map(cellText) : []);
      else records.add(isRecord(value) ? value : {});
      return;
    }
    // A report field on the way to the rows: the root object, "input", a row container, or a "period" object.
    if (typeof value !== 'object' || value === null || normalizeColumn(String(key)) === 'period') {
      if (keys.every(isContainerKey) && keys.length < 3) {
        bodyMeta = { ...bodyMeta, ...metaFromRecord({ [String(key)]: value }) };
        live.meta = { ...live.meta, ...bodyMeta };
      }
    }
  };
  try {
    for await (const chunk of chunks) parser.write(chunk);
    if (!parser.isEnded) parser.end();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw badRequest(`Body is not valid JSON: ${(error as Error).message}`);
  }
  if (container === undefined) {
    throw unprocessable('unrecognized_report_shape', 'No rows found: expected an array of rows, or an object with rows under one of rows, data, records, users, report (optionally inside "input"), or a report profile\'s rowPath.', {
      profilePathsTried: profiles.rowPaths,
    });
  }
  const found = mode === 'table' ? table.finish() : records.finish();
  return { ...found, meta: bodyMeta, aliases, ...(rowPath === undefined ? {} : { rowPath }) };
}

function isContainerKey(key: string): boolean {
  return key === 'input' || ROW_CONTAINER_KEYS.has(normalizeColumn(key));
}

/** The row arrays the in-memory reader looks for: the root, under "input"/container keys (3 levels), or a profile's rowPath. */
function isRowContainer(keys: string[], profilePaths: ReadonlySet<string>): boolean {
  return (keys.length <= 3 && keys.every(isContainerKey)) || profilePaths.has(keys.join('.'));
}

async function streamCsv(chunks: AsyncIterable<Uint8Array>, aliases: ReadonlyMap<string, RowField>, onRow: (row: RawRow) => void) {
  const table = tableSink(aliases, onRow);
  const head: Buffer[] = [];
  const iterator = chunks[Symbol.asyncIterator]();
  // The delimiter is read from the header line, so the first line is collected before the parser starts.
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(Buffer.from(next.value));
    if (next.value.includes(0x0a)) break;
  }
  const start = Buffer.concat(head).toString('utf8');
  const rest = async function* () {
    yield Buffer.concat(head);
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  };
  const parser = csvStream({ ...CSV_OPTIONS, bom: true, delimiter: detectDelimiter(start.replace(/^\uFEFF/, '')) });
  // pipeline destroys the parser with any error of the source (a broken gzip stream), so the loop below ends.
  pipeline(Readable.from(rest()), parser).catch(() => undefined);
  try {
    for await (const record of parser) table.add(record as string[]);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw badRequest(`Body is not readable CSV: ${(error as Error).message}`);
  }
  const found = table.finish();
  if (found.columns.length === 0 || found.rows === 0) throw unprocessable('empty_report', 'The report has a header row but no data rows (or nothing at all).');
  return { ...found, meta: {}, aliases };
}
