import type { IncomingMessage } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_WORKFLOW_LIBRARY, type SimulatedLibraryAction } from '../simulated-workflow-library.js';
import { b64, identityQuery, iscError, notFound, page, parseObject, publicAccount, publicCampaign, rateLimited, simulatedTenantId, unescape, type Answer } from './answers.js';
import { nermUser, nermUserManagers, nermUsers } from './nerm.js';
import type { IscSimulatorOptions, RecordedCall, SimulatedAccount, SimulatedCampaign, SimulatedClient, SimulatedIdentity, SimulatedSource, SimulatedWorkflow, SimulatorRoute, SimulatorState } from './state.js';

const NOT_EXECUTED = 'Workflow was not executed externally. Check enabled flag on workflow definition';

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
  ['GET', /^\/(?:v3|v2025)\/workflow-executions\/([^/]+)\/history$/, 'workflow-history'],
  ['GET', /^\/v3\/workflows$/, 'workflows'],
  ['POST', /^\/v3\/workflows$/, 'workflow-create'],
  ['PUT', /^\/v3\/workflows\/([^/]+)$/, 'workflow-update'],
  ['POST', /^\/v3\/workflows\/([^/]+)\/external\/oauth-clients$/, 'workflow-oauth-client'],
  ['POST', /^\/v3\/workflows\/([^/]+)\/test$/, 'workflow-test'],
  ['GET', /^\/v3\/certifications$/, 'certifications'],
  ['GET', /^\/v3\/certifications\/([^/]+)\/decision-summary$/, 'certification-decision-summary'],
  // NERM v1, as if this host were {tenant}.nonemployee.com (isc-simulator/nerm.ts).
  ['GET', /^\/api\/users$/, 'nerm-users'],
  ['GET', /^\/api\/users\/([^/]+)$/, 'nerm-user'],
  ['GET', /^\/api\/user_managers$/, 'nerm-user-managers'],
];

export function routeOf(method: string, path: string): { route: SimulatorRoute; params: string[] } {
  for (const [routeMethod, pattern, route] of ROUTES) {
    const match = pattern.exec(path);
    if (match && routeMethod === method) return { route, params: match.slice(1).map(decodeURIComponent) };
  }
  return { route: 'unknown', params: [] };
}

// The spec gives these operations userAuth only: a token with a user behind it (a PAT), not an API client.
const USER_CONTEXT_ROUTES: ReadonlySet<SimulatorRoute> = new Set([
  'campaigns', 'campaign-create', 'campaign', 'campaign-activate', 'workflow-library', 'workflow-execution', 'workflow-history', 'certifications', 'certification-decision-summary',
  'workflows', 'workflow-create', 'workflow-update', 'workflow-oauth-client', 'workflow-test',
  // NERM accepts ISC tokens of a personal access token: it acts as that token's user.
  'nerm-users', 'nerm-user', 'nerm-user-managers',
]);

const NERM_NEEDS = 'NERM accepts the ISC token of a personal access token (user context), not of an API client';

const USER_CONTEXT_NEEDS: Partial<Record<SimulatorRoute, string>> = {
  'workflow-library': 'The workflow library needs a user-context token (a personal access token with sp:workflow:read)',
  'workflow-execution': 'Workflow executions need a user-context token (a personal access token of an ORG_ADMIN identity)',
  'workflow-history': 'Workflow executions need a user-context token (a personal access token of an ORG_ADMIN identity)',
  workflows: 'The workflows API needs a user-context token (a personal access token of an ORG_ADMIN identity with sp:workflow:manage)',
  'workflow-create': 'The workflows API needs a user-context token (a personal access token of an ORG_ADMIN identity with sp:workflow:manage)',
  'workflow-update': 'The workflows API needs a user-context token (a personal access token of an ORG_ADMIN identity with sp:workflow:manage)',
  'workflow-oauth-client': 'The workflows API needs a user-context token (a personal access token of an ORG_ADMIN identity with sp:workflow:manage)',
  'workflow-test': 'The workflows API needs a user-context token (a personal access token of an ORG_ADMIN identity with sp:workflow:manage)',
  'nerm-users': NERM_NEEDS,
  'nerm-user': NERM_NEEDS,
  'nerm-user-managers': NERM_NEEDS,
};

/** The simulated tenant's answers to each route, with ISC's auth and rate limit in front (see answer). */
export class SimulatedTenant {
  readonly #state: SimulatorState;
  readonly #options: IscSimulatorOptions;
  readonly #runClock: () => number;
  readonly #tenantName: string;
  readonly #clients: Map<string, SimulatedClient>;
  readonly #identities: SimulatedIdentity[];
  readonly #sources: SimulatedSource[];
  readonly #accounts: SimulatedAccount[];
  readonly #workflowLibrary: SimulatedLibraryAction[];
  readonly #ttlSeconds: number;
  readonly #pod: string;
  readonly #maxPageSize: number;
  readonly #rateLimit: { requests: number; windowMs: number } | false;
  readonly #windows = new Map<string, number[]>();

  constructor(state: SimulatorState, options: IscSimulatorOptions) {
    this.#state = state;
    this.#options = options;
    this.#runClock = options.runClock ?? Date.now;
    this.#tenantName = options.tenantName ?? 'simulated';
    this.#clients = new Map((options.clients ?? []).map((client) => [client.clientId, client]));
    this.#identities = options.identities ?? [];
    this.#sources = options.sources ?? [];
    this.#accounts = options.accounts ?? [];
    this.#workflowLibrary = options.workflowLibrary ?? DEFAULT_WORKFLOW_LIBRARY;
    this.#ttlSeconds = options.tokenTtlSeconds ?? 300;
    this.#pod = options.pod ?? 'simulator';
    this.#maxPageSize = options.maxPageSize ?? 250;
    this.#rateLimit = options.rateLimit === undefined ? { requests: 100, windowMs: 10_000 } : options.rateLimit;
  }

  get tenantName(): string {
    return this.#tenantName;
  }

  /** ISC's limit: requests per window per client id and API version; rejected calls do not count. */
  #throttled(clientId: string, path: string, now: number): Answer | undefined {
    const rateLimit = this.#rateLimit;
    if (!rateLimit) return undefined;
    const key = `${clientId}:${path.split('/')[1] ?? ''}`;
    const starts = (this.#windows.get(key) ?? []).filter((at) => at > now - rateLimit.windowMs);
    this.#windows.set(key, starts);
    if (starts.length < rateLimit.requests) {
      starts.push(now);
      return undefined;
    }
    return rateLimited(Math.ceil((starts[0]! + rateLimit.windowMs - now) / 1000));
  }

  /** ISC's tokens and token answers name the tenant as org, tenant_id and pod (there is no tenant_name claim). */
  #issueToken(clientId: string, scope: string[], now: number): Answer {
    const expiresAt = now + this.#ttlSeconds * 1000;
    const org = this.#clients.get(clientId)?.org ?? this.#tenantName;
    const tenant = { tenant_id: simulatedTenantId(org), pod: this.#pod, org };
    const token =
      this.#options.tokenStyle === 'opaque'
        ? randomBytes(24).toString('hex')
        : [
            b64({ alg: 'HS256', typ: 'JWT', kid: 'simulator' }),
            b64({ ...tenant, internal: false, client_id: clientId, scope, authorities: ['ROLE_API'], iat: Math.floor(now / 1000), exp: Math.floor(expiresAt / 1000), jti: randomUUID() }),
            randomBytes(16).toString('base64url'),
          ].join('.');
    if (this.#state.tokens.size > 1000) for (const [key, value] of this.#state.tokens) if (value.expiresAt < now) this.#state.tokens.delete(key);
    this.#state.tokens.set(token, { clientId, expiresAt });
    return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: this.#ttlSeconds, scope: scope.join(' '), ...tenant, internal: false, jti: randomUUID() } };
  }

  #token(body: string, now: number): Answer {
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Only client_credentials is simulated.' } };
    const clientId = form.get('client_id') ?? '';
    const known = this.#clients.get(clientId);
    const valid = known ? known.clientSecret === form.get('client_secret') : this.#options.acceptAnyClient === true && clientId !== '';
    if (!valid) return { status: 401, body: { error: 'invalid_client', error_description: 'Bad credentials' } };
    return this.#throttled(clientId, '/oauth', now) ?? this.#issueToken(clientId, known?.scope ?? ['sp:scopes:all'], now);
  }

  #trigger(workflowId: string, body: string, clientId: string, now: number, echo: boolean): Answer {
    const parsed = parseObject(body);
    if (!parsed || typeof parsed.input !== 'object' || parsed.input === null) return iscError(400, '400.1 Bad request content', 'The request body must be a JSON object with an "input" object.');
    if (echo) return { status: 200, body: { payload: parsed.input } };
    if (this.#state.isDisabled(workflowId) || this.#state.workflows.get(workflowId)?.enabled === false) return { status: 200, body: { message: NOT_EXECUTED } };
    const executionId = randomUUID();
    this.#state.recordExecution({ workflowId, executionId, clientId, input: parsed.input, at: now });
    this.#state.runs.start(executionId, workflowId, parsed.input as Record<string, unknown>, this.#runClock());
    return { status: 200, body: { workflowExecutionId: executionId, message: 'Workflow was executed successfully.' } };
  }

  #search(body: string, query: URLSearchParams): Answer {
    const paging = page(query, this.#maxPageSize);
    if ('status' in paging) return paging;
    const parsed = parseObject(body) as { indices?: unknown; query?: { query?: unknown } } | undefined;
    if (!parsed || !Array.isArray(parsed.indices) || !parsed.indices.includes('identities')) return iscError(400, '400.1 Bad request content', 'Only the identities index is simulated.');
    const wanted = identityQuery(parsed.query?.query);
    if (!wanted) return iscError(400, '400.1 Bad request content', 'The simulator understands email:("a@x" OR "b@x"), id:("a" OR "b") and * queries only.');
    const hits = wanted === '*' ? this.#identities : this.#identities.filter((identity) => wanted.values.has(wanted.field === 'email' ? identity.email.toLowerCase() : identity.id));
    const items = hits.slice(paging.offset, paging.offset + paging.limit).map(({ id, name, email, manager }) => ({ id, name, email, attributes: { email }, manager: manager ?? null, _type: 'identity' }));
    return { status: 200, body: items, headers: { 'X-Total-Count': String(hits.length) } };
  }

  #listSources(query: URLSearchParams): Answer {
    const paging = page(query, this.#maxPageSize);
    if ('status' in paging) return paging;
    let hits = this.#sources;
    const filters = query.get('filters');
    if (filters) {
      const filter = /^\s*(name|id)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/.exec(filters);
      if (!filter) return iscError(400, '400.1.3 Illegal value', `Unsupported filter: ${filters} (the simulator knows name eq "X" and id eq "X").`);
      const [, field, value] = filter;
      hits = this.#sources.filter((source) => source[field as 'name' | 'id'] === unescape(value!));
    }
    return { status: 200, body: hits.slice(paging.offset, paging.offset + paging.limit), headers: { 'X-Total-Count': String(hits.length) } };
  }

  /** GET /v3/certifications with the one filter the follow-through uses: campaign.id eq "X". */
  #listCertifications(query: URLSearchParams): Answer {
    const paging = page(query, this.#maxPageSize);
    if ('status' in paging) return paging;
    const filter = /^\s*campaign\.id\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/.exec(query.get('filters') ?? '');
    if (!filter) return iscError(400, '400.1.3 Illegal value', 'The simulator knows filters=campaign.id eq "X" only.');
    const hits = this.#state.runs.certifications(unescape(filter[1]!), this.#runClock());
    return { status: 200, body: hits.slice(paging.offset, paging.offset + paging.limit) };
  }

  /** POST /v3/campaigns with ISC's rules for a SEARCH campaign over identity ids. */
  #createCampaign(body: string, now: number): Answer {
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
    this.#state.campaigns.set(campaign.id, campaign);
    // createCampaign answers 202 Accepted: the certifications are generated afterwards (PENDING → STAGED).
    return { status: 202, body: publicCampaign(campaign) };
  }

  #listCampaigns(query: URLSearchParams): Answer {
    const paging = page(query, this.#maxPageSize);
    if ('status' in paging) return paging;
    const filter = /^\s*name\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/.exec(query.get('filters') ?? '');
    if (query.get('filters') && !filter) return iscError(400, '400.1.3 Illegal value', 'The simulator knows filters=name eq "X" only.');
    const all = [...[...this.#state.campaigns.values()].map(publicCampaign), ...this.#state.runs.campaigns(this.#runClock())];
    const hits = all.filter((c) => !filter || c.name === unescape(filter[1]!));
    return { status: 200, body: hits.slice(paging.offset, paging.offset + paging.limit) };
  }

  #getCampaign(id: string): Answer {
    const campaign = this.#state.campaigns.get(id);
    const run = campaign ? undefined : this.#state.runs.campaigns(this.#runClock()).find((c) => c.id === id);
    if (run) return { status: 200, body: run };
    if (!campaign) return iscError(404, '404 Not found', `The campaign ${id} was not found.`);
    if (campaign.status === 'PENDING' && campaign.pendingPolls-- <= 0) campaign.status = 'STAGED';
    return { status: 200, body: publicCampaign(campaign) };
  }

  #activateCampaign(id: string): Answer {
    const campaign = this.#state.campaigns.get(id);
    if (!campaign) return iscError(404, '404 Not found', `The campaign ${id} was not found.`);
    if (campaign.status !== 'STAGED') return iscError(400, '400.1 Bad request content', `The campaign is ${campaign.status}; only a STAGED campaign can be activated.`);
    campaign.status = 'ACTIVE';
    return { status: 202, body: {} };
  }

  /** `sourceId eq "S"`, optionally `and identityId in ("a","b")` — the filters the match test uses. */
  #listAccounts(query: URLSearchParams): Answer {
    const paging = page(query, this.#maxPageSize);
    if ('status' in paging) return paging;
    const filter = /^\s*sourceId\s+eq\s+"((?:[^"\\]|\\.)*)"(?:\s+and\s+identityId\s+in\s+\((.*)\))?\s*$/s.exec(query.get('filters') ?? '');
    if (!filter) return iscError(400, '400.1.3 Illegal value', 'The simulator knows filters=sourceId eq "S" [and identityId in ("a","b")] only.');
    const ids = filter[2] === undefined ? undefined : new Set([...filter[2].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((quoted) => unescape(quoted[1]!)));
    const hits = this.#accounts.filter((account) => account.sourceId === unescape(filter[1]!) && (!ids || ids.has(account.identityId)));
    return { status: 200, body: hits.slice(paging.offset, paging.offset + paging.limit).map(publicAccount), headers: { 'X-Total-Count': String(hits.length) } };
  }

  /** POST /v3/workflows (200, v3 Workflow) and PUT /v3/workflows/{id}: name, definition.steps and an EXTERNAL trigger. */
  #saveWorkflow(body: string, now: number, id?: string): Answer {
    const existing = id === undefined ? undefined : this.#state.workflows.get(id);
    if (id !== undefined && !existing) return notFound(`workflow ${id}`);
    const parsed = parseObject(body) as Partial<SimulatedWorkflow> | undefined;
    const problems = [
      typeof parsed?.name === 'string' && parsed.name.trim() ? '' : 'name is required',
      typeof parsed?.definition?.steps === 'object' && parsed.definition.steps !== null ? '' : 'definition.steps is required',
      parsed?.trigger?.type === 'EXTERNAL' ? '' : 'trigger.type must be EXTERNAL (the only trigger simulated)',
      parsed?.enabled === undefined || typeof parsed.enabled === 'boolean' ? '' : 'enabled must be a boolean',
    ].filter(Boolean);
    if (problems.length > 0) return iscError(400, '400.1 Bad request content', problems.join('; '));
    const workflow: SimulatedWorkflow = {
      id: existing?.id ?? randomUUID(),
      name: parsed!.name!,
      description: typeof parsed!.description === 'string' ? parsed!.description : '',
      owner: parsed!.owner ?? { type: 'IDENTITY', id: 'simulated-owner', name: 'simulated owner' },
      definition: parsed!.definition!,
      enabled: parsed!.enabled === true,
      trigger: parsed!.trigger!,
      created: existing?.created ?? new Date(now).toISOString(),
      modified: new Date(now).toISOString(),
      executionCount: existing?.executionCount ?? 0,
      failureCount: existing?.failureCount ?? 0,
    };
    this.#state.workflows.set(workflow.id, workflow);
    return { status: 200, body: workflow };
  }

  /**
   * POST /v3/workflows/{id}/external/oauth-clients (200, WorkflowOAuthClient): a client only the trigger accepts,
   * and the trigger URL under /beta, as the spec's example shows it.
   */
  #workflowClient(id: string, origin: string): Answer {
    if (!this.#state.workflows.has(id)) return notFound(`workflow ${id}`);
    const client = { clientId: randomUUID(), clientSecret: randomBytes(24).toString('hex') };
    this.#clients.set(client.clientId, client);
    return { status: 200, body: { id: client.clientId, secret: client.clientSecret, url: `${origin}/beta/workflows/execute/external/${id}` } };
  }

  /** POST /v3/workflows/{id}/test (200, {workflowExecutionId}): runs the workflow once, enabled or not. */
  #testWorkflow(id: string, body: string, clientId: string, now: number): Answer {
    if (!this.#state.workflows.has(id)) return notFound(`workflow ${id}`);
    const parsed = parseObject(body);
    if (!parsed || typeof parsed.input !== 'object' || parsed.input === null) return iscError(400, '400.1 Bad request content', 'The request body must be a JSON object with an "input" object.');
    const executionId = randomUUID();
    this.#state.recordExecution({ workflowId: id, executionId, clientId, input: parsed.input, at: now });
    this.#state.runs.start(executionId, id, parsed.input as Record<string, unknown>, this.#runClock());
    return { status: 200, body: { workflowExecutionId: executionId } };
  }

  /** Routing, auth and the rate limit, in ISC's order: authenticate, then throttle, then do the work. */
  answer(route: SimulatorRoute, params: string[], req: IncomingMessage, url: URL, body: string, now: number, call: RecordedCall): Answer {
    if (route === 'unknown') return iscError(404, '404 Not found', `No simulated route for ${req.method} ${url.pathname}.`);
    if (route === 'token') return this.#token(body, now);
    if (route === 'info') return { status: 200, body: { tenantId: simulatedTenantId(this.#tenantName), tenantName: this.#tenantName, simulator: true } };
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const issued = bearer ? this.#state.tokens.get(bearer) : undefined;
    if (!issued) return { status: 401, body: { error: 'JWT validation failed: token not recognised' } };
    if (issued.expiresAt <= now) return { status: 401, body: { error: 'JWT validation failed: JWT is expired' } };
    call.clientId = issued.clientId;
    if (USER_CONTEXT_ROUTES.has(route) && !this.#clients.get(issued.clientId)?.userContext) {
      return iscError(403, '403 Forbidden', `${USER_CONTEXT_NEEDS[route] ?? 'The campaigns API needs a user-context token (a personal access token of a CERT_ADMIN or ORG_ADMIN identity)'}.`);
    }
    const limited = this.#throttled(issued.clientId, url.pathname, now);
    if (limited) return limited;
    switch (route) {
      case 'trigger':
      case 'trigger-test':
        return this.#trigger(params[0]!, body, issued.clientId, now, route === 'trigger-test');
      case 'search':
        return this.#search(body, url.searchParams);
      case 'sources':
        return this.#listSources(url.searchParams);
      case 'accounts':
        return this.#listAccounts(url.searchParams);
      case 'campaigns':
        return this.#listCampaigns(url.searchParams);
      case 'campaign-create':
        return this.#createCampaign(body, now);
      case 'campaign':
        return this.#getCampaign(params[0]!);
      case 'campaign-activate':
        return this.#activateCampaign(params[0]!);
      case 'workflow-execution': {
        const found = this.#state.runs.execution(params[0]!, this.#runClock());
        return found ? { status: 200, body: found } : notFound(`workflow execution ${params[0]}`);
      }
      case 'workflow-history': {
        const history = this.#state.runs.history(params[0]!, this.#runClock());
        return history ? { status: 200, body: history } : notFound(`workflow execution ${params[0]}`);
      }
      case 'workflows': {
        const paging = page(url.searchParams, this.#maxPageSize);
        return 'status' in paging ? paging : { status: 200, body: [...this.#state.workflows.values()].slice(paging.offset, paging.offset + paging.limit) };
      }
      case 'workflow-create':
        return this.#saveWorkflow(body, now);
      case 'workflow-update':
        return this.#saveWorkflow(body, now, params[0]);
      case 'workflow-oauth-client':
        return this.#workflowClient(params[0]!, `http://${req.headers.host ?? url.host}`);
      case 'workflow-test':
        return this.#testWorkflow(params[0]!, body, issued.clientId, now);
      case 'certifications':
        return this.#listCertifications(url.searchParams);
      case 'certification-decision-summary': {
        const summary = this.#state.runs.decisionSummary(params[0]!, this.#runClock());
        return summary ? { status: 200, body: summary } : notFound(`certification ${params[0]}`);
      }
      case 'workflow-library': {
        const paging = page(url.searchParams, this.#maxPageSize);
        return 'status' in paging ? paging : { status: 200, body: this.#workflowLibrary.slice(paging.offset, paging.offset + paging.limit) };
      }
      case 'nerm-users':
        return nermUsers(this.#options.nermUsers ?? [], url.searchParams, this.#maxPageSize);
      case 'nerm-user':
        return nermUser(this.#options.nermUsers ?? [], params[0]!);
      case 'nerm-user-managers':
        return nermUserManagers(this.#options.nermUsers ?? [], url.searchParams, this.#maxPageSize);
      case 'source': {
        const source = this.#sources.find((candidate) => candidate.id === params[0]);
        return source ? { status: 200, body: source } : iscError(404, '404 Not found', `The source ${params[0]} was not found.`);
      }
    }
  }
}
