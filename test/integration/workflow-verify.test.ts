/**
 * `usage-cert workflow verify` end to end: CLI → admin API → ISC workflow library (the simulator over loopback
 * HTTP), for a tenant whose library matches the workflow and one where an attribute was renamed.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import type { IscSimulator } from '../../functions/local/isc-simulator.js';
import { DEFAULT_WORKFLOW_LIBRARY } from '../../functions/local/simulated-workflow-library.js';
import { WorkflowVerifyAnswer } from '../../functions/http/responses.js';
import { API_CLIENT, WORKFLOW_ID, startFakeIsc } from '../helpers/fake-isc.js';
import { ADMIN_TOKEN, startTestStack, type TestStack } from '../helpers/stack.js';

const run = promisify(execFile);
const PAT = { clientId: 'workflow-reader-pat', clientSecret: 'workflow-reader-secret' };
let current: IscSimulator;
let renamed: IscSimulator;
let stack: TestStack;

const target = (isc: IscSimulator) => ({
  environment: 'production',
  tenant: 'acme-sim',
  triggerUrl: `${isc.url}/v3/workflows/execute/external/${WORKFLOW_ID}`,
  tokenUrl: `${isc.url}/oauth/token`,
  apiBaseUrl: isc.url,
});

beforeAll(async () => {
  const library = structuredClone(DEFAULT_WORKFLOW_LIBRARY);
  library.find((action) => action.id === 'sp:create-campaign')!.formFields.find((field) => field.name === 'duration')!.name = 'campaignDuration';
  current = await startFakeIsc({ clients: [{ ...PAT, userContext: true }, API_CLIENT] });
  renamed = await startFakeIsc({ clients: [{ ...PAT, userContext: true }], workflowLibrary: library });
  stack = await startTestStack({ isc: new HttpIscClient({ timeoutMs: 2000 }) });
  for (const [id, isc, credentials] of [['current', current, PAT], ['renamed', renamed, PAT], ['app-client', current, API_CLIENT]] as const) {
    await stack.call('PUT', `/admin/targets/${id}`, { body: target(isc) });
    await stack.call('PUT', `/admin/targets/${id}/credentials/api`, { body: credentials });
  }
  await stack.call('PUT', '/admin/targets/no-api', { body: target(current) });
});
afterAll(async () => {
  await stack.close();
  await current.close();
  await renamed.close();
});

async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, ['bin/usage-cert.mjs', ...args], { env: { ...process.env, ADMIN_URL: stack.url, ADMIN_TOKEN }, timeout: 30_000 });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

describe('Route: POST /admin/targets/{id}/workflow/verify', () => {
  it('passes when the tenant library lists every attribute the workflow sets', async () => {
    const response = await stack.call('POST', '/admin/targets/current/workflow/verify');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ targetId: 'current', ok: true, findings: [] });
    expect(response.read(WorkflowVerifyAnswer).actions.map((a) => a.id)).toEqual(['sp:create-campaign', 'sp:http', 'sp:send-email']);
    expect(current.state.count('workflow-library')).toBe(1);
  });

  it('catches a renamed attribute and names the tenant’s field, in every step that sets it', async () => {
    const response = await stack.call('POST', '/admin/targets/renamed/workflow/verify');
    expect(response.read(WorkflowVerifyAnswer).ok).toBe(false);
    expect(response.read(WorkflowVerifyAnswer).findings).toHaveLength(3);
    expect(response.read(WorkflowVerifyAnswer).findings[0]).toMatchObject({ kind: 'unknown_attribute', attribute: 'duration', suggestion: 'campaignDuration', actionId: 'sp:create-campaign' });
  });

  it('says what is missing: no API credentials (422), or an API client where ISC wants a user-context token (422 with ISC’s reason)', async () => {
    const none = await stack.call('POST', '/admin/targets/no-api/workflow/verify');
    expect(none.status).toBe(422);
    expect(none.error().code).toBe('api_credentials_missing');
    const appClient = await stack.call('POST', '/admin/targets/app-client/workflow/verify');
    expect(appClient.status).toBe(422);
    expect(appClient.error().message).toContain('user-context token');
    expect((await stack.call('POST', '/admin/targets/nope/workflow/verify')).status).toBe(404);
  });
});

describe('CLI: usage-cert workflow verify', () => {
  it('prints each action and each mismatch in plain words, exiting 1 on a mismatch and 0 otherwise', async () => {
    const bad = await cli(['workflow', 'verify', 'renamed']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('ok    sp:create-campaign');
    expect(bad.stdout).toContain('FAIL  Step "Create Campaign For Identity" sets "duration", which sp:create-campaign does not have in your tenant; it has "campaignDuration", probably the same setting renamed.');
    const good = await cli(['workflow', 'verify', 'current']);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('Every attribute the workflow sets exists in the tenant library.');
  });
});
