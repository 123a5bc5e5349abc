/// <reference lib="dom" />
/**
 * OpenID Connect sign-in for the console as a public client: authorization code + PKCE (S256), state and nonce,
 * no client secret. The ID token is the API's bearer token; it lives in sessionStorage (via `session`) only.
 */
import { session } from './api.js';
import type { ConsoleSignIn } from '../http/console-route.js';

/** What /console/config.json says in OIDC mode (functions/http/console-route.ts). */
export type OidcConfig = ConsoleSignIn & { signIn: 'oidc' };

export type SignInConfig = { signIn: 'token' } | OidcConfig;

/** The signed-in person as the ID token says; for display and for disabling controls only — the API decides. */
export interface SignedInUser {
  email: string;
  role: 'admin' | 'viewer' | 'none';
}

const PENDING_KEY = 'usage-cert.oidc-pending';
const redirectUri = () => `${location.origin}/console/`;

const base64url = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const randomText = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)));

export async function loadSignInConfig(): Promise<SignInConfig> {
  const response = await fetch('/console/config.json', { credentials: 'omit', cache: 'no-store' });
  if (!response.ok) throw new Error(`The console configuration could not be loaded (${response.status}).`);
  return (await response.json()) as SignInConfig;
}

/** Leaves for the IdP's sign-in page; the current view is restored after the redirect back. */
export async function beginSignIn(config: OidcConfig): Promise<void> {
  const pending = { state: randomText(), nonce: randomText(), verifier: randomText(), hash: location.hash };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(pending.verifier))));
  const url = new URL(config.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: config.clientId, redirect_uri: redirectUri(), scope: config.scope,
    state: pending.state, nonce: pending.nonce, code_challenge: challenge, code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

/**
 * On the redirect back (`?code=…&state=…` or `?error=…`): exchanges the code for tokens and signs in. Returns
 * undefined when this is not a redirect back, otherwise an error text for the sign-in view ('' when signed in).
 */
export async function completeSignIn(config: OidcConfig): Promise<string | undefined> {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return undefined;
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as { state: string; nonce: string; verifier: string; hash: string } | null;
  sessionStorage.removeItem(PENDING_KEY);
  // The code must not stay in the address bar or the history.
  history.replaceState(null, '', `/console/${pending?.hash ?? ''}`);
  if (params.has('error')) return `Sign-in was not completed: ${params.get('error_description') ?? params.get('error')}.`;
  if (!pending || params.get('state') !== pending.state) return 'That sign-in response was not started by this tab; sign in again.';
  const response = await fetch(config.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: config.clientId, code: params.get('code')!, redirect_uri: redirectUri(), code_verifier: pending.verifier }),
    credentials: 'omit',
    cache: 'no-store',
  });
  const tokens = (await response.json().catch(() => ({}))) as { id_token?: string; error_description?: string; error?: string };
  if (!response.ok || !tokens.id_token) return `Sign-in failed at the identity provider: ${tokens.error_description ?? tokens.error ?? response.status}.`;
  if (claims(tokens.id_token).nonce !== pending.nonce) return 'The identity provider answered for another sign-in attempt; sign in again.';
  session.signIn(tokens.id_token);
  return '';
}

/** Clears the tab's token, then ends the IdP session too (OIDC end_session; Cognito reads client_id + logout_uri). */
export function signOutEverywhere(config: OidcConfig): void {
  const idToken = session.token();
  session.signOut();
  const url = new URL(config.logoutUrl);
  url.search = new URLSearchParams({ client_id: config.clientId, post_logout_redirect_uri: redirectUri(), logout_uri: redirectUri(), ...(idToken ? { id_token_hint: idToken } : {}) }).toString();
  location.assign(url.toString());
}

export function signedInUser(config: OidcConfig, token: string): SignedInUser {
  const payload = claims(token);
  const raw = payload[config.groupsClaim];
  const groups = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  const role = groups.includes('admin') ? 'admin' : groups.includes('viewer') ? 'viewer' : 'none';
  return { email: typeof payload.email === 'string' ? payload.email : 'unknown', role };
}

function claims(token: string): Record<string, unknown> {
  try {
    return JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
  } catch {
    return {};
  }
}
