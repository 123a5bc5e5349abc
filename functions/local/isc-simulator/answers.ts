import { createHash, randomBytes } from 'node:crypto';
import type { SimulatedAccount, SimulatedCampaign } from './state.js';

/** What a route answers: ISC's status, body and headers. */
export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export function publicCampaign({ pendingPolls: _internal, ...campaign }: SimulatedCampaign): Omit<SimulatedCampaign, 'pendingPolls'> {
  return campaign;
}

/** A v3 Account with the fields the spec requires; the simulator only knows who owns it. */
export function publicAccount(account: SimulatedAccount) {
  return {
    ...account,
    sourceName: null,
    nativeIdentity: account.name,
    attributes: {},
    authoritative: false,
    disabled: false,
    locked: false,
    systemAccount: false,
    uncorrelated: false,
    manuallyCorrelated: false,
    hasEntitlements: false,
  };
}

/** ISC's error body shape (detailCode, trackingId, messages). */
export function iscError(status: number, detailCode: string, text: string): Answer {
  return { status, body: { detailCode, trackingId: randomBytes(16).toString('hex'), messages: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text }], causes: [] } };
}

export function notFound(what: string): Answer {
  return iscError(404, '404 Not found', `The ${what} was not found.`);
}

export function rateLimited(retryAfterSeconds: number): Answer {
  return { status: 429, body: { message: ' Rate Limit Exceeded ' }, headers: { 'Retry-After': String(Math.max(1, retryAfterSeconds)) } };
}

export function page(query: URLSearchParams, maxPageSize: number): { limit: number; offset: number } | Answer {
  const limit = Number(query.get('limit') ?? maxPageSize);
  const offset = Number(query.get('offset') ?? 0);
  if (!Number.isInteger(limit) || limit < 0 || limit > maxPageSize) return iscError(400, '400.1.3 Illegal value', `limit must be an integer from 0 to ${maxPageSize}.`);
  if (!Number.isInteger(offset) || offset < 0) return iscError(400, '400.1.3 Illegal value', 'offset must be a non-negative integer.');
  return { limit, offset };
}

/** `email:("a@x" OR "b@x")`, `id:("a" OR "b")`, `email:"a@x"` or `*` (emails lower-cased); undefined for anything else. */
export function identityQuery(query: unknown): { field: 'email' | 'id'; values: Set<string> } | '*' | undefined {
  if (typeof query !== 'string') return undefined;
  if (query.trim() === '*') return '*';
  const match = /^\s*(email|id):\s*(\(.*\)|"(?:[^"\\]|\\.)*")\s*$/s.exec(query);
  if (!match) return undefined;
  const field = match[1] as 'email' | 'id';
  return { field, values: new Set([...match[2]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((quoted) => (field === 'email' ? unescape(quoted[1]!).toLowerCase() : unescape(quoted[1]!)))) };
}

export function unescape(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

export function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A stable UUID-shaped tenant id per org name, as ISC's tenant_id is. */
export function simulatedTenantId(org: string): string {
  const hex = createHash('sha256').update(org).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
