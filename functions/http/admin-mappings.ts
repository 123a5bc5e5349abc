import * as z from 'zod/mini';
import { AppError, conflict, notFound, unprocessable } from '../core/errors.js';
import { instanceKey } from '../core/instance.js';
import { MappingInputSchema, environmentProblems, instanceNameCheck, type Mapping, type MappingInput } from '../core/mapping.js';
import type { Target } from '../core/target.js';
import { describeIssues } from '../core/validation.js';
import { expectedInterval, isStale } from '../core/staleness.js';
import { jsonBody } from './body.js';
import { BooleanFlag, PagingQuery, audit, etag, ifMatchVersion, queryParams, requireMismatchReason, staleVersion, type AdminDeps } from './admin-common.js';
import type { Route } from './router.js';
import { json } from './types.js';
import { verifySource } from './admin-isc-lookups.js';
import { AuditList, Deleted, MappingSchema, MappingValidation, MappingView, Paged } from './responses.js';

const MappingPutQuery = z.object({ skipSourceCheck: BooleanFlag });

/** Rows are parsed one by one, so every bad row gets its own answer instead of one 400 for the request. */
const MappingValidateBody = z.object({ items: z.array(z.unknown()).check(z.minLength(1), z.maxLength(1000)) });

/**
 * Every rule a mapping write enforces before it saves: key, name-mismatch reason, target, environment, and
 * (when the target has API credentials) the source in ISC. Throws the AppError the write answers with.
 */
async function checkMapping(deps: AdminDeps, key: string, input: MappingInput, skipSourceCheck: boolean): Promise<{ target: Target; source: Mapping['source']; note: string }> {
  if (instanceKey(input.instance) !== key) {
    throw unprocessable('validation_failed', `instance "${input.instance}" has key "${instanceKey(input.instance)}", but the path says "${key}" (the key is the instance name, trimmed and lower-cased).`, { field: 'instance' });
  }
  requireMismatchReason(input, 'instance feeds a tenant its name does not suggest');
  const target = await deps.store.getTarget(input.targetId);
  if (!target) throw unprocessable('target_not_found', `targetId "${input.targetId}" does not exist; create it with PUT /admin/targets/${input.targetId} first.`, { field: 'targetId' });
  const problems = environmentProblems(input, target, deps.settings.vocabulary);
  if (problems.length > 0) {
    throw unprocessable('environment_mismatch', `Environment mismatch: ${problems.join('; ')}.`, { problems, nameEnvironment: instanceNameCheck(input, deps.settings.vocabulary) });
  }
  const checkSource = !skipSourceCheck && target.credentials.api !== undefined;
  const source = checkSource ? await verifySource(deps, target, input.source) : input.source;
  const note = skipSourceCheck ? 'source check skipped (skipSourceCheck=true)' : checkSource ? `source ${source.id} verified in tenant ${target.tenant}` : 'source not checked: target has no API credentials';
  return { target, source, note };
}

async function requireMapping(deps: AdminDeps, key: string): Promise<Mapping> {
  const mapping = await deps.store.getMapping(key);
  if (!mapping) throw notFound(`No mapping for instance "${key}".`);
  return mapping;
}

/** Mappings with when their instance last reported and whether that is overdue. */
async function withReportStatus(deps: AdminDeps, mappings: Mapping[]) {
  const seen = await deps.store.instancesSeen(mappings.map((m) => m.instanceKey));
  const now = deps.clock.now();
  return mappings.map((m) => {
    const history = seen.get(m.instanceKey);
    return {
      ...m,
      lastReportAt: history?.lastReportAt ?? null,
      expectedInterval: expectedInterval(m, history) ?? null,
      stale: isStale(m, history, now),
      matchTest: history?.matchTest ?? null,
      nameEnvironment: instanceNameCheck(m, deps.settings.vocabulary),
    };
  });
}

export function mappingRoutes(deps: AdminDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/admin/mappings',
      auth: 'admin',
      summary: 'List mappings (paged: limit ≤ 250, cursor) with lastReportAt, expectedInterval (expectEveryDays, or learned from the report history), stale and what each instance name says about its environment (nameEnvironment).',
      query: PagingQuery,
      responses: { 200: { description: 'A page of mappings.', schema: Paged(MappingView) } },
      async handle(request) {
        const { limit, cursor } = queryParams(request, PagingQuery);
        const page = await deps.store.listMappings(limit ?? 100, cursor);
        return json(200, { items: await withReportStatus(deps, page.items), next: page.next ?? null });
      },
    },
    {
      method: 'PUT',
      path: '/admin/mappings/{instanceKey}',
      auth: 'admin',
      summary: 'Create a mapping (no If-Match) or update one (If-Match required: 428 without, 409 when stale).',
      body: MappingInputSchema,
      query: MappingPutQuery,
      headers: ['If-Match'],
      responses: { 200: { description: 'Updated.', schema: MappingSchema, etag: true }, 201: { description: 'Created.', schema: MappingSchema, etag: true } },
      errors: [409, 428],
      async handle(request, { params, actor }) {
        const key = instanceKey(params.instanceKey!);
        const { skipSourceCheck } = queryParams(request, MappingPutQuery);
        const input = jsonBody(request, MappingInputSchema, 'mapping');
        const expected = ifMatchVersion(request);
        const existing = await deps.store.getMapping(key);
        if (existing && expected === undefined) throw new AppError(428, 'precondition_required', `Mapping "${key}" exists: send If-Match: "${existing.version}" (its ETag) to update it.`, { currentVersion: existing.version });
        if (existing && expected !== existing.version) throw staleVersion(`Mapping "${key}"`, existing.version);
        if (!existing && expected !== undefined) throw conflict(`Mapping "${key}" does not exist (it may have been deleted), so If-Match cannot hold.`);

        const { source, note } = await checkMapping(deps, key, input, skipSourceCheck === 'true');
        const mapping: Mapping = {
          ...input,
          source,
          instanceKey: key,
          enabled: input.enabled ?? true,
          version: (existing?.version ?? 0) + 1,
          updatedAt: deps.clock.now().toISOString(),
          updatedBy: actor,
        };
        const saved = await deps.store.saveMapping(mapping, existing?.version, audit('mapping', key, existing ? 'update' : 'create', actor, deps.clock, existing, mapping, note));
        if (!saved) throw staleVersion(`Mapping "${key}"`, (await requireMapping(deps, key)).version);
        return json(existing ? 200 : 201, mapping, etag(mapping.version));
      },
    },
    {
      method: 'POST',
      path: '/admin/mappings/validate',
      auth: 'admin',
      summary: 'Check mapping bodies ({"items":[…]}) against every rule a PUT enforces (schema, target, environment, source in ISC) and save nothing: one result per row.',
      body: MappingValidateBody,
      query: MappingPutQuery,
      responses: { 200: { description: 'One result per item; nothing saved.', schema: MappingValidation } },
      async handle(request) {
        const { skipSourceCheck } = queryParams(request, MappingPutQuery);
        const { items } = jsonBody(request, MappingValidateBody, 'validation request');
        const results = [];
        for (const [index, item] of items.entries()) {
          const parsed = MappingInputSchema.safeParse(item);
          if (!parsed.success) {
            results.push({ index, ok: false, error: { code: 'validation_failed', message: 'The mapping does not match the schema.', details: describeIssues(parsed.error.issues) } });
            continue;
          }
          const key = instanceKey(parsed.data.instance);
          try {
            const { source } = await checkMapping(deps, key, parsed.data, skipSourceCheck === 'true');
            results.push({ index, instanceKey: key, ok: true, source });
          } catch (error) {
            if (!(error instanceof AppError) || error.status >= 500) throw error;
            results.push({ index, instanceKey: key, ok: false, error: error.toJSON().error });
          }
        }
        return json(200, { valid: results.filter((r) => r.ok).length, invalid: results.filter((r) => !r.ok).length, results });
      },
    },
    {
      method: 'GET',
      path: '/admin/mappings/{instanceKey}',
      auth: 'admin',
      summary: 'Read a mapping (ETag = version).',
      responses: { 200: { description: 'The mapping and its report history.', schema: MappingView, etag: true } },
      async handle(_request, { params }) {
        const mapping = await requireMapping(deps, instanceKey(params.instanceKey!));
        const [view] = await withReportStatus(deps, [mapping]);
        return json(200, view, etag(mapping.version));
      },
    },
    {
      method: 'DELETE',
      path: '/admin/mappings/{instanceKey}',
      auth: 'admin',
      summary: 'Delete a mapping (If-Match optional; when given it must be current).',
      headers: ['If-Match'],
      responses: { 200: { description: 'Deleted.', schema: Deleted } },
      errors: [409],
      async handle(request, { params, actor }) {
        const mapping = await requireMapping(deps, instanceKey(params.instanceKey!));
        const expected = ifMatchVersion(request) ?? mapping.version;
        if (expected !== mapping.version) throw staleVersion(`Mapping "${mapping.instanceKey}"`, mapping.version);
        const deleted = await deps.store.deleteMapping(mapping.instanceKey, expected, audit('mapping', mapping.instanceKey, 'delete', actor, deps.clock, mapping));
        if (!deleted) throw staleVersion(`Mapping "${mapping.instanceKey}"`, (await requireMapping(deps, mapping.instanceKey)).version);
        return json(200, { deleted: mapping.instanceKey });
      },
    },
    {
      method: 'GET',
      path: '/admin/mappings/{instanceKey}/audit',
      auth: 'admin',
      summary: 'Who changed this mapping, when, before and after (newest first).',
      responses: { 200: { description: 'Newest first, up to 100.', schema: AuditList } },
      async handle(_request, { params }) {
        return json(200, { items: await deps.store.listAudit('mapping', instanceKey(params.instanceKey!), 100) });
      },
    },
  ];
}
