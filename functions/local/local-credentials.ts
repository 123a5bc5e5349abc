import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LocalCredentials {
  webhookSecret: string;
  adminToken: string;
  /** Seeds the ISC simulator's client secrets; never rotated with the webhook secret, so the demo target keeps working. */
  simulatorSeed: string;
}

/**
 * The local stack's webhook secret and admin token: from the environment when set, otherwise generated once
 * and kept in DATA_DIR/local-credentials.json (0600) so a restart keeps them.
 */
export async function localCredentials(dataDir: string, env: { WEBHOOK_SECRET?: string; ADMIN_TOKEN?: string }): Promise<LocalCredentials & { generated: string[] }> {
  const file = join(dataDir, 'local-credentials.json');
  let stored: Partial<LocalCredentials> = {};
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as Partial<LocalCredentials>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file} is not readable JSON; delete it to generate new local credentials.`);
  }
  const generated: string[] = [];
  const pick = (fromEnv: string | undefined, kept: string | undefined, name: string) => {
    if (fromEnv) return fromEnv;
    if (kept) return kept;
    generated.push(name);
    return randomBytes(24).toString('base64url');
  };
  const webhookSecret = pick(env.WEBHOOK_SECRET, stored.webhookSecret, 'webhook secret');
  const credentials = {
    webhookSecret,
    adminToken: pick(env.ADMIN_TOKEN, stored.adminToken, 'admin token'),
    // A data directory from before the seed existed derived the simulator's secrets from its webhook secret:
    // keep that value once, so the demo target's stored credentials stay valid.
    simulatorSeed: stored.simulatorSeed ?? stored.webhookSecret ?? randomBytes(24).toString('base64url'),
  };
  if (generated.length > 0 || stored.webhookSecret !== credentials.webhookSecret || stored.adminToken !== credentials.adminToken || stored.simulatorSeed !== credentials.simulatorSeed) {
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  }
  return { ...credentials, generated };
}
