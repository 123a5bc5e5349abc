import type { Config } from './config.js';
import { IscError } from '../core/errors.js';
import type { NonEmployee, NonEmployeeDirectory } from '../core/non-employees.js';
import type { Credentials, Target } from '../core/target.js';
import { IscTransport, badResponse, parseJson, type IscTransportOptions, type RawResponse } from './isc-transport.js';

/**
 * NERM's API (https://{tenant}.nonemployee.com/api, NERM v1: sailpoint-oss/api-specs nerm/openapi.yaml) with the
 * target's ISC token, over the same transport as ISC: cached tokens, the shared rate limiter (its own bucket:
 * the /api paths), per-call retries and scrubbed errors.
 */
export class HttpNermClient implements NonEmployeeDirectory {
  readonly #transport: IscTransport;

  constructor(options: IscTransportOptions = {}) {
    this.#transport = new IscTransport(options);
  }

  /** GET /api/users?email= (getUsers), then the user's manager: GET /api/user_managers?user_id= and GET /api/users/{id}. */
  async findNonEmployee(target: Target, credentials: Credentials, email: string): Promise<NonEmployee | undefined> {
    const api = `${nermBase(target)}/api`;
    const wanted = email.trim().toLowerCase();
    const users = listed(await this.#transport.authorized(target, credentials, `${api}/users?${new URLSearchParams({ email: wanted, limit: '10' }).toString()}`), 'users');
    // NERM's email parameter is a "basic match filter": only an exact (case-insensitive) address counts.
    const user = users.map(userOf).find((candidate) => candidate?.email?.toLowerCase() === wanted);
    if (!user) return undefined;
    const relations = listed(await this.#transport.authorized(target, credentials, `${api}/user_managers?${new URLSearchParams({ user_id: user.id, limit: '1' }).toString()}`), 'user_managers');
    const managerId = (relations[0] as { manager_id?: unknown } | undefined)?.manager_id;
    const manager = typeof managerId === 'string' && managerId ? userOf((parseJson(await this.#transport.authorized(target, credentials, `${api}/users/${encodeURIComponent(managerId)}`)) as { user?: unknown } | undefined)?.user) : undefined;
    return {
      email: wanted,
      nermId: user.id,
      ...(user.type ? { type: user.type } : {}),
      ...(user.status ? { status: user.status } : {}),
      ...(manager ? { manager: { ...(manager.name ? { name: manager.name } : {}), ...(manager.email ? { email: manager.email } : {}) } } : {}),
    };
  }
}

/** The NERM client with the configured timeouts and limits, kept short: a NERM look-up must not hold a batch. */
export function nermClient(config: Config, options: Pick<IscTransportOptions, 'rateLedger' | 'count'> = {}): HttpNermClient {
  return new HttpNermClient({
    ...options,
    timeoutMs: Math.min(config.ISC_TIMEOUT_MS, NERM_TIMEOUT_MS),
    retry: { budgetMs: NERM_TIMEOUT_MS },
    rateLimit: { requests: config.ISC_RATE_LIMIT, windowMs: config.ISC_RATE_WINDOW_SECONDS * 1000 },
    concurrencyPerTarget: config.ISC_CONCURRENCY,
  });
}

const NERM_TIMEOUT_MS = 5_000;

function nermBase(target: Target): string {
  if (!target.nermUrl) throw new IscError('isc_request_rejected', `Target "${target.id}" has no nermUrl.`, false);
  return target.nermUrl.replace(/\/+$/, '');
}

/** NERM collections answer `{<name>: [...], _metadata?}`. */
function listed(response: RawResponse, name: string): unknown[] {
  const items = (parseJson(response) as Record<string, unknown> | undefined)?.[name];
  if (!Array.isArray(items)) throw badResponse(response, `an answer without a "${name}" list`);
  return items;
}

function userOf(item: unknown): { id: string; email?: string; name?: string; type?: string; status?: string } | undefined {
  const { id, email, name, type, status } = (item ?? {}) as Record<string, unknown>;
  if (typeof id !== 'string' || !id) return undefined;
  const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
  return { id, email: text(email), name: text(name), type: text(type), status: text(status) };
}
