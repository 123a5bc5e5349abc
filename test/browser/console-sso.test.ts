/**
 * Console sign-in through a real OpenID provider (the local OIDC mode: oidc-provider in this process) in headless
 * Chromium: authorization code + PKCE as admin and as viewer, the audit naming the admin by email, the viewer's
 * disabled controls and 403 on a forced call, sign-out ending the IdP session, and an expired token sending the
 * user back to sign-in. Skipped, with a notice, where /usr/bin/chromium is missing.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { AuditList } from '../../functions/http/responses.js';
import { startLocalOidc, type LocalOidc, type LocalUser } from '../../functions/local/local-oidc.js';

import { CHROMIUM, eventually, hasChromium, openConsoleBrowser, repo, screenshot, skipAfterFirstFailure, type ConsoleBrowser } from '../helpers/browser.js';
import { freePort } from '../helpers/free-port.js';
import { signJwt, signingKey } from '../helpers/jwt.js';
import { productionTarget, slackMapping, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

if (!hasChromium) console.warn(`[browser tests] SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium); console sign-in was not tested in a browser.`);

const admin: LocalUser = { email: 'admin@example.com', password: 'admin-password-3f9a', groups: ['admin'] };
const viewer: LocalUser = { email: 'viewer@example.com', password: 'viewer-password-7c1e', groups: ['viewer'] };
/** The provider's own signing key: the test mints an expired ID token with it, as the IdP would have. */
const idpKey = signingKey('local-test-key');

describe.skipIf(!hasChromium)('Console sign-in with OpenID Connect in headless Chromium', () => {
  let oidc: LocalOidc;
  let stack: TestStack;
  let browser: ConsoleBrowser;
  let page: Page;

  beforeAll(async () => {
    const port = await freePort();
    oidc = await startLocalOidc({ consoleOrigin: `http://127.0.0.1:${port}`, users: [admin, viewer], signingKey: { ...idpKey.privateKey.export({ format: 'jwk' }), kid: idpKey.kid, alg: 'RS256', use: 'sig' } });
    [stack, browser] = await Promise.all([startTestStack({ port, oidc: oidc.console }), openConsoleBrowser()]);
    page = browser.page;
    expect((await stack.call('PUT', '/admin/targets/prod', { body: productionTarget })).status).toBe(201);
    expect((await stack.call('PUT', '/admin/mappings/slack-production', { body: slackMapping() })).status).toBe(201);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await oidc?.close();
  });

  skipAfterFirstFailure();

  const status = () => page.locator('#status');

  it('signs in as admin with authorization code + PKCE; the ID token stays in sessionStorage, never in the URL', async () => {
    await page.goto(`${stack.url}/console/`);
    await page.getByRole('button', { name: 'Sign in with your organisation' }).waitFor();
    await page.screenshot({ path: screenshot('sign-in'), fullPage: true });
    const authorize = page.waitForRequest((request) => request.url().startsWith(`${oidc.issuer}/auth`));
    await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
    const query = new URL((await authorize).url()).searchParams;
    expect(query.get('code_challenge_method')).toBe('S256');
    expect(query.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(query.get('response_type')).toBe('code');
    await page.getByLabel('Password').waitFor();
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await eventually(() => page.getByRole('alert').textContent()).toContain('did not match');
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Mappings', level: 2 }).waitFor();
    expect(page.url()).toBe(`${stack.url}/console/`);
    expect(await page.evaluate(() => sessionStorage.getItem('usage-cert.admin-token'))).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    await eventually(() => page.locator('#who').textContent()).toBe('admin@example.com (admin)');
  });

  it('the admin edits a mapping, and the audit entry names them by email', async () => {
    await page.getByRole('button', { name: 'Edit Slack-production' }).click();
    await eventually(() => page.locator('#mapping-form-title').textContent()).toContain('version 1');
    await page.getByLabel('Max days active').fill('45');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await eventually(() => status().textContent()).toContain('Saved mapping “slack-production” (version 2)');
    const audit = await stack.call('GET', '/admin/mappings/slack-production/audit');
    expect(audit.read(AuditList).items[0]).toMatchObject({ action: 'update', actor: 'admin@example.com (sub admin@example.com)' });
  });

  it('signs out at the identity provider too: signing in again asks for the password', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${oidc.issuer}/**`);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByRole('button', { name: 'Sign in with your organisation' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('usage-cert.admin-token'))).toBeNull();
    await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
    await page.getByLabel('Password').waitFor(); // no silent sign-in: the IdP session is gone
  });

  it('the viewer sees the mapping but cannot change it: the control is disabled and a forced call gets 403', async () => {
    await page.getByLabel('Email').fill(viewer.email);
    await page.getByLabel('Password').fill(viewer.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Mappings', level: 2 }).waitFor();
    await eventually(() => page.locator('#who').textContent()).toBe('viewer@example.com (viewer)');
    await eventually(() => page.getByRole('row').filter({ hasText: 'Slack-production' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Edit Slack-production' }).click();
    expect(await page.getByRole('button', { name: 'Save changes' }).isDisabled()).toBe(true);
    await page.screenshot({ path: screenshot('viewer-read-only'), fullPage: true });

    const forced = await page.evaluate(async () => {
      const response = await fetch('/admin/mappings/slack-production', { method: 'DELETE', headers: { authorization: `Bearer ${sessionStorage.getItem('usage-cert.admin-token')}`, 'if-match': '"2"' } });
      return { status: response.status, body: (await response.json()) as unknown };
    });
    expect(forced).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect((await stack.call('GET', '/admin/mappings/slack-production')).status).toBe(200);
  });

  it('shows the viewer the last 30 days as a chart on the deliveries page', async () => {
    const sample = await readFile(join(repo, 'samples/usage-report.json'), 'utf8');
    expect((await stack.call('POST', '/webhooks/saas-management', { raw: sample, headers: webhookHeaders({ 'idempotency-key': 'chart-1' }) })).status).toBe(202);
    await page.getByRole('link', { name: 'Deliveries' }).click();
    const chart = page.locator('#delivery-chart');
    await chart.waitFor();
    const rows = chart.getByRole('img');
    expect(await rows.count()).toBe(4);
    await eventually(() => rows.first().getAttribute('aria-label')).toBe('Reports received: 1 in 30 days, at most 1 a day');
    expect(await rows.nth(1).getAttribute('aria-label')).toMatch(/^Users sent for review: [1-9]\d* in 30 days/);
    await page.screenshot({ path: screenshot('chart'), fullPage: true });
  });

  it('an expired token sends the user back to sign-in', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = signJwt(idpKey, { iss: oidc.issuer, aud: oidc.console.signIn.clientId, sub: viewer.email, email: viewer.email, groups: ['viewer'], iat: now - 7200, exp: now - 3600 });
    await page.evaluate((token) => sessionStorage.setItem('usage-cert.admin-token', token), expired);
    await page.getByRole('link', { name: 'Deliveries' }).click();
    await eventually(() => page.getByRole('alert').first().textContent()).toContain('Your sign-in has expired');
    await page.getByRole('button', { name: 'Sign in with your organisation' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('usage-cert.admin-token'))).toBeNull();
  });

  it('loaded nothing from anywhere but this machine and raised no script errors', () => {
    expect(browser.offHost).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});
