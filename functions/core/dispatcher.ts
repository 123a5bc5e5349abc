import type { BatchError, BatchKey, DispatchBatch } from './delivery.js';
import { IscError } from './errors.js';
import type { Clock, DispatchStore, IscClient, Log, SecretStore } from './ports.js';
import type { BatchTransition } from './types.js';
import { readCredentials, type Credentials, type Target } from './target.js';
import { CredentialsMissingError } from './errors.js';
import type { WorkflowInput, WorkflowUser } from './workflow-input.js';
import { rateLimitDelayMs, retryDelayMs } from './backoff.js';
import { DEFAULT_VOCABULARY, type EnvironmentVocabulary } from './environment-names.js';
import { describeTokenTenant, tenantProblems } from './tenant-environment.js';
import { redriveStalePending } from './redrive.js';
import { identityTenantKey, staleIdentities } from './identity-directory.js';
import { lookUpNonEmployees, type NonEmployeeDirectory } from './non-employees.js';
import { awaitingInstall } from './awaiting-install.js';
import { cachedManagerLookup, managerProgressFields, managerTransition, sendManagerCampaigns, type ManagerProgress } from './manager-campaigns.js';

export interface DispatchSettings {
  maxAttempts: number;
  leaseMs: number;
  /** Hold a batch as SUSPECT_MAPPING when ISC knows fewer than this share of its users (0..1). */
  matchThreshold: number;
  /** Batch-level backoff (core/backoff.ts has the schedule these give). */
  backoffBaseMs: number;
  backoffFactor: number;
  backoffCapMs: number;
  /** Waits for 429s that do not use up an attempt; past this they count like other failures. */
  maxThrottles: number;
  /** A STAGED batch older than this is promoted (its delivery committed) or deleted (it never was). */
  stagedGraceMs: number;
  /** Environment words read in tenant and org names. */
  vocabulary: EnvironmentVocabulary;
  /** A batch PENDING this long was not picked up from its stream record (it went to the DLQ): the sweeper re-drives it. */
  pendingGraceMs: number;
  /** Between two looks at a dispatched batch's execution and campaign (core/follow-up.ts). */
  followIntervalMs: number;
  /** A batch sent longer ago than this is no longer followed (campaigns run for weeks, not years). */
  followMaxAgeMs: number;
  /** How long an email → identity id found in ISC is reused from the identity directory cache. */
  identityCacheMs: number;
}

export const DEFAULT_DISPATCH_SETTINGS: DispatchSettings = {
  maxAttempts: 8,
  leaseMs: 120_000,
  matchThreshold: 0.5,
  backoffBaseMs: 2_000,
  backoffFactor: 3,
  backoffCapMs: 450_000,
  maxThrottles: 20,
  stagedGraceMs: 300_000,
  vocabulary: DEFAULT_VOCABULARY,
  pendingGraceMs: 900_000,
  followIntervalMs: 600_000,
  followMaxAgeMs: 180 * 86_400_000,
  identityCacheMs: 3 * 86_400_000,
};

export interface DispatcherDeps {
  store: DispatchStore;
  isc: IscClient;
  secrets: SecretStore;
  clock: Clock;
  log: Log;
  settings: DispatchSettings;
  /** NERM look-ups of unmatched users, for targets with a nermUrl (absent: never looked up). */
  nerm?: NonEmployeeDirectory;
}

export type DispatchOutcome = 'dispatched' | 'retry' | 'failed' | 'held' | 'skipped';

/**
 * Send one batch to its ISC workflow: claim it (so no other dispatcher sends it), resolve identities,
 * call the trigger, and record the outcome. Used by the AWS stream handler and the local poller.
 */
export async function dispatchBatch(key: BatchKey, deps: DispatcherDeps): Promise<DispatchOutcome> {
  const { store, clock, settings } = deps;
  const now = clock.now();
  const lease = new Date(now.getTime() + settings.leaseMs).toISOString();
  const batch = await store.claimBatch(key, now.toISOString(), lease);
  if (!batch) return 'skipped';
  const log = { correlationId: batch.deliveryId, batch: batch.index, instanceKey: batch.instanceKey, attempt: batch.attempts };

  const settle = async (transition: BatchTransition, outcome: DispatchOutcome): Promise<DispatchOutcome> => {
    const settled = await store.settleBatch(key, lease, transition, clock.now().toISOString());
    if (!settled) {
      deps.log.warn('lost the claim before settling; another dispatcher will finish the batch', log);
      return 'skipped';
    }
    if (outcome === 'dispatched' || outcome === 'failed' || outcome === 'held') await store.recordSettlement(batch.deliveryId, outcome);
    deps.log.info(`batch ${transition.status}`, { ...log, executionId: transition.executionId, error: transition.lastError?.code });
    return outcome;
  };

  // Identities found so far, this attempt's included: a retry keeps them and searches only the rest.
  const identities: Record<string, string | null> = { ...batch.identities };
  // Emails this attempt searched in ISC (not taken from the cache or an earlier attempt).
  const searchedNow = new Set<string>();
  let target: Target | undefined;
  // A MANAGER batch's groups and the ones sent so far: kept on the batch if an attempt fails midway.
  const managerProgress: ManagerProgress = {};
  try {
    target = (await store.getTargets([batch.targetId])).get(batch.targetId);
    if (!target) return await settle(failure(batch, 'target_missing', `Target "${batch.targetId}" no longer exists.`, now), 'failed');
    const direct = target.mode === 'direct';
    if (!direct && !target.triggerUrl) return await settle(awaitingInstall(target, now), 'held');
    // Credentials never set, or a secret gone: CredentialsMissingError, a failed batch naming the fix (below).
    const credentials = await readCredentials(deps.secrets, target, direct ? 'api' : 'trigger');
    const mismatch = await tenantMismatch(target, credentials, deps);
    if (mismatch) {
      deps.log.error('not sent: the token belongs to a tenant that does not fit the target', { ...log, error: 'environment_mismatch' });
      return await settle(failure(batch, 'environment_mismatch', mismatch, now), 'failed');
    }

    const resolved = await resolveUsers(batch, target, deps, identities, searchedNow);
    const nonEmployees = await lookUpNonEmployees(target, resolved.unmatched, deps);
    if (resolved.held) {
      return await settle({ status: 'SUSPECT_MAPPING', unmatched: resolved.unmatched, identityResolution: 'resolved', lastError: resolved.held, ...nonEmployees }, 'held');
    }
    const input: WorkflowInput = {
      ...batch.input,
      identityIds: resolved.users.flatMap((u) => (u.identityId ? [u.identityId] : [])),
      users: resolved.users,
      unmatchedCount: resolved.unmatched.length,
    };
    // Identities were looked up and none was found (a forced replay of a held batch gets here): a campaign
    // over no one is never created, so sending would record a dispatch that certifies nobody.
    if (resolved.mode === 'resolved' && input.identityIds.length === 0) {
      return await settle({ ...failure(batch, 'no_identities', `None of the ${resolved.unmatched.length} users exists in tenant "${target.tenant}", so there is no one to certify and nothing was sent: ${listed(resolved.unmatched)}.`, now), unmatched: resolved.unmatched, ...nonEmployees }, 'failed');
    }
    const sendTo = target;
    const send = async (sent: WorkflowInput) => (direct ? `campaign:${(await deps.isc.createCampaign(sendTo, credentials, sent)).campaignId}` : (await deps.isc.triggerWorkflow(sendTo, credentials, sent)).executionId);
    // MANAGER: one campaign per manager with the manager as individual reviewer (core/manager-campaigns.ts). Without
    // identity ids (no API client) there is nothing to group: the workflow reports the batch to its owner as before.
    if (input.campaign.reviewer.type === 'MANAGER' && resolved.mode === 'resolved') {
      const managersOf = cachedManagerLookup(sendTo, { ...deps, cacheMs: deps.settings.identityCacheMs, apiCredentials: () => readCredentials(deps.secrets, sendTo, 'api') });
      const transition = managerTransition(await sendManagerCampaigns(batch, input, managersOf, send, managerProgress), resolved.unmatched, now, listed);
      return await settle({ ...transition, ...nonEmployees }, transition.status === 'DISPATCHED' ? 'dispatched' : 'failed');
    }
    return await settle({ status: 'DISPATCHED', executionId: await send(input), unmatched: resolved.unmatched, identityResolution: resolved.mode, ...nonEmployees }, 'dispatched');
  } catch (error) {
    // A deleted or unreadable secret stays so until an admin sets it again: fail now, naming the fix.
    if (error instanceof CredentialsMissingError) return await settle(failure(batch, error.code, error.message, now), 'failed');
    const stale = target ? staleIdentities(error, identities, searchedNow) : [];
    if (stale.length > 0 && target && batch.attempts < settings.maxAttempts) {
      // ISC refused an identity id we had remembered: forget it (cache and this batch's progress), search afresh.
      await store.forgetIdentities(identityTenantKey(target), stale);
      for (const email of stale) delete identities[email];
      const lastError = { ...describeError(error, now), code: 'stale_identity', message: `ISC refused remembered identities of ${listed(stale)}; they are searched again. ${describeError(error, now).message}` };
      deps.log.warn('stale identity ids dropped from the directory cache', { ...log, stale: stale.length });
      return await settle({ status: 'RETRY_WAIT', dueAt: now.toISOString(), lastError, identities }, 'retry');
    }
    const transition = retryOrFail(batch, error, now, settings);
    const progress = transition.status === 'RETRY_WAIT' && Object.keys(identities).length > 0 ? { identities } : {};
    return await settle({ ...transition, ...progress, ...managerProgressFields(managerProgress) }, isRetry(batch, error, settings) ? 'retry' : 'failed');
  }
}

/** Proof at run time that the token about to be sent belongs to a tenant that fits the target (rules: tenantProblems). */
async function tenantMismatch(target: Target, credentials: Credentials, deps: DispatcherDeps): Promise<string | undefined> {
  const tenant = await deps.isc.tokenTenant(target, credentials);
  const problems = tenantProblems(target, tenant, deps.settings.vocabulary);
  if (problems.length === 0) return undefined;
  return `Not sent to target "${target.id}" (${target.environment}, tenant "${target.tenant}"): ${problems.join('; ')} [token of ${describeTokenTenant(tenant)}]. Check the target's tokenUrl and credentials, then replay.`;
}

interface ResolvedUsers {
  users: WorkflowUser[];
  unmatched: string[];
  mode: NonNullable<DispatchBatch['identityResolution']>;
  held?: BatchError;
}

/**
 * Emails → ISC identity ids: the tenant's directory cache first, then a search with the target's API client for
 * the rest (found ids go into the cache; misses are searched every time, since a new hire may appear any day).
 * A low match share, hits from either source counted alike, looks like a mis-mapped environment.
 */
async function resolveUsers(batch: DispatchBatch, target: Target, deps: DispatcherDeps, identities: Record<string, string | null>, searchedNow: Set<string>): Promise<ResolvedUsers> {
  const apiRef = target.credentials.api;
  if (!apiRef) return { users: batch.input.users, unmatched: [], mode: 'skipped_no_api_credentials' };
  const apiCredentials = await readCredentials(deps.secrets, target, 'api');
  const emails = batch.input.users.map((u) => u.email);
  const unknown = emails.filter((email) => !Object.hasOwn(identities, email));
  if (unknown.length > 0) {
    const tenantKey = identityTenantKey(target);
    const now = deps.clock.now();
    const cached = await deps.store.cachedIdentities(tenantKey, unknown, now.toISOString());
    for (const [email, id] of cached) identities[email] = id;
    const missing = unknown.filter((email) => !cached.has(email));
    if (missing.length > 0) {
      for (const email of missing) searchedNow.add(email);
      const found = await deps.isc.resolveIdentities(target, apiCredentials, missing, (chunk) => {
        for (const [email, id] of chunk) identities[email] = id;
      });
      for (const email of missing) identities[email] = found.get(email) ?? null;
      if (found.size > 0) await deps.store.cacheIdentities(tenantKey, found, new Date(now.getTime() + deps.settings.identityCacheMs).toISOString());
    }
  }
  const ids = new Map(Object.entries(identities).flatMap(([email, id]) => (id ? [[email, id] as const] : [])));
  const users = batch.input.users.flatMap((u) => {
    const identityId = ids.get(u.email);
    return identityId ? [{ ...u, identityId }] : [];
  });
  const unmatched = emails.filter((email) => !ids.has(email));
  const share = emails.length === 0 ? 1 : users.length / emails.length;
  if (share < deps.settings.matchThreshold && !batch.overrideMatchCheck) {
    const percent = Math.round(share * 100);
    return {
      users,
      unmatched,
      mode: 'resolved',
      held: {
        code: 'suspect_mapping',
        message: `Only ${users.length} of ${emails.length} users (${percent}%) exist in tenant "${target.tenant}" (${target.environment}); the batch is held because a production instance mapped to a staging tenant (or the reverse) looks like this. Check the mapping, then replay with --force (API: ?force=true) to send the matched users anyway.`,
        at: deps.clock.now().toISOString(),
      },
    };
  }
  return { users, unmatched, mode: 'resolved' };
}

/** Names for a message: the first ten, then how many more. */
function listed(names: readonly string[]): string {
  return names.length <= 10 ? names.join(', ') : `${names.slice(0, 10).join(', ')} and ${names.length - 10} more`;
}

function isRetry(batch: DispatchBatch, error: unknown, settings: DispatchSettings): boolean {
  return retryable(error) && (isThrottle(batch, error, settings) || batch.attempts < settings.maxAttempts);
}

function isThrottle(batch: DispatchBatch, error: unknown, settings: DispatchSettings): boolean {
  return error instanceof IscError && error.code === 'isc_rate_limited' && (batch.throttled ?? 0) < settings.maxThrottles;
}

/** Unknown errors (a secret store hiccup, a bug) are retried: the attempt cap keeps that bounded. */
function retryable(error: unknown): boolean {
  return error instanceof IscError ? error.retryable : true;
}

function retryOrFail(batch: DispatchBatch, error: unknown, now: Date, settings: DispatchSettings): BatchTransition {
  const described = describeError(error, now);
  if (!isRetry(batch, error, settings)) {
    const exhausted = retryable(error) ? ` (gave up after ${batch.attempts} attempts)` : '';
    return { status: 'FAILED', lastError: { ...described, message: described.message + exhausted } };
  }
  if (isThrottle(batch, error, settings)) {
    const wait = rateLimitDelayMs((error as IscError).details.retryAfterMs, 10_000, 300_000);
    // The claim counted an attempt; a 429 says nothing about the batch, so give it back.
    return { status: 'RETRY_WAIT', attempts: batch.attempts - 1, throttled: (batch.throttled ?? 0) + 1, dueAt: new Date(now.getTime() + wait).toISOString(), lastError: described };
  }
  const wait = retryDelayMs(batch.attempts, { baseMs: settings.backoffBaseMs, factor: settings.backoffFactor, capMs: settings.backoffCapMs });
  return { status: 'RETRY_WAIT', dueAt: new Date(now.getTime() + wait).toISOString(), lastError: described };
}

function failure(batch: DispatchBatch, code: string, message: string, now: Date): BatchTransition {
  return { status: 'FAILED', lastError: { code, message, at: now.toISOString() }, attempts: batch.attempts };
}

function describeError(error: unknown, now: Date): BatchError {
  if (error instanceof IscError) {
    const { status, isc, hints } = error.details;
    return { code: error.code, message: error.message, status, isc, hints, at: now.toISOString() };
  }
  return { code: 'internal_error', message: `Unexpected error: ${(error as Error)?.name ?? 'unknown'}`, at: now.toISOString() };
}

export interface SweepResult {
  retried: number;
  reclaimed: number;
  promoted: number;
  discarded: number;
  reconciled: number;
  redriven: number;
}

/**
 * Put waiting work back in line: RETRY_WAIT batches whose time has come, IN_FLIGHT batches whose claim
 * expired (a dispatcher died mid-call), STAGED batches whose delivery committed but whose release
 * was interrupted, and PENDING batches whose stream record was lost to the DLQ. On AWS the PENDING write is
 * what re-triggers the stream.
 */
export async function sweep(deps: Pick<DispatcherDeps, 'store' | 'clock' | 'settings' | 'log'>, limit = 100): Promise<SweepResult> {
  const { store, settings } = deps;
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  const result: SweepResult = { retried: 0, reclaimed: 0, promoted: 0, discarded: 0, reconciled: 0, redriven: 0 };
  for (const batch of await store.batchesByStatus('RETRY_WAIT', limit, nowIso)) {
    if (await store.requeueBatch(batch, 'RETRY_WAIT', nowIso)) result.retried++;
  }
  for (const batch of await store.batchesByStatus('IN_FLIGHT', limit, nowIso)) {
    if (await store.requeueBatch(batch, 'IN_FLIGHT', nowIso)) result.reclaimed++;
  }
  const graceEdge = new Date(now.getTime() - settings.stagedGraceMs).toISOString();
  for (const batch of await store.batchesByStatus('STAGED', limit, graceEdge)) {
    const delivery = await store.getDelivery(batch.deliveryId);
    if (delivery?.writeId === batch.writeId) {
      if (await store.requeueBatch(batch, 'STAGED', nowIso)) result.promoted++;
    } else {
      await store.deleteStagedBatch(batch);
      result.discarded++;
    }
  }
  result.redriven = (await redriveStalePending(deps, settings.pendingGraceMs, limit)).length;
  result.reconciled = await reconcileDeliveries(deps, new Date(now.getTime() - RECONCILE_GRACE_MS).toISOString(), limit);
  if (Object.values(result).some((n) => n > 0)) deps.log.info('sweep', { ...result });
  return result;
}

/** Long enough for a live dispatcher to finish the count that follows its settle write. */
const RECONCILE_GRACE_MS = 10_000;
const FINAL: ReadonlySet<string> = new Set(['DISPATCHED', 'FAILED', 'SUSPECT_MAPPING', 'AWAITING_INSTALL']);

/**
 * A batch is settled first and counted on its delivery second; a dispatcher that dies between the two writes
 * leaves the delivery QUEUED with every batch final. Recount such deliveries from their batches.
 */
async function reconcileDeliveries(deps: Pick<DispatcherDeps, 'store'>, quietSince: string, limit: number): Promise<number> {
  let fixed = 0;
  for (const delivery of await deps.store.queuedDeliveries(quietSince, limit)) {
    const batches = await deps.store.batchStatuses(delivery);
    const settled = batches.length >= delivery.batchCount && batches.every((b) => FINAL.has(b.status) && b.updatedAt < quietSince);
    if (!settled) continue;
    const count = (status: string) => batches.filter((b) => b.status === status).length;
    await deps.store.resetSettlement(delivery, { dispatched: count('DISPATCHED'), failed: count('FAILED'), held: count('SUSPECT_MAPPING') + count('AWAITING_INSTALL') });
    fixed++;
  }
  return fixed;
}
