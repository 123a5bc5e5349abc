import type { BatchError, BatchStatus, DeliveryStatus, DispatchBatch } from './delivery.js';
import type { CampaignOutcome, ExecutionOutcome, FollowUp } from './follow-up.js';

/** The data the ports (ports.ts) read and write, apart from the domain records of delivery.ts and friends. */
export interface RejectedReport {
  id: string;
  at: string;
  code: string;
  message: string;
  bytes: number;
  contentType?: string;
  /** The error's details: shapes, keys and column names found — no values. */
  sample: unknown;
}

export interface InstanceSeen {
  instanceKey: string;
  instance: string;
  application?: string;
  lastReportAt: string;
  lastDeliveryId: string;
  /** Arrival times of the latest reports, oldest first: the staleness interval is learned from them. */
  reportTimes?: string[];
  matchTest?: MatchTest;
}

/** Whether a mapping's users exist on its ISC source: SailPoint's instance→source match test, automated. */
export interface MatchTest {
  /** SUCCESS: a batch with this share is sent; FAILURE: it would be held as SUSPECT_MAPPING. */
  status: 'SUCCESS' | 'FAILURE';
  /** What `found` counts: identities in the tenant, the measure that holds a batch as SUSPECT_MAPPING. */
  measure: 'identities';
  share: number;
  checked: number;
  found: number;
  /** Of those identities, how many have an account on the mapped source (informational). */
  onSource: number;
  deliveryId: string;
  at: string;
}

export interface BatchTransition {
  status: BatchStatus;
  attempts?: number;
  dueAt?: string;
  executionId?: string;
  unmatched?: string[];
  identityResolution?: DispatchBatch['identityResolution'];
  lastError?: BatchError;
  throttled?: number;
  identities?: DispatchBatch['identities'];
  nonEmployees?: DispatchBatch['nonEmployees'];
  campaigns?: DispatchBatch['campaigns'];
  withoutManager?: DispatchBatch['withoutManager'];
}

export interface FollowUpRecord {
  execution?: ExecutionOutcome;
  campaign?: CampaignOutcome;
  /** A MANAGER batch's campaigns, each with its followed execution and campaign. */
  campaigns?: DispatchBatch['campaigns'];
  followUp: FollowUp;
}

/** What a token says about itself (decoded, never trusted for authorization). */
export interface TokenClaims {
  org?: string;
  tenantId?: string;
  pod?: string;
  clientId?: string;
  scope?: string[];
  authorities?: string[];
  exp?: number;
}

export interface IscSource {
  id: string;
  name: string;
}

export interface AuditEntry {
  at: string;
  actor: string;
  action: 'create' | 'update' | 'delete' | 'credentials' | 'replay';
  entity: 'target' | 'mapping' | 'report-profile' | 'delivery';
  key: string;
  before?: unknown;
  after?: unknown;
  note?: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page; absent on the last page. */
  next?: string;
}

export interface DeliveryQuery {
  status?: DeliveryStatus;
  since?: string;
  limit: number;
  cursor?: string;
}
