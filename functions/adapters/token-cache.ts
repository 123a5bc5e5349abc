import { createHash } from 'node:crypto';
import type { Clock } from '../core/ports.js';
import type { TokenClaims } from '../core/types.js';
import { TtlCache } from '../core/ttl-cache.js';
import type { Credentials, Target } from '../core/target.js';

/** What a token endpoint answered: the token and, when it said, its lifetime in seconds. */
export interface IssuedToken {
  accessToken: string;
  expiresIn?: number;
}

/** Whose token: a target at one credential version. */
export type TokenOwner = Pick<Target, 'id' | 'tokenUrl' | 'credentialVersion'>;

export type TokenFetcher = (tokenUrl: string, credentials: Credentials) => Promise<IssuedToken>;

export interface TokenCacheOptions {
  fetchToken: TokenFetcher;
  clock?: Clock;
  /** Refresh this long before expiry so a token never expires between our check and ISC's. */
  refreshMarginMs?: number;
}

/**
 * OAuth tokens per (target, credential version, token URL, client id, secret hash), kept until shortly before the credential says they expire.
 * Concurrent callers share one token request; a failed request is not remembered, so the next caller retries.
 * The key never lets one target use a token minted with another target's secret (same token URL and client
 * id, different secret), and a credentials write (which bumps the version) is seen by every process at its
 * next read of the target.
 */
export class TokenCache {
  readonly #tokens: TtlCache<string, string>;
  readonly #fetchToken: TokenFetcher;
  readonly #marginMs: number;
  readonly #now: () => number;

  constructor(options: TokenCacheOptions) {
    const clock = options.clock ?? { now: () => new Date() };
    this.#now = () => clock.now().getTime();
    this.#tokens = new TtlCache(this.#now);
    this.#fetchToken = options.fetchToken;
    this.#marginMs = options.refreshMarginMs ?? 60_000;
  }

  async get(owner: TokenOwner, credentials: Credentials): Promise<string> {
    return this.#tokens.getOrLoad(cacheKey(owner, credentials), async () => {
      // Lifetimes count from when we asked, not when the answer arrived: errs on the early side.
      const issuedAt = this.#now();
      const { accessToken, expiresIn } = await this.#fetchToken(owner.tokenUrl, credentials);
      const refreshAt = refreshTime(issuedAt, accessToken, expiresIn, this.#marginMs);
      return { value: accessToken, ttlMs: refreshAt === undefined ? 0 : refreshAt - issuedAt };
    });
  }

  /**
   * Forget the cached token (after ISC answered 401 to it). With `rejectedToken`, only that token is
   * forgotten, so several callers hit by the same 401 share one refresh instead of each discarding the other's.
   */
  invalidate(owner: TokenOwner, credentials: Credentials, rejectedToken?: string): void {
    const key = cacheKey(owner, credentials);
    if (rejectedToken === undefined || this.#tokens.get(key) === rejectedToken) this.#tokens.delete(key);
  }
}

function cacheKey(owner: TokenOwner, credentials: Credentials): string {
  const secretHash = createHash('sha256').update(credentials.clientSecret).digest('base64url');
  return [owner.id, owner.credentialVersion ?? 0, owner.tokenUrl, credentials.clientId, secretHash].join('\n');
}

/**
 * Expiry is the earlier of `expires_in` and the JWT's `exp`. The margin is capped at half the lifetime so a
 * short-lived token (simulator, tests) is still reused rather than fetched for every call. Undefined: unknown
 * lifetime, do not cache.
 */
function refreshTime(issuedAt: number, token: string, expiresIn: number | undefined, marginMs: number): number | undefined {
  const candidates: number[] = [];
  if (expiresIn !== undefined && Number.isFinite(expiresIn) && expiresIn > 0) candidates.push(issuedAt + expiresIn * 1000);
  const exp = decodeJwtClaims(token)?.exp;
  if (exp !== undefined) candidates.push(exp * 1000);
  if (candidates.length === 0) return undefined;
  const expiresAt = Math.min(...candidates);
  return expiresAt - Math.min(marginMs, Math.max(0, (expiresAt - issuedAt) / 2));
}

/** Reads a JWT's payload without verifying it (ISC verifies; we only want hints). Undefined when not a JWT. */
export function decodeJwtClaims(token: string): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const raw = payload as Record<string, unknown>;
  const claims: TokenClaims = {};
  const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
  const list = (value: unknown) =>
    Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : undefined;
  assign(claims, 'org', text(raw.org));
  assign(claims, 'tenantId', text(raw.tenant_id));
  assign(claims, 'pod', text(raw.pod));
  assign(claims, 'clientId', text(raw.client_id));
  assign(claims, 'scope', list(raw.scope));
  assign(claims, 'authorities', list(raw.authorities));
  assign(claims, 'exp', typeof raw.exp === 'number' && Number.isFinite(raw.exp) ? raw.exp : undefined);
  return claims;
}

function assign<K extends keyof TokenClaims>(claims: TokenClaims, key: K, value: TokenClaims[K] | undefined): void {
  if (value !== undefined) claims[key] = value;
}
