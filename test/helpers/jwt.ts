import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** An RSA signing key as an IdP holds it, and the JWKS it publishes. */
export interface TestSigningKey {
  kid: string;
  privateKey: KeyObject;
  jwks: { keys: Record<string, unknown>[] };
}

export function signingKey(kid: string): TestSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] } };
}

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact RS256 JWS, signed here so each test can bend exactly one claim or header field. */
export function signJwt(key: TestSigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const input = `${part({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header })}.${part(claims)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key.privateKey).toString('base64url')}`;
}

/** The same claims with no signature and `alg:none`: what an attacker sends hoping the verifier trusts the header. */
export const unsignedJwt = (claims: Record<string, unknown>): string => `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
