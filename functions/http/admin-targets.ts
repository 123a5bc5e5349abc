import * as z from 'zod/mini';
import { AppError, conflict, notFound, unprocessable } from '../core/errors.js';
import { CREDENTIAL_KINDS, CredentialsSchema, TARGET_ID_PATTERN, TargetInputSchema, resolveTargetUrls, type CredentialKind, type CredentialRef, type Credentials, type Target } from '../core/target.js';
import { assertIscUrls } from '../core/isc-hosts.js';
import { jsonBody } from './body.js';
import { audit, etag, ifMatchVersion, requireMismatchReason, staleVersion, type AdminDeps } from './admin-common.js';
import { classifyTenant, targetEnvironmentProblems } from '../core/tenant-environment.js';
import type { Route } from './router.js';
import { json } from './types.js';
import { Deleted, TargetList, TargetView } from './responses.js';

export const TargetId = z.string().check(z.regex(TARGET_ID_PATTERN));

/** What an admin sees of a target: credentials only as "set or not", never their values. */
export function targetView(target: Target) {
  const credentials = Object.fromEntries(
    CREDENTIAL_KINDS.map((kind) => {
      const ref = target.credentials[kind];
      return [kind, ref ? { set: true, clientId: ref.clientId, updatedAt: ref.updatedAt } : { set: false }];
    }),
  );
  return { ...target, credentials };
}

export async function requireTarget(deps: AdminDeps, id: string): Promise<Target> {
  const target = await deps.store.getTarget(id);
  if (!target) throw notFound(`Target "${id}" does not exist.`);
  return target;
}

export function targetRoutes(deps: AdminDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/admin/targets',
      auth: 'admin',
      summary: 'List targets (ISC tenants and their workflow external triggers).',
      responses: { 200: { description: 'All targets.', schema: TargetList } },
      async handle() {
        return json(200, { items: (await deps.store.listTargets()).map(targetView) });
      },
    },
    {
      method: 'PUT',
      path: '/admin/targets/{id}',
      auth: 'admin',
      summary: 'Create or update a target. If-Match (the ETag version) is optional; when given it must be current. Changing the tenant or a URL clears the stored credentials.',
      body: TargetInputSchema,
      params: { id: TargetId },
      headers: ['If-Match'],
      responses: { 200: { description: 'Updated.', schema: TargetView, etag: true }, 201: { description: 'Created.', schema: TargetView, etag: true } },
      errors: [409],
      async handle(request, { params, actor }) {
        const { id } = params as { id: string };
        if (!TARGET_ID_PATTERN.test(id)) throw unprocessable('validation_failed', 'Invalid target id: use 1-64 letters, digits, - or _, starting with a letter or digit.', { field: 'id' });
        const input = jsonBody(request, TargetInputSchema, 'target');
        requireMismatchReason(input, 'tenant serves an environment its name does not suggest');
        const problems = targetEnvironmentProblems(input, deps.settings.vocabulary);
        if (problems.length > 0) {
          throw unprocessable('environment_mismatch', `Environment mismatch: ${problems.join('; ')}.`, { problems, tenantEnvironment: classifyTenant(input.tenant, deps.settings.vocabulary) });
        }
        const expected = ifMatchVersion(request);
        const existing = await deps.store.getTarget(id);
        if (existing && expected !== undefined && expected !== existing.version) throw staleVersion(`Target "${id}"`, existing.version);
        if (!existing && expected !== undefined) throw conflict(`Target "${id}" does not exist, so If-Match cannot hold.`);
        const urls = resolveTargetUrls(input);
        const next = { ...input, ...urls };
        assertIscUrls(next, deps.iscHosts);
        // Credentials follow the hosts they were entered for: a new tenant or URL must not receive the old secrets.
        const old = existing?.credentials ?? {};
        const moved = existing !== undefined && (['tenant', 'triggerUrl', 'tokenUrl', 'apiBaseUrl'] as const).some((f) => next[f] !== existing[f]);
        const cleared = moved ? CREDENTIAL_KINDS.filter((kind) => old[kind]) : [];
        const clearedRefs = cleared.map((kind) => old[kind]!);
        const target: Target = {
          id,
          ...next,
          credentials: cleared.length > 0 ? {} : old,
          credentialVersion: (existing?.credentialVersion ?? 0) + (cleared.length > 0 ? 1 : 0),
          version: (existing?.version ?? 0) + 1,
          updatedAt: deps.clock.now().toISOString(),
          updatedBy: actor,
        };
        const note = cleared.length > 0 ? `${cleared.join(' and ')} credentials cleared: the tenant or a URL changed; enter them again` : undefined;
        const saved = await deps.store.saveTarget(target, existing?.version, audit('target', id, existing ? 'update' : 'create', actor, deps.clock, existing, target, note));
        if (!saved) throw staleVersion(`Target "${id}"`, (await requireTarget(deps, id)).version);
        await deleteSecrets(deps, clearedRefs);
        return json(existing ? 200 : 201, targetView(target), etag(target.version));
      },
    },
    {
      method: 'GET',
      path: '/admin/targets/{id}',
      auth: 'admin',
      summary: 'Read a target; credentials show only whether they are set.',
      params: { id: TargetId },
      responses: { 200: { description: 'The target.', schema: TargetView, etag: true } },
      async handle(_request, { params }) {
        const target = await requireTarget(deps, params.id!);
        return json(200, targetView(target), etag(target.version));
      },
    },
    {
      method: 'DELETE',
      path: '/admin/targets/{id}',
      auth: 'admin',
      summary: 'Delete a target that no mapping uses (409 lists the mappings that still do).',
      params: { id: TargetId },
      responses: { 200: { description: 'Deleted.', schema: Deleted } },
      errors: [409],
      async handle(_request, { params, actor }) {
        const target = await requireTarget(deps, params.id!);
        const users = await mappingsUsing(deps, target.id);
        if (users.length > 0) throw conflict(`Target "${target.id}" is used by ${users.length} mapping(s): ${users.join(', ')}. Move or delete them first.`, { mappings: users });
        await deps.store.deleteTarget(target.id, audit('target', target.id, 'delete', actor, deps.clock, target));
        await deleteSecrets(deps, Object.values(target.credentials));
        return json(200, { deleted: target.id });
      },
    },
    {
      method: 'PUT',
      path: '/admin/targets/{id}/credentials/{kind}',
      auth: 'admin',
      summary: 'Store client credentials (write-only): kind "trigger" for the External Trigger client, "api" for identity/source lookups.',
      body: CredentialsSchema,
      params: { id: TargetId, kind: z.enum(CREDENTIAL_KINDS) },
      responses: { 200: { description: 'Stored; the target shows them as set.', schema: TargetView, etag: true } },
      errors: [404, 409],
      async handle(request, { params, actor }) {
        const kind = params.kind as CredentialKind;
        if (!CREDENTIAL_KINDS.includes(kind)) throw new AppError(404, 'not_found', `Credential kind "${params.kind}" does not exist; use trigger or api.`);
        const target = await requireTarget(deps, params.id!);
        const credentials = jsonBody(request, CredentialsSchema, 'credentials');
        const updated = await storeCredentials(deps, target, kind, credentials, actor);
        return json(200, targetView(updated), etag(updated.version));
      },
    },
  ];
}

/**
 * Store one kind of credentials on the target (the secret in the secret store, its reference on the target), with
 * `changes` to the target saved in the same conditional write: `workflow install` sets the trigger URL with them.
 */
export async function storeCredentials(deps: AdminDeps, target: Target, kind: CredentialKind, credentials: Credentials, actor: string, changes: Pick<Target, 'triggerUrl'> = {}): Promise<Target> {
  const secretId = deps.secretIdFor(target.id, kind);
  await deps.secrets.putCredentials(secretId, credentials);
  const now = deps.clock.now().toISOString();
  const updated: Target = {
    ...target,
    ...changes,
    credentials: { ...target.credentials, [kind]: { secretId, clientId: credentials.clientId, updatedAt: now } },
    credentialVersion: (target.credentialVersion ?? 0) + 1,
    version: target.version + 1,
    updatedAt: now,
    updatedBy: actor,
  };
  const note = `${kind} credentials set for client ${credentials.clientId}${changes.triggerUrl ? ' with the trigger URL ISC issued' : ''}`;
  const saved = await deps.store.saveTarget(updated, target.version, audit('target', target.id, 'credentials', actor, deps.clock, undefined, undefined, note));
  if (!saved) throw staleVersion(`Target "${target.id}"`, (await requireTarget(deps, target.id)).version);
  return updated;
}

/** After the table no longer points at them, so a failure here leaves an orphan secret, never a dangling reference. */
async function deleteSecrets(deps: AdminDeps, refs: readonly CredentialRef[]): Promise<void> {
  for (const ref of refs) await deps.secrets.deleteCredentials(ref.secretId);
}

async function mappingsUsing(deps: AdminDeps, targetId: string): Promise<string[]> {
  const users: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.listMappings(250, cursor);
    users.push(...page.items.filter((m) => m.targetId === targetId).map((m) => m.instanceKey));
    cursor = page.next;
  } while (cursor);
  return users;
}
