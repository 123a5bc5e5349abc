import { randomBytes } from 'node:crypto';

/**
 * What the ISC SIMULATOR pretends the importable workflow does when its trigger is called, so `npm start` shows the
 * whole loop without a tenant: the execution runs (Running → Completed, or Failed when a test asks), creates a
 * campaign named exactly as the input's `campaign.name`, which goes STAGED → ACTIVE → COMPLETED (or ERROR), and its
 * reviewers decide: every third identity's access is revoked, the rest approved. Shapes are v3's (WorkflowExecution,
 * Campaign, IdentityCertificationDto, IdentityCertDecisionSummary); the timing is ours.
 */
export interface WorkflowRunTiming {
  /** From trigger to the end of the execution (and the campaign's creation). Default 2 s. */
  executionMs: number;
  /** How long the campaign stays STAGED, then ACTIVE, before it completes. Default 5 s each. */
  campaignStepMs: number;
}

export const DEFAULT_WORKFLOW_RUN_TIMING: WorkflowRunTiming = { executionMs: 2_000, campaignStepMs: 5_000 };

interface Run {
  id: string;
  workflowId: string;
  at: number;
  /** When the execution ends (and creates its campaign); never for a held run. */
  endsAt: number;
  /** Why it failed (the failed step's error in the history), or undefined when it succeeds. */
  failure?: string;
  campaign?: { id: string; name: string; description: string; identityIds: string[]; error: boolean };
}

/**
 * Runs kept (oldest dropped first): `npm start` runs for weeks, and each run holds its campaign's identity ids. An
 * older run's execution and campaign answer 404, like ISC's after its own retention.
 */
const MAX_RUNS = 5_000;

export class WorkflowRuns {
  readonly #runs = new Map<string, Run>();
  readonly #failures: string[] = [];
  #errors = 0;
  #held = 0;

  constructor(readonly timing: WorkflowRunTiming = DEFAULT_WORKFLOW_RUN_TIMING) {}

  /** The next `times` executions fail (and create no campaign), the history naming `reason`. */
  failNextExecutions(times = 1, reason = 'The simulated step failed.'): void {
    for (let i = 0; i < times; i++) this.#failures.push(reason);
  }

  /** The next `times` executions stay Running: a workflow that outlasts `workflow test`'s follow. */
  holdNextExecutions(times = 1): void {
    this.#held += times;
  }

  /** The next `times` campaigns the workflow creates end in ERROR. */
  errorNextCampaigns(times = 1): void {
    this.#errors += times;
  }

  start(id: string, workflowId: string, input: Record<string, unknown>, now: number): void {
    const failure = this.#failures.shift();
    const campaign = input.campaign as { name?: unknown; description?: unknown } | undefined;
    const identityIds = Array.isArray(input.identityIds) ? input.identityIds.filter((x): x is string => typeof x === 'string') : [];
    const held = this.#held > 0;
    if (held) this.#held--;
    const run: Run = { id, workflowId, at: now, endsAt: held ? Infinity : now + this.timing.executionMs, ...(failure === undefined ? {} : { failure }) };
    if (failure === undefined && typeof campaign?.name === 'string') {
      const error = this.#errors > 0;
      if (error) this.#errors--;
      run.campaign = { id: randomBytes(16).toString('hex'), name: campaign.name, description: typeof campaign.description === 'string' ? campaign.description : '', identityIds, error };
    }
    this.#runs.set(id, run);
    // A Map iterates in insertion order: the first key is the oldest run.
    if (this.#runs.size > MAX_RUNS) this.#runs.delete(this.#runs.keys().next().value!);
  }

  /** GET /v3/workflow-executions/{id} (v3 WorkflowExecution). */
  execution(id: string, now: number): Record<string, unknown> | undefined {
    const run = this.#runs.get(id);
    if (!run) return undefined;
    const ended = now >= run.endsAt;
    const status = !ended ? 'Running' : run.failure !== undefined ? 'Failed' : 'Completed';
    return { id, workflowId: run.workflowId, requestId: id, startTime: new Date(run.at).toISOString(), closeTime: ended ? new Date(run.endsAt).toISOString() : null, status };
  }

  /** GET /v2025/workflow-executions/{id}/history (WorkflowExecutionEvent[]): started, the create step, the end. */
  history(id: string, now: number): Array<{ type: string; timestamp: string; attributes: Record<string, unknown> }> | undefined {
    const run = this.#runs.get(id);
    if (!run) return undefined;
    const at = (ms: number) => new Date(run.at + ms).toISOString();
    const events = [{ type: 'WorkflowExecutionStarted', timestamp: at(0), attributes: {} }];
    if (now < run.endsAt) return events;
    const end = run.endsAt - run.at;
    const step = { displayName: 'Create campaign: named identity reviews', stepName: 'Create Campaign For Identity' };
    if (run.failure === undefined) return [...events, { type: 'ActivityTaskCompleted', timestamp: at(end), attributes: step }, { type: 'WorkflowExecutionCompleted', timestamp: at(end), attributes: {} }];
    return [...events, { type: 'ActivityTaskFailed', timestamp: at(end), attributes: { ...step, error: run.failure } }, { type: 'WorkflowExecutionFailed', timestamp: at(end), attributes: {} }];
  }

  /** The campaigns runs have created so far, with their current status (v3 Campaign). */
  campaigns(now: number): Array<Record<string, unknown>> {
    return [...this.#runs.values()].flatMap((run) => {
      const status = this.#campaignStatus(run, now);
      const c = run.campaign;
      return c && status ? [{ id: c.id, name: c.name, description: c.description, type: 'SEARCH', status, emailNotificationEnabled: true, autoRevokeAllowed: false, recommendationsEnabled: false }] : [];
    });
  }

  /** GET /v3/certifications?filters=campaign.id eq "…": one certification per identity (v3 IdentityCertificationDto). */
  certifications(campaignId: string, now: number): Array<Record<string, unknown>> {
    const run = this.#runOfCampaign(campaignId);
    const status = run && this.#campaignStatus(run, now);
    if (!run?.campaign || !status) return [];
    const completed = status === 'COMPLETED';
    return run.campaign.identityIds.map((identityId, i) => ({
      id: `${campaignId}-${i}`,
      name: `${run.campaign!.name}: ${identityId}`,
      campaign: { id: campaignId, name: run.campaign!.name, type: 'CAMPAIGN', campaignType: 'SEARCH', description: run.campaign!.description, correlatedStatus: 'CORRELATED', mandatoryCommentRequirement: 'NO_DECISIONS' },
      completed,
      identitiesCompleted: completed ? 1 : 0,
      identitiesTotal: 1,
      decisionsMade: completed ? 1 : 0,
      decisionsTotal: 1,
      phase: completed ? 'SIGNED' : status === 'ACTIVE' ? 'ACTIVE' : 'STAGED',
    }));
  }

  /** GET /v3/certifications/{id}/decision-summary (v3 IdentityCertDecisionSummary): one account decision each. */
  decisionSummary(certificationId: string, now: number): Record<string, number> | undefined {
    const [campaignId, index] = certificationId.split('-');
    const run = this.#runOfCampaign(campaignId ?? '');
    const i = Number(index);
    if (!run?.campaign || !Number.isInteger(i) || i < 0 || i >= run.campaign.identityIds.length) return undefined;
    const made = this.#campaignStatus(run, now) === 'COMPLETED' ? 1 : 0;
    const revoked = made && i % 3 === 0 ? 1 : 0;
    const zero = { entitlementDecisionsMade: 0, accessProfileDecisionsMade: 0, roleDecisionsMade: 0, entitlementDecisionsTotal: 0, accessProfileDecisionsTotal: 0, roleDecisionsTotal: 0, entitlementsApproved: 0, entitlementsRevoked: 0, accessProfilesApproved: 0, accessProfilesRevoked: 0, rolesApproved: 0, rolesRevoked: 0 };
    return { ...zero, accountDecisionsMade: made, accountDecisionsTotal: 1, accountsApproved: made - revoked, accountsRevoked: revoked };
  }

  #runOfCampaign(campaignId: string): Run | undefined {
    return [...this.#runs.values()].find((run) => run.campaign?.id === campaignId);
  }

  /** undefined until the execution has created it. */
  #campaignStatus(run: Run, now: number): string | undefined {
    const created = run.endsAt;
    if (!run.campaign || now < created) return undefined;
    if (run.campaign.error) return 'ERROR';
    const { campaignStepMs } = this.timing;
    return now < created + campaignStepMs ? 'STAGED' : now < created + 2 * campaignStepMs ? 'ACTIVE' : 'COMPLETED';
  }
}
