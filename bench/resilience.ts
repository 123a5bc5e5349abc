/**
 * Resilience benchmark (issue 13). (a) Time from the 202 to each batch's DISPATCHED for 2,000-user reports over
 * three mapped instances, against a clean simulator and against the fault mix (20 % 500, 10 % 429 with
 * Retry-After: 1, 5 % resets, 2 % tokens revoked early; 3 s tokens; seeded), in the same run. (b) The rate
 * limit shared through the table at full scale: 4 processes, ISC's 100 requests / 10 s.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { loadConfig } from '../functions/adapters/config.js';
import { iscClient } from '../functions/adapters/configured-isc-client.js';
import { startLocalStack } from '../functions/local/local-stack.js';
import { BENCH_MANAGER } from './bench-stack.js';
import { startIscSimulator, type FaultMix } from '../functions/local/isc-simulator.js';
import type { Log } from '../functions/core/ports.js';
import { IngestAnswer } from '../functions/http/responses.js';
import { FAULT_MIX, seededRandom } from '../test/helpers/fault-mix.js';
import { runSharedLimit } from '../test/helpers/shared-limit.js';

const quiet: Log = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const INSTANCES = ['Slack-production', 'Zoom-production', 'Teams-production'];
const USERS = 2_000;
const REPORTS = 3;
const TRIGGER = { clientId: 'bench-trigger', clientSecret: 'bench-trigger-secret' };
const API = { clientId: 'bench-api', clientSecret: 'bench-api-secret' };

export async function runResilienceBench(): Promise<{ table: string }> {
  const clean = await timeToDispatch(undefined);
  const faulty = await timeToDispatch({ faults: FAULT_MIX, random: seededRandom(20261203) });
  const shared = await runSharedLimit({ processes: 4, requests: 100, windowMs: 10_000, durationMs: 40_000 });
  const row = (name: string, r: Awaited<ReturnType<typeof timeToDispatch>>) =>
    `| ${name} | ${r.batches} | ${s(r.p50)} | ${s(r.p95)} | ${s(r.max)} | ${r.undelivered === 0 ? 'all, each once' : `${r.undelivered} NOT dispatched within 120 s`} | ${r.faults} |`;
  return {
    table: [
      `Time from the 202 to DISPATCHED per batch: ${REPORTS} reports × ${USERS.toLocaleString('en-US')} users over ${INSTANCES.length} mapped instances, one after another.`,
      '',
      '| ISC | batches | p50 | p95 | max | delivered | faults answered (500 / 429 / 401 / reset) |',
      '|---|---:|---:|---:|---:|---|---|',
      row('clean', clean),
      row('fault mix (seeded)', faulty),
      '',
      `p50 under the fault mix: ${(faulty.p50 / clean.p50).toFixed(1)}× the clean run; p95: ${(faulty.p95 / clean.p95).toFixed(1)}×.`,
      '',
      'Rate limit shared through the table (dynalite): 4 dispatcher processes (separate Node processes, 4 calls in flight each), one API client, ISC enforcing 100 / 10 s, backlogged for 40 s.',
      '',
      '| measure | value |',
      '|---|---|',
      `| busiest 10 s window | ${shared.busiest} searches (limit 100) |`,
      `| throughput while backlogged (after the first window) | ${(shared.throughputShare * 100).toFixed(0)} % of the limit (design: 90 %) |`,
      `| 429s from ISC | ${shared.throttled} |`,
      `| DynamoDB requests per ISC call | ${shared.ledgerRequestsPerCall.toFixed(2)} (4 processes contending for 5 slots per 555 ms slice) |`,
    ].join('\n'),
  };
}

async function timeToDispatch(mix: FaultMix | undefined) {
  const identities = Array.from({ length: USERS }, (_, i) => ({ id: `id-${i}`, name: `U ${i}`, email: `user${i}@example.com`, manager: BENCH_MANAGER }));
  const isc = await startIscSimulator({ tenantName: 'bench', clients: [TRIGGER, API], identities, tokenTtlSeconds: mix ? 3 : 300 });
  const dir = await mkdtemp(join(tmpdir(), 'bench-resilience-'));
  const config = loadConfig({ TABLE_NAME: 'bench', BATCH_MAX_BYTES: '32768' });
  const stack = await startLocalStack({ config, log: quiet, isc: (rateLedger) => iscClient(config, { rateLedger }), port: 0, secretFile: join(dir, 'secrets.json'), webhookSecrets: ['bench-webhook-secret'], adminToken: 'bench-admin-token', pollIntervalMs: 200 });
  const call = async (method: 'PUT' | 'POST', path: string, body: unknown, authorization = 'Bearer bench-admin-token') => {
    const response = await request(`${stack.url}${path}`, { method, headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return response.body.json();
  };
  try {
    await call('PUT', '/admin/targets/bench', { environment: 'production', tenant: 'bench', triggerUrl: `${isc.url}/v3/workflows/execute/external/wf`, tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url });
    await call('PUT', '/admin/targets/bench/credentials/trigger', TRIGGER);
    await call('PUT', '/admin/targets/bench/credentials/api', API);
    for (const instance of INSTANCES) {
      await call('PUT', `/admin/mappings/${instance.toLowerCase()}?skipSourceCheck=true`, { application: instance.split('-')[0], instance, environment: 'production', targetId: 'bench', source: { id: 'src' }, policy: { maxDaysActive: 0, cooldownDays: 0 } });
    }
    isc.state.setFaultMix(mix);
    const waits: number[] = [];
    let undelivered = 0;
    for (let report = 0; report < REPORTS; report++) {
      // A different name per report makes a different body, so each report is a new delivery.
      const rows = Array.from({ length: USERS }, (_, i) => ({ Email: `user${i}@example.com`, Name: `User ${i} (${report})`, 'Days Active': 0, Instance: INSTANCES[i % 3] }));
      const accepted = IngestAnswer.parse(await call('POST', '/webhooks/saas-management', rows, 'bench-webhook-secret'));
      const at = Date.now();
      const id = accepted.deliveryId;
      for (let poll = 0; poll < 1_300 && Date.now() - at < 120_000; poll++) {
        if ((await stack.store.getDelivery(id))?.status !== 'QUEUED') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const delivery = (await stack.store.getDelivery(id))!;
      const before = waits.length;
      for (const batch of await stack.store.deliveryBatches(delivery)) {
        if (batch.status === 'DISPATCHED') waits.push(Date.parse(batch.updatedAt) - at);
        else {
          undelivered++;
          process.stderr.write(`not dispatched: ${batch.instanceKey} #${batch.index} ${batch.status} after ${batch.attempts} attempts: ${batch.lastError?.code} ${batch.lastError?.message}\n`);
        }
      }
      const executions = isc.state.executions.filter((e) => (e.input as { deliveryId?: string }).deliveryId === id).length;
      if (executions !== waits.length - before) throw new Error(`delivery ${id}: ${executions} workflow runs for ${waits.length - before} dispatched batches`);
    }
    isc.state.setFaultMix(undefined);
    waits.sort((a, b) => a - b);
    const pct = (p: number) => waits[Math.min(waits.length - 1, Math.floor((p / 100) * waits.length))] ?? NaN;
    const count = (status: number) => isc.state.calls.filter((c) => c.status === status).length;
    return { batches: waits.length + undelivered, p50: pct(50), p95: pct(95), max: waits.at(-1) ?? NaN, undelivered, faults: `${count(500)} / ${count(429)} / ${count(401)} / ${count(0)}` };
  } finally {
    await stack.close();
    await isc.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function s(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
