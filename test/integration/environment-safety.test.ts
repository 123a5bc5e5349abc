/**
 * Environment safety over real HTTP on the local stack: the names admins really write are refused by the admin
 * API (mappings and targets, 422 with the words found), checked again for each report row group and in the
 * preview, shown in the mapping list; and the runtime guard: a token whose org is a sandbox tenant, on a
 * production target, ends FAILED environment_mismatch and never reaches the trigger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import { readMappingRows } from '../../functions/cli/mapping-rows.js';
import { pipelineHealth } from '../../functions/core/pipeline-health.js';
import type { IscSimulator } from '../../functions/local/isc-simulator.js';
import { CheckAnswer, DeliveryDetail, DeliverySchema, IngestAnswer, MappingView, Paged, PreviewAnswer, TargetView } from '../../functions/http/responses.js';
import { TRIGGER_CLIENT, WORKFLOW_ID, startFakeIsc } from '../helpers/fake-isc.js';

import { productionTarget, settleDelivery, slackMapping, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

/** A target on the sandbox-named tenant acme-sb; its trigger must be on that tenant's own ISC host. */
const sandboxNamedTarget = (overrides: Record<string, unknown> = {}) => ({
  ...productionTarget,
  tenant: 'acme-sb',
  triggerUrl: productionTarget.triggerUrl.replace('//acme.', '//acme-sb.'),
  ...overrides,
});

describe('Admin API: names that say an environment', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
    await stack.call('PUT', '/admin/targets/prod', { body: productionTarget });
    await stack.call('PUT', '/admin/targets/sandbox', { body: sandboxNamedTarget({ environment: 'staging' }) });
  });
  afterAll(() => stack.close());

  const put = (instance: string, overrides: Record<string, unknown> = {}) =>
    stack.call('PUT', `/admin/mappings/${encodeURIComponent(instance.trim().toLowerCase())}`, { body: slackMapping({ instance, ...overrides }) });
  const staging = { environment: 'staging', targetId: 'sandbox' };

  // The 19 contradicting names of issue 16 (17 of them were accepted by the one-regex rule), with the words found.
  it.each([
    ['Slack (Staging)', {}, [], ['Staging']],
    ['Slack-staging-eu', {}, [], ['staging']],
    ['Slack-preprod', {}, [], ['preprod']],
    ['Slack-UAT', {}, [], ['UAT']],
    ['Slack–QA', {}, [], ['QA']],
    ['Slack [dev]', {}, [], ['dev']],
    ['SlackSandbox', {}, [], ['Sandbox']],
    ['Slack-stg-01', {}, [], ['stg']],
    ['Slack pre-prod', {}, [], ['pre-prod']],
    ['Slack Non-Production', {}, [], ['Non-Production']],
    ['Slack Test', {}, [], ['Test']],
    ['Slack Demo', {}, [], ['Demo']],
    ['Slack (Production)', staging, ['Production'], []],
    ['Slack-prod-eu', staging, ['prod'], []],
    ['Slack_PRD', staging, ['PRD'], []],
    ['Slack Live', staging, ['Live'], []],
    ['SlackProd', staging, ['Prod'], []],
    ['Slack—production—us', staging, ['production'], []],
    ['Slack-prod2', staging, ['prod'], []],
  ])('refuses %s with the words it found', async (instance, overrides, production, nonProduction) => {
    const response = await put(instance, overrides);
    expect(response.status).toBe(422);
    expect(response.error().code).toBe('environment_mismatch');
    expect(response.error().details).toMatchObject({ nameEnvironment: { production, nonProduction, status: 'mismatch' } });
    for (const word of [...production, ...nonProduction]) expect(response.error().message).toContain(`"${word}"`);
  });

  it('accepts consistent and neutral names, look-alike apps included', async () => {
    expect((await put('Slack (Staging)', staging)).status).toBe(201);
    expect((await put('DevRev-prod', { application: 'DevRev' })).status).toBe(201);
    expect((await put('Prodigy', { application: 'Prodigy' })).status).toBe(201);
    expect((await put('QA Wolf', { application: 'QA Wolf' })).status).toBe(201);
  });

  it('refuses an ambiguous name until an admin confirms it with a reason, and lists every classification', async () => {
    const refused = await put('Slack prod/uat');
    expect(refused.status).toBe(422);
    expect(refused.error().details).toMatchObject({ nameEnvironment: { kind: 'ambiguous', production: ['prod'], nonProduction: ['uat'] } });
    expect((await put('Slack prod/uat', { allowNameMismatch: true, mismatchReason: 'UAT users work in the production workspace' })).status).toBe(201);

    const list = await stack.call('GET', '/admin/mappings');
    const byKey = new Map(list.read(Paged(MappingView)).items.map((m) => [m.instanceKey, m.nameEnvironment]));
    expect(byKey.get('slack prod/uat')).toEqual({ kind: 'ambiguous', production: ['prod'], nonProduction: ['uat'], status: 'confirmed' });
    expect(byKey.get('slack (staging)')).toEqual({ kind: 'non-production', production: [], nonProduction: ['Staging'], status: 'consistent' });
    expect(byKey.get('qa wolf')).toEqual({ kind: 'neutral', production: [], nonProduction: [], status: 'consistent' });
  });

  it('refuses a production target on a sandbox-named tenant unless confirmed with a reason', async () => {
    const body = sandboxNamedTarget();
    const refused = await stack.call('PUT', '/admin/targets/sb-prod', { body });
    expect(refused.status).toBe(422);
    expect(refused.error()).toMatchObject({ code: 'environment_mismatch', details: { tenantEnvironment: { kind: 'non-production', nonProduction: ['sb'] } } });
    const noReason = await stack.call('PUT', '/admin/targets/sb-prod', { body: { ...body, allowNameMismatch: true } });
    expect(noReason.status).toBe(422);
    expect(noReason.error().details).toMatchObject({ field: 'mismatchReason' });
    const confirmed = await stack.call('PUT', '/admin/targets/sb-prod', { body: { ...body, allowNameMismatch: true, mismatchReason: 'acme-sb was promoted to production in 2025' } });
    expect(confirmed.status).toBe(201);
    expect(confirmed.read(TargetView)).toMatchObject({ allowNameMismatch: true, mismatchReason: 'acme-sb was promoted to production in 2025' });
  });

  it('checks the name each report writes, in ingest and in the preview', async () => {
    // Stored as "slackuat" (no environment word), reported as "SlackUAT" (same key): the report's name wins.
    expect((await put('slackuat')).status).toBe(201);
    const rows = [{ Email: 'a@example.com', 'Days Active': 0, Instance: 'SlackUAT' }];
    const ingest = await stack.call('POST', '/webhooks/saas-management', { body: rows, headers: webhookHeaders({ 'idempotency-key': 'env-names-1' }) });
    expect(ingest.status).toBe(202);
    expect(ingest.read(IngestAnswer).instances[0]).toMatchObject({ instanceKey: 'slackuat', status: 'environment_mismatch', mapped: false, batches: 0 });
    expect(ingest.read(IngestAnswer).instances[0]?.reason).toContain('non-production word "UAT"');
    const preview = await stack.call('POST', '/admin/deliveries/preview', { body: rows });
    expect(preview.read(PreviewAnswer).instances[0]).toMatchObject({ status: 'environment_mismatch', triggerCalls: 0 });
  });
});

describe('Deploy-time vocabulary (NON_PRODUCTION_WORDS)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { NON_PRODUCTION_WORDS: 'cert,perf' } });
    await stack.call('PUT', '/admin/targets/prod', { body: productionTarget });
  });
  afterAll(() => stack.close());

  it('refuses a name with a word the deployment added', async () => {
    const response = await stack.call('PUT', '/admin/mappings/slack-cert', { body: slackMapping({ instance: 'Slack-CERT' }) });
    expect(response.status).toBe(422);
    expect(response.error().details).toMatchObject({ nameEnvironment: { nonProduction: ['CERT'] } });
  });
});

describe('CLI import: rows are checked before anything is applied', () => {
  it('names the line, the instance and the words', () => {
    const csv = ['Application,Instance,Environment,Target ID,Source ID,Max Days Active,Allow Name Mismatch,Mismatch Reason', 'Slack,Slack-UAT,production,prod,src,0,,', 'Slack,Slack (Production),production,prod,src,0,,', 'Zoom,Zoom prod/qa,production,prod,src,0,yes,QA users are real'].join('\n');
    const { rows, problems } = readMappingRows(csv, 'csv');
    expect(problems).toEqual([{ line: 2, field: 'instance', message: expect.stringContaining('"Slack-UAT" is named non-production (non-production word "UAT") but the environment is production') as unknown }]);
    expect(rows.map((r) => r.instanceKey)).toEqual(['slack (production)', 'zoom prod/qa']);
  });
});

describe('Runtime guard: the tenant the token belongs to', () => {
  const SANDBOX_CLIENT = { clientId: 'sandbox-trigger-client', clientSecret: 'sandbox-secret-8Hq', org: 'acme-sb' };
  let isc: IscSimulator;
  let stack: TestStack;
  beforeAll(async () => {
    isc = await startFakeIsc({ clients: [TRIGGER_CLIENT, SANDBOX_CLIENT] });
    stack = await startTestStack({ isc: new HttpIscClient({ timeoutMs: 2000 }), dispatch: { backoffBaseMs: 20, backoffCapMs: 100 } });
    await stack.call('PUT', '/admin/targets/prod', { body: { environment: 'production', tenant: 'acme-sim', triggerUrl: `${isc.url}/beta/workflows/execute/external/${WORKFLOW_ID}`, tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url } });
    // The sandbox's External Trigger client, stored on the production target by mistake.
    await stack.call('PUT', '/admin/targets/prod/credentials/trigger', { body: { clientId: SANDBOX_CLIENT.clientId, clientSecret: SANDBOX_CLIENT.clientSecret } });
    await stack.call('PUT', '/admin/mappings/slack-production', { body: slackMapping({ policy: { maxDaysActive: 0, cooldownDays: 0 } }) });
  });
  afterAll(async () => {
    await stack.close();
    await isc.close();
  });

  const settle = (deliveryId: string) => settleDelivery(stack, deliveryId);

  it('fails the batch with environment_mismatch, without retries, and never calls the trigger', async () => {
    const rows = [{ Email: 'a@example.com', 'Days Active': 0, Instance: 'Slack-production' }];
    const posted = await stack.call('POST', '/webhooks/saas-management', { body: rows, headers: webhookHeaders({ 'idempotency-key': 'guard-1' }) });
    const { instances, deliveryId } = posted.read(IngestAnswer);
    expect(instances[0]?.batches).toBe(1);
    expect(await settle(deliveryId)).toBe('FAILED');

    const [batch] = (await stack.call('GET', `/admin/deliveries/${deliveryId}`)).read(DeliveryDetail).batches;
    expect(batch).toMatchObject({ status: 'FAILED', attempts: 1, lastError: { code: 'environment_mismatch' } });
    expect(batch?.lastError?.message).toContain('org "acme-sb", named like a non-production tenant (non-production word "sb"), but target "prod" is production');
    expect(isc.state.count('token')).toBeGreaterThanOrEqual(1);
    expect(isc.state.count('trigger')).toBe(0);
    expect(isc.state.executions).toHaveLength(0);
    // FAILED is what the FailedBatches alarm counts.
    expect((await pipelineHealth(stack.store, new Date(), 3_600_000)).failedBatches).toBe(1);
    expect(stack.logs.some((line) => line.includes('environment_mismatch') && line.includes('"level":"ERROR"'))).toBe(true);
  });

  it('shows the same in targets check, before the trigger echo', async () => {
    const check = await stack.call('POST', '/admin/targets/prod/check');
    const { steps, troubleshooting } = check.read(CheckAnswer);
    expect(steps.slice(0, 3).map((s) => [s.step, s.ok])).toEqual([['tenant', true], ['trigger token', true], ['trigger tenant', false]]);
    expect(steps.map((s) => s.step)).not.toContain('trigger echo');
    expect(troubleshooting[0]).toContain('belongs to another tenant or environment');
    expect(isc.state.count('trigger-test')).toBe(0);
  });

  it('sends once the production client is stored and the batch is replayed', async () => {
    await stack.call('PUT', '/admin/targets/prod/credentials/trigger', { body: TRIGGER_CLIENT });
    const delivery = (await stack.call('GET', '/admin/deliveries')).read(Paged(DeliverySchema)).items[0]!;
    expect((await stack.call('POST', `/admin/deliveries/${delivery.id}/replay`)).status).toBe(200);
    expect(await settle(delivery.id)).toBe('DISPATCHED');
    expect(isc.state.count('trigger')).toBe(1);
  });
});
