import { describe, expect, it, vi } from 'vitest';
import type { Credentials } from '../../../functions/core/target.js';
import { TokenCache, decodeJwtClaims, type IssuedToken } from '../../../functions/adapters/token-cache.js';

const TOKEN_URL = 'https://acme.api.identitynow.com/oauth/token';
const OWNER = { id: 'prod', tokenUrl: TOKEN_URL };
const CLIENT = { clientId: 'cid', clientSecret: 'shh' };

function fakeClock(start = Date.parse('2025-01-01T00:00:00Z')) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms), start };
}

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256' })}.${part(claims)}.sig`;
}

/** A token endpoint that numbers its tokens, so tests can see which one a caller got. */
function endpoint(answer: (n: number) => IssuedToken = (n) => ({ accessToken: `token-${n}`, expiresIn: 749 })) {
  let n = 0;
  return vi.fn((_tokenUrl: string, _credentials: Credentials) => Promise.resolve(answer(++n)));
}

describe('Class: TokenCache', () => {
  it('reuses a token until expires_in minus 60 s when the token is opaque', async () => {
    // Prepare
    const clock = fakeClock();
    const fetchToken = endpoint();
    const cache = new TokenCache({ fetchToken, clock });
    // Act
    const first = await cache.get(OWNER, CLIENT);
    clock.advance(688_999);
    const beforeMargin = await cache.get(OWNER, CLIENT);
    clock.advance(1);
    const afterMargin = await cache.get(OWNER, CLIENT);
    // Assess
    expect([first, beforeMargin, afterMargin]).toEqual(['token-1', 'token-1', 'token-2']);
    expect(fetchToken).toHaveBeenCalledTimes(2);
  });

  it('refreshes by the JWT exp claim when it is earlier than expires_in', async () => {
    const clock = fakeClock();
    const exp = Math.floor(clock.start / 1000) + 300;
    const fetchToken = endpoint((n) => ({ accessToken: jwt({ exp, n }), expiresIn: 43_200 }));
    const cache = new TokenCache({ fetchToken, clock });

    const first = await cache.get(OWNER, CLIENT);
    clock.advance(239_999);
    expect(await cache.get(OWNER, CLIENT)).toBe(first);
    clock.advance(1);
    expect(await cache.get(OWNER, CLIENT)).not.toBe(first);
    expect(fetchToken).toHaveBeenCalledTimes(2);
  });

  it('uses the JWT exp claim when the endpoint gives no expires_in', async () => {
    const clock = fakeClock();
    const fetchToken = endpoint((n) => ({ accessToken: jwt({ exp: Math.floor(clock.now().getTime() / 1000) + 120, n }) }));
    const cache = new TokenCache({ fetchToken, clock });

    await cache.get(OWNER, CLIENT);
    clock.advance(59_000);
    await cache.get(OWNER, CLIENT);
    clock.advance(1_000);
    await cache.get(OWNER, CLIENT);

    expect(fetchToken).toHaveBeenCalledTimes(2);
  });

  it('does not cache a token whose lifetime is unknown', async () => {
    const fetchToken = endpoint(() => ({ accessToken: 'opaque' }));
    const cache = new TokenCache({ fetchToken, clock: fakeClock() });
    await cache.get(OWNER, CLIENT);
    await cache.get(OWNER, CLIENT);
    expect(fetchToken).toHaveBeenCalledTimes(2);
  });

  it('keeps a short-lived token for half its life when the lifetime is under two margins', async () => {
    const clock = fakeClock();
    const fetchToken = endpoint((n) => ({ accessToken: `t${n}`, expiresIn: 30 }));
    const cache = new TokenCache({ fetchToken, clock });
    await cache.get(OWNER, CLIENT);
    clock.advance(14_999);
    await cache.get(OWNER, CLIENT);
    clock.advance(1);
    await cache.get(OWNER, CLIENT);
    expect(fetchToken).toHaveBeenCalledTimes(2);
  });

  it('makes one token request for concurrent callers (single flight)', async () => {
    // Prepare
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const fetchToken = vi.fn(async () => {
      await gate;
      return { accessToken: 'shared', expiresIn: 749 };
    });
    const cache = new TokenCache({ fetchToken, clock: fakeClock() });
    // Act
    const callers = Array.from({ length: 10 }, () => cache.get(OWNER, CLIENT));
    release();
    const tokens = await Promise.all(callers);
    // Assess
    expect(new Set(tokens)).toEqual(new Set(['shared']));
    expect(fetchToken).toHaveBeenCalledTimes(1);
  });

  it('does not cache a failed fetch: every waiter sees the error and the next call asks again', async () => {
    const fetchToken = vi
      .fn<(url: string, credentials: typeof CLIENT) => Promise<IssuedToken>>()
      .mockRejectedValueOnce(new Error('token endpoint down'))
      .mockResolvedValue({ accessToken: 'recovered', expiresIn: 749 });
    const cache = new TokenCache({ fetchToken, clock: fakeClock() });

    const results = await Promise.allSettled([cache.get(OWNER, CLIENT), cache.get(OWNER, CLIENT)]);

    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    await expect(cache.get(OWNER, CLIENT)).resolves.toBe('recovered');
    expect(fetchToken).toHaveBeenCalledTimes(2);
  });

  it('keeps tokens apart per token URL and client id', async () => {
    const fetchToken = endpoint();
    const cache = new TokenCache({ fetchToken, clock: fakeClock() });
    const a = await cache.get(OWNER, CLIENT);
    const b = await cache.get(OWNER, { clientId: 'other', clientSecret: 'x' });
    const c = await cache.get({ ...OWNER, tokenUrl: 'https://other.api.identitynow.com/oauth/token' }, CLIENT);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(await cache.get(OWNER, CLIENT)).toBe(a);
  });

  it('never hands one target the token minted with another target\'s secret (same token URL and client id)', async () => {
    const fetchToken = endpoint();
    const cache = new TokenCache({ fetchToken, clock: fakeClock() });
    const first = await cache.get(OWNER, CLIENT);
    const intruder = await cache.get({ ...OWNER, id: 'intruder' }, { ...CLIENT, clientSecret: 'wrong' });
    const sameTargetOtherSecret = await cache.get(OWNER, { ...CLIENT, clientSecret: 'rotated' });
    expect(new Set([first, intruder, sameTargetOtherSecret]).size).toBe(3);
    expect(fetchToken.mock.calls.map(([, credentials]) => credentials.clientSecret)).toEqual([CLIENT.clientSecret, 'wrong', 'rotated']);
  });

  it('fetches a new token once the target\'s credential version moves on (a credentials write in any process)', async () => {
    const fetchToken = endpoint();
    const cache = new TokenCache({ fetchToken, clock: fakeClock() });
    const before = await cache.get({ ...OWNER, credentialVersion: 1 }, CLIENT);
    const after = await cache.get({ ...OWNER, credentialVersion: 2 }, CLIENT);
    expect(after).not.toBe(before);
    expect(await cache.get({ ...OWNER, credentialVersion: 2 }, CLIENT)).toBe(after);
  });

  it('fetches a new token after invalidate, once, when several callers report the same rejected token', async () => {
    // Prepare
    const fetchToken = endpoint();
    const cache = new TokenCache({ fetchToken, clock: fakeClock() });
    const rejected = await cache.get(OWNER, CLIENT);
    // Act: the first caller to see the 401 refreshes; the second one's invalidate no longer matches.
    cache.invalidate(OWNER, CLIENT, rejected);
    const fresh = await cache.get(OWNER, CLIENT);
    cache.invalidate(OWNER, CLIENT, rejected);
    const again = await cache.get(OWNER, CLIENT);
    cache.invalidate(OWNER, CLIENT);
    const forced = await cache.get(OWNER, CLIENT);
    // Assess
    expect([rejected, fresh, again, forced]).toEqual(['token-1', 'token-2', 'token-2', 'token-3']);
  });
});

describe('Function: decodeJwtClaims', () => {
  it('returns the claims a connection check shows, and the tenant (org, tenant_id, pod), when the token is a JWT', () => {
    const tenantId = '58eb06a4-dcd7-4e96-8fac-cca2afc03e61';
    const token = jwt({ org: 'acme', tenant_id: tenantId, pod: 'stg01-useast1', internal: false, client_id: 'cid', scope: ['sp:scopes:all'], authorities: ['ROLE_API'], exp: 1_700_000_000 });
    expect(decodeJwtClaims(token)).toEqual({ org: 'acme', tenantId, pod: 'stg01-useast1', clientId: 'cid', scope: ['sp:scopes:all'], authorities: ['ROLE_API'], exp: 1_700_000_000 });
  });

  it('splits a space-separated scope string', () => {
    expect(decodeJwtClaims(jwt({ scope: 'sp:search:read idn:sources:read' }))?.scope).toEqual(['sp:search:read', 'idn:sources:read']);
  });

  it('returns undefined when the token is opaque or its payload is not JSON', () => {
    expect(decodeJwtClaims('0123abcdef')).toBeUndefined();
    expect(decodeJwtClaims('a.bm90IGpzb24.c')).toBeUndefined();
  });
});
