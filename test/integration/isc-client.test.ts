/**
 * HttpIscClient over real HTTP against the ISC simulator on 127.0.0.1: tokens, 401 refresh, failure mapping,
 * identity search chunking/paging and the client-side rate limit.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IscError } from '../../functions/core/errors.js';
import { HttpIscClient, type HttpIscClientOptions } from '../../functions/adapters/isc-client.js';
import { CREDENTIAL_HINTS, apiVersion, fetchToken } from '../../functions/adapters/isc-transport.js';
import { decodeJwtClaims } from '../../functions/adapters/token-cache.js';
import { simulatedTenantId, type IscSimulator } from '../../functions/local/isc-simulator.js';
import { API_CLIENT, DEFAULT_IDENTITIES, TRIGGER_CLIENT, seedIdentities, simulatorTarget, startFakeIsc, useFakeIsc, workflowInput } from '../helpers/fake-isc.js';

async function failure(promise: Promise<unknown>): Promise<IscError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IscError);
  return error as IscError;
}

/** The most arrivals within any window of `windowMs`. */
function busiestWindow(arrivals: number[], windowMs: number): number {
  return Math.max(...arrivals.map((start) => arrivals.filter((at) => at >= start && at < start + windowMs).length));
}

describe('Class: HttpIscClient', () => {
  const fake = useFakeIsc({ identities: [...DEFAULT_IDENTITIES, ...seedIdentities(500)], rateLimit: false });
  const client = (options: HttpIscClientOptions = {}) => new HttpIscClient({ timeoutMs: 2_000, ...options });
  beforeEach(() => fake.isc.state.reset());

  describe('triggerWorkflow', () => {
    it('makes one token request for many trigger calls and returns each execution id', async () => {
      // Prepare
      const isc = client();
      // Act
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => isc.triggerWorkflow(fake.target, TRIGGER_CLIENT, workflowInput('d-many', i))));
      // Assess
      const { state } = fake.isc;
      expect(state.count('token')).toBe(1);
      expect(state.count('trigger')).toBe(10);
      expect(results.map((r) => r.executionId).sort()).toEqual(state.executions.map((e) => e.executionId).sort());
      expect(state.executionCount('d-many', 3)).toBe(1);
      expect(state.executions[0]?.input).toMatchObject({ deliveryId: 'd-many', source: { name: 'Slack' } });
    });

    it('refreshes the token once, transparently, when ISC answers 401 because it expired mid-run', async () => {
      const isc = client();
      await isc.triggerWorkflow(fake.target, TRIGGER_CLIENT, workflowInput('d-expiry', 0));
      fake.isc.state.revokeAllTokens();

      const second = await isc.triggerWorkflow(fake.target, TRIGGER_CLIENT, workflowInput('d-expiry', 1));
      await isc.triggerWorkflow(fake.target, TRIGGER_CLIENT, workflowInput('d-expiry', 2));

      const { state } = fake.isc;
      expect(second.executionId).toBeTruthy();
      expect(state.count('token')).toBe(2);
      expect(state.calls.filter((c) => c.route === 'trigger').map((c) => c.status)).toEqual([200, 401, 200, 200]);
      expect(state.executionCount('d-expiry', 1)).toBe(1);
    });

    it('fails with a retryable isc_credentials_rejected when ISC rejects the refreshed token too (the token endpoint took the credentials)', async () => {
      fake.isc.state.failNext('trigger', { type: 'status', status: 401, body: { error: 'JWT validation failed: JWT is expired' } }, 2);
      const error = await failure(client().triggerWorkflow(fake.target, TRIGGER_CLIENT, workflowInput('d-401', 0)));
      expect(error).toMatchObject({ code: 'isc_credentials_rejected', retryable: true, details: { status: 401 } });
      expect(fake.isc.state.count('token')).toBe(2);
    });

    it('fails with a retryable isc_rate_limited carrying Retry-After seconds when ISC answers 429 with a wait longer than the call budget', async () => {
      fake.isc.state.failNext('trigger', { type: 'rate-limit', retryAfterSeconds: 30 });
      const error = await failure(client().triggerWorkflow(fake.target, TRIGGER_CLIENT, workflowInput('d-429', 0)));
      expect(error).toMatchObject({ code: 'isc_rate_limited', retryable: true, details: { status: 429, retryAfterMs: 30_000, isc: { message: ' Rate Limit Exceeded ' } } });
      expect(fake.isc.state.count('trigger')).toBe(1);
    });

    it('reads a Retry-After HTTP date relative to the clock', async () => {
      const now = new Date('2025-03-01T12:00:00Z');
      fake.isc.state.failNext('trigger', { type: 'status', status: 429, body: { message: ' Rate Limit Exceeded ' }, retryAfter: 'Sat, 01 Mar 2025 12:00:30 GMT' });
      const error = await failure(client({ clock: { now: () => now } }).triggerWorkflow(fake.target, TRIGGER_CLIENT, workflowInput('d-date', 0)));
      expect(error.details.retryAfterMs).toBe(30_000);
    });

    it.each([500, 502, 503])('fails with a retryable isc_unavailable when ISC answers %i', async (status) => {
      fake.isc.state.failNext('trigger', { type: 'status', status });
      const error = await failure(client().triggerWorkflow(fake.target, TRIGGER_CLIENT, workflowInput('d-5xx', 0)));
      expect(error).toMatchObject({ code: 'isc_unavailable', retryable: true, details: { status } });
    });

    it('fails with a retryable isc_timeout when ISC answers after the timeout', async () => {
      fake.isc.state.failNext('trigger', { type: 'delay', ms: 2_000 });
      const error = await failure(client({ timeoutMs: 200 }).triggerWorkflow(fake.target, TRIGGER_CLIENT, workflowInput('d-slow', 0)));
      expect(error).toMatchObject({ code: 'isc_timeout', retryable: true });
    });

    it('fails with a retryable isc_unavailable when the connection is reset', async () => {
      fake.isc.state.failNext('trigger', { type: 'reset' });
      const error = await failure(client().triggerWorkflow(fake.target, TRIGGER_CLIENT, workflowInput('d-reset', 0)));
      expect(error).toMatchObject({ code: 'isc_unavailable', retryable: true });
      expect(fake.isc.state.executionCount('d-reset', 0)).toBe(0);
    });

    it('reports a retryable failure even though the workflow ran when only the answer was lost', async () => {
      // The dispatcher must tolerate this: a retry after a lost answer starts the workflow a second time.
      fake.isc.state.failNext('trigger', { type: 'reset', afterHandling: true });
      const error = await failure(client().triggerWorkflow(fake.target, TRIGGER_CLIENT, workflowInput('d-lost', 0)));
      expect(error.retryable).toBe(true);
      expect(fake.isc.state.executionCount('d-lost', 0)).toBe(1);
    });

    it('fails with a retryable isc_bad_response when a 2xx body is not JSON', async () => {
      fake.isc.state.failNext('trigger', { type: 'malformed' });
      const error = await failure(client().triggerWorkflow(fake.target, TRIGGER_CLIENT, workflowInput('d-html', 0)));
      expect(error).toMatchObject({ code: 'isc_bad_response', retryable: true, details: { status: 200 } });
    });

    it("fails with workflow_not_executed and ISC's message when the workflow is disabled", async () => {
      fake.isc.state.disableWorkflow();
      const error = await failure(client().triggerWorkflow(fake.target, TRIGGER_CLIENT, workflowInput('d-off', 0)));
      expect(error).toMatchObject({ code: 'workflow_not_executed', retryable: false });
      expect(error.message).toBe('Workflow was not executed externally. Check enabled flag on workflow definition');
      expect(fake.isc.state.executionCount('d-off', 0)).toBe(0);
    });

    it("fails with a non-retryable isc_request_rejected that keeps ISC's error fields when the URL is wrong", async () => {
      const target = simulatorTarget(fake.isc.url, { triggerUrl: `${fake.isc.url}/beta/workflows/execute/external/x/nope` });
      const error = await failure(client().triggerWorkflow(target, TRIGGER_CLIENT, workflowInput('d-404', 0)));
      expect(error).toMatchObject({ code: 'isc_request_rejected', retryable: false, details: { status: 404, isc: { detailCode: '404 Not found' } } });
      const isc = error.details.isc as { trackingId: string; messages: Array<{ text: string }> };
      expect(isc.trackingId).toMatch(/^[0-9a-f]{32}$/);
      expect(error.message).toContain(isc.messages[0]?.text);
    });

    it('fails with isc_credentials_rejected, ordered hints and no secret when the client secret is wrong', async () => {
      // Prepare
      const secret = 'wrong-secret-value-9f8e7d';
      // Act
      const error = await failure(client().triggerWorkflow(fake.target, { clientId: TRIGGER_CLIENT.clientId, clientSecret: secret }, workflowInput('d-bad', 0)));
      // Assess
      expect(error).toMatchObject({ code: 'isc_credentials_rejected', retryable: false, details: { status: 401, isc: { error: 'invalid_client' } } });
      expect(error.details.hints).toEqual(CREDENTIAL_HINTS);
      expect(error.details.hints?.[0]).toMatch(/tenant/);
      const everything = `${error.message} ${error.stack} ${JSON.stringify(error)} ${JSON.stringify(error.details)}`;
      expect(everything).not.toContain(secret);
      expect(fake.isc.state.count('trigger')).toBe(0);
    });
  });

  describe('resolveIdentities', () => {
    it('searches 600 emails in 3 chunks, pages through results and leaves unmatched emails out', async () => {
      // Prepare: user0…user499 exist, user500…user599 do not; page size 100 forces paging inside a chunk.
      const emails = Array.from({ length: 600 }, (_, i) => (i % 7 === 0 ? `USER${i}@Example.com` : `user${i}@example.com`));
      // Act
      const found = await client({ searchPageSize: 100 }).resolveIdentities(fake.target, API_CLIENT, emails);
      // Assess
      const searches = fake.isc.state.calls.filter((c) => c.route === 'search');
      expect(searches.map((c) => new URLSearchParams(c.query).get('offset'))).toEqual(['0', '100', '200', '0', '100', '200', '0']);
      expect(searches.every((c) => c.clientId === API_CLIENT.clientId)).toBe(true);
      expect(found.size).toBe(500);
      expect(found.get('user0@example.com')).toBe('id-0');
      expect(found.get('user499@example.com')).toBe('id-499');
      expect(found.has('user500@example.com')).toBe(false);
    });

    it('matches case-insensitively and ignores duplicates and blanks', async () => {
      const found = await client().resolveIdentities(fake.target, API_CLIENT, ['bob.brown@example.com', 'BOB.BROWN@EXAMPLE.COM', ' alice@example.com ', '', 'nobody@example.com']);
      expect(Object.fromEntries(found)).toEqual({ 'bob.brown@example.com': DEFAULT_IDENTITIES[1]!.id, 'alice@example.com': DEFAULT_IDENTITIES[0]!.id });
      expect(fake.isc.state.count('search')).toBe(1);
    });

    it('makes no call when there are no emails', async () => {
      const found = await client().resolveIdentities(fake.target, API_CLIENT, []);
      expect(found.size).toBe(0);
      expect(fake.isc.state.count('token') + fake.isc.state.count('search')).toBe(0);
    });
  });

  describe('rate limiting', () => {
    it('keeps at most N requests in any window when many triggers are started at once', async () => {
      // Prepare
      const isc = client({ rateLimit: { requests: 5, windowMs: 500 } });
      // Act
      await Promise.all(Array.from({ length: 15 }, (_, i) => isc.triggerWorkflow(fake.target, TRIGGER_CLIENT, workflowInput('d-limit', i))));
      // Assess: a 100 ms allowance absorbs jitter between our send time and the simulator's arrival time
      // (unlimited, all 15 arrive within a few ms).
      const arrivals = fake.isc.state.arrivals('trigger');
      expect(arrivals).toHaveLength(15);
      expect(busiestWindow(arrivals, 400)).toBeLessThanOrEqual(5);
    });
  });
});

describe('Class: HttpIscClient against an ISC rate limit', () => {
  let isc: IscSimulator;
  beforeAll(async () => {
    isc = await startFakeIsc({ rateLimit: { requests: 2, windowMs: 60_000 } });
  });
  afterAll(() => isc.close());

  it("surfaces ISC's own 429 with its Retry-After when our limit is looser than the tenant's", async () => {
    const client = new HttpIscClient();
    const target = simulatorTarget(isc.url);
    await client.triggerWorkflow(target, TRIGGER_CLIENT, workflowInput('d-isc-limit', 0));
    await client.triggerWorkflow(target, TRIGGER_CLIENT, workflowInput('d-isc-limit', 1));

    const error = await failure(client.triggerWorkflow(target, TRIGGER_CLIENT, workflowInput('d-isc-limit', 2)));

    expect(error).toMatchObject({ code: 'isc_rate_limited', retryable: true });
    expect(error.details.retryAfterMs).toBeGreaterThan(50_000);
    expect(error.details.retryAfterMs).toBeLessThanOrEqual(60_000);
  });
});

describe('Method: HttpIscClient.tokenTenant', () => {
  const sandboxClient = { clientId: 'sandbox-client', clientSecret: 'sandbox-secret-Q1', org: 'acme-sb' };
  const jwtFake = useFakeIsc({ clients: [TRIGGER_CLIENT, sandboxClient], pod: 'stg01-useast1' });
  const opaqueFake = useFakeIsc({ tokenStyle: 'opaque' });

  it('reads the tenant from the cached token the next call will carry (org, tenant_id, pod claims)', async () => {
    const isc = new HttpIscClient({ timeoutMs: 2_000 });
    const own = await isc.tokenTenant(jwtFake.target, TRIGGER_CLIENT);
    await isc.triggerWorkflow(jwtFake.target, TRIGGER_CLIENT, workflowInput('d-tenant', 1));
    const sandbox = await isc.tokenTenant(jwtFake.target, sandboxClient);
    expect(own).toEqual({ org: 'acme-sim', tenantId: simulatedTenantId('acme-sim'), pod: 'stg01-useast1', from: 'token' });
    expect(sandbox).toEqual({ org: 'acme-sb', tenantId: simulatedTenantId('acme-sb'), pod: 'stg01-useast1', from: 'token' });
    expect(jwtFake.isc.state.count('token')).toBe(2); // one per client: the trigger call reused the token just read
  });

  it('asks the host (/oauth/info) when the token is opaque', async () => {
    const tenant = await new HttpIscClient({ timeoutMs: 2_000 }).tokenTenant(opaqueFake.target, TRIGGER_CLIENT);
    expect(tenant).toEqual({ org: 'acme-sim', tenantId: simulatedTenantId('acme-sim'), from: 'oauth-info' });
    expect(opaqueFake.isc.state.count('info')).toBe(1);
  });
});

describe('Function: fetchToken', () => {
  const fake = useFakeIsc({ tokenTtlSeconds: 749 });

  it("returns the token and its lifetime, and the token's claims decode", async () => {
    const { accessToken, expiresIn } = await fetchToken(fake.target, API_CLIENT);
    expect(expiresIn).toBe(749);
    const claims = decodeJwtClaims(accessToken);
    expect(claims).toMatchObject({ org: 'acme-sim', tenantId: simulatedTenantId('acme-sim'), pod: 'simulator', clientId: API_CLIENT.clientId, scope: ['sp:scopes:all'] });
    expect(claims).not.toHaveProperty('tenantName'); // ISC tokens carry org / tenant_id / pod, not tenant_name
  });

  it('accepts a token URL string and rejects an unknown client with hints', async () => {
    const error = await failure(fetchToken(fake.target.tokenUrl, { clientId: 'ghost', clientSecret: 'ghost-secret' }));
    expect(error).toMatchObject({ code: 'isc_credentials_rejected', details: { hints: CREDENTIAL_HINTS } });
    expect(error.message).toContain('ghost');
    expect(JSON.stringify(error)).not.toContain('ghost-secret');
  });
});

describe('Function: apiVersion', () => {
  it('names the rate-limit bucket after the API version in the path', () => {
    expect(apiVersion('https://acme.api.identitynow.com/v3/search')).toBe('v3');
    expect(apiVersion('https://acme.api.identitynow.com/beta/workflows/execute/external/x')).toBe('beta');
    expect(apiVersion('https://acme.api.identitynow.com/oauth/token')).toBe('oauth');
  });
});

describe('Function: startIscSimulator', () => {
  const lines: string[] = [];
  const fake = useFakeIsc({
    log: (line) => lines.push(line),
    sources: Array.from({ length: 260 }, (_, i) => ({ id: `src-${i}`, name: i === 7 ? 'Slack "prod"' : `Source ${i}` })),
  });
  const get = async (path: string, token?: string) => {
    const response = await fetch(`${fake.isc.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: response.status, simulator: response.headers.get('x-isc-simulator'), body: (await response.json()) as unknown };
  };

  it('announces itself as a simulator in the log and on every response', async () => {
    const info = await get('/oauth/info');
    const unknown = await get('/v3/nothing-here');
    expect(lines).toEqual([expect.stringContaining('ISC SIMULATOR (not a real SailPoint tenant)')]);
    expect(info).toMatchObject({ status: 200, simulator: 'true', body: { tenantName: 'acme-sim', tenantId: simulatedTenantId('acme-sim') } });
    expect(unknown).toMatchObject({ status: 404, simulator: 'true', body: { detailCode: '404 Not found' } });
  });

  it('serves sources with limit ≤ 250, offset, name filters and by id, behind a bearer token', async () => {
    const { accessToken } = await fetchToken(fake.target, API_CLIENT);
    const secondPage = await get('/v3/sources?limit=250&offset=250', accessToken);
    const filtered = await get(`/v3/sources?filters=${encodeURIComponent('name eq "Slack \\"prod\\""')}`, accessToken);
    expect((secondPage.body as unknown[]).length).toBe(10);
    expect(filtered.body).toEqual([{ id: 'src-7', name: 'Slack "prod"' }]);
    expect((await get('/v3/sources?limit=251', accessToken)).status).toBe(400);
    expect((await get('/v3/sources/src-3', accessToken)).body).toEqual({ id: 'src-3', name: 'Source 3' });
    expect((await get('/v3/sources/missing', accessToken)).status).toBe(404);
    expect((await get('/v3/sources')).status).toBe(401);
  });

  it('echoes the input on the External Trigger test route without running the workflow', async () => {
    const { accessToken } = await fetchToken(fake.target, TRIGGER_CLIENT);
    const response = await fetch(`${fake.target.triggerUrl}/test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { hello: 'world' } }),
    });
    expect(await response.json()).toEqual({ payload: { hello: 'world' } });
    expect(fake.isc.state.executions).toHaveLength(0);
  });
});
