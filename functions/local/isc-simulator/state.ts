import type { SimulatedLibraryAction } from '../simulated-workflow-library.js';
import type { SimulatedNermUser } from './nerm.js';
import { WorkflowRuns, type WorkflowRunTiming } from '../simulated-workflow-run.js';

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
  /** v3 IdentityDocument.manager as identity search returns it; absent or null: no manager. */
  manager?: { id: string; name: string } | null;
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
  | 'workflow-history'
  | 'workflows'
  | 'workflow-create'
  | 'workflow-update'
  | 'workflow-oauth-client'
  | 'workflow-test'
  | 'certifications'
  | 'certification-decision-summary'
  | 'nerm-users'
  | 'nerm-user'
  | 'nerm-user-managers'
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

/** A workflow created through POST /v3/workflows (v3 Workflow). */
export interface SimulatedWorkflow {
  id: string;
  name: string;
  description: string;
  owner: { type: 'IDENTITY'; id: string; name?: string };
  definition: { start?: string; steps: Record<string, unknown> };
  enabled: boolean;
  trigger: { type: 'EXTERNAL'; attributes?: Record<string, unknown> };
  created: string;
  modified: string;
  executionCount: number;
  failureCount: number;
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
  /** NERM users served under /api (the simulator doubles as the target's NERM tenant). */
  nermUsers?: SimulatedNermUser[];
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
  /** Workflows created through the workflows API, by id. */
  readonly workflows = new Map<string, SimulatedWorkflow>();

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
