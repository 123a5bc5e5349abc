import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { AppError } from '../core/errors.js';
import type { Route } from './router.js';
import type { HttpResponse } from './types.js';

/**
 * The local admin console (functions/console/): one HTML page and its two assets, served from the same route
 * table on the local server only — the Lambda route tables (publicRoutes/adminRoutes) never include it.
 *
 * The assets are built in memory with esbuild on the first request and kept for the life of the process: no
 * build step before `npm start` or the tests, nothing generated on disk, and never a stale bundle. esbuild is
 * loaded lazily, so a server that never serves the console never loads it.
 */
export const CONSOLE_DIR = fileURLToPath(new URL('../console/', import.meta.url));

/** How the console is bundled, here on first request and by the CDK app at synth (lib/console-hosting.ts). */
export const CONSOLE_BUILD = {
  entryPoints: { app: `${CONSOLE_DIR}app.ts`, style: `${CONSOLE_DIR}app.css` },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'silent',
} as const;

interface ConsoleAssets {
  html: string;
  js: string;
  css: string;
}

let assets: Promise<ConsoleAssets> | undefined;

async function buildAssets(): Promise<ConsoleAssets> {
  const { build } = await import('esbuild');
  const result = await build({ ...CONSOLE_BUILD, target: [...CONSOLE_BUILD.target], write: false, outdir: '/console-out' });
  const text = (suffix: string) => result.outputFiles.find((file) => file.path.endsWith(suffix))?.text ?? '';
  return { html: await readFile(`${CONSOLE_DIR}index.html`, 'utf8'), js: text('app.js'), css: text('style.css') };
}

function consoleAssets(): Promise<ConsoleAssets> {
  assets ??= buildAssets().catch((error: unknown) => {
    assets = undefined; // a fixed source file builds on the next request
    throw new AppError(500, 'console_build_failed', `The admin console could not be built: ${(error as Error).message}`);
  });
  return assets;
}

/** OpenID Connect sign-in for the console: a public client (no secret), authorization code + PKCE. */
export interface ConsoleSignIn {
  clientId: string;
  authorizeUrl: string;
  tokenUrl: string;
  /** RP-initiated logout (OIDC end_session_endpoint, or Cognito's /logout): ends the IdP session too. */
  logoutUrl: string;
  scope: string;
  /** The ID token claim listing the user's groups (`cognito:groups` on Cognito). */
  groupsClaim: string;
}

/**
 * Same-origin only: the page may load its own script and style and call its own API, nothing else — except,
 * with OIDC sign-in, the IdP's token endpoint (the code exchange is a fetch; sign-in and sign-out are navigations).
 */
export function securityHeaders(idpOrigin?: string): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(idpOrigin),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

export const contentSecurityPolicy = (idpOrigin?: string): string =>
  `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'${idpOrigin ? ` ${idpOrigin}` : ''}; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`;

export function consoleRoutes(signIn?: ConsoleSignIn): Route[] {
  const headers = securityHeaders(signIn && new URL(signIn.tokenUrl).origin);
  const asset = (body: string, contentType: string): HttpResponse => ({ status: 200, body, headers: { ...headers, 'content-type': contentType } });
  return [
    {
      method: 'GET',
      // Matches /console and /console/ (the router allows one trailing slash); asset URLs in the page are absolute.
      path: '/console',
      auth: 'none',
      summary: 'Local admin console (HTML) at /console/. Sign-in with the admin token happens in the page; every API call it makes is admin-authorized.',
      async handle() {
        return asset((await consoleAssets()).html, 'text/html; charset=utf-8');
      },
    },
    {
      method: 'GET',
      path: '/console/app.js',
      auth: 'none',
      summary: 'Local admin console script.',
      async handle() {
        return asset((await consoleAssets()).js, 'text/javascript; charset=utf-8');
      },
    },
    {
      method: 'GET',
      path: '/console/app.css',
      auth: 'none',
      summary: 'Local admin console stylesheet.',
      async handle() {
        return asset((await consoleAssets()).css, 'text/css; charset=utf-8');
      },
    },
    {
      method: 'GET',
      path: '/console/config.json',
      auth: 'none',
      summary: 'How the console signs in: {"signIn":"token"} (the admin token) or {"signIn":"oidc", clientId, authorizeUrl, tokenUrl, logoutUrl, scope, groupsClaim}.',
      handle() {
        return Promise.resolve({ status: 200, body: signIn ? { signIn: 'oidc', ...signIn } : { signIn: 'token' }, headers: { 'cache-control': 'no-store' } });
      },
    },
  ];
}
