import { chmod, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, DEFAULT_FOLLOW_INTERVAL_SECONDS, loadLocalConfig, type LocalConfig } from '../adapters/config.js';
import { iscClient } from '../adapters/configured-isc-client.js';
import { nermClient } from '../adapters/nerm-client.js';
import { createLogger } from '../adapters/logger.js';
import { pipelineHealth } from '../core/pipeline-health.js';
import type { Log } from '../core/ports.js';
import { localCredentials } from './local-credentials.js';
import { startLocalStack } from './local-stack.js';
import { SIMULATOR_BANNER, startIscSimulator } from './isc-simulator.js';
import { localOidcUsers, startLocalOidc, type LocalOidc } from './local-oidc.js';
import { DEMO_FOLLOW_INTERVAL_MS, SIMULATED_NERM_USERS, seedDemo, simulatorClients, simulatorIdentities } from './demo-setup.js';

const DAY_MS = 86_400_000;

export async function main(): Promise<void> {
  const env = configOrExit();
  const log = createLogger('local', env.LOG_LEVEL);
  const dataDir = await ownerOnlyDataDir(env.DATA_DIR);
  const credentials = await localCredentials(dataDir, env);
  const port = Number(env.PORT);

  const clients = simulatorClients(credentials.simulatorSeed);
  const simulator = env.ISC_SIMULATOR === 'on'
    ? await startIscSimulator({
      port: Number(env.ISC_SIMULATOR_PORT ?? port + 1),
      tenantName: 'simulator',
      clients: [clients.trigger, clients.api],
      identities: await simulatorIdentities(new URL('../../samples/usage-report.json', import.meta.url).pathname),
      sources: [{ id: 'src-slack', name: 'Slack' }],
      nermUsers: SIMULATED_NERM_USERS,
      log: (line) => log.warn(line, { simulator: true }),
    })
    : undefined;

  // The demo's simulated campaigns complete within seconds; an explicit FOLLOW_INTERVAL_SECONDS still wins.
  const followSeconds = env.FOLLOW_INTERVAL_SECONDS ?? (simulator ? DEMO_FOLLOW_INTERVAL_MS / 1000 : DEFAULT_FOLLOW_INTERVAL_SECONDS);
  const config = { ...env, FOLLOW_INTERVAL_SECONDS: followSeconds };
  const oidcUsers = localOidcUsers();
  const oidc: LocalOidc | undefined = env.CONSOLE_OIDC === '1'
    ? await startLocalOidc({ consoleOrigin: `http://127.0.0.1:${port}`, users: oidcUsers, port: Number(env.CONSOLE_OIDC_PORT ?? port + 2) })
    : undefined;

  const stack = await startLocalStack({
    config,
    log,
    isc: (rateLedger) => iscClient(config, { rateLedger }),
    nerm: (rateLedger) => nermClient(config, { rateLedger }),
    port,
    dataDir,
    secretFile: join(dataDir, 'secrets.json'),
    webhookSecrets: [credentials.webhookSecret, ...(env.WEBHOOK_SECRET_PREVIOUS ? [env.WEBHOOK_SECRET_PREVIOUS] : [])],
    adminToken: credentials.adminToken,
    pollIntervalMs: Number(env.POLL_INTERVAL_MS),
    extraHosts: env.LOCAL_ALLOWED_HOSTS,
    oidc: oidc?.console,
  });
  const seeded = simulator ? await seedDemo({ store: stack.store, url: stack.url, adminToken: credentials.adminToken, simulatorUrl: simulator.url, clients, log }) : false;

  const staleTimer = await warnStaleMappingsDaily(stack.store, log);

  printBanner({ url: stack.url, dataDir, credentials, previousSecret: env.WEBHOOK_SECRET_PREVIOUS, simulatorUrl: simulator?.url, seeded, oidc: oidc && { issuer: oidc.issuer, users: oidcUsers } });

  stopOnSignal(async () => {
    clearInterval(staleTimer);
    await stack.close();
    await simulator?.close();
    await oidc?.close();
  });
}

/** SIGINT or SIGTERM closes everything once, in order, then exits. */
function stopOnSignal(close: () => Promise<void>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: stopping (finishing the current dispatch round)…\n`);
    await close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

function configOrExit(): LocalConfig {
  try {
    return loadLocalConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

/**
 * The data directory holds report PII (the embedded DynamoDB) and ISC client secrets: owner-only, files 0600 and
 * directories 0700 for everything this process creates, an existing directory tightened too.
 */
async function ownerOnlyDataDir(path: string): Promise<string> {
  process.umask(0o077);
  const dataDir = resolve(path);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  return dataDir;
}

/** The silent failure of the native setup is a report that stops coming: say so, at start and daily. */
async function warnStaleMappingsDaily(store: Parameters<typeof pipelineHealth>[0], log: Log): Promise<NodeJS.Timeout> {
  const warnStale = async () => {
    const health = await pipelineHealth(store, new Date(), DAY_MS);
    if (health.staleMappings.length > 0) log.warn('mappings overdue for a report', { staleMappings: health.staleMappings });
  };
  await warnStale();
  const timer = setInterval(() => void warnStale().catch(() => undefined), DAY_MS);
  timer.unref();
  return timer;
}

function printBanner(options: { url: string; dataDir: string; credentials: Awaited<ReturnType<typeof localCredentials>>; previousSecret?: string; simulatorUrl?: string; seeded: boolean; oidc?: { issuer: string; users: ReturnType<typeof localOidcUsers> } }): void {
  const { url, credentials } = options;
  // The operator's own secrets never reach stdout (log collectors keep it): only generated ones are shown whole.
  const shown = (name: 'webhookSecret' | 'adminToken', envName: string) => {
    const value = credentials[name];
    switch (credentials.origin[name]) {
      case 'generated':
        return `${value}   (generated now; kept in ${credentials.file})`;
      case 'kept':
        return `${masked(value)}   (generated earlier; read it from ${credentials.file})`;
      case 'environment':
        return `${masked(value)}   (from ${envName})`;
    }
  };
  const lines = [
    '',
    'SaaS usage → ISC certification pipeline — local stack is up',
    '',
    `  webhook     POST ${url}/webhooks/saas-management`,
    `  admin API   ${url}/admin/…   (OpenAPI: ${url}/openapi.json)`,
    options.oidc
      ? `  console     ${url}/console/   (OpenID sign-in at ${options.oidc.issuer}; passwords are new on every start)\n${options.oidc.users.map((u) => `                ${u.groups[0]!.padEnd(6)} ${u.email}  password ${u.password}`).join('\n')}`
      : `  console     ${url}/console/   (sign in with the admin token)`,
    `  health      ${url}/health`,
    `  data        ${options.dataDir} (embedded DynamoDB, secrets.json)`,
    options.simulatorUrl ? `  ISC         ${SIMULATOR_BANNER} at ${options.simulatorUrl}` : '  ISC         simulator off (ISC_SIMULATOR=off): register a real tenant as a target',
    '',
    `  webhook secret   ${shown('webhookSecret', 'WEBHOOK_SECRET')}`,
    ...(options.previousSecret ? [`  previous secret  ${masked(options.previousSecret)}   (from WEBHOOK_SECRET_PREVIOUS, also accepted)`] : []),
    `  admin token      ${shown('adminToken', 'ADMIN_TOKEN')}`,
    '',
    'Next:',
    options.seeded || options.simulatorUrl
      ? `  1. post the sample report:\n     curl -s -X POST ${url}/webhooks/saas-management -H "Authorization: Bearer $(node -p "require('${credentials.file}').webhookSecret")" -H 'Content-Type: application/json' --data-binary @samples/usage-report.json`
      : '  1. add a target, its credentials and a mapping (README "Admin API and CLI"), then post a report',
    '  2. watch it go out:   npm run cli -- deliveries list   (then: npm run cli -- deliveries show <deliveryId>)',
    '  3. mappings:          npm run cli -- mappings list',
    '',
    'Ctrl-C stops everything; data stays in the data directory.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

/** At most the last 4 characters: enough to tell two secrets apart, useless to anyone reading the log. */
function masked(secret: string): string {
  return `****${secret.slice(-4)}`;
}
