import * as z from 'zod/mini';
import { ROW_FIELDS, normalizeColumn, type RowField } from './columns.js';

/**
 * A report profile teaches ingest a report shape it does not know, without a code change: where the rows are
 * (a dot path into the JSON body) and what the sender calls our columns. Admins add them from the sample a
 * rejected report leaves behind (GET /admin/rejected-reports).
 */
export const ReportProfileInputSchema = z.strictObject({
  description: z.optional(z.string().check(z.maxLength(500))),
  /** Dot path to the row array in a JSON body, e.g. "payload.usage.items"; omit for column names only. */
  rowPath: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_$@-]+(\.[A-Za-z0-9_$@-]+){0,9}$/, 'a dot path such as payload.items'))),
  /** Our field → the sender's column name. */
  columns: z.partialRecord(z.enum(ROW_FIELDS), z.string().check(z.minLength(1), z.maxLength(100))),
});
export type ReportProfileInput = z.infer<typeof ReportProfileInputSchema>;

export interface ReportProfile extends ReportProfileInput {
  id: string;
  updatedAt: string;
  updatedBy: string;
}

/** All profiles folded into what the parser needs: row paths to try and extra column aliases. */
export interface ReportProfiles {
  rowPaths: string[];
  aliases: ReadonlyMap<string, RowField>;
}

export const NO_PROFILES: ReportProfiles = { rowPaths: [], aliases: new Map() };

export function compileProfiles(profiles: readonly ReportProfileInput[]): ReportProfiles {
  const aliases = new Map<string, RowField>();
  for (const profile of profiles) {
    for (const [field, column] of Object.entries(profile.columns) as Array<[RowField, string | undefined]>) {
      if (column !== undefined) aliases.set(normalizeColumn(column), field);
    }
  }
  return { rowPaths: [...new Set(profiles.flatMap((p) => (p.rowPath ? [p.rowPath] : [])))], aliases };
}

/** The value at a dot path, own properties only. */
export function valueAt(doc: unknown, path: string): unknown {
  let node = doc;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}
