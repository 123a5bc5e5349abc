import type { DispatchBatch } from './delivery.js';
import { IscError } from './errors.js';
import type { FollowUpRecord } from './types.js';
import { readCredentials, type Credentials, type Target } from './target.js';
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

/** A failed execution or an errored campaign (of the batch, or of one of a MANAGER batch's campaigns), seen for the first time. */
function newlyFailed(before: DispatchBatch, after: FollowUpRecord): boolean {
  const failed = (record: Pick<FollowUpRecord, 'execution' | 'campaign'>) => record.execution?.status === 'Failed' || record.campaign?.status === 'ERROR';
  const anyFailed = (record: Pick<FollowUpRecord, 'execution' | 'campaign' | 'campaigns'>) => failed(record) || (record.campaigns ?? []).some(failed);
  return anyFailed(after) && !anyFailed(before);
}

/** One campaign being followed: its execution (or "campaign:{id}" in direct mode), exact name, and what was seen so far. */
interface Followed {
  executionId: string;
  name: string;
  execution?: ExecutionOutcome;
  campaign?: CampaignOutcome;
}

/** Nothing more will change: the execution ended without completing, or the campaign reached a final state. */
function ended({ execution, campaign }: Pick<Followed, 'execution' | 'campaign'>): boolean {
  return (execution !== undefined && EXECUTION_ENDED.has(execution.status) && execution.status !== 'Completed') || CAMPAIGN_ENDED.has(campaign?.status ?? '');
}

async function followOne(batch: DispatchBatch, executionId: string, deps: DispatcherDeps, now: Date): Promise<FollowUpRecord> {
  const checks = (batch.followUp?.checks ?? 0) + 1;
  const { execution, campaign, campaigns } = batch;
  let unreadable = batch.followUp?.executionUnreadable === true;
  const state = (note?: string) => ({ checks, ...(note ? { note } : {}), ...(unreadable ? { executionUnreadable: true } : {}) });
  const next = (record: Omit<FollowUpRecord, 'followUp'>, note?: string): FollowUpRecord => ({
    ...record,
    followUp: { ...state(note), nextCheckAt: new Date(now.getTime() + deps.settings.followIntervalMs).toISOString() },
  });
  const end = (record: Omit<FollowUpRecord, 'followUp'>, note?: string): FollowUpRecord => ({ ...record, followUp: state(note) });

  const seen = { execution, campaign, ...(campaigns ? { campaigns } : {}) };
  if (batch.sentAt && now.getTime() - Date.parse(batch.sentAt) > deps.settings.followMaxAgeMs) return end(seen, 'gave_up_after_max_age');
  const target = (await deps.store.getTargets([batch.targetId])).get(batch.targetId);
  if (!target) return end(seen, 'target_missing');
  if (!target.credentials.api) return end(seen, 'no_api_credentials');
  try {
    const credentials = await readCredentials(deps.secrets, target, 'api');
    const follow = async (followed: Followed): Promise<Followed & { note?: string }> => {
      const looked = await lookAt(followed, unreadable, target, credentials, deps);
      unreadable = looked.unreadable;
      return looked.followed;
    };
    if (campaigns) {
      // A MANAGER batch: each of its campaigns is followed like a one-campaign batch; following ends when all have.
      let note: string | undefined;
      const followed = [];
      for (const group of campaigns) {
        if (ended(group) || !group.executionId) {
          followed.push(group);
          continue;
        }
        const { note: groupNote, execution: groupExecution, campaign: groupCampaign } = await follow({ ...group, executionId: group.executionId });
        note ??= groupNote;
        followed.push({ ...group, ...(groupExecution ? { execution: groupExecution } : {}), ...(groupCampaign ? { campaign: groupCampaign } : {}) });
      }
      return followed.every(ended) ? end({ campaigns: followed }) : next({ campaigns: followed }, note);
    }
    const { note, ...looked } = await follow({ executionId, name: batch.input.campaign.name, execution, campaign });
    const record = { execution: looked.execution, campaign: looked.campaign };
    return ended(record) ? end(record) : next(record, note);
  } catch (error) {
    if (error instanceof CredentialsMissingError) return end(seen, 'no_api_credentials');
    // A refusal (403, 404, 400) does not go away by asking again; anything else is tried at the next check.
    if (error instanceof IscError && !error.retryable) return end(seen, `${error.code}: ${error.message}`);
    return next(seen, `retrying: ${error instanceof IscError ? error.code : 'internal_error'}`);
  }
}

/**
 * One look at one campaign: its workflow execution until that ends, then the campaign by its exact name, then, once
 * COMPLETED, its decisions. `unreadable`: ISC refused to show executions (403), so the campaign is looked up directly.
 */
async function lookAt(followed: Followed, unreadable: boolean, target: Target, credentials: Credentials, deps: DispatcherDeps): Promise<{ followed: Followed & { note?: string }; unreadable: boolean }> {
  const { executionId, name, campaign } = followed;
  let current = followed.execution;
  // Direct mode created the campaign itself ("campaign:{id}"): there is no workflow execution to follow.
  if (!executionId.startsWith('campaign:') && !unreadable && !EXECUTION_ENDED.has(current?.status ?? '')) {
    try {
      current = await deps.isc.workflowExecution(target, credentials, executionId);
      if (!EXECUTION_ENDED.has(current.status)) return { followed: { ...followed, execution: current }, unreadable };
    } catch (error) {
      if (!(error instanceof IscError && error.details.status === 403)) throw error;
      unreadable = true;
    }
  }
  if (current && current.status !== 'Completed') return { followed: { ...followed, execution: current }, unreadable };
  const found = await deps.isc.campaignByName(target, credentials, name);
  if (!found) return { followed: { ...followed, execution: current, campaign, note: 'campaign_not_found_yet' }, unreadable };
  const decisions = found.status === 'COMPLETED' ? await deps.isc.campaignDecisions(target, credentials, found.id) : undefined;
  return { followed: { ...followed, execution: current, campaign: decisions ? { ...found, decisions } : found }, unreadable };
}
