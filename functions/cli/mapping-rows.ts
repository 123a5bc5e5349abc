import { parse as parseCsv } from 'csv-parse/sync';
import { MappingInputSchema, instanceNameCheck, type MappingInput } from '../core/mapping.js';
import { describeWords, type EnvironmentVocabulary } from '../core/environment-names.js';
import { instanceKey } from '../core/instance.js';
import { normalizeColumn } from '../core/columns.js';
import { describeIssues } from '../core/validation.js';
import { CliError } from './admin-client.js';

export interface ImportRow {
  line: number;
  instanceKey: string;
  input: MappingInput;
}

export interface ImportProblem {
  line: number;
  field: string;
  message: string;
}

/** Fields the API adds to a mapping; an export carries them and an import ignores them. */
export const SERVER_FIELDS = ['instanceKey', 'version', 'updatedAt', 'updatedBy', 'lastReportAt', 'expectedInterval', 'stale', 'matchTest', 'nameEnvironment'];

/** CSV header (normalized) → where the value goes in a mapping body. */
const CSV_COLUMNS: Record<string, string> = {
  application: 'application', app: 'application', appname: 'application',
  instance: 'instance', instancename: 'instance', integrationinstance: 'instance',
  environment: 'environment', env: 'environment',
  targetid: 'targetId', target: 'targetId',
  sourceid: 'source.id', sourcename: 'source.name',
  maxdaysactive: 'policy.maxDaysActive', inactivefordays: 'policy.inactiveForDays', cooldowndays: 'policy.cooldownDays',
  excludeemails: 'policy.exclude.emails', excludedomains: 'policy.exclude.domains',
  enabled: 'enabled', expecteverydays: 'expectEveryDays',
  reviewertype: 'campaign.reviewer.type', reviewerid: 'campaign.reviewer.id', campaigndays: 'campaign.durationDays',
  allownamemismatch: 'allowNameMismatch', mismatchreason: 'mismatchReason',
};
const NUMERIC = new Set(['policy.maxDaysActive', 'policy.inactiveForDays', 'policy.cooldownDays', 'expectEveryDays', 'campaign.durationDays']);
const BOOLEAN = new Set(['enabled', 'allowNameMismatch']);
const LISTS = new Set(['policy.exclude.emails', 'policy.exclude.domains']);

/**
 * Read a mappings file (CSV, or JSON as the API or `mappings export` writes it) and validate every row, the
 * instance name's environment words included (the API checks again with the deployment's words on apply).
 */
export function readMappingRows(text: string, format: 'csv' | 'json', vocabulary?: EnvironmentVocabulary): { rows: ImportRow[]; problems: ImportProblem[] } {
  const records = format === 'json' ? jsonRecords(text) : csvRecords(text);
  const rows: ImportRow[] = [];
  const problems: ImportProblem[] = [];
  const seen = new Map<string, number>();
  for (const { line, value } of records) {
    const result = MappingInputSchema.safeParse(value);
    if (!result.success) {
      problems.push(...describeIssues(result.error.issues).map(({ field, message }) => ({ line, field, message })));
      continue;
    }
    const named = instanceNameCheck(result.data, vocabulary);
    if (named.status === 'mismatch') {
      problems.push({ line, field: 'instance', message: `"${result.data.instance}" is named ${named.kind} (${describeWords(named)}) but the environment is ${result.data.environment}; fix one, or set Allow Name Mismatch with a Mismatch Reason` });
      continue;
    }
    const key = instanceKey(result.data.instance);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.push({ line, field: 'instance', message: `instance "${key}" is also on line ${earlier}` });
      continue;
    }
    seen.set(key, line);
    rows.push({ line, instanceKey: key, input: result.data });
  }
  return { rows, problems };
}

function jsonRecords(text: string): Array<{ line: number; value: unknown }> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new CliError(`The file is not valid JSON: ${(error as Error).message}`);
  }
  const items = Array.isArray(doc) ? doc : (doc as { items?: unknown })?.items;
  if (!Array.isArray(items)) throw new CliError('Expected a JSON array of mappings, or {"items": [...]} as `mappings export` writes.');
  return items.map((item, i) => ({ line: i + 1, value: stripServerFields(item) }));
}

function stripServerFields(item: unknown): unknown {
  if (typeof item !== 'object' || item === null) return item;
  const copy: Record<string, unknown> = { ...(item as Record<string, unknown>) };
  for (const field of SERVER_FIELDS) delete copy[field];
  return copy;
}

function csvRecords(text: string): Array<{ line: number; value: unknown }> {
  const records = parseCsv<{ record: Record<string, string>; info: { lines: number } }>(text.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true, trim: true, info: true, relax_column_count: true });
  return records.map(({ record, info }) => {
    const value: Record<string, unknown> = {};
    for (const [column, cell] of Object.entries(record)) {
      const path = CSV_COLUMNS[normalizeColumn(column)];
      if (path === undefined) {
        value[column] = cell; // unknown column: the strict schema names it
        continue;
      }
      if (cell === '') continue;
      setPath(value, path, convert(path, cell));
    }
    return { line: info.lines, value };
  });
}

function convert(path: string, cell: string): unknown {
  if (NUMERIC.has(path)) return /^-?\d+$/.test(cell) ? Number(cell) : cell;
  if (BOOLEAN.has(path)) return /^(true|yes|1)$/i.test(cell) ? true : /^(false|no|0)$/i.test(cell) ? false : cell;
  if (LISTS.has(path)) return cell.split(/[;|]/).map((s) => s.trim()).filter(Boolean);
  return cell;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  node[parts.at(-1)!] = value;
}
