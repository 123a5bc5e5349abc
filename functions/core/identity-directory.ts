import { IscError } from './errors.js';
import type { ManagerRef } from './manager-campaigns.js';
import type { Target } from './target.js';

/**
 * The identity directory cache: email → ISC identity id, per tenant, kept for a few days so recurring reports
 * (the same people in Slack, Zoom and Figma every month) search ISC only for people not seen lately.
 */
export interface IdentityDirectory {
  /** The cached ids of these emails in this tenant that have not expired at `nowIso`; misses are absent. */
  cachedIdentities(tenantKey: string, emails: readonly string[], nowIso: string): Promise<Map<string, string>>;
  /** Remember ids found by a search until `expiresAtIso`. */
  cacheIdentities(tenantKey: string, found: ReadonlyMap<string, string>, expiresAtIso: string): Promise<void>;
  /** Drop entries ISC said are wrong (an identity it no longer knows). */
  forgetIdentities(tenantKey: string, emails: readonly string[]): Promise<void>;
  /** The cached managers of these identity ids (a MANAGER batch's grouping) that have not expired; misses are absent. */
  cachedManagers(tenantKey: string, identityIds: readonly string[], nowIso: string): Promise<Map<string, ManagerRef>>;
  /** Remember managers found by a search until `expiresAtIso`. */
  cacheManagers(tenantKey: string, found: ReadonlyMap<string, ManagerRef>, expiresAtIso: string): Promise<void>;
}

/**
 * Which tenant a cache entry belongs to: the environment and the API host the ids were searched on. Identity ids
 * are per tenant, so staging and production (different hosts, different environments) never share an entry,
 * while two targets on the same tenant do.
 */
export function identityTenantKey(target: Pick<Target, 'environment' | 'apiBaseUrl'>): string {
  return `${target.environment}#${new URL(target.apiBaseUrl).host.toLowerCase()}`;
}

/**
 * The emails whose identity id an ISC refusal names (message or ISC's error body), among ids that did not come
 * from this attempt's own search: those were remembered from earlier (cache or an earlier attempt) and may be
 * stale, so they are worth one fresh search. An id this attempt just searched is not stale: retrying would not help.
 */
export function staleIdentities(error: unknown, identities: Readonly<Record<string, string | null>>, searchedNow: ReadonlySet<string>): string[] {
  if (!(error instanceof IscError) || error.code !== 'isc_request_rejected') return [];
  const text = `${error.message} ${JSON.stringify(error.details.isc ?? '')}`;
  return Object.entries(identities).flatMap(([email, id]) => (id && !searchedNow.has(email) && text.includes(id) ? [email] : []));
}
