/**
 * Console sign-in on the server side: admin routes accept a verified OpenID Connect ID token, take the role from
 * its groups and write the signed-in person into the audit. Hostile tokens get 401/403 JSON, never a 500.
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtVerifier } from '../../functions/adapters/jwt-verifier.js';
import { documentedRoutes } from '../../functions/http/routes.js';
import { AuditList, MappingSchema, TargetList } from '../../functions/http/responses.js';
import { signJwt, signingKey, unsignedJwt } from '../helpers/jwt.js';
import { productionTarget, slackMapping, startTestStack, type TestStack } from '../helpers/stack.js';

const ISSUER = 'https://idp.example.com/pool';
const CLIENT_ID = 'console-client';
const idpKey = signingKey('idp-key-1');
const otherKey = signingKey('idp-key-1'); // same kid, different key: a forged signature

const now = () => Math.floor(Date.now() / 1000);
const claims = (overrides: Record<string, unknown> = {}) => ({ iss: ISSUER, aud: CLIENT_ID, sub: 'sub-alice', email: 'alice@example.com', groups: ['admin'], iat: now(), exp: now() + 600, ...overrides });
const viewerClaims = { sub: 'sub-victor', email: 'victor@example.com', groups: ['viewer'] };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let stack: TestStack;
let jwksServer: Server;
beforeAll(async () => {
  // The IdP's published keys, on loopback: the verifier fetches them as it would Cognito's.
  jwksServer = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(idpKey.jwks))).listen(0, '127.0.0.1');
  await once(jwksServer, 'listening');
  const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  const signIn = { clientId: CLIENT_ID, authorizeUrl: `${ISSUER}/authorize`, tokenUrl: `${ISSUER}/token`, logoutUrl: `${ISSUER}/logout`, scope: 'openid email', groupsClaim: 'groups' };
  stack = await startTestStack({ oidc: { auth: { verify: createJwtVerifier({ issuer: ISSUER, audience: CLIENT_ID, jwksUri }), groupsClaim: 'groups' }, signIn } });
  await stack.call('PUT', '/admin/targets/prod', { body: productionTarget });
});
afterAll(async () => {
  await stack.close();
  jwksServer.close();
});

describe('Console tokens: refused', () => {
  it.each([
    ['another issuer', signJwt(idpKey, claims({ iss: 'https://evil.example.com/pool' })), 401],
    ['another audience', signJwt(idpKey, claims({ aud: 'some-other-app' })), 401],
    ['an expired token', signJwt(idpKey, claims({ iat: now() - 7200, exp: now() - 3600 })), 401],
    ['a token not valid yet', signJwt(idpKey, claims({ nbf: now() + 3600 })), 401],
    ['alg:none', unsignedJwt(claims()), 401],
    ['alg:none with a signature', `${unsignedJwt(claims())}${signJwt(idpKey, claims()).split('.')[2]}`, 401],
    ['HS256 signed with the public key', signJwt(idpKey, claims(), { alg: 'HS256' }), 401],
    ['a signature from another key', signJwt(otherKey, claims()), 401],
    ['a key id the IdP never published', signJwt(idpKey, claims(), { kid: 'unknown' }), 401],
    ['garbage in every part', 'a.b.c', 401],
    ['no email claim', signJwt(idpKey, claims({ email: undefined })), 401],
    ['a user in no group', signJwt(idpKey, claims({ groups: ['staff'] })), 403],
    ['groups that are not strings', signJwt(idpKey, claims({ groups: [{ name: 'admin' }] })), 403],
  ])('%s gets %s JSON', async (_label, token, status) => {
    const response = await stack.call('GET', '/admin/mappings', { headers: bearer(token), admin: false });
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(typeof response.error().code).toBe('string');
    expect(response.error().message).not.toMatch(/BEGIN|PRIVATE/);
  });

  it('an expired token says so, so the console can send the user back to sign-in', async () => {
    const response = await stack.call('GET', '/admin/mappings', { headers: bearer(signJwt(idpKey, claims({ exp: now() - 60 }))), admin: false });
    expect(response.error().code).toBe('token_expired');
  });

  it('an IdP whose keys cannot be fetched is a 503, not a 401 or a 500', async () => {
    const verify = createJwtVerifier({ issuer: ISSUER, audience: CLIENT_ID, jwksUri: 'http://127.0.0.1:9/jwks.json' });
    await expect(verify(signJwt(idpKey, claims()))).rejects.toMatchObject({ status: 503, code: 'identity_provider_unavailable' });
  });

  it('refuses a JWKS location that is neither https nor loopback', () => {
    expect(() => createJwtVerifier({ issuer: ISSUER, audience: CLIENT_ID, jwksUri: 'http://idp.example.com/jwks.json' })).toThrow(/https/);
  });
});

describe('Console tokens: roles', () => {
  const writeRoutes = documentedRoutes().filter((route) => route.auth === 'admin' && route.method !== 'GET');

  it('covers every write route', () => {
    expect(writeRoutes.length).toBeGreaterThanOrEqual(10);
    expect(writeRoutes.map((r) => r.method)).toEqual(expect.arrayContaining(['PUT', 'POST', 'DELETE']));
  });

  it.each(writeRoutes.map((route) => [route.method, route.path] as const))('a viewer gets 403 on %s %s', async (method, path) => {
    const concrete = path.replace(/\{(\w+)\}/g, 'slack-production');
    const response = await stack.call(method, concrete, { headers: bearer(signJwt(idpKey, claims(viewerClaims))), body: {}, admin: false });
    expect(response.status).toBe(403);
    expect(response.error()).toMatchObject({ code: 'forbidden', details: { role: 'viewer' } });
  });

  it('a viewer reads', async () => {
    const response = await stack.call('GET', '/admin/targets', { headers: bearer(signJwt(idpKey, claims(viewerClaims))), admin: false });
    expect(response.status).toBe(200);
    expect(response.read(TargetList).items.map((t) => t.id)).toContain('prod');
  });

  it('an admin writes, and the audit names them by email and subject', async () => {
    const put = await stack.call('PUT', '/admin/mappings/slack-production', { headers: bearer(signJwt(idpKey, claims())), body: slackMapping(), admin: false });
    expect(put.status).toBe(201);
    expect(put.read(MappingSchema).updatedBy).toBe('alice@example.com (sub sub-alice)');
    const audit = await stack.call('GET', '/admin/mappings/slack-production/audit');
    expect(audit.read(AuditList).items[0]).toMatchObject({ action: 'create', actor: 'alice@example.com (sub sub-alice)' });
  });

  it('Cognito-style single-string groups and the local admin token still work', async () => {
    expect((await stack.call('GET', '/admin/targets', { headers: bearer(signJwt(idpKey, claims({ groups: 'viewer' }))), admin: false })).status).toBe(200);
    expect((await stack.call('GET', '/admin/targets')).status).toBe(200);
  });
});
