import type { DispatchBatch } from './delivery.js';
import { IscError } from './errors.js';
import type { FollowUpRecord } from './types.js';
import { readCredentials } from './target.js';
import { CredentialsMissingError } from './errors.js';
import type { DispatcherDeps } from './dispatcher.js';

/** The ISC workflow execution of a dispatched batch (v3 WorkflowExecution.status, as ISC reports it). */
export interface ExecutionOutcome {
  status: string;
  /** Why it failed, as far as v3 tells (see HttpIscClient.workflowExecution). */
  error?: string;
}

export interface CampaignDecisions {
  approved: number;
  revoked: number;
  pending: number;
}

/** The campaign the batch became, looked up by its exact name; status as ISC reports it (v3 Campaign.status). */
export interface CampaignOutcome {
  id: string;
  name: string;
  status: string;
  decisions?: CampaignDecisions;
}

/** Where following a batch stands: when it is looked at next, or why it is no longer followed. */
export interface FollowUp {
  checks: number;
  /** Absent once the follow-up has ended. */
  nextCheckAt?: string;
  /** Why the follow-up ended early or is waiting (e.g. no_api_credentials). */
  note?: string;
  /** ISC refused to show the execution (403: reading executions needs ORG_ADMIN); the campaign is followed without it. */
  executionUnreadable?: boolean;
}

/** Execution states after which nothing changes (v3 WorkflowExecution.status: Queued, Running, Completed, Failed, Canceled). */
const EXECUTION_ENDED: ReadonlySet<string> = new Set(['Completed', 'Failed', 'Canceled']);
/** Campaign states after which nothing changes that we report (v3 Campaign.status). */
const CAMPAIGN_ENDED: ReadonlySet<string> = new Set(['COMPLETED', 'ERROR', 'ARCHIVED']);

export interface FollowResult {
  followed: number;
  /** Batches whose execution failed or whose campaign errored in this round: counted with FailedBatches. */
  failed: number;
}

/**
 * After DISPATCHED, follow each batch to its outcome: the workflow execution until it ends (direct mode has none),
 * then the campaign by its exact name until COMPLETED (then its decisions) or ERROR. Only batches whose next
 * check is due are read, `limit` per round, and every ISC call goes through the one client (rate limit, retries).
 */
export async function followDispatched(deps: DispatcherDeps, limit = 10): Promise<FollowResult> {
  const now = deps.clock.now();
  const result: FollowResult = { followed: 0, failed: 0 };
  for (const batch of await deps.store.batchesByStatus('DISPATCHED', limit, now.toISOString())) {
    if (!batch.executionId) continue;
    const record = await followOne(batch, batch.executionId, deps, now);
    if (await deps.store.recordFollowUp(batch, batch.executionId, record, now.toISOString())) {
      result.followed++;
      if (newlyFailed(batch, record)) {
        result.failed++;
        deps.log.error('a dispatched batch failed in ISC', { correlationId: batch.deliveryId, batch: batch.index, execution: record.execution?.status, campaign: record.campaign?.status, error: record.execution?.error });
      }
    }
  }
  return result;
}

/** A failed execution or an errored campaign, seen for the first time. */
function newlyFailed(before: DispatchBatch, after: FollowUpRecord): boolean {
  const failed = (record: Pick<FollowUpRecord, 'execution' | 'campaign'>) => record.execution?.status === 'Failed' || record.campaign?.status === 'ERROR';
  return failed(after) && !failed(before);
}

async function followOne(batch: DispatchBatch, executionId: string, deps: DispatcherDeps, now: Date): Promise<FollowUpRecord> {
  const checks = (batch.followUp?.checks ?? 0) + 1;
  const { execution, campaign } = batch;
  let unreadable = batch.followUp?.executionUnreadable === true;
  const state = (note?: string) => ({ checks, ...(note ? { note } : {}), ...(unreadable ? { executionUnreadable: true } : {}) });
  const next = (record: Omit<FollowUpRecord, 'followUp'>, note?: string): FollowUpRecord => ({
    ...record,
    followUp: { ...state(note), nextCheckAt: new Date(now.getTime() + deps.settings.followIntervalMs).toISOString() },
  });
  const end = (record: Omit<FollowUpRecord, 'followUp'>, note?: string): FollowUpRecord => ({ ...record, followUp: state(note) });

  if (batch.sentAt && now.getTime() - Date.parse(batch.sentAt) > deps.settings.followMaxAgeMs) return end({ execution, campaign }, 'gave_up_after_max_age');
  const target = (await deps.store.getTargets([batch.targetId])).get(batch.targetId);
  if (!target) return end({ execution, campaign }, 'target_missing');
  if (!target.credentials.api) return end({ execution, campaign }, 'no_api_credentials');
  try {
    const credentials = await readCredentials(deps.secrets, target, 'api');
    let current = execution;
    // Direct mode created the campaign itself ("campaign:{id}"): there is no workflow execution to follow.
    if (!executionId.startsWith('campaign:') && !unreadable && !EXECUTION_ENDED.has(current?.status ?? '')) {
      try {
        current = await deps.isc.workflowExecution(target, credentials, executionId);
        if (!EXECUTION_ENDED.has(current.status)) return next({ execution: current, campaign });
      } catch (error) {
        if (!(error instanceof IscError && error.details.status === 403)) throw error;
        unreadable = true;
      }
    }
    if (current && current.status !== 'Completed') return end({ execution: current, campaign });
    const found = await deps.isc.campaignByName(target, credentials, batch.input.campaign.name);
    if (!found) return next({ execution: current, campaign }, 'campaign_not_found_yet');
    if (found.status !== 'COMPLETED') return CAMPAIGN_ENDED.has(found.status) ? end({ execution: current, campaign: found }) : next({ execution: current, campaign: found });
    const decisions = await deps.isc.campaignDecisions(target, credentials, found.id);
    return end({ execution: current, campaign: { ...found, decisions } });
  } catch (error) {
    if (error instanceof CredentialsMissingError) return end({ execution, campaign }, 'no_api_credentials');
    // A refusal (403, 404, 400) does not go away by asking again; anything else is tried at the next check.
    if (error instanceof IscError && !error.retryable) return end({ execution, campaign }, `${error.code}: ${error.message}`);
    return next({ execution, campaign }, `retrying: ${error instanceof IscError ? error.code : 'internal_error'}`);
  }
}
