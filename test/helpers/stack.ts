import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { loadConfig } from '../../functions/adapters/config.js';
import type { IscAdminClient, IscClient } from '../../functions/core/ports.js';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../functions/local/local-stack.js';
import { answer, type Answer } from './answer.js';
import { captureLog } from './capture-log.js';

export const WEBHOOK_SECRET = 'test-webhook-secret-5f2c9a';
export const PREVIOUS_SECRET = 'test-previous-secret-81d0e4';
export const ADMIN_TOKEN = 'test-admin-token-77ab31';

const never = () => Promise.reject(new Error('ISC must not be called in this suite'));

/** An ISC client for suites that never call ISC (the poller is parked, no target has API credentials). */
export const noIsc: IscClient & IscAdminClient = {
  resolveIdentities: never,
  identityManagers: never,
  triggerWorkflow: never,
  createCampaign: never,
  workflowExecution: never,
  campaignByName: never,
  campaignDecisions: never,
  tokenTenant: never,
  tenantInfo: never,
  issueToken: never,
  testTrigger: never,
  getSource: never,
  listSources: never,
  identitiesWithAccount: never,
  listWorkflowLibraryActions: never,
  installWorkflow: never,
  createWorkflowTrigger: never,
  testWorkflow: never,
  workflowExecutionHistory: never,
};

export interface TestStack extends LocalStack {
  logs: string[];
  dir: string;
  call(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string>; raw?: string | Buffer; admin?: boolean }): Promise<Answer>;
}

/** The real local stack (dynalite over HTTP, node:http server) on ephemeral ports, in memory. */
export async function startTestStack(overrides: Partial<LocalStackOptions> & { env?: Record<string, string> } = {}): Promise<TestStack> {
  const dir = await mkdtemp(join(tmpdir(), 'usage-cert-'));
  const log = captureLog();
  const stack = await startLocalStack({
    config: loadConfig({ TABLE_NAME: 'test-table', ...overrides.env }),
    log,
    isc: noIsc,
    port: 0,
    secretFile: join(dir, 'secrets.json'),
    webhookSecrets: [WEBHOOK_SECRET, PREVIOUS_SECRET],
    adminToken: ADMIN_TOKEN,
    pollIntervalMs: 3_600_000,
    ...overrides,
  });
  return {
    ...stack,
    logs: log.lines,
    dir,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.admin !== false && path.startsWith('/admin') && !('authorization' in headers)) headers.authorization = `Bearer ${ADMIN_TOKEN}`;
      let body: string | Buffer | undefined = options.raw;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await request(`${stack.url}${path}`, { method: method as 'GET', headers, body });
      const text = await response.body.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // non-JSON bodies stay text
      }
      return answer(response.statusCode, response.headers, parsed);
    },
    async close() {
      await stack.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const productionTarget = { environment: 'production', tenant: 'acme', triggerUrl: 'https://acme.api.identitynow.com/beta/workflows/execute/external/wf-1' };

export function slackMapping(overrides: Record<string, unknown> = {}) {
  return {
    application: 'Slack',
    instance: 'Slack-production',
    environment: 'production',
    targetId: 'prod',
    source: { id: 'src-slack', name: 'Slack' },
    policy: { maxDaysActive: 0 },
    enabled: true,
    ...overrides,
  };
}

export function webhookHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${WEBHOOK_SECRET}`, 'content-type': 'application/json', ...extra };
}

/** The common fixture: a stack with the production target "prod" and the Slack-production mapping. */
export async function startMappedStack(overrides: Parameters<typeof startTestStack>[0] = {}): Promise<TestStack> {
  const stack = await startTestStack(overrides);
  for (const [path, body] of [['/admin/targets/prod', productionTarget], ['/admin/mappings/slack-production', slackMapping()]] as const) {
    const response = await stack.call('PUT', path, { body });
    if (response.status !== 201) throw new Error(`fixture ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return stack;
}

/** Run dispatch rounds until the delivery settles; bounded so a bug fails the test instead of hanging it. */
export async function settleDelivery(stack: LocalStack, deliveryId: string): Promise<string> {
  for (let round = 0; round < 200; round++) {
    await stack.poller.runOnce();
    const status = (await stack.store.getDelivery(deliveryId))!.status;
    if (status !== 'QUEUED') return status;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return 'QUEUED';
}

/** Record a delivery's batches as received by ISC, for suites whose dispatcher is parked (the cooldown counts only those). */
export async function markDispatched(stack: TestStack, deliveryId: string): Promise<void> {
  const delivery = await stack.store.getDelivery(deliveryId);
  for (const batch of await stack.store.deliveryBatches(delivery!)) {
    const lease = new Date(Date.now() + 60_000).toISOString();
    if (!(await stack.store.claimBatch(batch, new Date().toISOString(), lease))) throw new Error(`batch ${deliveryId}#${batch.index} is not PENDING`);
    await stack.store.settleBatch(batch, lease, { status: 'DISPATCHED', executionId: `test-${batch.index}` }, new Date().toISOString());
  }
}
