/** `npm start`'s demo setup and local credentials across restarts: a moved simulator port, a rotated webhook secret. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetView } from '../../functions/http/responses.js';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import { DEMO_TARGET, seedDemo, simulatorClients } from '../../functions/local/demo-setup.js';
import { startIscSimulator, type IscSimulator } from '../../functions/local/isc-simulator.js';
import { localCredentials } from '../../functions/local/local-credentials.js';
import { captureLog } from '../helpers/capture-log.js';
import { ADMIN_TOKEN, startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let simulator: IscSimulator;
const clients = simulatorClients('seed');
beforeAll(async () => {
  simulator = await startIscSimulator({ tenantName: 'simulator', clients: [clients.trigger, clients.api], sources: [{ id: 'src-slack', name: 'Slack' }] });
  stack = await startTestStack({ isc: new HttpIscClient({ timeoutMs: 2000 }) });
});
afterAll(async () => {
  await stack.close();
  await simulator.close();
});

describe('Local: demo setup', () => {
  it('creates the demo target once, and on a later start with another simulator port moves only its URLs', async () => {
    const seed = (simulatorUrl: string) => seedDemo({ store: stack.store, url: stack.url, adminToken: ADMIN_TOKEN, simulatorUrl, clients, log: captureLog() });
    expect(await seed(simulator.url)).toBe(true);
    const created = (await stack.call('GET', `/admin/targets/${DEMO_TARGET}`)).read(TargetView);
    expect(created.apiBaseUrl).toBe(simulator.url);
    // The simulator also plays the demo target's NERM tenant.
    expect(created.nermUrl).toBe(simulator.url);
    expect(await seed('http://127.0.0.1:3101')).toBe(false);
    const moved = (await stack.call('GET', `/admin/targets/${DEMO_TARGET}`)).read(TargetView);
    // The move clears the credentials (a URL change always does) and the demo sets both again: three writes.
    const movedVersion = created.version + 3;
    expect(moved).toMatchObject({ apiBaseUrl: 'http://127.0.0.1:3101', nermUrl: 'http://127.0.0.1:3101', tokenUrl: 'http://127.0.0.1:3101/oauth/token', version: movedVersion, credentials: { trigger: { set: true }, api: { set: true } } });
    expect(moved.triggerUrl?.startsWith('http://127.0.0.1:3101/v3/workflows/execute/external/')).toBe(true);
    // Same port again: nothing to change.
    expect(await seed('http://127.0.0.1:3101')).toBe(false);
    expect((await stack.call('GET', `/admin/targets/${DEMO_TARGET}`)).read(TargetView).version).toBe(movedVersion);
  });
});

describe('Local: credentials', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-credentials-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps the simulator client secrets when the webhook secret is rotated', async () => {
    const first = await localCredentials(dir, { WEBHOOK_SECRET: 'webhook-secret-one-0123456789' });
    const rotated = await localCredentials(dir, { WEBHOOK_SECRET: 'webhook-secret-two-0123456789' });
    expect(rotated.webhookSecret).toBe('webhook-secret-two-0123456789');
    expect(rotated.simulatorSeed).toBe(first.simulatorSeed);
    expect(simulatorClients(rotated.simulatorSeed)).toEqual(simulatorClients(first.simulatorSeed));
    expect(JSON.parse(await readFile(join(dir, 'local-credentials.json'), 'utf8'))).toMatchObject({ simulatorSeed: first.simulatorSeed });

  });
});
