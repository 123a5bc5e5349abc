import type { DispatchBatch } from './delivery.js';
import type { CampaignOutcome, ExecutionOutcome } from './follow-up.js';
import type { IdentityDirectory } from './identity-directory.js';
import type { Clock, IscClient } from './ports.js';
import type { BatchTransition } from './types.js';
import type { Credentials, Target } from './target.js';
import { identityTenantKey } from './identity-directory.js';
import { filterString, partSuffix, type WorkflowInput } from './workflow-input.js';

/** An identity's manager as ISC's identity search document names it (v3 IdentityDocument.manager: id, name). */
export interface ManagerRef {
  id: string;
  name: string;
}

/**
 * One campaign of a MANAGER batch: the batch's identities that share a manager, reviewed by that manager as an
 * individual reviewer (what SailPoint's own manager template does: a v3 MANAGER campaign reviews every identity
 * in the tenant). Recorded on the batch when sent, so a retry sends only the groups not sent yet.
 */
export interface ManagerCampaign {
  manager: ManagerRef;
  /** The final campaign name, part suffix included: the workflow, direct mode and the follow-through use it verbatim. */
  name: string;
  identityIds: string[];
  /** The workflow execution id, or "campaign:{id}" in direct mode; absent until this group is sent. */
  executionId?: string;
  /** Followed after dispatch (core/follow-up.ts), like a one-campaign batch's execution and campaign. */
  execution?: ExecutionOutcome;
  campaign?: CampaignOutcome;
}

/** How a MANAGER batch divides: one campaign per manager, and the identities ISC names no manager for. */
export interface ManagerGroups {
  campaigns: ManagerCampaign[];
  /** Emails of identities without a manager in ISC: no campaign reviews them (reported on the batch). */
  withoutManager: string[];
}

/**
 * Group a resolved batch's identities by manager. Campaign names are "<name> - manager <manager name> (part i of n)";
 * two managers of the same name in one batch get their ids added, since a campaign is found by its exact name.
 */
export function groupByManager(input: WorkflowInput, managers: ReadonlyMap<string, ManagerRef | null>): ManagerGroups {
  const byManager = new Map<string, { manager: ManagerRef; identityIds: string[] }>();
  const withoutManager: string[] = [];
  for (const user of input.users) {
    if (!user.identityId) continue;
    const manager = managers.get(user.identityId);
    if (!manager) {
      withoutManager.push(user.email);
      continue;
    }
    const group = byManager.get(manager.id) ?? { manager, identityIds: [] };
    if (!group.identityIds.includes(user.identityId)) group.identityIds.push(user.identityId);
    byManager.set(manager.id, group);
  }
  const groups = [...byManager.values()].sort((a, b) => a.manager.name.localeCompare(b.manager.name) || a.manager.id.localeCompare(b.manager.id));
  const names = groups.map((group) => group.manager.name);
  const suffix = partSuffix(input.batch);
  const base = input.campaign.name.endsWith(suffix) ? input.campaign.name.slice(0, -suffix.length) : input.campaign.name;
  const campaigns = groups.map(({ manager, identityIds }) => {
    const shared = names.filter((name) => name === manager.name).length > 1;
    return { manager, identityIds, name: `${base} - manager ${manager.name}${shared ? ` (${manager.id})` : ''}${suffix}` };
  });
  return { campaigns, withoutManager };
}

/** The workflow input of one manager's campaign: its identities and users, its name, the manager as individual reviewer. */
export function managerCampaignInput(input: WorkflowInput, campaign: ManagerCampaign): WorkflowInput {
  const members = new Set(campaign.identityIds);
  return {
    ...input,
    identityIds: campaign.identityIds,
    users: input.users.filter((user) => user.identityId !== undefined && members.has(user.identityId)),
    campaign: { ...input.campaign, name: campaign.name, nameFilter: `name eq ${filterString(campaign.name)}`, reviewer: { type: 'IDENTITY', id: campaign.manager.id, name: campaign.manager.name } },
  };
}

/**
 * The settled state of a sent MANAGER batch: DISPATCHED with its campaigns (one execution id per campaign in
 * `executionId`, comma-separated) and the identities without a manager listed; FAILED (no_manager) when not one
 * identity has a manager, so no campaign was sent.
 */
export function managerTransition(groups: ManagerGroups, unmatched: string[], now: Date, listed: (names: readonly string[]) => string): BatchTransition {
  const { campaigns, withoutManager } = groups;
  const fields = { unmatched, identityResolution: 'resolved' as const, campaigns, withoutManager };
  if (campaigns.length > 0) return { status: 'DISPATCHED', executionId: campaigns.map((campaign) => campaign.executionId).join(','), ...fields };
  const message = `None of the ${withoutManager.length} identities has a manager in ISC, so no manager campaign was created: ${listed(withoutManager)}. Set their managers in ISC (or give the mapping another reviewer type), then replay the delivery.`;
  return { status: 'FAILED', lastError: { code: 'no_manager', message, at: now.toISOString() }, ...fields };
}

/** The progress an attempt that failed midway keeps on the batch (nothing when it never reached the grouping). */
export function managerProgressFields(progress: ManagerProgress): Pick<BatchTransition, 'campaigns' | 'withoutManager'> {
  return progress.groups ? { campaigns: progress.groups.campaigns, withoutManager: progress.groups.withoutManager } : {};
}

/** What sending a MANAGER batch has done so far: kept on the batch when an attempt fails, so a retry resumes. */
export interface ManagerProgress {
  groups?: ManagerGroups;
}

/**
 * Send a resolved MANAGER batch as one campaign per manager: the managers come from `managersOf` (the directory
 * cache, then an identity search over the rest of the batch's identity ids) (the groups of an earlier attempt are reused as they are), then each group not sent yet
 * is sent through `send` (the trigger, or direct mode's campaign) and its execution id recorded in `progress`.
 */
export async function sendManagerCampaigns(
  batch: Pick<DispatchBatch, 'campaigns' | 'withoutManager'>,
  input: WorkflowInput,
  managersOf: (identityIds: readonly string[]) => Promise<ReadonlyMap<string, ManagerRef | null>>,
  send: (input: WorkflowInput) => Promise<string>,
  progress: ManagerProgress,
): Promise<ManagerGroups> {
  const earlier = batch.campaigns?.length ? { campaigns: batch.campaigns, withoutManager: batch.withoutManager ?? [] } : undefined;
  const groups = earlier ?? groupByManager(input, await managersOf(input.identityIds));
  const campaigns = [...groups.campaigns];
  progress.groups = { ...groups, campaigns };
  for (const [i, campaign] of campaigns.entries()) {
    if (campaign.executionId) continue;
    campaigns[i] = { ...campaign, executionId: await send(managerCampaignInput(input, campaign)) };
  }
  return progress.groups;
}

/**
 * The managers of a MANAGER batch's identities: the tenant's directory cache first, then one identity search for
 * the rest. Found managers are kept as long as identity ids are (IDENTITY_CACHE_DAYS), so a recurring report costs
 * no manager search either; an identity without a manager is searched again next time, as one may be set any day.
 */
export function cachedManagerLookup(
  target: Target,
  deps: { store: Pick<IdentityDirectory, 'cachedManagers' | 'cacheManagers'>; isc: Pick<IscClient, 'identityManagers'>; clock: Clock; cacheMs: number; apiCredentials: () => Promise<Credentials> },
): (identityIds: readonly string[]) => Promise<Map<string, ManagerRef | null>> {
  return async (identityIds) => {
    const tenantKey = identityTenantKey(target);
    const now = deps.clock.now();
    const managers = new Map<string, ManagerRef | null>(await deps.store.cachedManagers(tenantKey, identityIds, now.toISOString()));
    const missing = identityIds.filter((id) => !managers.has(id));
    if (missing.length === 0) return managers;
    const found = await deps.isc.identityManagers(target, await deps.apiCredentials(), missing);
    const named = new Map([...found].flatMap(([id, manager]) => (manager ? [[id, manager] as const] : [])));
    if (named.size > 0) await deps.store.cacheManagers(tenantKey, named, new Date(now.getTime() + deps.cacheMs).toISOString());
    for (const [id, manager] of found) managers.set(id, manager);
    return managers;
  };
}
