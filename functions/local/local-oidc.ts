import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider, { type Configuration, type JWK, type KoaContextWithOIDC } from 'oidc-provider';
import { matchesAnySecret } from '../http/auth.js';
import type { ConsoleAuth, ConsoleRole } from '../http/console-auth.js';
import { createJwtVerifier } from '../adapters/jwt-verifier.js';
import type { ConsoleSignIn } from '../http/console-route.js';

/** A person who can sign in to the local provider; `groups` become the console role, as Cognito groups do on AWS. */
export interface LocalUser {
  email: string;
  password: string;
  groups: ConsoleRole[];
}

export interface LocalOidcOptions {
  /** The console's origin, e.g. http://127.0.0.1:3000: the only redirect and post-logout target. */
  consoleOrigin: string;
  users: LocalUser[];
  port?: number;
  /** The provider's private signing key (tests mint tokens with it, e.g. an expired one); generated when absent. */
  signingKey?: JWK;
}

export interface LocalOidc {
  issuer: string;
  /** What the console needs to sign in here (served as /console/config.json) and how the API checks its tokens. */
  console: { auth: ConsoleAuth; signIn: ConsoleSignIn };
  close(): Promise<void>;
}

/** The seeded admin and viewer, with passwords made up for this process only. */
export function localOidcUsers(): LocalUser[] {
  return [
    { email: 'admin@example.com', password: randomBytes(9).toString('base64url'), groups: ['admin'] },
    { email: 'viewer@example.com', password: randomBytes(9).toString('base64url'), groups: ['viewer'] },
  ];
}

export const LOCAL_CONSOLE_CLIENT_ID = 'usage-cert-console';

/**
 * A real OpenID provider (oidc-provider) on its own loopback port, so the console's whole sign-in flow —
 * authorization code + PKCE for a public client, ID token, RP-initiated logout — runs without AWS. It plays
 * Cognito's hosted sign-in: one first-party client, consent implied, a plain login form over seeded users.
 */
export async function startLocalOidc(options: LocalOidcOptions): Promise<LocalOidc> {
  const server = createServer();
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const users = new Map(options.users.map((user) => [user.email.toLowerCase(), user]));
  const consoleUrl = `${options.consoleOrigin}/console/`;

  const provider = new Provider(issuer, providerConfiguration(options, users, consoleUrl));
  const callback = provider.callback();
  const interaction = signInInteraction(provider, users);

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!request.url?.startsWith('/interaction/')) return void callback(request, response);
    interaction(request, response).catch(() => sendPage(response, 400, page('Sign-in failed', '<p>This sign-in attempt has expired or is not valid. Go back to the console and sign in again.</p>')));
  });

  return {
    issuer,
    console: {
      // The API verifies these tokens exactly as it would Cognito's: fetched JWKS, issuer, audience, expiry.
      auth: { verify: createJwtVerifier({ issuer, audience: LOCAL_CONSOLE_CLIENT_ID, jwksUri: `${issuer}/jwks` }), groupsClaim: 'groups' },
      signIn: { clientId: LOCAL_CONSOLE_CLIENT_ID, authorizeUrl: `${issuer}/auth`, tokenUrl: `${issuer}/token`, logoutUrl: `${issuer}/session/end`, scope: 'openid email groups', groupsClaim: 'groups' },
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** One first-party public client (code + PKCE), the seeded users as accounts, Cognito-like defaults. */
function providerConfiguration(options: LocalOidcOptions, users: Map<string, LocalUser>, consoleUrl: string): Configuration {
  return {
    clients: [{
      client_id: LOCAL_CONSOLE_CLIENT_ID,
      token_endpoint_auth_method: 'none',
      application_type: 'web',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [consoleUrl],
      post_logout_redirect_uris: [consoleUrl],
    }],
    jwks: { keys: [options.signingKey ?? generatedKey()] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { methods: ['S256'], required: () => true },
    scopes: ['openid', 'email', 'groups'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'] },
    // The API reads role and email from the ID token (as from a Cognito ID token), so they must be in it.
    conformIdTokenClaims: false,
    ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60, Session: 8 * 3600, Interaction: 600, Grant: 8 * 3600 },
    findAccount(_ctx, id) {
      const user = users.get(id);
      if (!user) return undefined;
      return { accountId: id, claims: () => ({ sub: id, email: user.email, email_verified: true, groups: user.groups }) };
    },
    // First-party console: consent is implied, as with Cognito's hosted UI.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const session = ctx.oidc.session!;
      const clientId = ctx.oidc.client!.clientId;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId: session.accountId! });
      grant.addOIDCScope('openid email groups');
      await grant.save();
      return grant;
    },
    // The code exchange is a cross-origin fetch from the console page, and only from it.
    clientBasedCORS: (_ctx, origin) => origin === options.consoleOrigin,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // The default page loads a web font; this one is self-contained.
        logoutSource(ctx, form) {
          ctx.body = page('Sign out', `${form}<p>Sign out of the local identity provider?</p><button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`);
        },
      },
    },
  };
}

/** The login form: answers the provider's interaction with the account whose email and password match. */
function signInInteraction(provider: Provider, users: Map<string, LocalUser>) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const details = await provider.interactionDetails(request, response);
    if (request.method === 'POST') {
      const form = new URLSearchParams(await readBody(request));
      const email = (form.get('email') ?? '').trim().toLowerCase();
      const user = users.get(email);
      // Compared in constant time; an unknown email costs the same as a wrong password.
      if (matchesAnySecret(form.get('password') ?? '', [user?.password ?? randomBytes(16).toString('hex')]) && user) {
        await provider.interactionFinished(request, response, { login: { accountId: email } }, { mergeWithLastSubmission: false });
        return;
      }
      return sendPage(response, 401, loginForm(details.uid, 'That email and password did not match.'));
    }
    sendPage(response, 200, loginForm(details.uid));
  };
}

function generatedKey(): JWK {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: `local-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' };
}

const MAX_FORM_BYTES = 4096;

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) {
    body += String(chunk);
    if (body.length > MAX_FORM_BYTES) throw new Error('form too large');
  }
  return body;
}

function loginForm(uid: string, error = ''): string {
  return page('Sign in', `<form method="post" action="/interaction/${encodeURIComponent(uid)}/login">
<h1>Sign in to the usage → certification console</h1>
${error ? `<p role="alert">${error}</p>` : ''}
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} — local identity provider</title>
<style>body{font:16px system-ui,sans-serif;max-width:24rem;margin:3rem auto}label,input,button{display:block;width:100%;margin:.3rem 0}input,button{padding:.5rem}</style>
</head><body><main>${body}</main></body></html>`;
}

function sendPage(response: ServerResponse, status: number, html: string): void {
  // The provider's own pages: no script at all. No form-action: the sign-in post redirects on to the console's origin.
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'", 'cache-control': 'no-store' });
  response.end(html);
}
