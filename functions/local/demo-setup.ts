import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AdminStore, Log } from '../core/ports.js';
import type { SimulatedClient, SimulatedIdentity, SimulatedNermUser } from './isc-simulator.js';

export const DEMO_TARGET = 'simulator';
export const DEMO_WORKFLOW = 'demo-inactive-users-certification';
/** How often `npm start` with the simulator follows dispatched batches (the simulated run takes ~12 s). */
export const DEMO_FOLLOW_INTERVAL_MS = 3_000;

/** Simulator clients whose secrets derive from this DATA_DIR's simulator seed, so restarts and webhook secret rotation keep them valid. */
export function simulatorClients(seed: string): { trigger: SimulatedClient; api: SimulatedClient } {
  const secret = (kind: string) => createHash('sha256').update(`${seed}:${kind}`).digest('base64url');
  return {
    trigger: { clientId: 'simulator-trigger-client', clientSecret: secret('trigger') },
    // A personal access token (user context), as the follow-through's campaign and execution reads need.
    api: { clientId: 'simulator-api-client', clientSecret: secret('api'), scope: ['sp:search:read', 'idn:sources:read', 'idn:accounts:read', 'idn:campaign:read', 'sp:workflow-execution:read'], userContext: true },
  };
}

/** Two simulated managers: a MANAGER batch of the sample's users becomes one campaign for each. */
const DEMO_MANAGERS = [
  { id: '2c9180ee000000000000000000000001', name: 'Dana Director' },
  { id: '2c9180ee000000000000000000000002', name: 'Sam Supervisor' },
];

/** The simulated tenant knows most people of the sample report (one is missing, to show "unmatched"), each with a manager. */
export async function simulatorIdentities(samplePath: string): Promise<SimulatedIdentity[]> {
  const sample = JSON.parse(await readFile(samplePath, 'utf8')) as { rows: Array<{ Name: string; Email: string }> };
  return sample.rows
    .filter((row) => row.Email.includes('@') && !row.Email.startsWith('jon.'))
    .map((row, i) => ({ id: `2c9180${String(i).padStart(26, '0')}`, name: row.Name, email: row.Email.toLowerCase(), manager: DEMO_MANAGERS[i % DEMO_MANAGERS.length] }));
}

/**
 * The simulated NERM's users (SIMULATED, not real people): the sample report's Jon Reyes, whom the simulated ISC does not
 * know, is a contractor sponsored by Sam Sponsor, so `deliveries show` lists him under nonEmployees.
 */
export const SIMULATED_NERM_USERS: SimulatedNermUser[] = [
  { id: '5f0c6c1e-0000-4000-8000-000000000001', name: 'Sam Sponsor (simulated NERM sponsor)', email: 'sam.sponsor@example.com', type: 'NeaccessUser', status: 'Active', title: 'Vendor manager' },
  { id: '5f0c6c1e-0000-4000-8000-000000000002', name: 'Jon Reyes (simulated NERM contractor)', email: 'jon.reyes@example.com', type: 'NeprofileUser', status: 'Active', title: 'Contractor', managerId: '5f0c6c1e-0000-4000-8000-000000000001' },
  { id: '5f0c6c1e-0000-4000-8000-000000000003', name: 'Lee Guest (simulated NERM guest)', email: 'lee.guest@example.com', type: 'NeprofileUser', status: 'Disabled', title: 'Guest', managerId: '5f0c6c1e-0000-4000-8000-000000000001' },
];

function demoTarget(simulatorUrl: string) {
  return {
    environment: 'production',
    tenant: 'simulator',
    triggerUrl: `${simulatorUrl}/v3/workflows/execute/external/${DEMO_WORKFLOW}`,
    tokenUrl: `${simulatorUrl}/oauth/token`,
    apiBaseUrl: simulatorUrl,
    // The simulator also answers NERM's look-ups (isc-simulator/nerm.ts), as https://{tenant}.nonemployee.com would.
    nermUrl: simulatorUrl,
    description: 'ISC SIMULATOR (not a real SailPoint tenant), created by npm start',
  };
}

/**
 * On a first start with the simulator on, register a demo target and a mapping for the sample report's
 * instance through the admin API, so the README's curl shows the whole flow. On later starts only the demo
 * target's URLs follow the simulator (PORT or ISC_SIMULATOR_PORT may have changed); other targets are never touched.
 */
export async function seedDemo(options: { store: AdminStore; url: string; adminToken: string; simulatorUrl: string; clients: ReturnType<typeof simulatorClients>; log: Log }): Promise<boolean> {
  const call = async (method: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${options.url}${path}`, { method, headers: { authorization: `Bearer ${options.adminToken}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`demo setup: ${method} ${path} answered ${response.status}: ${await response.text()}`);
  };
  // A target's credentials are cleared whenever its URLs change, so they are set after every move.
  const setCredentials = async () => {
    for (const kind of ['trigger', 'api'] as const) {
      const { clientId, clientSecret } = options.clients[kind];
      await call('PUT', `/admin/targets/${DEMO_TARGET}/credentials/${kind}`, { clientId, clientSecret });
    }
  };
  if ((await options.store.listTargets()).length > 0) {
    const demo = await options.store.getTarget(DEMO_TARGET);
    if (demo?.tenant === 'simulator' && (demo.apiBaseUrl !== options.simulatorUrl || demo.nermUrl !== options.simulatorUrl)) {
      await call('PUT', `/admin/targets/${DEMO_TARGET}`, { ...demoTarget(options.simulatorUrl), description: demo.description }, { 'if-match': `"${demo.version}"` });
      await setCredentials();
      options.log.info(`demo target "${DEMO_TARGET}" now points at the simulator on ${options.simulatorUrl}`);
    }
    return false;
  }
  await call('PUT', `/admin/targets/${DEMO_TARGET}`, demoTarget(options.simulatorUrl));
  await setCredentials();
  await call('PUT', '/admin/mappings/slack-production', {
    application: 'Slack',
    instance: 'Slack-production',
    environment: 'production',
    targetId: DEMO_TARGET,
    source: { id: 'src-slack', name: 'Slack' },
    policy: { maxDaysActive: 0 },
    expectEveryDays: 7,
  });
  options.log.info('demo target "simulator" and mapping "slack-production" created (ISC SIMULATOR)');
  return true;
}
