import * as z from 'zod/mini';
import { AppError, conflict, notFound, unprocessable } from '../core/errors.js';
import { instanceKey } from '../core/instance.js';
import { MappingInputSchema, environmentProblems, instanceNameCheck, type Mapping } from '../core/mapping.js';
import { isStale } from '../core/staleness.js';
import { jsonBody } from './body.js';
import { BooleanFlag, PagingQuery, audit, etag, ifMatchVersion, queryParams, requireMismatchReason, staleVersion, type AdminDeps } from './admin-common.js';
import type { Route } from './router.js';
import { json } from './types.js';
import { verifySource } from './admin-isc-lookups.js';

const MappingPutQuery = z.object({ skipSourceCheck: BooleanFlag });

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
    const { lastReportAt, matchTest } = seen.get(m.instanceKey) ?? {};
    return { ...m, lastReportAt: lastReportAt ?? null, stale: isStale(m, lastReportAt, now), matchTest: matchTest ?? null, nameEnvironment: instanceNameCheck(m, deps.settings.vocabulary) };
  });
}

export function mappingRoutes(deps: AdminDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/admin/mappings',
      auth: 'admin',
      summary: 'List mappings (paged: limit ≤ 250, cursor) with lastReportAt, stale and what each instance name says about its environment (nameEnvironment).',
      query: PagingQuery,
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
      async handle(request, { params, actor }) {
        const key = instanceKey(params.instanceKey!);
        const { skipSourceCheck } = queryParams(request, MappingPutQuery);
        const input = jsonBody(request, MappingInputSchema, 'mapping');
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

        const expected = ifMatchVersion(request);
        const existing = await deps.store.getMapping(key);
        if (existing && expected === undefined) throw new AppError(428, 'precondition_required', `Mapping "${key}" exists: send If-Match: "${existing.version}" (its ETag) to update it.`, { currentVersion: existing.version });
        if (existing && expected !== existing.version) throw staleVersion(`Mapping "${key}"`, existing.version);
        if (!existing && expected !== undefined) throw conflict(`Mapping "${key}" does not exist (it may have been deleted), so If-Match cannot hold.`);

        const checkSource = skipSourceCheck !== 'true' && target.credentials.api !== undefined;
        const source = checkSource ? await verifySource(deps, target, input.source) : input.source;
        const mapping: Mapping = {
          ...input,
          source,
          instanceKey: key,
          enabled: input.enabled ?? true,
          version: (existing?.version ?? 0) + 1,
          updatedAt: deps.clock.now().toISOString(),
          updatedBy: actor,
        };
        const note = skipSourceCheck === 'true' ? 'source check skipped (skipSourceCheck=true)' : checkSource ? `source ${source.id} verified in tenant ${target.tenant}` : 'source not checked: target has no API credentials';
        const saved = await deps.store.saveMapping(mapping, existing?.version, audit('mapping', key, existing ? 'update' : 'create', actor, deps.clock, existing, mapping, note));
        if (!saved) throw staleVersion(`Mapping "${key}"`, (await requireMapping(deps, key)).version);
        return json(existing ? 200 : 201, mapping, etag(mapping.version));
      },
    },
    {
      method: 'GET',
      path: '/admin/mappings/{instanceKey}',
      auth: 'admin',
      summary: 'Read a mapping (ETag = version).',
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
      async handle(_request, { params }) {
        return json(200, { items: await deps.store.listAudit('mapping', instanceKey(params.instanceKey!), 100) });
      },
    },
  ];
}
