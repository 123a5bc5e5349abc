import * as z from 'zod/mini';
import type { AdminClient } from './admin-client.js';
import { MappingValidation } from '../http/responses.js';
import { SERVER_FIELDS, type ImportProblem, type ImportRow } from './mapping-rows.js';
import { progress } from './progress.js';

export interface ImportPlanItem {
  row: ImportRow;
  action: 'create' | 'update' | 'unchanged';
  version?: number;
}

/** Compare each row with what the API holds, so a dry run can say create / update / unchanged. */
export async function planImport(client: AdminClient, rows: ImportRow[]): Promise<ImportPlanItem[]> {
  const plan: ImportPlanItem[] = [];
  for (const row of rows) {
    const existing = await client.call('GET', `/admin/mappings/${encodeURIComponent(row.instanceKey)}`, { expect: [200, 404] });
    if (existing.status === 404) plan.push({ row, action: 'create' });
    else {
      // Loose: sameMapping also looks at fields this client does not know.
      const current = z.parse(z.looseObject({ version: z.int() }), existing.body);
      plan.push({ row, action: sameMapping(current, row.input) ? 'unchanged' : 'update', version: current.version });
    }
  }
  return plan;
}

/**
 * The server runs every rule a PUT runs (target, environment, source in ISC) on the rows that would change,
 * saving nothing; what it refuses comes back as problems on the rows' lines.
 */
export async function validateImport(client: AdminClient, plan: ImportPlanItem[]): Promise<ImportProblem[]> {
  const changes = plan.filter((item) => item.action !== 'unchanged');
  if (changes.length === 0) return [];
  const { body } = await client.read(MappingValidation, 'POST', '/admin/mappings/validate', { json: { items: changes.map((item) => item.row.input) } });
  return body.results.flatMap((result) => {
    if (result.ok || !result.error) return [];
    const field = (result.error.details as { field?: string } | undefined)?.field ?? result.error.code;
    return [{ line: changes[result.index]!.row.line, field, message: result.error.message }];
  });
}

/** Apply a plan; each row is one PUT with If-Match, so a concurrent edit is reported, not overwritten. */
export async function applyImport(client: AdminClient, plan: ImportPlanItem[]): Promise<{ applied: number; failed: ImportProblem[] }> {
  const bar = progress(plan.length, 'importing');
  const failed: ImportProblem[] = [];
  let applied = 0;
  for (const item of plan) {
    bar.tick(item.row.instanceKey);
    if (item.action === 'unchanged') continue;
    try {
      await client.call('PUT', `/admin/mappings/${encodeURIComponent(item.row.instanceKey)}`, {
        json: item.row.input,
        headers: item.version === undefined ? {} : { 'if-match': `"${item.version}"` },
      });
      applied++;
    } catch (error) {
      failed.push({ line: item.row.line, field: item.row.instanceKey, message: (error as Error).message });
    }
  }
  bar.done();
  return { applied, failed };
}

function sameMapping(current: Record<string, unknown>, input: Record<string, unknown>): boolean {
  const comparable = { ...input, enabled: input.enabled ?? true };
  return Object.entries(comparable).every(([key, value]) => JSON.stringify(current[key]) === JSON.stringify(value)) &&
    Object.keys(current).every((key) => key in comparable || SERVER_FIELDS.includes(key));
}
