/**
 * Retries inside one ISC call, over real HTTP against the ISC simulator: idempotent calls ride out 5xx, 429,
 * resets and slow answers within the call; the trigger is repeated only on 429 or when it provably never
 * reached ISC; the retry budget keeps a full outage from multiplying the load.
 */
import { createServer } from 'node:net';
import { beforeEach, describe, expect, it } from 'vitest';
import { HttpIscClient, type HttpIscClientOptions } from '../../functions/adapters/isc-client.js';
import { IscError } from '../../functions/core/errors.js';
import { API_CLIENT, TRIGGER_CLIENT, seedIdentities, simulatorTarget, useFakeIsc, workflowInput } from '../helpers/fake-isc.js';

/** Counts the requests the client really sent (each try). */
function countingFetch(): { fetchImpl: typeof fetch; tries: () => number } {
  let tries = 0;
  return {
    fetchImpl: (url, init) => {
      tries++;
      return fetch(url, init);
    },
    tries: () => tries,
  };
}

async function rejection(promise: Promise<unknown>): Promise<IscError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(IscError);
  return error as IscError;
}

/** A loopback port with nothing listening: connecting is refused before a byte is written. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Class: HttpIscClient — retries inside a call', () => {
  const fake = useFakeIsc({ identities: seedIdentities(10), rateLimit: false });
  const client = (options: HttpIscClientOptions = {}) => new HttpIscClient({ timeoutMs: 1_000, ...options });
  beforeEach(() => fake.isc.state.reset());

  it('rides out a 500, a reset and a 429 with Retry-After on identity search within one call', async () => {
    // Prepare
    const { state } = fake.isc;
    state.failNext('search', { type: 'status', status: 500 });
    state.failNext('search', { type: 'reset' });
    state.failNext('search', { type: 'rate-limit', retryAfterSeconds: 1 });
    const isc = client({ retry: { maxTries: 5 } });
    // Act
    const started = Date.now();
    const found = await isc.resolveIdentities(fake.target, API_CLIENT, ['user1@example.com', 'nobody@example.com']);
    // Assess
    expect(found).toEqual(new Map([['user1@example.com', 'id-1']]));
    expect(state.calls.filter((c) => c.route === 'search').map((c) => c.status)).toEqual([500, 0, 429, 200]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000); // the Retry-After was honoured
  });

  it('gives each try its own deadline: a slow first answer is abandoned and the next try succeeds', async () => {
    fake.isc.state.failNext('search', { type: 'delay', ms: 3_000 });
    const found = await client({ timeoutMs: 300 }).resolveIdentities(fake.target, API_CLIENT, ['user2@example.com']);
    expect(found.get('user2@example.com')).toBe('id-2');
    expect(fake.isc.state.count('search')).toBe(2);
  });

  it('retries the token request on 503 and reports each searched chunk as it completes', async () => {
    fake.isc.state.failNext('token', { type: 'status', status: 503 });
    const chunks: Array<Map<string, string | null>> = [];
    await client({ searchChunkSize: 1 }).resolveIdentities(fake.target, API_CLIENT, ['user3@example.com', 'ghost@example.com'], (chunk) => chunks.push(new Map(chunk)));
    expect(fake.isc.state.calls.filter((c) => c.route === 'token').map((c) => c.status)).toEqual([503, 200]);
    expect(chunks).toEqual([new Map([['user3@example.com', 'id-3']]), new Map([['ghost@example.com', null]])]);
  });

  it('gives up when a 429 asks for longer than the call budget, with the Retry-After for the batch-level retry', async () => {
    fake.isc.state.failNext('search', { type: 'rate-limit', retryAfterSeconds: 5 });
    const error = await rejection(client({ retry: { budgetMs: 3_000 } }).resolveIdentities(fake.target, API_CLIENT, ['user1@example.com']));
    expect(error).toMatchObject({ code: 'isc_rate_limited', details: { retryAfterMs: 5_000 } });
    expect(fake.isc.state.count('search')).toBe(1);
  });

  it('does not repeat a trigger that may have reached ISC (500, reset, timeout): the batch-level retry decides', async () => {
    for (const fault of [{ type: 'status', status: 500 }, { type: 'reset' }, { type: 'delay', ms: 2_000 }] as const) {
      fake.isc.state.reset();
      fake.isc.state.failNext('trigger', fault);
      const error = await rejection(client({ timeoutMs: 300 }).triggerWorkflow(fake.target, TRIGGER_CLIENT, workflowInput(`d-${fault.type}`, 1)));
      expect(error.retryable).toBe(true);
      expect(fake.isc.state.count('trigger')).toBe(1);
    }
  });

  it('repeats a trigger after a 429 (ISC did not run it) and runs the workflow exactly once', async () => {
    fake.isc.state.failNext('trigger', { type: 'rate-limit', retryAfterSeconds: 1 });
    const { executionId } = await client().triggerWorkflow(fake.target, TRIGGER_CLIENT, workflowInput('d-429-once', 1));
    expect(executionId).toBeTruthy();
    expect(fake.isc.state.count('trigger')).toBe(2);
    expect(fake.isc.state.executionCount('d-429-once', 1)).toBe(1);
  });

  it('repeats a trigger whose connection was refused (it provably never reached ISC), up to the try cap', async () => {
    const counting = countingFetch();
    const refused = simulatorTarget(fake.isc.url, { triggerUrl: `http://127.0.0.1:${await closedPort()}/beta/workflows/execute/external/wf` });
    const error = await rejection(client({ fetchImpl: counting.fetchImpl, retry: { maxTries: 3 } }).triggerWorkflow(refused, TRIGGER_CLIENT, workflowInput('d-refused', 1)));
    expect(error).toMatchObject({ code: 'isc_unavailable', retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
    expect(counting.tries()).toBe(1 + 3); // one token request, three trigger tries
  });

  it('spends its retry budget in a full outage, then tries each call once', async () => {
    // Prepare: every call answers 503.
    fake.isc.state.setFaultMix({ faults: [{ share: 1, fault: { type: 'status', status: 503 } }], random: () => 0 });
    const isc = client({ retryBudget: 3, retry: { maxTries: 4 }, sleep: () => Promise.resolve() });
    // Act
    for (let call = 0; call < 3; call++) await rejection(isc.resolveIdentities(fake.target, API_CLIENT, ['user1@example.com']));
    // Assess: the first call used the whole budget (4 tries), the next ones one try each.
    expect(fake.isc.state.count('token')).toBe(4 + 1 + 1);
    expect(fake.isc.state.count('search')).toBe(0);
  });
});
