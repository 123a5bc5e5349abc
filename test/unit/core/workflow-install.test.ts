/** `workflow install` and `workflow test` in the core: the filled workflow, the test input, the history's reasons. */
import { describe, expect, it } from 'vitest';
import { WorkflowInputSchema } from '../../../functions/core/workflow-input.js';
import { currentTriggerUrl, executionFailures, installableWorkflow, testInput, workflowIdOf } from '../../../functions/core/workflow-install.js';
import workflow from '../../../workflows/inactive-users-certification.json' with { type: 'json' };

const install = { ownerEmail: 'iam@example.com', httpClient: { clientId: 'http-pat', clientSecret: 'http-secret' } };

describe('Function: installableWorkflow', () => {
  it('fills every placeholder and the HTTP steps’ secret, leaving the file itself untouched', () => {
    const filled = installableWorkflow(workflow, 'https://acme.api.identitynow.com/', install);
    const text = JSON.stringify(filled.definition);
    expect(text).not.toMatch(/%%[A-Z_]+%%/);
    expect(text).not.toContain('"oAuthClientSecret":null');
    expect(text).toContain('"url":"https://acme.api.identitynow.com/v3/campaigns"');
    expect(filled).toMatchObject({ name: workflow.name, enabled: false, trigger: { type: 'EXTERNAL', attributes: workflow.trigger.attributes } });
    expect(filled.owner).toBeUndefined();
    expect(JSON.stringify(workflow)).toContain('%%API_URL%%');
    expect(installableWorkflow(workflow, 'https://x', { ...install, ownerId: 'id-o', enable: true })).toMatchObject({ owner: { type: 'IDENTITY', id: 'id-o' }, enabled: true });
  });
});

describe('Function: workflowIdOf', () => {
  it('reads the id from v3, v2025 and beta trigger URLs, and nothing from other URLs', () => {
    expect(workflowIdOf('https://acme.api.identitynow.com/v3/workflows/execute/external/abc-1')).toBe('abc-1');
    expect(workflowIdOf('https://acme.api.identitynow.com/beta/workflows/execute/external/abc-2/')).toBe('abc-2');
    expect(workflowIdOf('https://acme.api.identitynow.com/v3/campaigns')).toBeUndefined();
    expect(workflowIdOf(undefined)).toBeUndefined();
  });
});

describe('Function: currentTriggerUrl', () => {
  it('moves a trigger URL issued under the deprecated /beta path to /v3, and keeps any other as issued', () => {
    expect(currentTriggerUrl('https://acme.api.identitynow.com/beta/workflows/execute/external/abc')).toBe('https://acme.api.identitynow.com/v3/workflows/execute/external/abc');
    expect(currentTriggerUrl('https://acme.api.identitynow.com/v2025/workflows/execute/external/abc')).toBe('https://acme.api.identitynow.com/v2025/workflows/execute/external/abc');
  });
});

describe('Function: testInput', () => {
  it('is a valid workflow input for the named identities with an individual reviewer', () => {
    const input = testInput({ identityIds: ['id-a', 'id-b'], reviewerId: 'id-r' }, 'staging', new Date('2026-12-03T10:00:00.000Z'));
    expect(WorkflowInputSchema.safeParse(input).success).toBe(true);
    expect(input).toMatchObject({ identityIds: ['id-a', 'id-b'], campaign: { reviewer: { type: 'IDENTITY', id: 'id-r' }, duration: '7d', deadline: '2026-12-10T10:00:00.000Z' } });
    expect(input.campaign.nameFilter).toBe(`name eq "${input.campaign.name}"`);
  });
});

describe('Function: executionFailures', () => {
  it('names each failed step with its error, and ignores events that are not failures', () => {
    expect(
      executionFailures([
        { type: 'WorkflowExecutionStarted', attributes: { displayName: 'x' } },
        { type: 'ActivityTaskFailed', attributes: { displayName: 'Create campaign', error: 'reviewer not found' } },
        { type: 'ActivityTaskFailed', attributes: { stepName: 'Get Source' } },
        { type: 'WorkflowExecutionFailed', attributes: {} },
      ]),
    ).toEqual(['Create campaign: reviewer not found', 'Get Source: ActivityTaskFailed']);
  });
});
