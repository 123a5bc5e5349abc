/**
 * Reliability: SIGKILL the local server while batches are in flight, restart it on the same DATA_DIR, and
 * check every accepted batch is sent, none lost, and repeats limited to the calls in flight at the kill (the
 * at-least-once window the workflow's check-before-create absorbs). The fake ISC runs in this test process,
 * so it survives the kill and counts executions per batch.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { TRIGGER_CLIENT, WORKFLOW_ID, startFakeIsc } from '../helpers/fake-isc.js';
import type { IscSimulator } from '../../functions/local/isc-simulator.js';
import { DeliveryDetail, IngestAnswer } from '../../functions/http/responses.js';
import { answer } from '../helpers/answer.js';

const ADMIN = 'crash-test-admin-token-0123456789';
const SECRET = 'crash-test-webhook-secret-0123456789';
let dir: string;
let port: number;
let isc: IscSimulator;
let server: ChildProcess | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function startServer(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local-server.ts'], {
    env: { ...process.env, PORT: String(port), DATA_DIR: dir, ADMIN_TOKEN: ADMIN, WEBHOOK_SECRET: SECRET, ISC_SIMULATOR: 'off', LEASE_SECONDS: '5', POLL_INTERVAL_MS: '100', BATCH_MAX_BYTES: '8192', LOG_LEVEL: 'ERROR' },
    stdio: 'ignore',
  });
  for (let i = 0; i < 150; i++) {
    try {
      const response = await request(`http://127.0.0.1:${port}/health`);
      await response.body.text();
      if (response.statusCode === 200) return child;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('local server did not start');
}

async function call(method: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await request(`http://127.0.0.1:${port}${path}`, { method: method as 'GET', headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  return answer(response.statusCode, response.headers, await response.body.json());
}
const admin = (method: string, path: string, body?: unknown) => call(method, path, body, { authorization: `Bearer ${ADMIN}` });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crash-'));
  port = await freePort();
  isc = await startFakeIsc({ rateLimit: false });
  server = await startServer();
  await admin('PUT', '/admin/targets/sim', { environment: 'production', tenant: 'acme-sim', triggerUrl: `${isc.url}/beta/workflows/execute/external/${WORKFLOW_ID}`, tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url });
  await admin('PUT', '/admin/targets/sim/credentials/trigger', TRIGGER_CLIENT);
  await admin('PUT', '/admin/mappings/slack-production', { application: 'Slack', instance: 'Slack-production', environment: 'production', targetId: 'sim', source: { id: 's' }, policy: { maxDaysActive: 0 } });
}, 60_000);

afterAll(async () => {
  server?.kill('SIGKILL');
  await isc?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Reliability: crash and restart', () => {
  it('delivers every accepted batch after a SIGKILL mid-dispatch, repeating at most the calls in flight', async () => {
    // Prepare: slow triggers so the kill lands while batches are in flight.
    const rows = Array.from({ length: 400 }, (_, i) => ({ Email: `crash${i}@example.com`, Name: `Crash ${i}`, 'Days Active': 0, Instance: 'Slack-production' }));
    isc.state.failNext('trigger', { type: 'delay', ms: 400 }, 1000);
    const accepted = await call('POST', '/webhooks/saas-management', rows, { authorization: SECRET });
    expect(accepted.status).toBe(202);
    const { deliveryId, instances } = accepted.read(IngestAnswer);
    const batches = instances[0]!.batches;
    expect(batches).toBeGreaterThan(8);

    // Act: kill as soon as the first executions have happened.
    for (let i = 0; i < 100 && isc.state.executions.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    server!.kill('SIGKILL');
    await new Promise((resolve) => server!.once('exit', resolve));
    const sentBeforeKill = isc.state.executions.length;
    expect(sentBeforeKill).toBeLessThan(batches);
    server = await startServer();

    let status = '';
    for (let i = 0; i < 300 && status !== 'DISPATCHED'; i++) {
      status = (await admin('GET', `/admin/deliveries/${deliveryId}`)).read(DeliveryDetail).status;

      if (status !== 'DISPATCHED') await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // Assess
    expect(status).toBe('DISPATCHED');
    const counts = Array.from({ length: batches }, (_, i) => isc.state.executionCount(deliveryId, i + 1));
    expect(counts.every((n) => n >= 1)).toBe(true);
    const repeats = counts.reduce((sum, n) => sum + (n - 1), 0);
    expect(repeats).toBeLessThanOrEqual(4); // ISC_CONCURRENCY: at most that many calls were in flight at the kill
  }, 90_000);
});
