import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { DEFAULT_WORKFLOW_RUN_TIMING, WorkflowRuns } from './simulated-workflow-run.js';
import { iscError, rateLimited, type Answer } from './isc-simulator/answers.js';
import { SimulatedTenant, routeOf } from './isc-simulator/routes.js';
import { SimulatorState, type IscSimulatorOptions, type RecordedCall } from './isc-simulator/state.js';

export { simulatedTenantId } from './isc-simulator/answers.js';
export type { SimulatedNermUser } from './isc-simulator/nerm.js';
export type { Fault, FaultMix, IscSimulatorOptions, RecordedExecution, SimulatedAccount, SimulatedClient, SimulatedIdentity, SimulatedSource, SimulatorRoute } from './isc-simulator/state.js';
export { SimulatorState };

/**
 * A stand-in for a SailPoint Identity Security Cloud tenant, for `npm start` and the tests. It is NOT
 * SailPoint: every answer carries `X-ISC-Simulator: true`. It implements just the calls this project makes
 * (OAuth client credentials, identity search, sources, workflow External Trigger, and the workflow's run: its
 * execution, campaign and decisions, see simulated-workflow-run.ts) with ISC's shapes, limits and error bodies, plus fault injection so tests can exercise expiry, throttling, outages and timeouts.
 */
export const SIMULATOR_BANNER = 'ISC SIMULATOR (not a real SailPoint tenant)';

export interface IscSimulator {
  url: string;
  state: SimulatorState;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The HTTP server around a SimulatedTenant: records each call, applies injected faults, then answers. */
export async function startIscSimulator(options: IscSimulatorOptions = {}): Promise<IscSimulator> {
  const state = new SimulatorState(new WorkflowRuns({ ...DEFAULT_WORKFLOW_RUN_TIMING, ...options.workflowRun }));
  const tenant = new SimulatedTenant(state, options);
  const sleeps = new Sleeps();

  const server = createServer((req, res) => {
    handle(state, tenant, sleeps, req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) send(res, undefined, iscError(500, '500.0 Internal Fault', `Simulator error: ${String(error)}`));
    });
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  options.log?.(`${SIMULATOR_BANNER} listening on ${url} as tenant "${tenant.tenantName}"`);

  return {
    url,
    state,
    async close() {
      sleeps.wakeAll();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}

/** One call: record it, apply the next injected fault, then let the tenant answer. */
async function handle(state: SimulatorState, tenant: SimulatedTenant, sleeps: Sleeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
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
    await sleeps.sleep(fault.ms);
    if (sleeps.closed || res.destroyed || req.socket.destroyed) return;
  }
  if (fault?.type === 'reset' && !fault.afterHandling) return void req.socket.destroy();
  if (fault?.type === 'status') return send(res, call, { status: fault.status, body: fault.body ?? iscError(fault.status, `${fault.status}`, 'Injected failure.').body, headers: fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {} });
  if (fault?.type === 'rate-limit') return send(res, call, rateLimited(fault.retryAfterSeconds ?? 1));
  if (fault?.type === 'malformed') return send(res, call, { status: 200, body: '<html>upstream proxy page</html>' });
  if (fault?.type === 'revoke-token') {
    const issued = state.tokens.get(/^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '');
    if (issued) issued.expiresAt = 0;
  }
  const result = tenant.answer(route, params, req, url, body, Date.now(), call);
  if (fault?.type === 'reset') return void req.socket.destroy();
  send(res, call, result);
}

/** Waits of delay faults; close() cuts them short so a closing simulator leaves no timer behind. */
class Sleeps {
  readonly #wakers = new Set<() => void>();
  closed = false;

  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }

  wakeAll(): void {
    this.closed = true;
    for (const wake of [...this.#wakers]) wake();
  }
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
