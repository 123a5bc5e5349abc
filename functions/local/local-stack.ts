import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { DispatchSettings } from '../core/dispatcher.js';
import type { Clock, IscAdminClient, IscClient, Log, SecretStore } from '../core/ports.js';
import type { NonEmployeeDirectory } from '../core/non-employees.js';
import { dispatchSettings, ingestSettings, type Config } from '../adapters/config.js';
import { createDynamoStore, type DynamoStore } from '../adapters/dynamodb-store.js';
import { documentClient } from '../adapters/dynamodb-table.js';
import { FileSecretStore } from '../adapters/file-secret-store.js';
import type { RateLedger } from '../adapters/rate-limiter.js';
import { projectDocuments } from '../adapters/project-documents.js';
import { createRouter } from '../http/router.js';
import type { ConsoleAuth } from '../http/console-auth.js';
import type { ConsoleSignIn } from '../http/console-route.js';
import { adminRoutes, publicRoutes } from '../http/routes.js';
import { compileProfiles } from '../core/report-profile.js';
import { consoleRoutes } from '../http/console-route.js';
import { createNodeServer } from '../http/node-server.js';
import { connectDynamoDb, startEmbeddedDynamoDb } from './embedded-dynamodb.js';
import { startPoller, type Poller } from './poller.js';
import { repairIndexes } from './repair-indexes.js';
import { migrateSeenItems } from './migrate-seen-items.js';
import { migrateSentItems } from './migrate-sent-items.js';
import { localLargeReports, type LocalLargeReports } from './large-reports.js';
import { LARGE_BODY_BYTES } from '../http/large-webhook-route.js';

export interface LocalStackOptions {
  config: Config;
  log: Log;
  /** An ISC client, or how to make one from the table's rate ledger (so the limit is shared as on AWS). */
  isc: (IscClient & IscAdminClient) | ((rateLedger: RateLedger) => IscClient & IscAdminClient);
  /** NERM look-ups for targets with a nermUrl (core/non-employees.ts); without it they are never made. */
  nerm?: NonEmployeeDirectory | ((rateLedger: RateLedger) => NonEmployeeDirectory);
  port: number;
  /** Persist the embedded DynamoDB and the secret file here; in memory (tests) when absent. */
  dataDir?: string;
  secretFile: string;
  webhookSecrets: string[];
  adminToken: string;
  pollIntervalMs: number;
  dispatch?: Partial<DispatchSettings>;
  clock?: Clock;
  /** Host headers the server accepts besides 127.0.0.1/localhost/[::1] on its port (LOCAL_ALLOWED_HOSTS). */
  extraHosts?: string[];
  /** Console sign-in with OpenID Connect (CONSOLE_OIDC=1); the admin token keeps working beside it. */
  oidc?: { auth: ConsoleAuth; signIn: ConsoleSignIn };
  /** The large-report URL's body limit (API Gateway's 10 MB when absent; benchmarks raise it). */
  largeBodyBytes?: number;
  /** A DynamoDB engine running in another process, used instead of starting one in this process. */
  dynamoEndpoint?: string;
}

export interface LocalStack {
  url: string;
  /** Requests the embedded DynamoDB has served (benchmarks check they grow with batches, not rows). */
  dynamoRequests(): number;
  /** The embedded DynamoDB's HTTP endpoint (tests read the tables behind the store's back). */
  dynamoEndpoint: string;
  store: DynamoStore;
  secrets: SecretStore;
  poller: Poller;
  largeReports: LocalLargeReports;
  close(): Promise<void>;
}

/** Everything `npm start` runs, in one process: embedded DynamoDB, the shared route table over HTTP, the dispatcher poller. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { config, log } = options;
  const clock = options.clock ?? { now: () => new Date() };
  const dynamo = options.dynamoEndpoint
    ? await connectDynamoDb(options.dynamoEndpoint, config.TABLE_NAME, config.AUDIT_TABLE_NAME)
    : await startEmbeddedDynamoDb(config.TABLE_NAME, options.dataDir, config.AUDIT_TABLE_NAME);
  const client = documentClient(dynamo.raw);
  if (options.dataDir) {
    const repaired = await repairIndexes(client, config.TABLE_NAME);
    if (repaired > 0) log.info('re-indexed unfinished work from the last run', { items: repaired });
    const moved = await migrateSeenItems(client, config.TABLE_NAME);
    if (moved > 0) log.info('moved per-instance report history to its own partition (SEEN#)', { items: moved });
    const cooled = await migrateSentItems(client, config.TABLE_NAME);
    if (cooled > 0) log.info('wrote cooldown items (SENT#) from the dispatched batches of the last run', { batches: cooled });
  }
  const store = createDynamoStore({ client, tableName: config.TABLE_NAME, auditTableName: config.AUDIT_TABLE_NAME, retentionDays: config.RETENTION_DAYS });
  const secrets = new FileSecretStore(options.secretFile);
  const isc = typeof options.isc === 'function' ? options.isc(store) : options.isc;

  const settings = ingestSettings(config);
  const largeReports = await localLargeReports(options.dataDir, { store, clock, settings, profiles: async () => compileProfiles(await store.listReportProfiles()) }, log, options.largeBodyBytes);
  const routes = [
    ...publicRoutes({ store, clock, settings, maxBodyBytes: config.MAX_BODY_BYTES, largeReports }),
    ...adminRoutes({
      store, secrets, clock, settings, maxBodyBytes: config.MAX_BODY_BYTES, matchThreshold: config.MATCH_THRESHOLD_PERCENT / 100, isc,
      documents: projectDocuments(new URL('../../', import.meta.url)),
      secretIdFor: (targetId, kind) => `targets/${targetId}/${kind}`,
      // The simulator and test fakes listen on plain http on this machine; Lambda never allows it.
      iscHosts: { allowedHosts: config.ISC_ALLOWED_HOSTS, allowLoopbackHttp: true },
      workflowTestFollowMs: config.WORKFLOW_TEST_FOLLOW_SECONDS * 1000,
    }),
    ...consoleRoutes(options.oidc?.signIn), // local only: the admin console (functions/console/README.md)
  ];
  const router = createRouter(routes, { webhookSecrets: () => Promise.resolve(options.webhookSecrets), adminToken: options.adminToken, console: options.oidc?.auth });
  const server: Server = createNodeServer(router, log, { maxBodyBytes: Math.max(config.MAX_BODY_BYTES, options.largeBodyBytes ?? LARGE_BODY_BYTES), extraHosts: options.extraHosts });
  server.listen(options.port, '127.0.0.1');
  await once(server, 'listening');

  const poller = startPoller(
    {
      store,
      isc,
      nerm: typeof options.nerm === 'function' ? options.nerm(store) : options.nerm,
      secrets,
      clock,
      log,
      settings: { ...dispatchSettings(config), ...options.dispatch },
    },
    options.pollIntervalMs,
    config.ISC_CONCURRENCY,
  );

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    dynamoRequests: dynamo.requests,
    dynamoEndpoint: dynamo.endpoint,
    store,
    secrets,
    poller,
    largeReports,
    async close() {
      await largeReports.idle();
      await poller.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await dynamo.close();
    },
  };
}
