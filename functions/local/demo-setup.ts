import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AdminStore, Log } from '../core/ports.js';
import type { SimulatedClient, SimulatedIdentity } from './isc-simulator.js';

export const DEMO_TARGET = 'simulator';
export const DEMO_WORKFLOW = 'demo-inactive-users-certification';

/** Simulator clients whose secrets derive from this DATA_DIR's webhook secret, so restarts keep them valid. */
export function simulatorClients(seed: string): { trigger: SimulatedClient; api: SimulatedClient } {
  const secret = (kind: string) => createHash('sha256').update(`${seed}:${kind}`).digest('base64url');
  return {
    trigger: { clientId: 'simulator-trigger-client', clientSecret: secret('trigger') },
    api: { clientId: 'simulator-api-client', clientSecret: secret('api'), scope: ['sp:search:read', 'idn:sources:read', 'idn:accounts:read'] },
  };
}

/** The simulated tenant knows most people of the sample report (one is missing, to show "unmatched"). */
export async function simulatorIdentities(samplePath: string): Promise<SimulatedIdentity[]> {
  const sample = JSON.parse(await readFile(samplePath, 'utf8')) as { rows: Array<{ Name: string; Email: string }> };
  return sample.rows
    .filter((row) => row.Email.includes('@') && !row.Email.startsWith('jon.'))
    .map((row, i) => ({ id: `2c9180${String(i).padStart(26, '0')}`, name: row.Name, email: row.Email.toLowerCase() }));
}

/**
 * On a first start with the simulator on, register a demo target and a mapping for the sample report's
 * instance through the admin API, so the README's curl shows the whole flow. Never touches existing targets.
 */
export async function seedDemo(options: { store: AdminStore; url: string; adminToken: string; simulatorUrl: string; clients: ReturnType<typeof simulatorClients>; log: Log }): Promise<boolean> {
  if ((await options.store.listTargets()).length > 0) return false;
  const call = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${options.url}${path}`, { method, headers: { authorization: `Bearer ${options.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`demo setup: ${method} ${path} answered ${response.status}: ${await response.text()}`);
  };
  await call('PUT', `/admin/targets/${DEMO_TARGET}`, {
    environment: 'production',
    tenant: 'simulator',
    triggerUrl: `${options.simulatorUrl}/v3/workflows/execute/external/${DEMO_WORKFLOW}`,
    tokenUrl: `${options.simulatorUrl}/oauth/token`,
    apiBaseUrl: options.simulatorUrl,
    description: 'ISC SIMULATOR (not a real SailPoint tenant), created by npm start',
  });
  await call('PUT', `/admin/targets/${DEMO_TARGET}/credentials/trigger`, { clientId: options.clients.trigger.clientId, clientSecret: options.clients.trigger.clientSecret });
  await call('PUT', `/admin/targets/${DEMO_TARGET}/credentials/api`, { clientId: options.clients.api.clientId, clientSecret: options.clients.api.clientSecret });
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
