/** The admin API's answers as the console reads them (types only: nothing here reaches the bundle). */
import type { Mapping, MappingInput, instanceNameCheck } from '../core/mapping.js';
import type { BatchError, BatchStatus, Delivery } from '../core/delivery.js';
import type { Environment } from '../core/instance.js';
import type { CampaignDecisions, CampaignOutcome, ExecutionOutcome, FollowUp } from '../core/follow-up.js';

export type { Delivery, Environment, Mapping, MappingInput };

export interface Page<T> {
  items: T[];
  next: string | null;
}

export type MappingView = Mapping & { lastReportAt: string | null; stale: boolean; nameEnvironment: ReturnType<typeof instanceNameCheck> };

export interface TargetView {
  id: string;
  environment: Environment;
  tenant: string;
  description?: string;
  credentials: Record<string, { set: boolean; clientId?: string }>;
}

export interface BatchView {
  index: number;
  instanceKey: string;
  targetId: string;
  part: { index: number; count: number };
  status: BatchStatus;
  attempts: number;
  users: number;
  executionId: string | null;
  dueAt: string | null;
  identityResolution: string | null;
  unmatched: string[];
  lastError: BatchError | null;
  execution: ExecutionOutcome | null;
  campaign: (Omit<CampaignOutcome, 'decisions'> & { decisions: CampaignDecisions | null }) | null;
  followUp: FollowUp | null;
  updatedAt: string;
}

export type DeliveryDetail = Delivery & { batches: BatchView[] };

export interface ReplayResult {
  deliveryId: string;
  requeued: number[];
  redriven: number[];
  skipped: Array<{ index: number; status: BatchStatus }>;
  leftOut: Array<{ index: number; count: number; users: string[] }>;
  hint?: string;
}

export interface PreviewUser {
  email: string;
  name?: string;
  daysActive?: number;
  lastActive?: string;
}

export interface PreviewInstance {
  instanceKey: string;
  instance: string;
  application?: string;
  status: string;
  reason?: string;
  users: number;
  inactiveUsers: number;
  excluded: number;
  cooledDown: number;
  triggerCalls: number;
  sampleInput: { users: PreviewUser[]; usersShown: number; usersInBatch: number; campaign?: { name: string } } | null;
}

export interface PreviewResult {
  report: Delivery['report'];
  rejectedCount: number;
  rejectedRows: Delivery['rejected'];
  instances: PreviewInstance[];
  triggerCalls: number;
}
