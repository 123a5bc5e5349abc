/** `workflow verify` in the core: the workflow's action attributes against a library's form fields. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyWorkflow, workflowActionIds, type LibraryAction, type WorkflowDefinition } from '../../../functions/core/workflow-verify.js';
import { DEFAULT_WORKFLOW_LIBRARY } from '../../../functions/local/simulated-workflow-library.js';

const workflow = JSON.parse(readFileSync(new URL('../../../workflows/inactive-users-certification.json', import.meta.url), 'utf8')) as WorkflowDefinition;
const library = (): LibraryAction[] => structuredClone(DEFAULT_WORKFLOW_LIBRARY);

describe('Function: verifyWorkflow', () => {
  it('finds nothing to report when the library lists every attribute the workflow sets', () => {
    expect(workflowActionIds(workflow)).toEqual(['sp:create-campaign', 'sp:http', 'sp:send-email']);
    expect(verifyWorkflow(workflow, library())).toEqual([]);
  });

  it('names a renamed attribute in every step that sets it, with the tenant’s likely new name', () => {
    const renamed = library();
    const field = renamed.find((action) => action.id === 'sp:create-campaign')!.formFields.find((f) => f.name === 'reviewerIdentitiesToCertify')!;
    field.name = 'identitiesToCertify';
    const findings = verifyWorkflow(workflow, renamed);
    expect(findings.map((f) => f.step)).toEqual(['Create Campaign For Governance Group', 'Create Campaign For Identity', 'Create Campaign For Source Owner']);
    expect(findings[0]).toEqual({
      step: 'Create Campaign For Governance Group',
      actionId: 'sp:create-campaign',
      kind: 'unknown_attribute',
      attribute: 'reviewerIdentitiesToCertify',
      suggestion: 'identitiesToCertify',
      message: 'Step "Create Campaign For Governance Group" sets "reviewerIdentitiesToCertify", which sp:create-campaign does not have in your tenant; it has "identitiesToCertify", probably the same setting renamed.',
    });
  });

  it('reports an action the tenant lacks, and a required field the workflow does not set', () => {
    const without = library().filter((action) => action.id !== 'sp:send-email');
    without.find((action) => action.id === 'sp:http')!.formFields.push({ name: 'timeoutSeconds', required: true });
    const findings = verifyWorkflow(workflow, without);
    expect(findings.filter((f) => f.kind === 'unknown_action').map((f) => f.step)).toEqual(['Notify Owner', 'Notify Owner No Identities']);
    expect(findings.filter((f) => f.kind === 'missing_required').map((f) => `${f.step}: ${f.attribute}`)).toEqual(['Find Existing Campaign: timeoutSeconds', 'Get Source: timeoutSeconds']);
  });

  it('treats `name.$` (a JSONPath value) and `name` as the same form field, and offers no far-fetched suggestion', () => {
    const tiny: WorkflowDefinition = { definition: { steps: { A: { type: 'action', actionId: 'x', attributes: { 'name.$': '$.a', zebra: 1 } } } } };
    expect(verifyWorkflow(tiny, [{ id: 'x', formFields: [{ name: 'name' }, { name: 'description' }] }])).toEqual([
      { step: 'A', actionId: 'x', kind: 'unknown_attribute', attribute: 'zebra', message: 'Step "A" sets "zebra", which x does not have in your tenant.' },
    ]);
  });
});
