// The subpath, not the package root: the root also bundles the Cognito and ALB verifiers.
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import { FetchError, JwksNotAvailableInCacheError, JwtBaseError, JwtExpiredError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { Fetcher } from 'aws-jwt-verify/https';
import { AppError, unauthorized } from '../core/errors.js';

export interface OidcVerifierSettings {
  /** The IdP's issuer URL, compared exactly with the token's `iss`. */
  issuer: string;
  /** The console's client id, compared with the token's `aud` (an ID token's audience is the client). */
  audience: string;
  /** Where the IdP publishes its signing keys: HTTPS, or plain HTTP on loopback (the local provider). */
  jwksUri: string;
}

export type TokenClaims = Readonly<Record<string, unknown>>;

/**
 * Verifies console ID tokens with aws-jwt-verify: signature against the IdP's published keys (asymmetric
 * algorithms only, so `alg:none` and HMAC tokens are refused), issuer, audience, expiry and not-before.
 * Every refusal is a 401 naming what was wrong; only an IdP we cannot reach is a 503, because the caller did
 * nothing wrong then.
 */
export function createJwtVerifier(settings: OidcVerifierSettings): (token: string) => Promise<TokenClaims> {
  const jwksUri = new URL(settings.jwksUri);
  if (jwksUri.protocol !== 'https:' && !(jwksUri.protocol === 'http:' && LOOPBACK.has(jwksUri.hostname))) throw new Error(`jwksUri must be https (or http on loopback): ${settings.jwksUri}`);
  const verifier = JwtVerifier.create({ issuer: settings.issuer, audience: settings.audience, jwksUri: settings.jwksUri }, { jwksCache: new SimpleJwksCache({ fetcher: jwksFetcher }) });
  return async (token) => {
    try {
      return await verifier.verify(token);
    } catch (error) {
      throw translate(error);
    }
  };
}

/**
 * The console's Cognito sign-in as the admin function's environment (set by lib/console-hosting.ts); undefined
 * when the stack has no console, so a JWT is then never accepted.
 */
export function consoleAuthFrom(config: { CONSOLE_ISSUER?: string; CONSOLE_CLIENT_ID?: string; CONSOLE_GROUPS_CLAIM: string }): { verify: (token: string) => Promise<TokenClaims>; groupsClaim: string } | undefined {
  const { CONSOLE_ISSUER: issuer, CONSOLE_CLIENT_ID: audience } = config;
  if (!issuer || !audience) return undefined;
  return { verify: createJwtVerifier({ issuer, audience, jwksUri: `${issuer}/.well-known/jwks.json` }), groupsClaim: config.CONSOLE_GROUPS_CLAIM };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const JWKS_TIMEOUT_MS = 5_000;

/** Node's global fetch instead of the library's https-only client, so the local provider's http JWKS works too. */
const jwksFetcher: Fetcher = {
  async fetch(uri) {
    let response: Response;
    try {
      response = await fetch(uri, { signal: AbortSignal.timeout(JWKS_TIMEOUT_MS), redirect: 'error' });
    } catch (error) {
      throw new FetchError(uri, (error as Error).message);
    }
    if (response.status !== 200) throw new NonRetryableFetchError(uri, `Status code is ${response.status}, expected 200`);
    return response.arrayBuffer();
  },
};

function translate(error: unknown): AppError {
  if (error instanceof FetchError || error instanceof JwksNotAvailableInCacheError) {
    return new AppError(503, 'identity_provider_unavailable', 'The sign-in provider\'s signing keys could not be fetched; retry shortly.', undefined, { cause: error });
  }
  if (error instanceof JwtExpiredError) return new AppError(401, 'token_expired', 'The sign-in has expired; sign in again.');
  if (error instanceof JwtBaseError) return unauthorized(`Invalid sign-in token: ${error.message}`);
  return unauthorized('Invalid sign-in token.');
}
