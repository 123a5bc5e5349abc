import workflow from '../../workflows/inactive-users-certification.json' with { type: 'json' };
import { verifyWorkflow, workflowActionIds } from '../core/workflow-verify.js';
import { apiCredentials, iscFailure } from './admin-isc-lookups.js';
import type { AdminDeps } from './admin-common.js';
import { TargetId, requireTarget } from './admin-targets.js';
import type { Route } from './router.js';
import { json } from './types.js';
import { WorkflowVerifyAnswer } from './responses.js';

/**
 * POST /admin/targets/{id}/workflow/verify: every attribute the importable workflow's action steps set, against
 * the form fields of the target tenant's own workflow library. Missing, unknown or renamed attributes are listed
 * in plain words before the workflow ever runs.
 */
export function workflowVerifyRoute(deps: AdminDeps): Route {
  return {
    method: 'POST',
    path: '/admin/targets/{id}/workflow/verify',
    auth: 'admin',
    summary: "Workflow verify: compares every attribute the workflow's action steps set with the tenant's workflow library (GET /v3/workflow-library/actions); needs API credentials that are a user-context token with sp:workflow:read.",
    params: { id: TargetId },
    responses: { 200: { description: 'Findings (none when ok).', schema: WorkflowVerifyAnswer } },
    errors: [422],
    async handle(_request, { params, log }) {
      const target = await requireTarget(deps, params.id!);
      const credentials = await apiCredentials(deps, target, 'Workflow verify');
      let library;
      try {
        library = await deps.isc.listWorkflowLibraryActions(target, credentials);
      } catch (error) {
        return iscFailure(error, "read the tenant's workflow library", 'give the target API credentials of a personal access token with sp:workflow:read');
      }
      const used = new Set(workflowActionIds(workflow));
      const findings = verifyWorkflow(workflow, library.filter((action) => used.has(action.id)));
      const actions = [...used].map((id) => ({ id, fields: library.find((action) => action.id === id)?.formFields.map((field) => field.name) ?? null }));
      log.info('workflow verify', { targetId: target.id, findings: findings.length });
      return json(200, { targetId: target.id, tenant: target.tenant, ok: findings.length === 0, actions, findings });
    },
  };
}
