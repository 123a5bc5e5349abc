import type { CampaignOutcome, ExecutionOutcome, FollowUp } from './follow-up.js';
import type { ManagerCampaign } from './manager-campaigns.js';
import type { Environment } from './instance.js';
import type { NonEmployeeLookup } from './non-employees.js';
import type { RejectedRow } from './rows.js';
import type { BatchInput } from './workflow-input.js';

export type InstanceStatus = 'mapped' | 'unmapped' | 'disabled' | 'environment_mismatch' | 'target_missing';

export interface InstanceOutcome {
  instanceKey: string;
  instance: string;
  application?: string;
  status: InstanceStatus;
  mapped: boolean;
  reason?: string;
  targetId?: string;
  environment?: Environment;
  rows: number;
  users: number;
  inactiveUsers: number;
  excluded: number;
  cooledDown: number;
  unclassified: number;
  batches: number;
}

/**
 * QUEUED: batches waiting for the dispatcher. COMPLETE: nothing to send. The dispatcher moves a delivery to
 * DISPATCHED, FAILED, PARTIAL (some batches failed) or HELD (some batches held as SUSPECT_MAPPING).
 */
export const DELIVERY_STATUSES = ['QUEUED', 'COMPLETE', 'DISPATCHED', 'PARTIAL', 'FAILED', 'HELD'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface Delivery {
  id: string;
  idSource: 'header' | 'body';
  /** SHA-256 of the report's body and how it was read (format, metadata, profile): tells a repeat from a reused id. */
  contentHash?: string;
  receivedAt: string;
  /** Names this attempt's batch keys; only batches written by the committing attempt are ever dispatched. */
  writeId: string;
  status: DeliveryStatus;
  report: { name?: string; format: 'json' | 'csv'; bytes: number; rows: number; validRows: number; period: { start: string | null; end: string } };
  rejectedCount: number;
  rejected: RejectedRow[];
  instances: InstanceOutcome[];
  batchCount: number;
  /** Batches that reached a final state, maintained by the dispatcher. */
  settled?: { dispatched: number; failed: number; held: number };
  note?: string;
}

/** Once every batch has settled, the delivery's status says how it went; until then it is QUEUED. */
export function settledStatus(delivery: Pick<Delivery, 'batchCount' | 'settled'>): DeliveryStatus {
  const { dispatched = 0, failed = 0, held = 0 } = delivery.settled ?? {};
  if (dispatched + failed + held < delivery.batchCount) return 'QUEUED';
  if (failed === 0 && held === 0) return 'DISPATCHED';
  if (dispatched === 0 && held === 0) return 'FAILED';
  if (failed === 0 && dispatched === 0) return 'HELD';
  return 'PARTIAL';
}

/**
 * STAGED: written, delivery not yet committed (never dispatched). PENDING: ready. IN_FLIGHT: claimed by a
 * dispatcher until `leaseUntil`. RETRY_WAIT: waiting for `dueAt`. Final: DISPATCHED, FAILED, SUSPECT_MAPPING, and
 * AWAITING_INSTALL (held until `workflow install` stores the target's trigger URL, which queues it again).
 */
export const BATCH_STATUSES = ['STAGED', 'PENDING', 'IN_FLIGHT', 'RETRY_WAIT', 'DISPATCHED', 'FAILED', 'SUSPECT_MAPPING', 'AWAITING_INSTALL'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export interface BatchError {
  code: string;
  message: string;
  status?: number;
  /** ISC's own error details (detailCode, trackingId, messages) when it sent them. */
  isc?: unknown;
  hints?: string[];
  at: string;
}

export interface DispatchBatch {
  deliveryId: string;
  writeId: string;
  index: number;
  count: number;
  instanceKey: string;
  targetId: string;
  status: BatchStatus;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  dueAt?: string;
  leaseUntil?: string;
  input: BatchInput;
  executionId?: string;
  unmatched?: string[];
  identityResolution?: 'resolved' | 'skipped_no_api_credentials';
  /** Identity searches done by earlier attempts (email → identity id, null: not in ISC); a retry searches only the rest. */
  identities?: Record<string, string | null>;
  lastError?: BatchError;
  /** 429 answers so far; they do not use up attempts (up to a cap), since the batch itself is fine. */
  throttled?: number;
  /** Set by an admin's forced replay of a SUSPECT_MAPPING batch: send despite a low match share. */
  overrideMatchCheck?: boolean;
  /** When the batch last entered the queue (released or replayed); absent on batches written before it existed. */
  queuedAt?: string;
  /** When ISC last received the batch; the cooldown counts from here. */
  sentAt?: string;
  /** Fresh stream records written for it because the earlier ones never led to a dispatch. */
  redrives?: number;
  /** Followed after DISPATCHED (core/follow-up.ts): the workflow execution, the campaign, and where following stands. */
  execution?: ExecutionOutcome;
  campaign?: CampaignOutcome;
  followUp?: FollowUp;
  /** Unmatched users found in the target's NERM (core/non-employees.ts), from the attempt that settled the batch. */
  nonEmployees?: NonEmployeeLookup;
  /** A MANAGER batch becomes one campaign per manager (core/manager-campaigns.ts), each sent and followed on its own. */
  campaigns?: ManagerCampaign[];
  /** Emails of a MANAGER batch's identities that ISC names no manager for: no campaign reviews them. */
  withoutManager?: string[];
}

export interface BatchKey {
  deliveryId: string;
  writeId: string;
  index: number;
}
