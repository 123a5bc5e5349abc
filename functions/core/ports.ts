import type { Delivery, DispatchBatch, BatchKey, BatchStatus } from './delivery.js';
import type { LibraryAction } from './workflow-verify.js';
import type { ExecutionEvent, WorkflowFile, WorkflowRequest } from './workflow-install.js';
import type { Mapping } from './mapping.js';
import type { ReportProfile } from './report-profile.js';
import type { Credentials, Target } from './target.js';
import type { WorkflowInput } from './workflow-input.js';
import type { IdentityDirectory } from './identity-directory.js';
import type { TokenTenant } from './tenant-environment.js';
import type { CampaignDecisions, CampaignOutcome, ExecutionOutcome } from './follow-up.js';
import type { ManagerRef } from './manager-campaigns.js';
import type { AuditEntry, BatchTransition, DeliveryQuery, FollowUpRecord, InstanceSeen, IscSource, MatchTest, Page, RejectedReport, TokenClaims } from './types.js';

/**
 * What the domain needs from the outside world. The DynamoDB store implements all the store ports; tests
 * and the local stack run the same store against dynalite.
 */
export interface Clock {
  now(): Date;
}

/** Structured logging; `child` adds keys (e.g. correlationId) to every line. */
export interface Log {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown> | Error): void;
  child(keys: Record<string, unknown>): Log;
}

export interface ConfigReader {
  getMappings(instanceKeys: readonly string[]): Promise<Map<string, Mapping>>;
  getTargets(ids: readonly string[]): Promise<Map<string, Target>>;
}

export interface IngestStore extends ConfigReader {
  getDelivery(id: string): Promise<Delivery | undefined>;
  /** Which of `emails` ISC last received for this instance at or after `sinceIso` (a DISPATCHED batch's users). */
  recentlySentEmails(instanceKey: string, emails: readonly string[], sinceIso: string): Promise<Set<string>>;
  stageBatches(batches: readonly DispatchBatch[]): Promise<void>;
  /** Conditional put: false when a delivery with this id is already committed. */
  commitDelivery(delivery: Delivery): Promise<boolean>;
  releaseBatches(delivery: Pick<Delivery, 'id' | 'writeId' | 'batchCount' | 'receivedAt'>): Promise<void>;
  discardBatches(delivery: Pick<Delivery, 'id' | 'writeId' | 'batchCount'>): Promise<void>;
  listReportProfiles(): Promise<ReportProfile[]>;
  /** Keep what an unusable report looked like (keys and column names, never values) for an admin. */
  recordRejectedReport(report: RejectedReport): Promise<void>;
  /** Remember when each instance last sent a report (mapped or not), for staleness and "map it" lists. */
  recordReportsSeen(instances: ReadonlyArray<{ instanceKey: string; instance: string; application?: string }>, deliveryId: string, at: string): Promise<void>;
}

export interface DispatchStore extends ConfigReader, IdentityDirectory {
  /** PENDING (or lease-expired IN_FLIGHT) → IN_FLIGHT until leaseUntil; undefined when another dispatcher holds it. */
  claimBatch(key: BatchKey, now: string, leaseUntil: string): Promise<DispatchBatch | undefined>;
  /** Move a claimed batch on; conditional on the claim still being ours (same lease). */
  settleBatch(key: BatchKey, leaseUntil: string, transition: BatchTransition, now: string): Promise<boolean>;
  batchesByStatus(status: BatchStatus, limit: number, dueBefore?: string): Promise<DispatchBatch[]>;
  /** RETRY_WAIT → PENDING, STAGED (committed) → PENDING; conditional on the status seen. */
  requeueBatch(key: BatchKey, from: BatchStatus, now: string): Promise<boolean>;
  /** Rewrite a PENDING batch (a new stream record) if it is still PENDING as last written at `seenUpdatedAt`. */
  redriveBatch(key: BatchKey, seenUpdatedAt: string, now: string): Promise<boolean>;
  /** The earliest time a batch that is still unsettled entered the queue; undefined when none is. */
  oldestUnsettled(): Promise<string | undefined>;
  getDelivery(id: string): Promise<Delivery | undefined>;
  recordSettlement(deliveryId: string, outcome: 'dispatched' | 'failed' | 'held'): Promise<void>;
  /** Remove a STAGED batch no committed delivery owns (a losing concurrent copy or a failed write). */
  deleteStagedBatch(key: BatchKey): Promise<void>;
  /** QUEUED deliveries received before `beforeIso`, oldest first. */
  queuedDeliveries(beforeIso: string, limit: number): Promise<Delivery[]>;
  /** Status and last change of each of a delivery's batches (small reads: no inputs). */
  batchStatuses(delivery: Pick<Delivery, 'id' | 'writeId'>): Promise<Array<Pick<DispatchBatch, 'status' | 'updatedAt'>>>;
  /** Replace the settled counts (and status) with ones recounted from the batches. */
  resetSettlement(delivery: Delivery, settled: NonNullable<Delivery['settled']>): Promise<void>;
  /**
   * Store what following a DISPATCHED batch found; conditional on it still being DISPATCHED with this execution
   * (a replay meanwhile starts over). Without `followUp.nextCheckAt` the batch is no longer listed as due.
   */
  recordFollowUp(key: BatchKey, executionId: string, record: FollowUpRecord, now: string): Promise<boolean>;
}

export interface SecretStore {
  /** `version`: the target's credentialVersion; a value cached for another version is fetched again. */
  getCredentials(secretId: string, version?: number): Promise<Credentials>;
  putCredentials(secretId: string, credentials: Credentials): Promise<void>;
  /** Gone for every reader (Secrets Manager: deletion scheduled, restorable by the next put); absent is fine. */
  deleteCredentials(secretId: string): Promise<void>;
}

/** The ISC calls the dispatcher makes; tokens, rate limits and timeouts live behind it. */
export interface IscClient {
  /**
   * email (lower case) → identity id, for the emails ISC knows; unknown emails are absent. `onChunk` hears each
   * searched chunk as it completes (null: no such identity), so progress survives a later failure.
   */
  resolveIdentities(target: Target, credentials: Credentials, emails: readonly string[], onChunk?: (resolved: ReadonlyMap<string, string | null>) => void): Promise<Map<string, string>>;
  triggerWorkflow(target: Target, credentials: Credentials, input: WorkflowInput): Promise<{ executionId: string }>;
  /**
   * Direct mode: the campaign itself through /v3/campaigns (SEARCH over identityIds), found by name first so a
   * replay reuses it, then activated once STAGED. Needs a user-context credential (a PAT of a CERT_ADMIN).
   */
  createCampaign(target: Target, credentials: Credentials, input: WorkflowInput): Promise<{ campaignId: string; created: boolean }>;
  /** GET /v3/workflow-executions/{id}: its status (Queued, Running, Completed, Failed, Canceled). */
  workflowExecution(target: Target, credentials: Credentials, executionId: string): Promise<ExecutionOutcome>;
  /** GET /v3/campaigns?filters=name eq "…": the campaign with exactly this name, if any. */
  campaignByName(target: Target, credentials: Credentials, name: string): Promise<CampaignOutcome | undefined>;
  /** The campaign's decisions, summed over its certifications' decision summaries. */
  campaignDecisions(target: Target, credentials: Credentials, campaignId: string): Promise<CampaignDecisions>;
  /**
   * identity id → its manager (null: ISC names none), from the identity search documents' `manager` (one search per
   * chunk of ids); ids ISC does not know are absent.
   */
  identityManagers(target: Target, credentials: Credentials, identityIds: readonly string[]): Promise<Map<string, ManagerRef | null>>;
  /** The tenant of the token these credentials get (the one a call would carry): JWT org/tenant_id/pod, else /oauth/info. */
  tokenTenant(target: Target, credentials: Credentials): Promise<TokenTenant>;
}

/** ISC calls the admin API makes: connection check, source check, match test. */
export interface IscAdminClient {
  /** GET {apiBaseUrl}/oauth/info (no credentials): which tenant a host really is. */
  tenantInfo(target: Target): Promise<{ tenantName?: string; tenantId?: string }>;
  /** A fresh token (no cache) and its decoded claims. */
  issueToken(target: Target, credentials: Credentials): Promise<{ expiresIn?: number; claims?: TokenClaims }>;
  /** POST {triggerUrl}/test: the External Trigger's echo endpoint; runs nothing. */
  testTrigger(target: Target, credentials: Credentials): Promise<void>;
  getSource(target: Target, credentials: Credentials, id: string): Promise<IscSource | undefined>;
  /** Every source, paged (limit 250, offset). */
  listSources(target: Target, credentials: Credentials): Promise<IscSource[]>;
  /** Which of these identities have an account on the source. */
  identitiesWithAccount(target: Target, credentials: Credentials, sourceId: string, identityIds: readonly string[]): Promise<Set<string>>;
  /** GET /v3/workflow-library/actions, paged: each action's id and form fields (user-context token, sp:workflow:read). */
  listWorkflowLibraryActions(target: Target, credentials: Credentials): Promise<LibraryAction[]>;
  /** Create the workflow, or update the one of the same name (user-context token, sp:workflow:manage, ORG_ADMIN). */
  installWorkflow(target: Target, credentials: Credentials, workflow: WorkflowRequest): Promise<{ workflowId: string; created: boolean }>;
  /** A new External Trigger OAuth client of the workflow: its credentials and the trigger URL. */
  createWorkflowTrigger(target: Target, credentials: Credentials, workflowId: string): Promise<{ credentials: Credentials; url: string }>;
  testWorkflow(target: Target, credentials: Credentials, workflowId: string, input: WorkflowInput): Promise<{ executionId: string }>;
  workflowExecution(target: Target, credentials: Credentials, executionId: string): Promise<ExecutionOutcome>;
  workflowExecutionHistory(target: Target, credentials: Credentials, executionId: string): Promise<ExecutionEvent[]>;
  campaignByName(target: Target, credentials: Credentials, name: string): Promise<CampaignOutcome | undefined>;
}

export interface AdminStore extends ConfigReader, Pick<IngestStore, 'recentlySentEmails'>, Pick<DispatchStore, 'batchesByStatus' | 'redriveBatch'> {
  getTarget(id: string): Promise<Target | undefined>;
  listTargets(): Promise<Target[]>;
  /** Conditional on `expectedVersion` (undefined: must not exist yet); false when that does not hold. */
  saveTarget(target: Target, expectedVersion: number | undefined, audit: AuditEntry): Promise<boolean>;
  deleteTarget(id: string, audit: AuditEntry): Promise<void>;
  getMapping(instanceKey: string): Promise<Mapping | undefined>;
  listMappings(limit: number, cursor?: string): Promise<Page<Mapping>>;
  instancesSeen(instanceKeys: readonly string[]): Promise<Map<string, InstanceSeen>>;
  /** Up to `limit` distinct users of the instance's newest batches (any status), newest first. */
  recentInstanceUsers(instanceKey: string, limit: number): Promise<{ emails: string[]; deliveryId?: string }>;
  recordMatchTest(instanceKey: string, result: MatchTest): Promise<void>;
  listReportProfiles(): Promise<ReportProfile[]>;
  saveReportProfile(profile: ReportProfile, audit: AuditEntry): Promise<void>;
  deleteReportProfile(id: string, audit: AuditEntry): Promise<boolean>;
  listRejectedReports(limit: number): Promise<RejectedReport[]>;
  saveMapping(mapping: Mapping, expectedVersion: number | undefined, audit: AuditEntry): Promise<boolean>;
  deleteMapping(instanceKey: string, expectedVersion: number, audit: AuditEntry): Promise<boolean>;
  listAudit(entity: AuditEntry['entity'], key: string, limit: number): Promise<AuditEntry[]>;
  /** An audit entry for an action that changes no configuration item (a replay). */
  recordAudit(audit: AuditEntry): Promise<void>;
  listDeliveries(query: DeliveryQuery): Promise<Page<Delivery>>;
  getDelivery(id: string): Promise<Delivery | undefined>;
  deliveryBatches(delivery: Pick<Delivery, 'id' | 'writeId'>): Promise<DispatchBatch[]>;
  /** FAILED/SUSPECT_MAPPING/DISPATCHED → PENDING with a fresh attempt budget; conditional on `from`. */
  replayBatch(key: BatchKey, from: BatchStatus, now: string, overrideMatchCheck: boolean): Promise<boolean>;
  /** Take replayed batches out of the delivery's settled counts and mark it QUEUED again. */
  reopenDelivery(id: string, replayed: { dispatched: number; failed: number; held: number }): Promise<void>;
}

/** What the large-report route stores with a body, for the ingest that reads it later. */
export interface StoredReportMeta {
  /** The id the 202 announced: the sender's Idempotency-Key/webhook-id, else one made from the request id. */
  deliveryId: string;
  /** Whether deliveryId is the sender's own key (dedupe) or made up for this upload. */
  idSource: 'header' | 'request';
  contentType?: string;
  contentEncoding?: string;
  /** Report fields given in the webhook URL (instance, application, period...). */
  query: Record<string, string>;
}

/** Large report bodies between the route that accepts them and the ingest that streams them (S3, or a local directory). */
export interface ObjectStore {
  put(key: string, body: Uint8Array, meta: StoredReportMeta): Promise<void>;
  /** The body as a stream of chunks, so a reader holds one chunk at a time. */
  get(key: string): Promise<{ meta: StoredReportMeta; body: AsyncIterable<Uint8Array>; bytes: number }>;
  delete(key: string): Promise<void>;
}

/**
 * The committed documents the admin routes serve or send: docs/openapi.json and the importable workflow. They are
 * read from files when first asked for, not bundled: in the admin bundle they cost ~50 KiB of its 400 KiB budget
 * (the generator and zod's JSON Schema code, the workflow as an object literal).
 */
export interface ProjectDocuments {
  openApi: () => Promise<unknown>;
  workflow: () => Promise<WorkflowFile>;
}
