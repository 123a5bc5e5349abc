import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_WORKFLOW_LIBRARY, type SimulatedLibraryAction } from './simulated-workflow-library.js';
import { DEFAULT_WORKFLOW_RUN_TIMING, WorkflowRuns, type WorkflowRunTiming } from './simulated-workflow-run.js';

/**
 * A stand-in for a SailPoint Identity Security Cloud tenant, for `npm start` and the tests. It is NOT
 * SailPoint: every answer carries `X-ISC-Simulator: true`. It implements just the calls this project makes
 * (OAuth client credentials, identity search, sources, workflow External Trigger, and the workflow's run: its
 * execution, campaign and decisions, see simulated-workflow-run.ts) with ISC's shapes, limits and error bodies, plus fault injection so tests can exercise expiry, throttling, outages and timeouts.
 */
export const SIMULATOR_BANNER = 'ISC SIMULATOR (not a real SailPoint tenant)';

export interface SimulatedClient {
  clientId: string;
  clientSecret: string;
  scope?: string[];
  /** A personal access token (user context): only these may use the campaigns API, as in ISC. */
  userContext?: boolean;
  /** The org its tokens name (default: the simulated tenant): a sandbox's client stored on a production target. */
  org?: string;
}
export interface SimulatedIdentity {
  id: string;
  name: string;
  email: string;
}
/** An account on a source, correlated to an identity. */
export interface SimulatedAccount {
  id: string;
  identityId: string;
  sourceId: string;
  name: string;
}

export interface SimulatedSource {
  id: string;
  name: string;
  [field: string]: unknown;
}

export type SimulatorRoute =
  | 'token'
  | 'info'
  | 'trigger'
  | 'trigger-test'
  | 'search'
  | 'sources'
  | 'source'
  | 'accounts'
  | 'campaigns'
  | 'campaign-create'
  | 'campaign'
  | 'campaign-activate'
  | 'workflow-library'
  | 'workflow-execution'
  | 'certifications'
  | 'certification-decision-summary'
  | 'unknown';

/** A campaign created through /v3/campaigns (direct mode). */
export interface SimulatedCampaign {
  id: string;
  name: string;
  description: string;
  deadline: string;
  type: 'SEARCH';
  status: 'PENDING' | 'STAGED' | 'ACTIVE';
  emailNotificationEnabled: boolean;
  searchCampaignInfo: { type: 'IDENTITY'; identityIds: string[]; reviewer?: { type: string; id: string } };
  /** GETs left before a PENDING campaign becomes STAGED (ISC generates certifications asynchronously). */
  pendingPolls: number;
}

/** What to do instead of (or before) answering normally. */
export type Fault =
  | { type: 'status'; status: number; body?: unknown; retryAfter?: string }
  | { type: 'rate-limit'; retryAfterSeconds?: number }
  /** Wait, then answer normally if the caller is still there. */
  | { type: 'delay'; ms: number }
  /** Destroy the socket; `afterHandling` first does the work (e.g. runs the workflow), so the answer is what is lost. */
  | { type: 'reset'; afterHandling?: boolean }
  /** 200 with a body that is not JSON. */
  | { type: 'malformed' }
  /** The bearer token presented is revoked first (a token that lapsed early): the call answers 401. */
  | { type: 'revoke-token' };

/** Faults drawn at random for every call (after any queued by failNext): each with its share (0..1) of calls. */
export interface FaultMix {
  faults: Array<{ share: number; fault: Fault }>;
  /** A seeded generator makes a failing run reproducible. */
  random: () => number;
  /** Only these routes (default: all). */
  routes?: readonly SimulatorRoute[];
}

export interface IscSimulatorOptions {
  /** 0 (default) picks a free port. Always bound to 127.0.0.1. */
  port?: number;
  tenantName?: string;
  clients?: SimulatedClient[];
  /** Issue tokens to any client id/secret (convenient for `npm start`); known clients are still checked. */
  acceptAnyClient?: boolean;
  identities?: SimulatedIdentity[];
  sources?: SimulatedSource[];
  accounts?: SimulatedAccount[];
  /** The pod tokens and /oauth/info name. Default "simulator". */
  pod?: string;
  /** Token lifetime reported as expires_in and JWT exp. Default 300. */
  tokenTtlSeconds?: number;
  /** 'jwt' (default) issues unsigned JWT-looking tokens with ISC's claims; 'opaque' issues random strings. */
  tokenStyle?: 'jwt' | 'opaque';
  /** Per client id and API version, like ISC. Default 100 / 10 s; false disables it. */
  rateLimit?: { requests: number; windowMs: number } | false;
  /** The actions GET /v3/workflow-library/actions lists; default DEFAULT_WORKFLOW_LIBRARY. */
  workflowLibrary?: SimulatedLibraryAction[];
  /** Largest `limit` accepted on collection and search calls. Default 250. */
  maxPageSize?: number;
  /** How fast a triggered workflow's execution and campaign move on (default DEFAULT_WORKFLOW_RUN_TIMING). */
  workflowRun?: Partial<WorkflowRunTiming>;
  /** The time the workflow runs are measured against (tests pass their own clock). Default Date.now. */
  runClock?: () => number;
  /** Receives the startup banner and nothing else. */
  log?: (line: string) => void;
}

export interface RecordedCall {
  route: SimulatorRoute;
  method: string;
  path: string;
  /** The query string, '?limit=…&offset=…' or ''. */
  query: string;
  clientId?: string;
  /** Arrival time (ms since epoch). */
  at: number;
  /** 0 when the socket was destroyed instead of answered. */
  status: number;
}

export interface RecordedExecution {
  workflowId: string;
  executionId: string;
  clientId: string;
  input: unknown;
  at: number;
}

const MAX_RECORDED = 10_000;
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const NOT_EXECUTED = 'Workflow was not executed externally. Check enabled flag on workflow definition';

/** What the simulator saw, plus the knobs tests turn. */
export class SimulatorState {
  readonly calls: RecordedCall[] = [];
  readonly executions: RecordedExecution[] = [];
  readonly #counts = new Map<SimulatorRoute, number>();
  readonly #perBatch = new Map<string, number>();
  readonly #faults = new Map<SimulatorRoute, Fault[]>();
  readonly #disabled = new Set<string>();
  #mix: FaultMix | undefined;
  /** token → owner and expiry; revoked tokens are kept as expired so the 401 says "expired", as ISC does. */
  readonly tokens = new Map<string, { clientId: string; expiresAt: number }>();
  readonly campaigns = new Map<string, SimulatedCampaign>();

  /** What the triggered workflow does (tests make executions fail or campaigns error through it). */
  constructor(readonly runs = new WorkflowRuns()) {}

  count(route: SimulatorRoute): number {
    return this.#counts.get(route) ?? 0;
  }

  /** Arrival times of the recorded calls to a route, oldest first. */
  arrivals(route: SimulatorRoute): number[] {
    return this.calls.filter((call) => call.route === route).map((call) => call.at);
  }

  /** Milliseconds between consecutive calls to a route. */
  gapsMs(route: SimulatorRoute): number[] {
    const times = this.arrivals(route);
    return times.slice(1).map((time, i) => time - times[i]!);
  }

  /** How many times the workflow ran for one batch: the exactly-once check. */
  executionCount(deliveryId: string, batchIndex: number): number {
    return this.#perBatch.get(`${deliveryId}#${batchIndex}`) ?? 0;
  }

  /** Every issued token now fails with 401 "expired" (a token that lapsed early, or a rotated secret). */
  revokeAllTokens(): void {
    for (const token of this.tokens.values()) token.expiresAt = 0;
  }

  /** The next `times` calls to `route` get `fault` instead of the normal answer. */
  failNext(route: SimulatorRoute, fault: Fault, times = 1): void {
    const queue = this.#faults.get(route) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.#faults.set(route, queue);
  }

  /** Draw faults at random for every call from now on (undefined: stop). `{share: 1}` of a 503 is an outage. */
  setFaultMix(mix: FaultMix | undefined): void {
    this.#mix = mix;
  }

  /** A disabled workflow answers 200 with a message and no execution id, as ISC does. '*' = every workflow. */
  disableWorkflow(workflowId = '*'): void {
    this.#disabled.add(workflowId);
  }

  enableWorkflow(workflowId = '*'): void {
    this.#disabled.delete(workflowId);
  }

  /** Forget recordings and pending faults (seed data and tokens stay). */
  reset(): void {
    this.calls.length = 0;
    this.executions.length = 0;
    this.#counts.clear();
    this.#perBatch.clear();
    this.#faults.clear();
    this.#disabled.clear();
    this.#mix = undefined;
  }

  isDisabled(workflowId: string): boolean {
    return this.#disabled.has('*') || this.#disabled.has(workflowId);
  }

  takeFault(route: SimulatorRoute): Fault | undefined {
    const queued = this.#faults.get(route)?.shift();
    if (queued || !this.#mix || (this.#mix.routes && !this.#mix.routes.includes(route))) return queued;
    let draw = this.#mix.random();
    for (const { share, fault } of this.#mix.faults) {
      if (draw < share) return fault;
      draw -= share;
    }
    return undefined;
  }

  record(call: RecordedCall): void {
    this.#counts.set(call.route, this.count(call.route) + 1);
    this.calls.push(call);
    if (this.calls.length > MAX_RECORDED) this.calls.shift();
  }

  recordExecution(execution: RecordedExecution): void {
    this.executions.push(execution);
    if (this.executions.length > MAX_RECORDED) this.executions.shift();
    const input = execution.input as { deliveryId?: unknown; batch?: { index?: unknown } } | undefined;
    if (typeof input?.deliveryId === 'string') {
      const key = `${input.deliveryId}#${String(input.batch?.index)}`;
      this.#perBatch.set(key, (this.#perBatch.get(key) ?? 0) + 1);
    }
  }
}

export interface IscSimulator {
  url: string;
  state: SimulatorState;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export async function startIscSimulator(options: IscSimulatorOptions = {}): Promise<IscSimulator> {
  const state = new SimulatorState(new WorkflowRuns({ ...DEFAULT_WORKFLOW_RUN_TIMING, ...options.workflowRun }));
  const runClock = options.runClock ?? Date.now;
  const tenantName = options.tenantName ?? 'simulated';
  const clients = new Map((options.clients ?? []).map((client) => [client.clientId, client]));
  const identities = options.identities ?? [];
  const sources = options.sources ?? [];
  const accounts = options.accounts ?? [];
  const workflowLibrary = options.workflowLibrary ?? DEFAULT_WORKFLOW_LIBRARY;
  const ttlSeconds = options.tokenTtlSeconds ?? 300;
  const pod = options.pod ?? 'simulator';
  const maxPageSize = options.maxPageSize ?? 250;
  const rateLimit = options.rateLimit === undefined ? { requests: 100, windowMs: 10_000 } : options.rateLimit;
  const windows = new Map<string, number[]>();
  const sleepers = new Set<() => void>();
  let closed = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });

  /** ISC's limit: requests per window per client id and API version; rejected calls do not count. */
  function throttled(clientId: string, path: string, now: number): Answer | undefined {
    if (!rateLimit) return undefined;
    const key = `${clientId}:${path.split('/')[1] ?? ''}`;
    const starts = (windows.get(key) ?? []).filter((at) => at > now - rateLimit.windowMs);
    windows.set(key, starts);
    if (starts.length < rateLimit.requests) {
      starts.push(now);
      return undefined;
    }
    return rateLimited(Math.ceil((starts[0]! + rateLimit.windowMs - now) / 1000));
  }

  /** ISC's tokens and token answers name the tenant as org, tenant_id and pod (there is no tenant_name claim). */
  function issueToken(clientId: string, scope: string[], now: number): Answer {
    const expiresAt = now + ttlSeconds * 1000;
    const org = clients.get(clientId)?.org ?? tenantName;
    const tenant = { tenant_id: simulatedTenantId(org), pod, org };
    const token =
      options.tokenStyle === 'opaque'
        ? randomBytes(24).toString('hex')
        : [
            b64({ alg: 'HS256', typ: 'JWT', kid: 'simulator' }),
            b64({ ...tenant, internal: false, client_id: clientId, scope, authorities: ['ROLE_API'], iat: Math.floor(now / 1000), exp: Math.floor(expiresAt / 1000), jti: randomUUID() }),
            randomBytes(16).toString('base64url'),
          ].join('.');
    if (state.tokens.size > 1000) for (const [key, value] of state.tokens) if (value.expiresAt < now) state.tokens.delete(key);
    state.tokens.set(token, { clientId, expiresAt });
    return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: ttlSeconds, scope: scope.join(' '), ...tenant, internal: false, jti: randomUUID() } };
  }

  function token(body: string, now: number): Answer {
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Only client_credentials is simulated.' } };
    const clientId = form.get('client_id') ?? '';
    const known = clients.get(clientId);
    const valid = known ? known.clientSecret === form.get('client_secret') : options.acceptAnyClient === true && clientId !== '';
    if (!valid) return { status: 401, body: { error: 'invalid_client', error_description: 'Bad credentials' } };
    return throttled(clientId, '/oauth', now) ?? issueToken(clientId, known?.scope ?? ['sp:scopes:all'], now);
  }

  function trigger(workflowId: string, body: string, clientId: string, now: number, echo: boolean): Answer {
    const parsed = parseObject(body);
    if (!parsed || typeof parsed.input !== 'object' || parsed.input === null) return iscError(400, '400.1 Bad request content', 'The request body must be a JSON object with an "input" object.');
    if (echo) return { status: 200, body: { payload: parsed.input } };
    if (state.isDisabled(workflowId)) return { status: 200, body: { message: NOT_EXECUTED } };
    const executionId = randomUUID();
    state.recordExecution({ workflowId, executionId, clientId, input: parsed.input, at: now });
    state.runs.start(executionId, workflowId, parsed.input as Record<string, unknown>, runClock());
    return { status: 200, body: { workflowExecutionId: executionId, message: 'Workflow was executed successfully.' } };
  }

  function search(body: string, query: URLSearchParams): Answer {
    const paging = page(query, maxPageSize);
    if ('status' in paging) return paging;
    const parsed = parseObject(body) as { indices?: unknown; query?: { query?: unknown } } | undefined;
    if (!parsed || !Array.isArray(parsed.indices) || !parsed.indices.includes('identities')) return iscError(400, '400.1 Bad request content', 'Only the identities index is simulated.');
    const emails = emailQuery(parsed.query?.query);
    if (!emails) return iscError(400, '400.1 Bad request content', 'The simulator understands email:("a@x" OR "b@x") and * queries only.');
    const hits = emails === '*' ? identities : identities.filter((identity) => emails.has(identity.email.toLowerCase()));
    const items = hits.slice(paging.offset, paging.offset + paging.limit).map(({ id, name, email }) => ({ id, name, email, attributes: { email }, _type: 'identity' }));
    return { status: 200, body: items, headers: { 'X-Total-Count': String(hits.length) } };
  }

  function listSources(query: URLSearchParams): Answer {
    const paging = page(query, maxPageSize);
    if ('status' in paging) return paging;
    let hits = sources;
    const filters = query.get('filters');
    if (filters) {
      const filter = /^\s*(name|id)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/.exec(filters);
      if (!filter) return iscError(400, '400.1.3 Illegal value', `Unsupported filter: ${filters} (the simulator knows name eq "X" and id eq "X").`);
      const [, field, value] = filter;
      hits = sources.filter((source) => source[field as 'name' | 'id'] === unescape(value!));
    }
    return { status: 200, body: hits.slice(paging.offset, paging.offset + paging.limit), headers: { 'X-Total-Count': String(hits.length) } };
  }

  // The spec gives these operations userAuth only: a token with a user behind it (a PAT), not an API client.
  const USER_CONTEXT_ROUTES: ReadonlySet<SimulatorRoute> = new Set(['campaigns', 'campaign-create', 'campaign', 'campaign-activate', 'workflow-library', 'workflow-execution', 'certifications', 'certification-decision-summary']);

  const USER_CONTEXT_NEEDS: Partial<Record<SimulatorRoute, string>> = {
    'workflow-library': 'The workflow library needs a user-context token (a personal access token with sp:workflow:read)',
    'workflow-execution': 'Workflow executions need a user-context token (a personal access token of an ORG_ADMIN identity)',
  };

  /** GET /v3/certifications with the one filter the follow-through uses: campaign.id eq "X". */
  function listCertifications(query: URLSearchParams): Answer {
    const paging = page(query, maxPageSize);
    if ('status' in paging) return paging;
    const filter = /^\s*campaign\.id\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/.exec(query.get('filters') ?? '');
    if (!filter) return iscError(400, '400.1.3 Illegal value', 'The simulator knows filters=campaign.id eq "X" only.');
    const hits = state.runs.certifications(unescape(filter[1]!), runClock());
    return { status: 200, body: hits.slice(paging.offset, paging.offset + paging.limit) };
  }

  const notFound = (what: string) => iscError(404, '404 Not found', `The ${what} was not found.`);

  /** POST /v3/campaigns with ISC's rules for a SEARCH campaign over identity ids. */
  function createCampaign(body: string, now: number): Answer {
    const parsed = parseObject(body) as Partial<SimulatedCampaign> | undefined;
    const info = parsed?.searchCampaignInfo as Partial<SimulatedCampaign['searchCampaignInfo']> | undefined;
    const problems = [
      typeof parsed?.name === 'string' && parsed.name.trim() ? '' : 'name is required',
      typeof parsed?.description === 'string' ? '' : 'description is required',
      parsed?.type === 'SEARCH' ? '' : 'type must be SEARCH',
      info?.type === 'IDENTITY' ? '' : 'searchCampaignInfo.type must be IDENTITY',
      Array.isArray(info?.identityIds) && info.identityIds.length > 0 && info.identityIds.every((id) => typeof id === 'string') ? '' : 'searchCampaignInfo.identityIds must be a non-empty list of identity ids',
      typeof parsed?.deadline === 'string' && Date.parse(parsed.deadline) > now ? '' : 'deadline must be a future date-time',
    ].filter(Boolean);
    if (problems.length > 0) return iscError(400, '400.1 Bad request content', problems.join('; '));
    const campaign: SimulatedCampaign = {
      id: randomBytes(16).toString('hex'),
      name: parsed!.name!,
      description: parsed!.description!,
      deadline: parsed!.deadline!,
      type: 'SEARCH',
      status: 'PENDING',
      emailNotificationEnabled: parsed!.emailNotificationEnabled === true,
      searchCampaignInfo: info as SimulatedCampaign['searchCampaignInfo'],
      pendingPolls: 1,
    };
    state.campaigns.set(campaign.id, campaign);
    // createCampaign answers 202 Accepted: the certifications are generated afterwards (PENDING → STAGED).
    return { status: 202, body: publicCampaign(campaign) };
  }

  function listCampaigns(query: URLSearchParams): Answer {
    const paging = page(query, maxPageSize);
    if ('status' in paging) return paging;
    const filter = /^\s*name\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/.exec(query.get('filters') ?? '');
    if (query.get('filters') && !filter) return iscError(400, '400.1.3 Illegal value', 'The simulator knows filters=name eq "X" only.');
    const all = [...[...state.campaigns.values()].map(publicCampaign), ...state.runs.campaigns(runClock())];
    const hits = all.filter((c) => !filter || c.name === unescape(filter[1]!));
    return { status: 200, body: hits.slice(paging.offset, paging.offset + paging.limit) };
  }

  function getCampaign(id: string): Answer {
    const campaign = state.campaigns.get(id);
    const run = campaign ? undefined : state.runs.campaigns(runClock()).find((c) => c.id === id);
    if (run) return { status: 200, body: run };
    if (!campaign) return iscError(404, '404 Not found', `The campaign ${id} was not found.`);
    if (campaign.status === 'PENDING' && campaign.pendingPolls-- <= 0) campaign.status = 'STAGED';
    return { status: 200, body: publicCampaign(campaign) };
  }

  function activateCampaign(id: string): Answer {
    const campaign = state.campaigns.get(id);
    if (!campaign) return iscError(404, '404 Not found', `The campaign ${id} was not found.`);
    if (campaign.status !== 'STAGED') return iscError(400, '400.1 Bad request content', `The campaign is ${campaign.status}; only a STAGED campaign can be activated.`);
    campaign.status = 'ACTIVE';
    return { status: 202, body: {} };
  }

  /** `sourceId eq "S"`, optionally `and identityId in ("a","b")` — the filters the match test uses. */
  function listAccounts(query: URLSearchParams): Answer {
    const paging = page(query, maxPageSize);
    if ('status' in paging) return paging;
    const filter = /^\s*sourceId\s+eq\s+"((?:[^"\\]|\\.)*)"(?:\s+and\s+identityId\s+in\s+\((.*)\))?\s*$/s.exec(query.get('filters') ?? '');
    if (!filter) return iscError(400, '400.1.3 Illegal value', 'The simulator knows filters=sourceId eq "S" [and identityId in ("a","b")] only.');
    const ids = filter[2] === undefined ? undefined : new Set([...filter[2].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((quoted) => unescape(quoted[1]!)));
    const hits = accounts.filter((account) => account.sourceId === unescape(filter[1]!) && (!ids || ids.has(account.identityId)));
    return { status: 200, body: hits.slice(paging.offset, paging.offset + paging.limit).map(publicAccount), headers: { 'X-Total-Count': String(hits.length) } };
  }

  /** Routing, auth and the rate limit, in ISC's order: authenticate, then throttle, then do the work. */
  async function answer(route: SimulatorRoute, params: string[], req: IncomingMessage, url: URL, body: string, now: number, call: RecordedCall): Promise<Answer> {
    if (route === 'unknown') return iscError(404, '404 Not found', `No simulated route for ${req.method} ${url.pathname}.`);
    if (route === 'token') return token(body, now);
    if (route === 'info') return { status: 200, body: { tenantId: simulatedTenantId(tenantName), tenantName, simulator: true } };
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const issued = bearer ? state.tokens.get(bearer) : undefined;
    if (!issued) return { status: 401, body: { error: 'JWT validation failed: token not recognised' } };
    if (issued.expiresAt <= now) return { status: 401, body: { error: 'JWT validation failed: JWT is expired' } };
    call.clientId = issued.clientId;
    if (USER_CONTEXT_ROUTES.has(route) && !clients.get(issued.clientId)?.userContext) {
      return iscError(403, '403 Forbidden', `${USER_CONTEXT_NEEDS[route] ?? 'The campaigns API needs a user-context token (a personal access token of a CERT_ADMIN or ORG_ADMIN identity)'}.`);
    }
    const limited = throttled(issued.clientId, url.pathname, now);
    if (limited) return limited;
    switch (route) {
      case 'trigger':
      case 'trigger-test':
        return trigger(params[0]!, body, issued.clientId, now, route === 'trigger-test');
      case 'search':
        return search(body, url.searchParams);
      case 'sources':
        return listSources(url.searchParams);
      case 'accounts':
        return listAccounts(url.searchParams);
      case 'campaigns':
        return listCampaigns(url.searchParams);
      case 'campaign-create':
        return createCampaign(body, now);
      case 'campaign':
        return getCampaign(params[0]!);
      case 'campaign-activate':
        return activateCampaign(params[0]!);
      case 'workflow-execution': {
        const found = state.runs.execution(params[0]!, runClock());
        return found ? { status: 200, body: found } : notFound(`workflow execution ${params[0]}`);
      }
      case 'certifications':
        return listCertifications(url.searchParams);
      case 'certification-decision-summary': {
        const summary = state.runs.decisionSummary(params[0]!, runClock());
        return summary ? { status: 200, body: summary } : notFound(`certification ${params[0]}`);
      }
      case 'workflow-library': {
        const paging = page(url.searchParams, maxPageSize);
        return 'status' in paging ? paging : { status: 200, body: workflowLibrary.slice(paging.offset, paging.offset + paging.limit) };
      }
      case 'source': {
        const source = sources.find((candidate) => candidate.id === params[0]);
        return source ? { status: 200, body: source } : iscError(404, '404 Not found', `The source ${params[0]} was not found.`);
      }
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-ISC-Simulator', 'true');
    const url = new URL(req.url ?? '/', 'http://simulator');
    const { route, params } = routeOf(req.method ?? 'GET', url.pathname);
    const now = Date.now();
    const call: RecordedCall = { route, method: req.method ?? 'GET', path: url.pathname, query: url.search, at: now, status: 0 };
    state.record(call);
    const body = await readBody(req);
    if (body === undefined) return send(res, call, iscError(413, '413 Payload too large', 'Request body too large.'));
    const fault = state.takeFault(route);
    if (fault?.type === 'delay') {
      await sleep(fault.ms);
      if (closed || res.destroyed || req.socket.destroyed) return;
    }
    if (fault?.type === 'reset' && !fault.afterHandling) return void req.socket.destroy();
    if (fault?.type === 'status') return send(res, call, { status: fault.status, body: fault.body ?? iscError(fault.status, `${fault.status}`, 'Injected failure.').body, headers: fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {} });
    if (fault?.type === 'rate-limit') return send(res, call, rateLimited(fault.retryAfterSeconds ?? 1));
    if (fault?.type === 'malformed') return send(res, call, { status: 200, body: '<html>upstream proxy page</html>' });
    if (fault?.type === 'revoke-token') {
      const issued = state.tokens.get(/^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '');
      if (issued) issued.expiresAt = 0;
    }
    const result = await answer(route, params, req, url, body, Date.now(), call);
    if (fault?.type === 'reset') return void req.socket.destroy();
    send(res, call, result);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) send(res, undefined, iscError(500, '500.0 Internal Fault', `Simulator error: ${String(error)}`));
    });
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  options.log?.(`${SIMULATOR_BANNER} listening on ${url} as tenant "${tenantName}"`);

  return {
    url,
    state,
    async close() {
      closed = true;
      for (const wake of [...sleepers]) wake();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}

const ROUTES: Array<[method: string, pattern: RegExp, route: SimulatorRoute]> = [
  ['POST', /^\/oauth\/token$/, 'token'],
  ['GET', /^\/oauth\/info$/, 'info'],
  // v3 and v2025 are current; /beta is deprecated but still answers, so URLs copied from old setups keep working.
  ['POST', /^\/(?:v3|v2025|beta)\/workflows\/execute\/external\/([^/]+)$/, 'trigger'],
  ['POST', /^\/(?:v3|v2025|beta)\/workflows\/execute\/external\/([^/]+)\/test$/, 'trigger-test'],
  ['POST', /^\/v3\/search$/, 'search'],
  ['GET', /^\/v3\/sources$/, 'sources'],
  ['GET', /^\/v3\/sources\/([^/]+)$/, 'source'],
  ['GET', /^\/v3\/accounts$/, 'accounts'],
  ['GET', /^\/v3\/campaigns$/, 'campaigns'],
  ['POST', /^\/v3\/campaigns$/, 'campaign-create'],
  ['GET', /^\/v3\/campaigns\/([^/]+)$/, 'campaign'],
  ['POST', /^\/v3\/campaigns\/([^/]+)\/activate$/, 'campaign-activate'],
  ['GET', /^\/v3\/workflow-library\/actions$/, 'workflow-library'],
  ['GET', /^\/v3\/workflow-executions\/([^/]+)$/, 'workflow-execution'],
  ['GET', /^\/v3\/certifications$/, 'certifications'],
  ['GET', /^\/v3\/certifications\/([^/]+)\/decision-summary$/, 'certification-decision-summary'],
];

function routeOf(method: string, path: string): { route: SimulatorRoute; params: string[] } {
  for (const [routeMethod, pattern, route] of ROUTES) {
    const match = pattern.exec(path);
    if (match && routeMethod === method) return { route, params: match.slice(1).map(decodeURIComponent) };
  }
  return { route: 'unknown', params: [] };
}

function publicCampaign({ pendingPolls: _internal, ...campaign }: SimulatedCampaign): Omit<SimulatedCampaign, 'pendingPolls'> {
  return campaign;
}

/** A v3 Account with the fields the spec requires; the simulator only knows who owns it. */
function publicAccount(account: SimulatedAccount) {
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

function send(res: ServerResponse, call: RecordedCall | undefined, answer: Answer): void {
  if (res.destroyed) return;
  if (call) call.status = answer.status;
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'content-type': typeof answer.body === 'string' ? 'text/html' : 'application/json', ...answer.headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** ISC's error body shape (detailCode, trackingId, messages). */
function iscError(status: number, detailCode: string, text: string): Answer {
  return { status, body: { detailCode, trackingId: randomBytes(16).toString('hex'), messages: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text }], causes: [] } };
}

function rateLimited(retryAfterSeconds: number): Answer {
  return { status: 429, body: { message: ' Rate Limit Exceeded ' }, headers: { 'Retry-After': String(Math.max(1, retryAfterSeconds)) } };
}

function page(query: URLSearchParams, maxPageSize: number): { limit: number; offset: number } | Answer {
  const limit = Number(query.get('limit') ?? maxPageSize);
  const offset = Number(query.get('offset') ?? 0);
  if (!Number.isInteger(limit) || limit < 0 || limit > maxPageSize) return iscError(400, '400.1.3 Illegal value', `limit must be an integer from 0 to ${maxPageSize}.`);
  if (!Number.isInteger(offset) || offset < 0) return iscError(400, '400.1.3 Illegal value', 'offset must be a non-negative integer.');
  return { limit, offset };
}

/** `email:("a@x" OR "b@x")`, `email:"a@x"` or `*`; undefined for anything else. */
function emailQuery(query: unknown): Set<string> | '*' | undefined {
  if (typeof query !== 'string') return undefined;
  if (query.trim() === '*') return '*';
  const match = /^\s*email:\s*(\(.*\)|"(?:[^"\\]|\\.)*")\s*$/s.exec(query);
  if (!match) return undefined;
  return new Set([...match[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((quoted) => unescape(quoted[1]!).toLowerCase()));
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

function parseObject(text: string): Record<string, unknown> | undefined {
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

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
