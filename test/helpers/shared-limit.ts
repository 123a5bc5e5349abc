import { fork } from 'node:child_process';
import { once } from 'node:events';
import { startEmbeddedDynamoDb } from '../../functions/local/embedded-dynamodb.js';
import { startIscSimulator } from '../../functions/local/isc-simulator.js';
import { API_CLIENT, seedIdentities } from './fake-isc.js';

export interface SharedLimitRun {
  processes: number;
  requests: number;
  windowMs: number;
  /** Backlogged time measured, after every process is ready. */
  durationMs: number;
  /** Calls each process keeps in flight. */
  concurrency?: number;
}

export interface SharedLimitResult {
  /** Searches ISC saw in the busiest window of `windowMs` (the limit is `requests`). */
  busiest: number;
  /** Searches per window while backlogged, as a share of `requests`. */
  throughputShare: number;
  searches: number;
  /** 429s ISC answered (it enforces the same limit). */
  throttled: number;
  /** DynamoDB requests per search (the limiter's ledger; the table holds nothing else here). */
  ledgerRequestsPerCall: number;
}

/**
 * N separate Node processes (each a dispatcher's ISC client) share one dynalite table and one ISC simulator
 * that enforces `requests` per `windowMs` for the API client, and search as fast as their limiter lets them.
 */
export async function runSharedLimit(run: SharedLimitRun): Promise<SharedLimitResult> {
  const dynamo = await startEmbeddedDynamoDb('shared-limit');
  const { endpoint } = dynamo;
  const isc = await startIscSimulator({ clients: [API_CLIENT], identities: seedIdentities(50), tokenTtlSeconds: 3_600, rateLimit: { requests: run.requests, windowMs: run.windowMs } });
  const workers = Array.from({ length: run.processes }, (_, worker) =>
    fork(new URL('./shared-limit-worker.ts', import.meta.url).pathname, {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, DYNAMO_ENDPOINT: endpoint, TABLE: 'shared-limit', ISC_URL: isc.url, REQUESTS: String(run.requests), WINDOW_MS: String(run.windowMs), CONCURRENCY: String(run.concurrency ?? 4), WORKER: String(worker) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  try {
    await Promise.all(workers.map((worker) => once(worker, 'message')));
    const start = Date.now();
    const dynamoBefore = dynamo.requests();
    const reports = workers.map((worker) => once(worker, 'message') as Promise<[{ calls: number; failures: number }]>);
    for (const worker of workers) worker.send({ until: start + run.durationMs });
    await Promise.all(reports);
    const searches = isc.state.calls.filter((call) => call.route === 'search' && call.at >= start);
    const ok = searches.filter((call) => call.status === 200).map((call) => call.at);
    // Skip the first window (the processes start together) and calls that waited past the end.
    const measured = ok.filter((at) => at >= start + run.windowMs && at < start + run.durationMs);
    const spanMs = run.durationMs - run.windowMs;
    return {
      busiest: busiestWindow(searches.filter((call) => call.status !== 429).map((call) => call.at), run.windowMs),
      throughputShare: (measured.length / spanMs) * run.windowMs / run.requests,
      searches: ok.length,
      throttled: searches.filter((call) => call.status === 429).length,
      ledgerRequestsPerCall: (dynamo.requests() - dynamoBefore) / Math.max(1, ok.length),
    };
  } finally {
    for (const worker of workers) if (worker.exitCode === null) worker.kill();
    await isc.close();
    await dynamo.close();
  }
}

/** The most calls that arrived within any window of `windowMs`. */
export function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}
