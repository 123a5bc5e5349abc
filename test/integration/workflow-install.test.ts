/**
 * `usage-cert workflow install` and `workflow test` end to end: CLI / admin API → ISC workflows API (the simulator
 * over loopback HTTP). Install creates the workflow, its External Trigger client, and stores both on the target;
 * the stored trigger then really starts the workflow. Test runs it and reports the campaign, or ISC's reason.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import { readCredentials } from '../../functions/core/target.js';
import type { IscSimulator } from '../../functions/local/isc-simulator.js';
import { API_CLIENT, executionInput, startFakeIsc, workflowInput } from '../helpers/fake-isc.js';
import { ADMIN_TOKEN, slackMapping, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';
import * as z from 'zod/mini';
import { DeliveryDetail, WorkflowInstallAnswer, WorkflowTestAnswer } from '../../functions/http/responses.js';

const PAT = { clientId: 'org-admin-pat', clientSecret: 'org-admin-secret-Hq2' };
const HTTP_CLIENT = { clientId: 'workflow-http-pat', clientSecret: 'workflow-http-secret-9Lm' };
const INSTALL = { ownerEmail: 'iam-team@example.com', ownerId: 'id-owner', httpClient: HTTP_CLIENT };
let isc: IscSimulator;
let stack: TestStack;

beforeAll(async () => {
  // The execution ends at once: the test route's first look finds it Completed or Failed.
  isc = await startFakeIsc({ clients: [{ ...PAT, userContext: true }, API_CLIENT], workflowRun: { executionMs: 0 } });
  // A short follow for the test that outlasts it; the other runs end at once (executionMs: 0).
  stack = await startTestStack({ isc: new HttpIscClient({ timeoutMs: 2000 }), env: { WORKFLOW_TEST_FOLLOW_SECONDS: '1' } });
  const target = { environment: 'production', tenant: 'acme-sim', mode: 'direct', tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url };
  for (const id of ['acme', 'app-client']) await stack.call('PUT', `/admin/targets/${id}`, { body: target });
  // Workflow targets without a triggerUrl: install stores it.
  await stack.call('PUT', '/admin/targets/acme', { body: { ...target, mode: 'workflow' } });
  await stack.call('PUT', '/admin/targets/acme/credentials/api', { body: PAT });
  await stack.call('PUT', '/admin/targets/app-client', { body: { ...target, mode: 'workflow' } });
  await stack.call('PUT', '/admin/targets/app-client/credentials/api', { body: API_CLIENT });
});
afterAll(async () => {
  await stack.close();
  await isc.close();
});

async function cli(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = execFile(process.execPath, ['bin/usage-cert.mjs', ...args], { env: { ...process.env, ADMIN_URL: stack.url, ADMIN_TOKEN }, timeout: 60_000 });
  child.stdin?.end(input ?? '');
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number>((resolve) => child.on('close', (status) => resolve(status ?? 1)));
  return { code, stdout, stderr };
}

describe('Route: POST /admin/targets/{id}/workflow/install', () => {
  it('creates the workflow with the placeholders filled, stores the trigger URL and credentials ISC issued, and a reinstall updates it', async () => {
    const first = await stack.call('POST', '/admin/targets/acme/workflow/install', { body: INSTALL });
    expect(first.status).toBe(200);
    const installed = first.read(WorkflowInstallAnswer);
    expect(installed.workflow).toEqual({ id: expect.any(String) as unknown, created: true, enabled: false });
    const workflowId = installed.workflow.id;
    expect(installed.triggerUrl).toBe(`${isc.url}/v3/workflows/execute/external/${workflowId}`);
    expect(installed.credentials.trigger).toMatchObject({ set: true });
    expect(JSON.stringify(first.body)).not.toContain(HTTP_CLIENT.clientSecret);

    const stored = isc.state.workflows.get(workflowId)!;
    const text = JSON.stringify(stored.definition);
    expect(text).not.toMatch(/%%[A-Z_]+%%/);
    expect(text).toContain(`"oAuthClientId":"${HTTP_CLIENT.clientId}"`);
    expect(text).toContain(`"oAuthClientSecret":"${HTTP_CLIENT.clientSecret}"`);
    expect(text).toContain(`"url":"${isc.url}/v3/campaigns"`);
    expect(text).toContain('iam-team@example.com');
    expect(stored.owner).toEqual({ type: 'IDENTITY', id: 'id-owner' });

    // The stored credentials are the ones ISC issued: the trigger accepts them once the workflow is enabled.
    const target = (await stack.store.getTarget('acme'))!;
    const trigger = await readCredentials(stack.secrets, target, 'trigger');
    const client = new HttpIscClient({ timeoutMs: 2000 });
    await expect(client.triggerWorkflow(target, trigger, workflowInput('d-disabled', 1))).rejects.toMatchObject({ code: 'workflow_not_executed' });
    const again = await stack.call('POST', '/admin/targets/acme/workflow/install', { body: { ...INSTALL, enable: true } });
    expect(again.read(WorkflowInstallAnswer).workflow).toEqual({ id: workflowId, created: false, enabled: true });
    expect(isc.state.workflows.size).toBe(1);
    const reinstalled = (await stack.store.getTarget('acme'))!;
    const { executionId } = await client.triggerWorkflow(reinstalled, await readCredentials(stack.secrets, reinstalled, 'trigger'), workflowInput('d-enabled', 1));
    expect(isc.state.executions.find((e) => e.executionId === executionId)?.workflowId).toBe(workflowId);
    expect(stack.logs.join('\n')).not.toContain(trigger.clientSecret);
    expect(stack.logs.join('\n')).not.toContain(HTTP_CLIENT.clientSecret);
  });

  it('answers precise 4xx errors: a bad body names the field, direct mode, and an API client where ISC wants a user-context token', async () => {
    const bad = await stack.call('POST', '/admin/targets/acme/workflow/install', { body: { ...INSTALL, ownerEmail: 'not-an-email' } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.error())).toContain('ownerEmail');
    await stack.call('PUT', '/admin/targets/direct', { body: { environment: 'production', tenant: 'acme-sim', mode: 'direct', tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url } });
    expect((await stack.call('POST', '/admin/targets/direct/workflow/install', { body: INSTALL })).error().code).toBe('direct_mode');
    const appClient = await stack.call('POST', '/admin/targets/app-client/workflow/install', { body: INSTALL });
    expect(appClient.status).toBe(422);
    expect(appClient.error().message).toContain('user-context token');
  });
});

describe('Route: POST /admin/targets/{id}/workflow/test', () => {
  it('reports the campaign the test execution created', async () => {
    const response = await stack.call('POST', '/admin/targets/acme/workflow/test', { body: { identityIds: ['id-alice'], reviewerId: 'id-reviewer' } });
    expect(response.status).toBe(200);
    const tested = response.read(WorkflowTestAnswer);
    expect(tested).toMatchObject({ ok: true, status: 'Completed', campaign: { name: tested.campaignName, status: 'STAGED' } });
    const input = executionInput(isc.state.executions.find((e) => e.executionId === tested.executionId)!);
    expect(input.identityIds).toEqual(['id-alice']);
    expect(input.campaign.reviewer).toEqual({ type: 'IDENTITY', id: 'id-reviewer' });
  });

  it('reports a failed execution with the reason from ISC’s execution history', async () => {
    isc.state.runs.failNextExecutions(1, 'Reviewer id-nobody does not exist');
    const response = await stack.call('POST', '/admin/targets/acme/workflow/test', { body: { identityIds: ['id-alice', 'id-bob'], reviewerId: 'id-nobody' } });
    expect(response.body).toMatchObject({ ok: false, status: 'Failed', error: 'Create campaign: named identity reviews: Reviewer id-nobody does not exist' });
    expect(response.read(WorkflowTestAnswer).campaign).toBeUndefined();
  });

  it('stops following an execution that outlasts its time, and names the execution to look at', async () => {
    isc.state.runs.holdNextExecutions(1);
    const response = await stack.call('POST', '/admin/targets/acme/workflow/test', { body: { identityIds: ['id-alice'], reviewerId: 'id-reviewer' } });
    const tested = response.read(WorkflowTestAnswer);
    expect(tested).toMatchObject({ ok: false, status: 'Running' });
    expect(tested.error).toBe(`The execution is still Running after 1 s; see execution ${tested.executionId} in ISC under Workflows → Executions.`);
    // The time bounds the looks, whatever this machine's speed: 1 s at 250 ms apart, after the first look.
    const looks = isc.state.calls.filter((call) => call.method === 'GET' && call.path.endsWith(`/workflow-executions/${tested.executionId}`));
    expect(looks.length).toBeGreaterThanOrEqual(1);
    expect(looks.length).toBeLessThanOrEqual(5);
  });

  it('counts the follow from the request’s start, so slow answers mean fewer looks, not a longer wait', async () => {
    isc.state.runs.holdNextExecutions(1);
    isc.state.failNext('workflow-execution', { type: 'delay', ms: 400 }, 2);
    const response = await stack.call('POST', '/admin/targets/acme/workflow/test', { body: { identityIds: ['id-alice'], reviewerId: 'id-reviewer' } });
    const tested = response.read(WorkflowTestAnswer);
    expect(tested.status).toBe('Running');
    // 400 ms per look: within 1 s there is room for two; counting only polls would make five.
    const looks = isc.state.calls.filter((call) => call.method === 'GET' && call.path.endsWith(`/workflow-executions/${tested.executionId}`));
    expect(looks.length).toBeLessThanOrEqual(3);
  });

  it('validates the identities (one or two) and needs an installed workflow', async () => {
    const three = await stack.call('POST', '/admin/targets/acme/workflow/test', { body: { identityIds: ['a', 'b', 'c'], reviewerId: 'r' } });
    expect(three.status).toBe(422);
    expect(JSON.stringify(three.error())).toContain('identityIds');
    const direct = await stack.call('POST', '/admin/targets/direct/workflow/test', { body: { identityIds: ['a'], reviewerId: 'r' } });
    expect(direct.status).toBe(422);
    expect(direct.error().code).toBe('workflow_not_installed');
  });
});

describe('CLI: usage-cert workflow install | test', () => {
  it('installs with the HTTP client secret from stdin, never printing a secret, then tests and exits 1 on a failed run', async () => {
    const installed = await cli(['workflow', 'install', 'acme', '--owner-email', 'iam-team@example.com', '--http-client-id', HTTP_CLIENT.clientId], HTTP_CLIENT.clientSecret);
    expect(installed.stderr).toBe('');
    expect(installed.code).toBe(0);
    expect(installed.stdout).toContain('updated workflow');
    expect(installed.stdout).not.toContain(HTTP_CLIENT.clientSecret);
    const ok = await cli(['workflow', 'test', 'acme', '--identity', 'id-alice', '--reviewer', 'id-reviewer']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('campaign created');
    isc.state.runs.failNextExecutions(1, 'Step exploded');
    const failed = await cli(['workflow', 'test', 'acme', '--identity', 'id-alice', '--reviewer', 'id-reviewer']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('Step exploded');
    // Three CLI processes, each starting tsx: generous on a busy machine.
  }, 120_000);
});

describe('A workflow target before its install', () => {
  it('holds its batches as AWAITING_INSTALL naming the command, retries nothing, and sends them when the enabling install stores the trigger URL', async () => {
    const target = { environment: 'production', tenant: 'acme-sim', tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url };
    expect((await stack.call('PUT', '/admin/targets/fresh', { body: target })).status).toBe(201);
    await stack.call('PUT', '/admin/targets/fresh/credentials/api', { body: PAT });
    await stack.call('PUT', '/admin/mappings/fresh-production?skipSourceCheck=true', { body: slackMapping({ instance: 'Fresh-production', targetId: 'fresh', policy: { maxDaysActive: 0, cooldownDays: 0 } }) });
    const rows = [{ Email: 'alice@example.com', 'Days Active': 0, Instance: 'Fresh-production' }];
    const accepted = await stack.call('POST', '/webhooks/saas-management', { body: rows, headers: webhookHeaders({ 'idempotency-key': 'before-install' }) });
    const { deliveryId } = z.object({ deliveryId: z.string() }).parse(accepted.body);
    const detail = async () => DeliveryDetail.parse((await stack.call('GET', `/admin/deliveries/${deliveryId}`)).body);
    const executions = isc.state.executions.length;

    for (let round = 0; round < 3; round++) await stack.poller.runOnce();
    const held = await detail();
    expect(held.status).toBe('HELD');
    expect(held.batches[0]).toMatchObject({ status: 'AWAITING_INSTALL', attempts: 1, lastError: { code: 'workflow_not_installed' } });
    expect(held.batches[0]!.lastError!.message).toContain('usage-cert workflow install fresh');
    expect(isc.state.executions.length).toBe(executions);
    const listed = await stack.call('GET', '/admin/deliveries?status=AWAITING_INSTALL');
    expect(JSON.stringify(listed.body)).toContain(deliveryId);

    // A disabled workflow would not run them: the first install keeps them held, the enabling one sends them.
    const install = async (body: typeof INSTALL & { enable?: boolean }) => WorkflowInstallAnswer.parse((await stack.call('POST', '/admin/targets/fresh/workflow/install', { body })).body);
    expect((await install(INSTALL)).released).toBe(0);
    expect((await detail()).batches[0]!.status).toBe('AWAITING_INSTALL');
    expect((await install({ ...INSTALL, enable: true })).released).toBe(1);
    for (let round = 0; round < 20 && (await detail()).status === 'QUEUED'; round++) await stack.poller.runOnce();
    const sent = await detail();
    expect(sent.status).toBe('DISPATCHED');
    expect(sent.batches[0]!.status).toBe('DISPATCHED');
    expect(isc.state.executionCount(deliveryId, 1)).toBe(1);
  });
});
