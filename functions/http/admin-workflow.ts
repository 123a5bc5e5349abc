import { unprocessable } from '../core/errors.js';
import { assertIscUrls } from '../core/isc-hosts.js';
import { releaseAwaitingInstall } from '../core/awaiting-install.js';
import type { Credentials, Target } from '../core/target.js';
import type { ExecutionOutcome } from '../core/follow-up.js';
import { currentTriggerUrl, executionFailures, installableWorkflow, testInput, workflowIdOf, WorkflowInstallSchema, WorkflowTestSchema } from '../core/workflow-install.js';
import { verifyWorkflow, workflowActionIds } from '../core/workflow-verify.js';
import { apiCredentials, iscFailure } from './admin-isc-lookups.js';
import type { AdminDeps } from './admin-common.js';
import { TargetId, requireTarget, storeCredentials, targetView } from './admin-targets.js';
import { jsonBody } from './body.js';
import type { Route } from './router.js';
import { json } from './types.js';
import { WorkflowInstallAnswer, WorkflowTestAnswer, WorkflowVerifyAnswer } from './responses.js';

const WORKFLOW_ACCESS = 'give the target API credentials of a personal access token of an ORG_ADMIN with sp:workflow:manage';

/** install, verify and test: the importable workflow on the target's tenant. */
export function workflowRoutes(deps: AdminDeps): Route[] {
  return [workflowInstallRoute(deps), workflowVerifyRoute(deps), workflowTestRoute(deps)];
}

/**
 * POST /admin/targets/{id}/workflow/verify: every attribute the importable workflow's action steps set, against
 * the form fields of the target tenant's own workflow library. Missing, unknown or renamed attributes are listed
 * in plain words before the workflow ever runs.
 */
function workflowVerifyRoute(deps: AdminDeps): Route {
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
      const workflow = await deps.documents.workflow();
      const used = new Set(workflowActionIds(workflow));
      const findings = verifyWorkflow(workflow, library.filter((action) => used.has(action.id)));
      const actions = [...used].map((id) => ({ id, fields: library.find((action) => action.id === id)?.formFields.map((field) => field.name) ?? null }));
      log.info('workflow verify', { targetId: target.id, findings: findings.length });
      return json(200, { targetId: target.id, tenant: target.tenant, ok: findings.length === 0, actions, findings });
    },
  };
}

/**
 * POST /admin/targets/{id}/workflow/install: the workflow from workflows/inactive-users-certification.json created
 * (or updated, by name) through the public workflows API, a new External Trigger client made for it, and that
 * client and its URL stored on the target, so nobody copies ids, secrets or URLs by hand.
 */
function workflowInstallRoute(deps: AdminDeps): Route {
  return {
    method: 'POST',
    path: '/admin/targets/{id}/workflow/install',
    auth: 'admin',
    summary:
      'Workflow install: creates or updates the workflow (POST/PUT /v3/workflows), creates its External Trigger client (POST /v3/workflows/{id}/external/oauth-clients) and stores the trigger URL and credentials on the target, then (with enable) queues the batches held for that URL (AWAITING_INSTALL) again; needs API credentials that are an ORG_ADMIN personal access token with sp:workflow:manage. Every install issues a new trigger client.',
    body: WorkflowInstallSchema,
    params: { id: TargetId },
    responses: { 200: { description: 'Installed; the target now has the trigger URL and trigger credentials (never shown).', schema: WorkflowInstallAnswer } },
    errors: [409, 422],
    async handle(request, { params, actor, log }) {
      const install = jsonBody(request, WorkflowInstallSchema, 'install');
      const target = await requireTarget(deps, params.id!);
      if (target.mode === 'direct') throw unprocessable('direct_mode', `Target "${target.id}" is in direct mode, which creates campaigns without the workflow; set mode "workflow" first.`, { field: 'mode' });
      const credentials = await apiCredentials(deps, target, 'Workflow install');
      let installed: { workflowId: string; created: boolean };
      let trigger: Awaited<ReturnType<AdminDeps['isc']['createWorkflowTrigger']>>;
      try {
        installed = await deps.isc.installWorkflow(target, credentials, installableWorkflow(await deps.documents.workflow(), target.apiBaseUrl, install));
        trigger = await deps.isc.createWorkflowTrigger(target, credentials, installed.workflowId);
      } catch (error) {
        return iscFailure(error, 'install the workflow', WORKFLOW_ACCESS);
      }
      // The URL ISC issued receives the trigger secret: it must be one of the tenant's hosts like any other.
      const triggerUrl = currentTriggerUrl(trigger.url);
      assertIscUrls({ ...target, triggerUrl }, deps.iscHosts);
      const updated = await storeCredentials(deps, target, 'trigger', trigger.credentials, actor, { triggerUrl });
      // A disabled workflow answers triggers without running (the batch would fail): held batches wait for the enabling install.
      const released = install.enable === true ? await releaseAwaitingInstall(deps.store, target.id, deps.clock.now().toISOString()) : [];
      log.info('workflow installed', { targetId: target.id, workflowId: installed.workflowId, created: installed.created, enabled: install.enable === true, released: released.length });
      return json(200, { ...targetView(updated), workflow: { id: installed.workflowId, created: installed.created, enabled: install.enable === true }, released: released.length });
    },
  };
}

/**
 * Follow a test execution until it ends or `followMs` from `started` have passed, polling every 2 s (a quarter of
 * a shorter budget). The budget counts from the request's start, so that the calls after it (the history and the
 * campaign, each within the ISC client's 3 s on AWS) still fit the admin function's 25 s: a fixed 12 polls of 2 s
 * on top of the calls let a slow tenant's test run into the function's timeout.
 */
async function followExecution(deps: AdminDeps, call: { target: Target; credentials: Credentials; executionId: string }, started: number): Promise<ExecutionOutcome> {
  const followMs = deps.workflowTestFollowMs;
  const pollMs = Math.min(2_000, followMs / 4);
  let execution = await deps.isc.workflowExecution(call.target, call.credentials, call.executionId);
  for (let poll = 0; RUNNING.has(execution.status) && poll < followMs / pollMs && Date.now() + pollMs < started + followMs; poll++) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    execution = await deps.isc.workflowExecution(call.target, call.credentials, call.executionId);
  }
  return execution;
}

/**
 * POST /admin/targets/{id}/workflow/test: runs the installed workflow once (POST /v3/workflows/{id}/test) for one
 * or two identities the admin names, follows the execution to its end and says whether the campaign was created,
 * with the failure ISC's execution history records otherwise.
 */
function workflowTestRoute(deps: AdminDeps): Route {
  return {
    method: 'POST',
    path: '/admin/targets/{id}/workflow/test',
    auth: 'admin',
    summary:
      'Workflow test: runs the installed workflow once with a synthetic input for the named identities (POST /v3/workflows/{id}/test), follows the execution (GET /v3/workflow-executions/{id}, GET /v2025/workflow-executions/{id}/history) and reports whether the campaign was created, with ISC\'s error otherwise. A real campaign is created: use test identities.',
    body: WorkflowTestSchema,
    params: { id: TargetId },
    responses: { 200: { description: 'The execution and its outcome (ok false with the reason when it failed).', schema: WorkflowTestAnswer } },
    errors: [422],
    async handle(request, { params, log }) {
      const started = Date.now();
      const test = jsonBody(request, WorkflowTestSchema, 'test');
      const target = await requireTarget(deps, params.id!);
      const workflowId = installedWorkflowId(target);
      const credentials = await apiCredentials(deps, target, 'Workflow test');
      const input = testInput(test, target.environment, deps.clock.now());
      try {
        const { executionId } = await deps.isc.testWorkflow(target, credentials, workflowId, input);
        const execution = await followExecution(deps, { target, credentials, executionId }, started);
        const done = !RUNNING.has(execution.status);
        const failures = done && execution.status !== 'Completed' ? executionFailures(await deps.isc.workflowExecutionHistory(target, credentials, executionId)) : [];
        const campaign = done ? await deps.isc.campaignByName(target, credentials, input.campaign.name) : undefined;
        const ok = execution.status === 'Completed' && campaign !== undefined;
        const error = ok ? undefined : failures.join('; ') || (done ? (execution.error ?? `The execution ended ${execution.status} without creating campaign "${input.campaign.name}".`) : `The execution is still ${execution.status} after ${deps.workflowTestFollowMs / 1000} s; see execution ${executionId} in ISC under Workflows → Executions.`);
        log.info('workflow test', { targetId: target.id, workflowId, executionId, status: execution.status, ok });
        return json(200, { targetId: target.id, workflowId, executionId, status: execution.status, ok, campaignName: input.campaign.name, ...(campaign ? { campaign } : {}), ...(error ? { error } : {}) });
      } catch (error) {
        return iscFailure(error, 'test the workflow', WORKFLOW_ACCESS);
      }
    },
  };
}

/** v3 WorkflowExecution states before the end. */
const RUNNING: ReadonlySet<string> = new Set(['Queued', 'Running']);

function installedWorkflowId(target: Target): string {
  const id = workflowIdOf(target.triggerUrl);
  if (!id) throw unprocessable('workflow_not_installed', `Target "${target.id}" has no workflow trigger URL; run usage-cert workflow install ${target.id} first.`, { field: 'triggerUrl' });
  return id;
}
