import { DEFAULT_CALL_RETRY, RetryBudget, nextTryDelayMs, type CallRetryPolicy, type TryFailure } from '../core/call-retry.js';
import { IscError } from '../core/errors.js';
import type { Clock } from '../core/ports.js';
import type { Credentials, Target } from '../core/target.js';
import type { IscMetric } from './pipeline-metrics.js';
import { RateLimiter, RateLimitWaitExceeded, type RateLedger } from './rate-limiter.js';
import { TokenCache } from './token-cache.js';

export interface IscTransportOptions {
  clock?: Clock;
  /** Total time for one HTTP exchange (connect, send, read the body): each try's deadline. Default 10 s. */
  timeoutMs?: number;
  /** Retries inside a call (core/call-retry.ts). */
  retry?: Partial<CallRetryPolicy>;
  /** Retries this client may make beyond what successes pay back (the retry budget). Default 20. */
  retryBudget?: number;
  /** Our ceiling per client id and API version. Default 100 / 10 s, ISC's limit (the limiter keeps any window within it). */
  rateLimit?: { requests: number; windowMs: number };
  /** Where the limiter counts calls: the table, so every process using a client shares one limit. Default: memory. */
  rateLedger?: RateLedger;
  concurrencyPerTarget?: number;
  /** Longest a call waits for the local limiter before failing with a retryable isc_rate_limited. Default 30 s. */
  maxLimiterWaitMs?: number;
  fetchImpl?: typeof fetch;
  /** Waits between tries (tests pass a fake that advances their clock). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Told of every token request and every 429 or 5xx answer, retries included (the functions publish the counts). */
  count?: (metric: IscMetric) => void;
}

/** Why ISC's token endpoint says no, most likely first. Shown to admins; never contains a secret. */
export const CREDENTIAL_HINTS = [
  'The tenant name or token URL is wrong (the token endpoint belongs to another tenant).',
  'The client secret is wrong or was rotated.',
  'The personal access token was deleted or has expired.',
  "The PAT owner's identity lost its permissions or was disabled.",
  'The API client lacks the scopes this call needs.',
];

/**
 * How ISC is reached over HTTP, whatever the operation: OAuth client-credentials tokens (cached, refreshed
 * once on 401), the rate limiter, per-call retries (see #call), and the mapping of statuses and transport
 * failures to IscErrors with secrets scrubbed. What is left after the retries is an IscError, and retrying
 * that is the caller's decision.
 */
export class IscTransport {
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #limiter: RateLimiter;
  readonly #tokens: TokenCache;
  readonly #retry: CallRetryPolicy;
  readonly #budget: RetryBudget;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #count: (metric: IscMetric) => void;

  constructor(options: IscTransportOptions = {}) {
    this.#clock = options.clock ?? { now: () => new Date() };
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#fetch = options.fetchImpl ?? globalThis.fetch;
    this.#limiter = new RateLimiter({
      requests: options.rateLimit?.requests,
      windowMs: options.rateLimit?.windowMs,
      concurrencyPerTarget: options.concurrencyPerTarget,
      maxWaitMs: options.maxLimiterWaitMs,
      ledger: options.rateLedger,
    });
    this.#retry = { ...DEFAULT_CALL_RETRY, ...options.retry };
    this.#budget = new RetryBudget(options.retryBudget);
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = options.random ?? Math.random;
    this.#count = options.count ?? (() => {});
    this.#tokens = new TokenCache({
      clock: this.#clock,
      // Token calls are single-flight per client already; the token URL stands in for the target here.
      fetchToken: (tokenUrl, credentials) =>
        fetchToken(tokenUrl, credentials, {
          clock: this.#clock,
          // A token request is safe to repeat (the worst case is a second token).
          send: (request) =>
            this.#call('idempotent', (timeoutMs) =>
              this.#limited(`${credentials.clientId}:oauth`, tokenUrl, () => {
                this.#count('TokenRequests');
                return request(this.#fetch, timeoutMs);
              }),
            ),
        }),
    });
  }

  /** The token a call with these credentials carries (cached). */
  async token(target: Target, credentials: Credentials): Promise<string> {
    return this.#tokens.get(target, credentials);
  }

  /** A fresh token straight from the token endpoint: no cache, no limiter, no retries (the admin connection check). */
  async freshToken(target: Target, credentials: Credentials): Promise<{ accessToken: string; expiresIn: number | undefined }> {
    return fetchToken(target, credentials, { timeoutMs: this.#timeoutMs, fetchImpl: this.#fetch, clock: this.#clock });
  }

  /** A GET without credentials (retried as idempotent); anything but 2xx is an IscError. */
  async anonymous(url: string): Promise<RawResponse> {
    const response = await this.#call('idempotent', (timeoutMs) => exchange(this.#fetch, url, { method: 'GET', headers: { accept: 'application/json' } }, timeoutMs));
    if (response.status < 200 || response.status >= 300) throw statusError(response, this.#clock, []);
    return response;
  }

  /**
   * A call with a bearer token (POST with a body unless `method` says PUT, GET without; a GET is always safe to
   * repeat, a POST says so); on 401 the token is dropped, a fresh one fetched and the call made once more.
   */
  async authorized(target: Target, credentials: Credentials, url: string, body?: string, retry: Retry = body === undefined ? 'idempotent' : 'unsent', method: 'GET' | 'POST' | 'PUT' = body === undefined ? 'GET' : 'POST'): Promise<RawResponse> {
    const key = `${credentials.clientId}:${apiVersion(url)}`;
    let token = '';
    // Each try takes the cached token afresh: a run of retries can outlive a short-lived token. The token
    // request has its own retries, so its failure ends the call instead of being retried once more here.
    const send = () =>
      this.#call(retry, async (timeoutMs) => {
        token = await this.#tokens.get(target, credentials).catch(alreadyRetried);
        return this.#limited(key, target.id, () => exchange(this.#fetch, url, { method, headers: { ...JSON_HEADERS, authorization: `Bearer ${token}` }, body }, timeoutMs));
      });
    let response = await send();
    if (response.status === 401) {
      this.#tokens.invalidate(target, credentials, token);
      response = await send();
      if (response.status === 401) {
        // Retryable: the token endpoint has just accepted these credentials, so the refusal is the token's (lapsed
        // early again, a pod change), not the secret's, which fails at the token endpoint at once. Failing the batch
        // here let the fault-mix test's 2 % early revocations (about 7 a run) fail a batch when two met on one call;
        // the batch's retries and their cap still end a refusal that persists, with these hints.
        throw new IscError('isc_credentials_rejected', `ISC rejected a freshly issued token for ${response.what} (HTTP 401).`, true, {
          status: 401,
          isc: iscFields(response, [credentials.clientSecret, token]),
          hints: CREDENTIAL_HINTS,
        });
      }
    }
    if (response.status >= 200 && response.status < 300) return response;
    throw statusError(response, this.#clock, [credentials.clientSecret, token]);
  }

  /**
   * One logical call: tries `send` (each try with its own deadline, never past the call's budget) and retries
   * what `retry` allows with capped, fully jittered backoff, a 429 after its Retry-After when that fits the
   * budget. Each retry spends from the retry budget, so a full outage costs ISC one try per call. Answers
   * that are not retried (or no longer) go back to the caller as they are: a response, or the transport error.
   */
  async #call(retry: Retry, send: (timeoutMs: number) => Promise<RawResponse>): Promise<RawResponse> {
    const started = this.#clock.now().getTime();
    const remaining = () => this.#retry.budgetMs - (this.#clock.now().getTime() - started);
    for (let tries = 1; ; tries++) {
      let outcome: RawResponse | TransportError;
      try {
        outcome = await send(Math.max(1, Math.min(this.#timeoutMs, remaining())));
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        outcome = error;
      }
      if (!(outcome instanceof TransportError) && (outcome.status === 429 || outcome.status >= 500)) this.#count(outcome.status === 429 ? 'Isc429' : 'Isc5xx');
      const failure = tryFailure(outcome, retry, this.#clock);
      if (!(outcome instanceof TransportError) && failure.kind === 'final' && outcome.status < 500) this.#budget.succeeded();
      const delay = nextTryDelayMs(this.#retry, tries, failure, remaining(), this.#random);
      if (delay === undefined || !this.#budget.withdraw()) {
        if (outcome instanceof TransportError) throw outcome;
        return outcome;
      }
      await this.#sleep(delay);
    }
  }

  async #limited<T>(key: string, targetId: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.#limiter.run(key, targetId, fn);
    } catch (error) {
      if (error instanceof RateLimitWaitExceeded) {
        throw new IscError('isc_rate_limited', error.message, true, { retryAfterMs: error.retryAfterMs });
      }
      throw error;
    }
  }
}

/**
 * Client-credentials token request. Exported for the admin connection check, which wants the raw answer
 * (no cache, no limiter). 400/401 mean the credentials (or the tenant) are wrong: isc_credentials_rejected with hints.
 */
export async function fetchToken(
  target: string | Pick<Target, 'tokenUrl'>,
  credentials: Credentials,
  options: { timeoutMs?: number; fetchImpl?: typeof fetch; clock?: Clock; send?: (request: (fetchImpl: typeof fetch, timeoutMs: number) => Promise<RawResponse>) => Promise<RawResponse> } = {},
): Promise<{ accessToken: string; expiresIn: number | undefined }> {
  const tokenUrl = typeof target === 'string' ? target : target.tokenUrl;
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: credentials.clientId, client_secret: credentials.clientSecret });
  const request = (fetchImpl: typeof fetch, timeoutMs: number) =>
    exchange(fetchImpl, tokenUrl, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() }, timeoutMs);
  const response = await (options.send ?? ((once) => once(options.fetchImpl ?? globalThis.fetch, options.timeoutMs ?? 10_000)))(request);
  const secrets = [credentials.clientSecret];
  if (response.status === 400 || response.status === 401) {
    throw new IscError('isc_credentials_rejected', `ISC's token endpoint rejected client ${credentials.clientId} (HTTP ${response.status}).`, false, {
      status: response.status,
      isc: iscFields(response, secrets),
      hints: CREDENTIAL_HINTS,
    });
  }
  if (response.status < 200 || response.status >= 300) throw statusError(response, options.clock ?? { now: () => new Date() }, secrets);
  const body = parseJson(response) as { access_token?: unknown; expires_in?: unknown } | undefined;
  if (typeof body?.access_token !== 'string' || !body.access_token) throw badResponse(response, 'a token answer without access_token');
  const expiresIn = Number(body.expires_in);
  return { accessToken: body.access_token, expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : undefined };
}

const JSON_HEADERS = { accept: 'application/json', 'content-type': 'application/json' };

/** 'idempotent': retried on 429, 5xx, 408, timeouts and transport errors. 'unsent': only on 429 and when the request provably never reached ISC. */
export type Retry = 'idempotent' | 'unsent';

export interface RawResponse {
  /** "POST /path" for messages: no query string, no host credentials, never a token. */
  what: string;
  status: number;
  retryAfter: string | null;
  text: string;
}

/** No answer came: a timeout or a network failure. `unsent` when the request provably never reached ISC. */
class TransportError extends IscError {
  constructor(code: 'isc_timeout' | 'isc_unavailable', message: string, readonly unsent: boolean) {
    super(code, message, true);
  }
}

/**
 * Failures that happen while connecting, before a byte of the request is written, so ISC cannot have acted
 * on it: refused (nothing listens), host or network unreachable, name resolution failed, undici's connect
 * timeout. ECONNRESET, EPIPE and undici's UND_ERR_SOCKET ("other side closed") are NOT here: they also
 * happen after ISC read the request (and perhaps ran the workflow), so a trigger that failed so is left to
 * the batch-level retry and the workflow's check-before-create.
 */
const UNSENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/** One HTTP exchange under a total timeout; transport failures become retryable TransportErrors. */
async function exchange(fetchImpl: typeof fetch, url: string, init: RequestInit, timeoutMs: number): Promise<RawResponse> {
  const what = `${init.method ?? 'GET'} ${safePath(url)}`;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    // Redirects are not followed: ISC does not redirect API calls, and a redirect must not carry our token elsewhere.
    const response = await fetchImpl(url, { ...init, signal, redirect: 'manual' });
    const text = await response.text();
    return { what, status: response.status, retryAfter: response.headers.get('retry-after'), text };
  } catch (error) {
    if (signal.aborted) throw new TransportError('isc_timeout', `${what} did not complete within ${timeoutMs} ms.`, false);
    const code = transportCode(error);
    throw new TransportError('isc_unavailable', `${what} failed: ${code ? `connection error ${code}` : transportReason(error)}.`, code !== undefined && UNSENT_CODES.has(code));
  }
}

/** A transport failure that the inner call already retried, made final for an outer retry loop. */
function alreadyRetried(error: unknown): never {
  throw error instanceof TransportError ? new IscError(error.code, error.message, true) : error;
}

/** How a try ended, for the retry policy. */
function tryFailure(outcome: RawResponse | TransportError, retry: Retry, clock: Clock): TryFailure {
  if (outcome instanceof TransportError) return retry === 'idempotent' || outcome.unsent ? { kind: 'transient' } : { kind: 'final' };
  if (outcome.status === 429) return { kind: 'throttled', retryAfterMs: retryAfterMs(outcome.retryAfter, clock) };
  if (retry === 'idempotent' && (outcome.status >= 500 || outcome.status === 408)) return { kind: 'transient' };
  return { kind: 'final' };
}

function statusError(response: RawResponse, clock: Clock, secrets: string[]): IscError {
  const { status, what } = response;
  const details = { status, isc: iscFields(response, secrets) };
  if (status === 429) {
    return new IscError('isc_rate_limited', `ISC rate limit exceeded for ${what} (HTTP 429).`, true, { ...details, retryAfterMs: retryAfterMs(response.retryAfter, clock) });
  }
  if (status >= 500) return new IscError('isc_unavailable', `ISC answered ${what} with HTTP ${status}.`, true, details);
  if (status === 408) return new IscError('isc_timeout', `ISC timed out ${what} (HTTP 408).`, true, details);
  if (status >= 300 && status < 400) return new IscError('isc_request_rejected', `ISC redirected ${what} (HTTP ${status}); check the URL.`, false, details);
  return new IscError('isc_request_rejected', `ISC rejected ${what} (HTTP ${status})${firstMessage(details.isc)}.`, false, details);
}

export function badResponse(response: RawResponse, expected: string): IscError {
  return new IscError('isc_bad_response', `ISC answered ${response.what} (HTTP ${response.status}) with ${expected}.`, true, { status: response.status });
}

/** Retry-After is either delay-seconds or an HTTP date. */
function retryAfterMs(header: string | null, clock: Clock): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - clock.now().getTime());
}

export function parseJson(response: RawResponse): unknown {
  try {
    return JSON.parse(response.text);
  } catch {
    throw badResponse(response, 'a body that is not JSON');
  }
}

/** The parts of an ISC error body worth keeping; ISC bodies carry messages/detailCode/trackingId, OAuth ones error/error_description. */
function iscFields(response: RawResponse, secrets: string[]): Record<string, unknown> | undefined {
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    return response.text.trim() ? { body: scrub(response.text.slice(0, 500), secrets) } : undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const kept: Record<string, unknown> = {};
  for (const field of ['detailCode', 'trackingId', 'messages', 'causes', 'message', 'error', 'error_description'] as const) {
    const value = (body as Record<string, unknown>)[field];
    if (value !== undefined) kept[field] = value;
  }
  return scrub(kept, secrets) as Record<string, unknown>;
}

function firstMessage(isc: Record<string, unknown> | undefined): string {
  const messages = isc?.messages;
  const text = Array.isArray(messages) ? (messages[0] as { text?: unknown } | undefined)?.text : (isc?.message ?? isc?.error_description ?? isc?.error);
  return typeof text === 'string' && text.trim() ? `: ${text.trim().slice(0, 300)}` : '';
}

const JWT_PATTERN = /eyJ[\w-]+\.[\w-]+\.[\w-]*/g;

/** Belt and braces: whatever ISC echoes back, a secret or a token never leaves in an error. */
export function scrub(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') {
    let text = value.replace(JWT_PATTERN, '[redacted]');
    for (const secret of secrets) if (secret && secret.length >= 4) text = text.split(secret).join('[redacted]');
    return text;
  }
  if (Array.isArray(value)) return value.map((item) => scrub(item, secrets));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, secrets)]));
  return value;
}

/** ISC limits per client id and API version: /v3/… → v3, /beta/… → beta, /oauth/… → oauth. */
export function apiVersion(url: string): string {
  const segments = new URL(url).pathname.split('/');
  if (segments.includes('oauth')) return 'oauth';
  return segments.find((segment) => segment === 'beta' || /^v\d+$/.test(segment)) ?? 'api';
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(invalid URL)';
  }
}

/** The system or undici error code behind a failed fetch (fetch wraps it as `cause`; happy eyeballs as an AggregateError). */
function transportCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown; errors?: Array<{ code?: unknown }> } } | undefined)?.cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  return typeof code === 'string' ? code : undefined;
}

function transportReason(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown } } | undefined)?.cause;
  if (typeof cause?.message === 'string') return cause.message.slice(0, 200);
  return error instanceof Error ? error.message.slice(0, 200) : 'network error';
}

