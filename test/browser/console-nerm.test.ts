/**
 * The console's delivery view shows the unmatched users found in NERM: headless Chromium against the local stack
 * (dynalite, dispatcher poller, the real ISC and NERM clients) and the simulator as the target's ISC and NERM
 * tenant, on loopback. Skipped, with a notice, where /usr/bin/chromium is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import { HttpNermClient } from '../../functions/adapters/nerm-client.js';
import type { IscSimulator } from '../../functions/local/isc-simulator.js';
import { CHROMIUM, eventually, hasChromium, openConsoleBrowser, type ConsoleBrowser } from '../helpers/browser.js';
import { TRIGGER_CLIENT, seedIdentities, startFakeIsc } from '../helpers/fake-isc.js';
import { ADMIN_TOKEN, settleDelivery, slackMapping, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

if (!hasChromium) console.warn(`[browser tests] SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium); the console's NERM section was not tested in a browser.`);

const PAT = { clientId: 'console-nerm-pat', clientSecret: 'console-nerm-pat-secret' };

describe.skipIf(!hasChromium)('Admin console: non-employees found in NERM', () => {
  let isc: IscSimulator;
  let stack: TestStack;
  let browser: ConsoleBrowser;
  /** The report's delivery, dispatched before the browser looks at it. */
  let deliveryId = '';

  beforeAll(async () => {
    [isc, stack, browser] = await Promise.all([
      startFakeIsc({
        identities: seedIdentities(3),
        clients: [TRIGGER_CLIENT, { ...PAT, userContext: true }],
        nermUsers: [
          { id: '7d4e0c55-0000-4000-8000-000000000001', name: 'Sara Sponsor', email: 'sara.sponsor@example.com', type: 'NeaccessUser', status: 'Active' },
          { id: '7d4e0c55-0000-4000-8000-000000000002', name: 'Carl Contractor', email: 'carl@partner.example', type: 'NeprofileUser', status: 'Active', managerId: '7d4e0c55-0000-4000-8000-000000000001' },
        ],
      }),
      startTestStack({ isc: new HttpIscClient({ timeoutMs: 2000 }), nerm: new HttpNermClient({ timeoutMs: 2000 }) }),
      openConsoleBrowser(),
    ]);
    const put = async (path: string, body: unknown) => expect((await stack.call('PUT', path, { body })).status).toBeLessThan(300);
    await put('/admin/targets/prod', { environment: 'production', tenant: 'acme-sim', triggerUrl: `${isc.url}/v3/workflows/execute/external/wf-console`, tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url, nermUrl: isc.url });
    await put('/admin/targets/prod/credentials/trigger', TRIGGER_CLIENT);
    await put('/admin/targets/prod/credentials/api', PAT);
    await put('/admin/mappings/slack-production?skipSourceCheck=true', slackMapping({ policy: { maxDaysActive: 0, cooldownDays: 0 } }));
    const body = ['user0@example.com', 'user1@example.com', 'carl@partner.example'].map((Email) => ({ Email, 'Days Active': 0, Instance: 'Slack-production' }));
    const posted = await stack.call('POST', '/webhooks/saas-management', { body, headers: webhookHeaders() });
    deliveryId = z.object({ deliveryId: z.string() }).parse(posted.body).deliveryId;
    expect(await settleDelivery(stack, deliveryId)).toBe('DISPATCHED');
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await isc?.close();
  });

  it('lists the contractor with NERM type, status and sponsor in the delivery view', async () => {
    const { page } = browser;
    await page.goto(`${stack.url}/console/`);
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Mappings', level: 2 }).waitFor();
    await page.goto(`${stack.url}/console/#/deliveries/${encodeURIComponent(deliveryId)}`);
    await page.getByRole('heading', { name: 'Non-employees (NERM)' }).waitFor();
    const table = page.getByRole('table', { name: `Unmatched users of delivery ${deliveryId} found in NERM` });
    await eventually(() => table.locator('tbody tr').count()).toBe(1);
    const cells = await table.locator('tbody tr td').allTextContents();
    expect(cells).toEqual(['0', 'carl@partner.example', 'NeprofileUser', 'Active', 'Sara Sponsor sara.sponsor@example.com', '7d4e0c55-0000-4000-8000-000000000002']);
    expect(await page.getByText('Batch #0: 1 unmatched user looked up, 1 found.').count()).toBe(1);
    expect(browser.pageErrors).toEqual([]);
    expect(browser.offHost).toEqual([]);
  });
});
