import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import type { Config } from '../functions/adapters/config.js';
import { iscClient } from '../functions/adapters/configured-isc-client.js';
import { startLocalStack, type LocalStack } from '../functions/local/local-stack.js';
import type { Log } from '../functions/core/ports.js';

export const quiet: Log = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
export const BENCH_WEBHOOK_SECRET = 'bench-webhook-secret';
/**
 * The one manager of every simulated identity: mappings default to the MANAGER reviewer, which sends one campaign
 * per manager, so one manager keeps a batch one campaign (one trigger) as the figures before MANAGER grouping had.
 */
export const BENCH_MANAGER = { id: 'id-bench-manager', name: 'Bench Manager' };
const ADMIN_TOKEN = 'bench-admin-token';

/**
 * The local stack as the benchmarks drive it: the real ISC client, a parked poller (driven by hand), a temporary
 * directory (engine data there when `onDisk`), and `admin` for PUTs of targets, credentials and mappings.
 */
export async function startBenchStack(config: Config, options: { onDisk?: boolean } = {}): Promise<{ stack: LocalStack; admin: (path: string, body: unknown) => Promise<void>; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-stack-'));
  const stack = await startLocalStack({
    config, log: quiet, isc: (rateLedger) => iscClient(config, { rateLedger }), port: 0, secretFile: join(dir, 'secrets.json'),
    webhookSecrets: [BENCH_WEBHOOK_SECRET], adminToken: ADMIN_TOKEN, pollIntervalMs: 3_600_000, ...(options.onDisk ? { dataDir: join(dir, 'data') } : {}),
  });
  return {
    stack,
    admin: async (path, body) => {
      const response = await request(`${stack.url}${path}`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await response.body.text();
      if (response.statusCode >= 300) throw new Error(`bench setup: PUT ${path} answered ${response.statusCode}`);
    },
    close: async () => {
      await stack.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
