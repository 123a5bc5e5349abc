/**
 * The admin console in a real browser: headless Debian Chromium driven by playwright-core against the local
 * stack (dynalite, the shared route table + console route, the dispatcher poller) and a fake ISC on loopback.
 * Signs in, maps an instance through the form, sees the API's environment-mismatch and conflict messages,
 * watches a webhook delivery fail (workflow disabled), replays it after the fix, previews a report, and writes
 * the screenshots under docs/img/. Skipped, with a notice, where /usr/bin/chromium is missing.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import { DeliveryDetail, DeliverySchema, IngestAnswer, MappingView, Paged } from '../../functions/http/responses.js';
import type { IscSimulator } from '../../functions/local/isc-simulator.js';

import { CHROMIUM, eventually, hasChromium, openConsoleBrowser, repo, screenshot, skipAfterFirstFailure, type ConsoleBrowser } from '../helpers/browser.js';
import { TRIGGER_CLIENT, WORKFLOW_ID, startFakeIsc } from '../helpers/fake-isc.js';
import { ADMIN_TOKEN, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

if (!hasChromium) console.warn(`[browser tests] SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium); the admin console was not tested in a browser.`);

describe.skipIf(!hasChromium)('Admin console in headless Chromium', () => {
  let isc: IscSimulator;
  let stack: TestStack;
  let browser: ConsoleBrowser;
  let page: Page;
  let deliveryId = '';

  beforeAll(async () => {
    [isc, stack, browser] = await Promise.all([
      startFakeIsc(),
      startTestStack({
        isc: new HttpIscClient({ timeoutMs: 2000, rateLimit: { requests: 90, windowMs: 10_000 } }),
        pollIntervalMs: 100,
        dispatch: { backoffBaseMs: 20, backoffCapMs: 100 },
      }),
      openConsoleBrowser(),
    ]);
    page = browser.page;

    const put = async (path: string, body: unknown) => expect((await stack.call('PUT', path, { body })).status).toBeLessThan(300);
    await put('/admin/targets/sim', { environment: 'production', tenant: 'acme-sim', triggerUrl: `${isc.url}/beta/workflows/execute/external/${WORKFLOW_ID}`, tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url });
    await put('/admin/targets/sim/credentials/trigger', TRIGGER_CLIENT);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await isc?.close();
  });

  skipAfterFirstFailure();

  /** Every form control on the page has a label (accessible name from a <label for>). */
  const unlabelled = () => page.evaluate(() => [...document.querySelectorAll('input, select, textarea')].filter((el) => (el as HTMLInputElement).labels?.length === 0).map((el) => el.outerHTML));
  const status = () => page.locator('#status');

  it('serves the page and its assets with a strict same-origin policy', async () => {
    const html = await stack.call('GET', '/console/');
    expect(html.status).toBe(200);
    expect((await stack.call('GET', '/console')).status).toBe(200);
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.headers['content-security-policy']).toContain("default-src 'none'");
    const js = await stack.call('GET', '/console/app.js');
    expect(js.headers['content-type']).toContain('text/javascript');
    expect(String(js.body)).not.toContain(ADMIN_TOKEN);
    expect((await stack.call('GET', '/console/app.css')).headers['content-type']).toContain('text/css');
  });

  it('signs in with the admin token, kept in sessionStorage and never in the URL', async () => {
    await page.goto(`${stack.url}/console/`);
    await page.getByLabel('Admin token').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('admin-token'); // focus starts in the form
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('skip'); // the skip link is reachable by keyboard
    await page.getByLabel('Admin token').focus();
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.keyboard.press('Enter');
    await eventually(() => page.getByRole('alert').first().textContent()).toContain('not accepted');

    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Mappings', level: 2 }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('usage-cert.admin-token'))).toBe(ADMIN_TOKEN);
    expect(page.url()).not.toContain(ADMIN_TOKEN);
    expect(await unlabelled()).toEqual([]);
  });

  it('creates a mapping through the form', async () => {
    await page.getByLabel('Application').fill('Slack');
    await page.getByLabel('Instance', { exact: true }).fill('Slack-production');
    await eventually(() => page.locator('#instance-key-hint').textContent()).toContain('slack-production');
    await page.getByLabel('Environment').selectOption('production');
    await page.getByLabel('Target (ISC tenant + workflow trigger)').selectOption('sim');
    await page.getByLabel('ISC source id').fill('src-slack');
    await page.getByLabel('ISC source name').fill('Slack');
    await page.getByLabel('Max days active').fill('0');
    await page.getByLabel('Cooldown days').fill('0');
    await page.getByRole('button', { name: 'Create mapping' }).click();
    await eventually(() => status().textContent()).toContain('Saved mapping “slack-production” (version 1)');
    const row = page.getByRole('row').filter({ hasText: 'Slack-production' });
    await eventually(() => row.textContent()).toContain('production');
    // What the name says sits next to the mapping's environment: its kind and the word found.
    expect(await row.locator('.name-env').textContent()).toBe('production “production”');
    const saved = await stack.call('GET', '/admin/mappings/slack-production');
    expect(saved.body).toMatchObject({ application: 'Slack', targetId: 'sim', environment: 'production', source: { id: 'src-slack', name: 'Slack' }, policy: { maxDaysActive: 0, cooldownDays: 0 }, enabled: true, updatedBy: 'admin-token' });
  });

  it('shows the API’s environment-mismatch message verbatim for a staging-named instance saved as production', async () => {
    await page.getByLabel('Application').fill('Zoom');
    await page.getByLabel('Instance', { exact: true }).fill('Zoom-staging');
    await page.getByLabel('Environment').selectOption('production');
    await page.getByLabel('ISC source id').fill('src-zoom');
    await page.getByRole('button', { name: 'Create mapping' }).click();
    const alert = page.locator('#mapping-form-error');
    await eventually(() => alert.textContent()).toContain('Environment mismatch: instance "Zoom-staging" is named like a non-production instance (non-production word "staging") but the mapping says production');
    expect((await stack.call('GET', '/admin/mappings/zoom-staging')).status).toBe(404);
  });

  it('reports a concurrent edit as "changed by … at … — reload" and reloads the current version', async () => {
    await page.getByRole('button', { name: 'Edit Slack-production' }).click();
    await eventually(() => page.locator('#mapping-form-title').textContent()).toContain('version 1');
    const current = (await stack.call('GET', '/admin/mappings/slack-production')).read(MappingView);
    const { application, instance, environment, targetId, source, policy, enabled } = current;
    const update = { application, instance, environment, targetId, source, policy, enabled, expectEveryDays: 7 };
    expect((await stack.call('PUT', '/admin/mappings/slack-production', { body: update, headers: { 'if-match': '"1"' } })).status).toBe(200);
    const updatedAt = (await stack.call('GET', '/admin/mappings/slack-production')).read(MappingView).updatedAt;

    await page.getByLabel('Max days active').fill('1');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await eventually(() => page.locator('#mapping-form-error').textContent()).toContain(`changed by admin-token at ${updatedAt} — reload`);
    await page.getByRole('button', { name: 'Reload the current version' }).click();
    await eventually(() => page.locator('#mapping-form-title').textContent()).toContain('version 2');
    expect(await page.getByLabel('Expect a report every (days)').inputValue()).toBe('7');
    await page.getByRole('button', { name: 'Clear form' }).click();
  });

  it('lists an unmapped instance from a posted report and prefills the form from "Map it"', async () => {
    isc.state.disableWorkflow(); // the first dispatch fails, for the replay below
    const sample = await readFile(join(repo, 'samples/usage-report.json'), 'utf8');
    const posted = await stack.call('POST', '/webhooks/saas-management', { raw: sample, headers: webhookHeaders({ 'idempotency-key': 'console-test-1' }) });
    expect(posted.status).toBe(202);
    deliveryId = posted.read(IngestAnswer).deliveryId;

    await page.getByRole('link', { name: 'Deliveries' }).click();
    await page.getByRole('link', { name: 'Mappings' }).click();
    await page.getByRole('button', { name: 'Map Zoom-production' }).click();
    expect(await page.getByLabel('Application').inputValue()).toBe('Zoom');
    expect(await page.getByLabel('Instance', { exact: true }).inputValue()).toBe('Zoom-production');
    expect(await page.getByLabel('Environment').inputValue()).toBe('production');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('mapping-form-title');
    await page.getByLabel('Filter mappings').fill('slack');
    await eventually(() => page.locator('#mapping-count').textContent()).toBe('Showing 1 of 1 mappings.');
    await page.screenshot({ path: screenshot('mappings'), fullPage: true });
  });

  it('shows the delivery with per-instance counts, opens it, and replays it after the fix', async () => {
    await page.getByRole('link', { name: 'Deliveries' }).click();
    const link = page.getByRole('link', { name: `Open delivery ${deliveryId}` });
    const row = page.getByRole('row').filter({ has: link });
    await eventually(() => row.textContent()).toContain('slack-production');
    const text = (await row.textContent())!;
    expect(text).toContain('rows 10 · inactive 5 · excluded 0 · batches 1');
    expect(text).toContain('zoom-production');
    expect(text).toContain('unmapped');
    await eventually(() => row.locator('td').last().textContent()).toBe('1'); // rejected rows

    await link.click();
    const batch = page.getByRole('table', { name: `Batches of delivery ${deliveryId}` });
    await eventually(() => batch.textContent()).toContain('FAILED');
    expect(await batch.textContent()).toContain('workflow_not_executed');
    // Focus moves once the whole view, chart included, has rendered: after the batch table shows.
    await eventually(() => page.evaluate(() => document.activeElement?.id)).toBe('delivery-detail-title');

    isc.state.enableWorkflow();
    await page.getByRole('button', { name: 'Replay…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Replay this delivery?' });
    await dialog.waitFor();
    await page.keyboard.press('Escape'); // keyboard: Escape cancels
    await dialog.waitFor({ state: 'hidden' });
    expect((await stack.call('GET', `/admin/deliveries/${deliveryId}`)).read(DeliveryDetail).batches[0]?.status).toBe('FAILED');
    await page.getByRole('button', { name: 'Replay…' }).click();
    await dialog.getByRole('button', { name: 'Replay', exact: true }).click();
    await eventually(() => status().textContent()).toContain('Replay: re-queued 1 batch');
    await eventually(() => batch.textContent()).toContain('DISPATCHED');
    const executionId = (await stack.call('GET', `/admin/deliveries/${deliveryId}`)).read(DeliveryDetail).batches[0]?.executionId;
    expect(executionId).toBeTruthy();
    expect(await batch.textContent()).toContain(executionId);
    expect(isc.state.executionCount(deliveryId, 1)).toBe(1);
    await eventually(() => row.textContent()).toContain('DISPATCHED');
    expect(await unlabelled()).toEqual([]);
    await page.screenshot({ path: screenshot('deliveries'), fullPage: true });
  });

  it('previews an uploaded CSV report for one mapping: users, inactive, trigger calls and sample users', async () => {
    await page.getByRole('link', { name: 'Preview' }).click();
    await page.getByLabel('Or load a file').setInputFiles(join(repo, 'samples/usage-report.csv'));
    await eventually(() => page.getByLabel(/^Report text/).inputValue()).toContain('ann.lee@example.com');
    expect(await page.getByLabel('Format').inputValue()).toBe('csv');
    await page.getByLabel('Only this mapping').selectOption('slack-production');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const perInstance = page.getByRole('table', { name: 'Per instance' });
    await eventually(() => perInstance.textContent()).toContain('slack-production');
    const cells = await perInstance.locator('tbody tr').first().locator('td').allTextContents();
    expect(cells.slice(0, 7)).toEqual(['slack-production', 'mapped', '10', '5', '0', '0', '1']);
    const sample = page.getByRole('table', { name: 'Sample users of slack-production' });
    expect(await sample.textContent()).toContain('ann.lee@example.com');
    expect(await unlabelled()).toEqual([]);
    await page.screenshot({ path: screenshot('preview'), fullPage: true });
    // A dry run: still one delivery.
    expect((await stack.call('GET', '/admin/deliveries')).read(Paged(DeliverySchema)).items).toHaveLength(1);
  });

  it('loaded nothing from anywhere but this server and raised no script errors', () => {
    expect(browser.offHost).toEqual([]);
    expect(browser.pageErrors).toEqual([]);
  });
});
