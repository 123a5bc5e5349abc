import * as z from 'zod/mini';
import { AppError, badRequest, unprocessable } from '../core/errors.js';
import { parseOrThrow } from '../core/validation.js';
import type { AdminStore, Clock, IscAdminClient, IscClient, ProjectDocuments, SecretStore } from '../core/ports.js';
import type { AuditEntry } from '../core/types.js';
import type { CredentialKind } from '../core/target.js';
import type { IngestSettings } from '../core/ingest.js';
import type { IscHostPolicy } from '../core/isc-hosts.js';
import type { HttpRequest } from './types.js';

export interface AdminDeps {
  store: AdminStore;
  secrets: SecretStore;
  clock: Clock;
  /** ISC lookups for the connection check, source check and match test. */
  isc: IscClient & IscAdminClient;
  /** Where a target's credentials live: a Secrets Manager name on AWS, a key in the local secret file. */
  secretIdFor(targetId: string, kind: CredentialKind): string;
  /** Which hosts a target's URLs may name (they receive its secrets and tokens). */
  iscHosts: IscHostPolicy;
  /** Ingest's settings: the preview plans with them, and their vocabulary reads instance and tenant names. */
  settings: IngestSettings;
  /** docs/openapi.json and the importable workflow, read from files rather than bundled. */
  documents: ProjectDocuments;
  /** How long a workflow test follows its execution, from the request's start (WORKFLOW_TEST_FOLLOW_SECONDS). */
  workflowTestFollowMs: number;
}

/** allowNameMismatch (mapping or target) is a confirmation, so it must say why. */
export function requireMismatchReason(input: { allowNameMismatch?: boolean; mismatchReason?: string }, what: string): void {
  if (input.allowNameMismatch && !input.mismatchReason) {
    throw unprocessable('validation_failed', `allowNameMismatch needs a mismatchReason saying why this ${what}.`, { field: 'mismatchReason' });
  }
}

/** Query strings are input too: validated, with the offending parameter named in a 400. */
export function queryParams<T extends z.ZodMiniType>(request: HttpRequest, schema: T): z.infer<T> {
  return parseOrThrow(schema, request.query, 'query parameters', 400);
}

/**
 * A whole-number query parameter: digits on the wire, a bounded number to the handler. Its range is also
 * registered as JSON Schema (integer, minimum, maximum), which a transform alone would not show in the document.
 */
export function wholeNumber(minimum: number, maximum: number) {
  const schema = z.pipe(z.string().check(z.regex(/^\d+$/, 'must be a whole number')), z.transform(Number)).check(z.minimum(minimum), z.maximum(maximum));
  z.globalRegistry.add(schema, { type: 'integer', minimum, maximum });
  return schema;
}

export const PagingQuery = z.object({
  limit: z.optional(wholeNumber(1, 250)),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
});

export const BooleanFlag = z.optional(z.enum(['true', 'false']));

/** `If-Match: "3"`, `W/"3"` or `3` → 3; absent → undefined; anything else is a 400. */
export function ifMatchVersion(request: HttpRequest): number | undefined {
  const raw = request.headers['if-match'];
  if (raw === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(raw);
  if (!match) throw badRequest('If-Match must be the version from the ETag header, e.g. If-Match: "3".', { field: 'If-Match' });
  return Number(match[1]);
}

export function etag(version: number): Record<string, string> {
  return { etag: `"${version}"` };
}

export function audit(entity: AuditEntry['entity'], key: string, action: AuditEntry['action'], actor: string, clock: Clock, before?: unknown, after?: unknown, note?: string): AuditEntry {
  return { at: clock.now().toISOString(), actor, action, entity, key, before, after, note };
}

export function staleVersion(what: string, current: number): AppError {
  return new AppError(409, 'version_conflict', `${what} was changed by someone else (now at version ${current}); reload it and retry with If-Match: "${current}".`, { currentVersion: current });
}
