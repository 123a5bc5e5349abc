import { DEFAULT_CALL_RETRY, RetryBudget, nextTryDelayMs, type CallRetryPolicy, type TryFailure } from '../core/call-retry.js';
import { IscError, type Clock, type IscAdminClient, type IscClient, type IscSource, type TokenClaims } from '../core/ports.js';
import type { TokenTenant } from '../core/tenant-environment.js';
import type { Credentials, Target } from '../core/target.js';
import type { LibraryAction } from '../core/workflow-verify.js';
import { durationMs, filterString as quote, type WorkflowInput } from '../core/workflow-input.js';
import { ACTIVATE_CAMPAIGN_REQUEST, campaignRequest, CAMPAIGN_FAILED_STATUSES, CAMPAIGN_STARTED_STATUSES, certificationsFilter, decisionCounts, identitySearchRequest } from './isc-requests.js';
import type { CampaignDecisions, CampaignOutcome, ExecutionOutcome } from '../core/follow-up.js';
import { RateLimiter, RateLimitWaitExceeded, type RateLedger } from './rate-limiter.js';
import { TokenCache, decodeJwtClaims } from './token-cache.js';

export { decodeJwtClaims };

export interface HttpIscClientOptions {
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
  /** Emails per identity search (ISC keeps search queries small; at most 250). */
  searchChunkSize?: number;
  /** Results per search page (ISC allows at most 250). */
  searchPageSize?: number;
  fetchImpl?: typeof fetch;
  /** Waits between tries (tests pass a fake that advances their clock). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Why ISC's token endpoint says no, most likely first. Shown to admins; never contains a secret. */
export const CREDENTIAL_HINTS = [
  'The tenant name or token URL is wrong (the token endpoint belongs to another tenant).',
  'The client secret is wrong or was rotated.',
  'The personal access token was deleted or has expired.',
  "The PAT owner's identity lost its permissions or was disabled.",
  'The API client lacks the scopes this call needs.',
];

/** ISC's search stops at offset 10,000; collection endpoints (sources, accounts) have no such cap. */
const MAX_SEARCH_OFFSET = 10_000;
/** A bound for our own loops over collection endpoints only: far beyond any real tenant's sources or one source's accounts. */
const MAX_COLLECTION_OFFSET = 1_000_000;

/**
 * ISC over HTTP: OAuth client-credentials tokens (cached, refreshed once on 401), identity search and the
 * workflow External Trigger. Transient faults are retried inside a call (see #call); what is left is an
 * IscError, and retrying that is the caller's decision.
 */
export class HttpIscClient implements IscClient, IscAdminClient {
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #limiter: RateLimiter;
  readonly #tokens: TokenCache;
  readonly #chunkSize: number;
  readonly #pageSize: number;
  readonly #retry: CallRetryPolicy;
  readonly #budget: RetryBudget;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;

  constructor(options: HttpIscClientOptions = {}) {
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
    this.#chunkSize = Math.min(250, Math.max(1, options.searchChunkSize ?? 250));
    this.#pageSize = Math.min(250, Math.max(1, options.searchPageSize ?? 250));
    this.#tokens = new TokenCache({
      clock: this.#clock,
      // Token calls are single-flight per client already; the token URL stands in for the target here.
      fetchToken: (tokenUrl, credentials) =>
        fetchToken(tokenUrl, credentials, {
          clock: this.#clock,
          // A token request is safe to repeat (the worst case is a second token).
          send: (request) => this.#call('idempotent', (timeoutMs) => this.#limited(`${credentials.clientId}:oauth`, tokenUrl, () => request(this.#fetch, timeoutMs))),
        }),
    });
  }

  async resolveIdentities(target: Target, credentials: Credentials, emails: readonly string[], onChunk?: (resolved: ReadonlyMap<string, string | null>) => void): Promise<Map<string, string>> {
    const wanted = [...new Set(emails.map((email) => email.trim().toLowerCase()).filter(Boolean))];
    const found = new Map<string, string>();
    const url = `${base(target)}/v3/search`;
    for (let i = 0; i < wanted.length; i += this.#chunkSize) {
      const chunk = wanted.slice(i, i + this.#chunkSize);
      const body = JSON.stringify(identitySearchRequest(chunk));
      const inChunk = new Set(chunk);
      for (let offset = 0; offset < MAX_SEARCH_OFFSET; offset += this.#pageSize) {
        const page = await this.#authorized(target, credentials, `${url}?limit=${this.#pageSize}&offset=${offset}`, body, 'idempotent');
        const items = parseJson(page);
        if (!Array.isArray(items)) throw badResponse(page, 'an identity search that is not a JSON array');
        for (const item of items) {
          const match = identityMatch(item);
          for (const email of match?.emails ?? []) if (inChunk.has(email) && !found.has(email)) found.set(email, match!.id);
        }
        if (items.length < this.#pageSize) break;
      }
      onChunk?.(new Map(chunk.map((email) => [email, found.get(email) ?? null])));
    }
    return found;
  }

  async triggerWorkflow(target: Target, credentials: Credentials, input: WorkflowInput): Promise<{ executionId: string }> {
    const response = await this.#authorized(target, credentials, triggerUrlOf(target), JSON.stringify({ input }), 'unsent');
    const body = parseJson(response);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badResponse(response, 'a trigger answer that is not a JSON object');
    const { workflowExecutionId, message } = body as { workflowExecutionId?: unknown; message?: unknown };
    if (typeof workflowExecutionId === 'string' && workflowExecutionId) return { executionId: workflowExecutionId };
    throw new IscError(
      'workflow_not_executed',
      typeof message === 'string' && message.trim() ? message.trim() : 'ISC accepted the trigger call but returned no workflowExecutionId.',
      false,
      { status: response.status, isc: scrub(body, [credentials.clientSecret]) },
    );
  }

  async tokenTenant(target: Target, credentials: Credentials): Promise<TokenTenant> {
    const claims = decodeJwtClaims(await this.#tokens.get(target, credentials));
    if (claims?.org) return { org: claims.org, tenantId: claims.tenantId, pod: claims.pod, from: 'token' };
    // An opaque token says nothing about itself; the host that issued it does.
    const info = await this.tenantInfo(target);
    return { org: info.tenantName, tenantId: info.tenantId, from: 'oauth-info' };
  }

  /**
   * A call with a bearer token (POST with a body, GET without; a GET is always safe to repeat, a POST says so);
   * on 401 the token is dropped, a fresh one fetched and the call made once more.
   */
  async #authorized(target: Target, credentials: Credentials, url: string, body?: string, retry: Retry = body === undefined ? 'idempotent' : 'unsent'): Promise<RawResponse> {
    const key = `${credentials.clientId}:${apiVersion(url)}`;
    const method = body === undefined ? 'GET' : 'POST';
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
        throw new IscError('isc_credentials_rejected', `ISC rejected a freshly issued token for ${response.what} (HTTP 401).`, false, {
          status: 401,
          isc: iscFields(response, [credentials.clientSecret, token]),
          hints: CREDENTIAL_HINTS,
        });
      }
    }
    if (response.status >= 200 && response.status < 300) return response;
    throw statusError(response, this.#clock, [credentials.clientSecret, token]);
  }

  // ---- direct mode: the campaign through /v3/campaigns ------------------------------------------

  async createCampaign(target: Target, credentials: Credentials, input: WorkflowInput): Promise<{ campaignId: string; created: boolean }> {
    const { name } = input.campaign;
    const campaigns = `${base(target)}/v3/campaigns`;
    const found = parseJson(await this.#authorized(target, credentials, `${campaigns}?limit=1&filters=${encodeURIComponent(input.campaign.nameFilter)}`));
    let campaign = Array.isArray(found) ? campaignOf(found[0]) : undefined;
    const created = campaign === undefined;
    if (!campaign) {
      // The deadline counts from now, not from ingest: a replay weeks later must still get a future deadline.
      const deadline = new Date(this.#clock.now().getTime() + durationMs(input.campaign.duration)).toISOString();
      const body = campaignRequest(input, deadline);
      campaign = campaignOf(parseJson(await this.#authorized(target, credentials, campaigns, JSON.stringify(body))));
      if (!campaign) throw new IscError('isc_bad_response', 'ISC answered POST /v3/campaigns without a campaign id.', true);
    }
    // Creation is asynchronous: PENDING until ISC has generated the certifications, then STAGED.
    for (let poll = 0; campaign.status === 'PENDING' && poll < CAMPAIGN_POLLS; poll++) {
      await new Promise((resolve) => setTimeout(resolve, CAMPAIGN_POLL_MS * (poll + 1)));
      campaign = campaignOf(parseJson(await this.#authorized(target, credentials, `${campaigns}/${encodeURIComponent(campaign.id)}`))) ?? campaign;
    }
    if (campaign.status === 'STAGED') {
      await this.#authorized(target, credentials, `${campaigns}/${encodeURIComponent(campaign.id)}/activate`, JSON.stringify(ACTIVATE_CAMPAIGN_REQUEST));
    } else if (CAMPAIGN_FAILED_STATUSES.includes(campaign.status)) {
      // Waiting does not help a campaign ISC failed, is cancelling or has archived: say so instead of retrying.
      throw new IscError('campaign_failed', `Campaign "${name}" (${campaign.id}) is ${campaign.status} in ISC; it will not become active. Delete or rename it in ISC, then replay.`, false, { isc: { campaignId: campaign.id, status: campaign.status } });
    } else if (!CAMPAIGN_STARTED_STATUSES.includes(campaign.status)) {
      // Retrying finds the same campaign by name and continues from here.
      throw new IscError('campaign_not_ready', `Campaign ${campaign.id} is ${campaign.status}, not STAGED yet; it will be activated on the next attempt.`, true);
    }
    return { campaignId: campaign.id, created };
  }

  // ---- follow-through: the execution, the campaign and its decisions ---------------------------

  async workflowExecution(target: Target, credentials: Credentials, executionId: string): Promise<ExecutionOutcome> {
    const response = await this.#authorized(target, credentials, `${base(target)}/v3/workflow-executions/${encodeURIComponent(executionId)}`);
    const { status, closeTime } = (parseJson(response) ?? {}) as { status?: unknown; closeTime?: unknown };
    if (typeof status !== 'string' || !status) throw badResponse(response, 'a workflow execution without a status');
    if (status !== 'Failed') return { status };
    // v3's WorkflowExecution carries no reason, and v3's history endpoint is deprecated (its successor is v2025 only).
    const closed = typeof closeTime === 'string' ? ` at ${closeTime}` : '';
    return { status, error: `ISC reports the workflow execution ${executionId} Failed${closed}; the failed step and its error are in ISC under Workflows → Executions.` };
  }

  async campaignByName(target: Target, credentials: Credentials, name: string): Promise<CampaignOutcome | undefined> {
    const found = parseJson(await this.#authorized(target, credentials, `${base(target)}/v3/campaigns?limit=1&filters=${encodeURIComponent(`name eq ${quote(name)}`)}`));
    const campaign = Array.isArray(found) ? campaignOf(found[0]) : undefined;
    // ISC's filter is exact; the check keeps a simulator or proxy that matches loosely from naming another campaign.
    const named = Array.isArray(found) ? (found[0] as { name?: unknown } | undefined)?.name : undefined;
    return campaign && named === name ? { id: campaign.id, name, status: campaign.status } : undefined;
  }

  async campaignDecisions(target: Target, credentials: Credentials, campaignId: string): Promise<CampaignDecisions> {
    const certifications = await this.#collection(target, credentials, '/v3/certifications', `&filters=${encodeURIComponent(certificationsFilter(campaignId))}`, (item) => {
      const { id } = (item ?? {}) as { id?: unknown };
      return typeof id === 'string' && id ? id : undefined;
    });
    const total: CampaignDecisions = { approved: 0, revoked: 0, pending: 0 };
    for (const id of certifications) {
      const counts = decisionCounts(parseJson(await this.#authorized(target, credentials, `${base(target)}/v3/certifications/${encodeURIComponent(id)}/decision-summary`)));
      total.approved += counts.approved;
      total.revoked += counts.revoked;
      total.pending += counts.pending;
    }
    return total;
  }

  // ---- admin: connection check, source check, match test --------------------------------------

  async tenantInfo(target: Target): Promise<{ tenantName?: string; tenantId?: string }> {
    const response = await this.#call('idempotent', (timeoutMs) => exchange(this.#fetch, `${base(target)}/oauth/info`, { method: 'GET', headers: { accept: 'application/json' } }, timeoutMs));
    if (response.status < 200 || response.status >= 300) throw statusError(response, this.#clock, []);
    const body = parseJson(response) as { tenantName?: unknown; tenantId?: unknown } | undefined;
    const info: { tenantName?: string; tenantId?: string } = {};
    if (typeof body?.tenantName === 'string' && body.tenantName) info.tenantName = body.tenantName;
    if (typeof body?.tenantId === 'string' && body.tenantId) info.tenantId = body.tenantId;
    return info;
  }

  async issueToken(target: Target, credentials: Credentials): Promise<{ expiresIn?: number; claims?: TokenClaims }> {
    const { accessToken, expiresIn } = await fetchToken(target, credentials, { timeoutMs: this.#timeoutMs, fetchImpl: this.#fetch, clock: this.#clock });
    return { expiresIn, claims: decodeJwtClaims(accessToken) };
  }

  async testTrigger(target: Target, credentials: Credentials): Promise<void> {
    // The test endpoint only echoes its input, so it is safe to repeat.
    await this.#authorized(target, credentials, `${triggerUrlOf(target).replace(/\/+$/, '')}/test`, JSON.stringify({ input: { test: true } }), 'idempotent');
  }

  async getSource(target: Target, credentials: Credentials, id: string): Promise<IscSource | undefined> {
    try {
      return sourceOf(parseJson(await this.#authorized(target, credentials, `${base(target)}/v3/sources/${encodeURIComponent(id)}`)));
    } catch (error) {
      if (error instanceof IscError && error.details.status === 404) return undefined;
      throw error;
    }
  }

  async listSources(target: Target, credentials: Credentials): Promise<IscSource[]> {
    return this.#collection(target, credentials, '/v3/sources', '&sorters=name', sourceOf);
  }

  async identitiesWithAccount(target: Target, credentials: Credentials, sourceId: string, identityIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    // Filter strings stay short: 50 ids per query.
    for (let i = 0; i < identityIds.length; i += 50) {
      const filter = `sourceId eq ${quote(sourceId)} and identityId in (${identityIds.slice(i, i + 50).map(quote).join(',')})`;
      for (let offset = 0; offset < MAX_COLLECTION_OFFSET; offset += this.#pageSize) {
        const page = parseJson(await this.#authorized(target, credentials, `${base(target)}/v3/accounts?limit=${this.#pageSize}&offset=${offset}&filters=${encodeURIComponent(filter)}`));
        if (!Array.isArray(page)) throw new IscError('isc_bad_response', 'ISC answered GET /v3/accounts with something that is not a list.', true);
        for (const account of page) if (typeof (account as { identityId?: unknown }).identityId === 'string') found.add((account as { identityId: string }).identityId);
        if (page.length < this.#pageSize) break;
      }
    }
    return found;
  }

  async listWorkflowLibraryActions(target: Target, credentials: Credentials): Promise<LibraryAction[]> {
    return this.#collection(target, credentials, '/v3/workflow-library/actions', '', libraryActionOf);
  }

  /** Every item of a v3 collection, page by page (limit/offset); items `parse` cannot read are skipped. */
  async #collection<T>(target: Target, credentials: Credentials, path: string, query: string, parse: (item: unknown) => T | undefined): Promise<T[]> {
    const found: T[] = [];
    for (let offset = 0; offset < MAX_COLLECTION_OFFSET; offset += this.#pageSize) {
      const page = parseJson(await this.#authorized(target, credentials, `${base(target)}${path}?limit=${this.#pageSize}&offset=${offset}${query}`));
      if (!Array.isArray(page)) throw new IscError('isc_bad_response', `ISC answered GET ${path} with something that is not a list.`, true);
      found.push(...page.flatMap((item) => parse(item) ?? []));
      if (page.length < this.#pageSize) break;
    }
    return found;
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
type Retry = 'idempotent' | 'unsent';

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

function badResponse(response: RawResponse, expected: string): IscError {
  return new IscError('isc_bad_response', `ISC answered ${response.what} (HTTP ${response.status}) with ${expected}.`, true, { status: response.status });
}

/** Retry-After is either delay-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, clock: Clock): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - clock.now().getTime());
}

function parseJson(response: RawResponse): unknown {
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
function scrub(value: unknown, secrets: readonly string[]): unknown {
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

const CAMPAIGN_POLLS = 5;
const CAMPAIGN_POLL_MS = 200;

function campaignOf(item: unknown): { id: string; status: string } | undefined {
  const { id, status } = (item ?? {}) as { id?: unknown; status?: unknown };
  return typeof id === 'string' ? { id, status: typeof status === 'string' ? status : 'PENDING' } : undefined;
}

function triggerUrlOf(target: Target): string {
  if (!target.triggerUrl) throw new IscError('isc_request_rejected', `Target "${target.id}" has no triggerUrl (it is in direct mode).`, false);
  return target.triggerUrl;
}

function base(target: Target): string {
  return target.apiBaseUrl.replace(/\/+$/, '');
}

function libraryActionOf(item: unknown): LibraryAction | undefined {
  const { id, formFields } = (item ?? {}) as { id?: unknown; formFields?: unknown };
  if (typeof id !== 'string') return undefined;
  const fields = Array.isArray(formFields) ? formFields : [];
  return {
    id,
    formFields: fields.flatMap((field) => {
      const { name, required } = (field ?? {}) as { name?: unknown; required?: unknown };
      return typeof name === 'string' ? [{ name, required: required === true }] : [];
    }),
  };
}

function sourceOf(item: unknown): IscSource | undefined {
  const { id, name } = (item ?? {}) as { id?: unknown; name?: unknown };
  return typeof id === 'string' && typeof name === 'string' ? { id, name } : undefined;
}

/** An identity's id and its emails (top-level `email` and `attributes.email` may differ), lower-cased. */
function identityMatch(item: unknown): { id: string; emails: string[] } | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const { id, email, attributes } = item as { id?: unknown; email?: unknown; attributes?: { email?: unknown } | null };
  if (typeof id !== 'string' || !id) return undefined;
  const emails = [email, attributes?.email].filter((value): value is string => typeof value === 'string').map((value) => value.trim().toLowerCase());
  return { id, emails };
}
