import * as z from 'zod/mini';
import { BATCH_STATUSES, DELIVERY_STATUSES, type InstanceStatus } from '../core/delivery.js';
import { ENVIRONMENTS } from '../core/instance.js';
import { MappingInputSchema } from '../core/mapping.js';
import { ReportProfileInputSchema } from '../core/report-profile.js';
import { TargetInputSchema } from '../core/target.js';
import { WorkflowInputSchema } from '../core/workflow-input.js';

/**
 * What the routes answer, as zod schemas: the route table declares them per status, docs/openapi.json is
 * generated from them, and the OpenAPI test checks every route's real answers against that document.
 * Input fields reuse the input schemas, so a stored item is described by the rules it was written with.
 * The main answers are named (`answer`): the document lists them under components.schemas, so a client
 * generator gives them these names.
 */

function answer<T extends z.ZodMiniType>(id: string, schema: T): T {
  z.globalRegistry.add(schema, { id });
  return schema;
}

export const ErrorBody = answer('Error', z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.optional(z.unknown()) }) }));

export const Deleted = z.object({ deleted: z.string() });

export const Health = z.object({ status: z.literal('ok') });

export const OpenApiBody = z.record(z.string(), z.unknown());

const Stamp = { version: z.int(), updatedAt: z.string(), updatedBy: z.string() };

const CredentialState = z.object({ set: z.boolean(), clientId: z.optional(z.string()), updatedAt: z.optional(z.string()) });

/** A target as targetView shows it: credentials only as "set or not". */
export const TargetView = answer('TargetView', z.object({
  ...TargetInputSchema.shape,
  id: z.string(),
  tokenUrl: z.string(),
  apiBaseUrl: z.string(),
  credentials: z.object({ trigger: CredentialState, api: CredentialState }),
  credentialVersion: z.optional(z.int()),
  ...Stamp,
}));

export const TargetList = z.object({ items: z.array(TargetView) });

export const WorkflowInstallAnswer = answer('WorkflowInstallAnswer', z.object({
  ...TargetView.shape,
  workflow: z.object({ id: z.string(), created: z.boolean(), enabled: z.boolean() }),
  /** Batches that were held (AWAITING_INSTALL) for this target's trigger URL and are queued again now. */
  released: z.int(),
}));

const MappingFields = { ...MappingInputSchema.shape, instanceKey: z.string(), enabled: z.boolean(), ...Stamp };

export const MappingSchema = answer('Mapping', z.object(MappingFields));

const MatchTestFields = {
  status: z.enum(['SUCCESS', 'FAILURE']),
  measure: z.literal('identities'),
  share: z.number().check(z.minimum(0), z.maximum(1)),
  checked: z.int(),
  found: z.int(),
  onSource: z.int(),
  deliveryId: z.string(),
  at: z.string(),
};

/** A mapping with its report history: when it last reported, whether that is overdue, what its name says. */
export const MappingView = answer('MappingView', z.object({
  ...MappingFields,
  lastReportAt: z.nullable(z.string()),
  expectedInterval: z.nullable(z.object({ days: z.number(), learned: z.boolean() })),
  stale: z.boolean(),
  matchTest: z.nullable(z.object(MatchTestFields)),
  nameEnvironment: z.object({
    kind: z.enum(['production', 'non-production', 'ambiguous', 'neutral']),
    production: z.array(z.string()),
    nonProduction: z.array(z.string()),
    status: z.enum(['consistent', 'confirmed', 'mismatch']),
  }),
}));

export const Paged = <T extends z.ZodMiniType>(item: T) => z.object({ items: z.array(item), next: z.nullable(z.string()) });

export const MappingValidation = answer('MappingValidation', z.object({
  valid: z.int(),
  invalid: z.int(),
  results: z.array(
    z.object({
      index: z.int(),
      instanceKey: z.optional(z.string()),
      ok: z.boolean(),
      source: z.optional(MappingInputSchema.shape.source),
      error: z.optional(ErrorBody.shape.error),
    }),
  ),
}));

export const AuditList = answer('AuditList', z.object({
  items: z.array(
    z.object({
      at: z.string(),
      actor: z.string(),
      action: z.enum(['create', 'update', 'delete', 'credentials', 'replay']),
      entity: z.enum(['target', 'mapping', 'report-profile', 'delivery']),
      key: z.string(),
      before: z.optional(z.unknown()),
      after: z.optional(z.unknown()),
      note: z.optional(z.string()),
    }),
  ),
}));

export const MatchTestResult = answer('MatchTestResult', z.object({ instanceKey: z.string(), targetId: z.string(), tenant: z.string(), sourceId: z.string(), holdBelow: z.number(), ...MatchTestFields }));

export const ReportProfileSchema = answer('ReportProfile', z.object({ ...ReportProfileInputSchema.shape, id: z.string(), updatedAt: z.string(), updatedBy: z.string() }));

export const ReportProfileList = z.object({ items: z.array(ReportProfileSchema) });

export const RejectedReportList = answer('RejectedReportList', z.object({
  items: z.array(z.object({ id: z.string(), at: z.string(), code: z.string(), message: z.string(), bytes: z.int(), contentType: z.optional(z.string()), sample: z.optional(z.unknown()) })),
}));

const INSTANCE_STATUSES = ['mapped', 'unmapped', 'disabled', 'environment_mismatch', 'target_missing'] as const satisfies readonly InstanceStatus[];

const InstanceOutcomeFields = {
  instanceKey: z.string(),
  instance: z.string(),
  application: z.optional(z.string()),
  status: z.enum(INSTANCE_STATUSES),
  mapped: z.boolean(),
  reason: z.optional(z.string()),
  targetId: z.optional(z.string()),
  environment: z.optional(z.enum(ENVIRONMENTS)),
  rows: z.int(),
  users: z.int(),
  inactiveUsers: z.int(),
  excluded: z.int(),
  cooledDown: z.int(),
  unclassified: z.int(),
  batches: z.int(),
};

const RejectedRows = z.array(z.object({ row: z.int(), field: z.string(), reason: z.string() }));

const ReportSummary = z.object({
  name: z.optional(z.string()),
  format: z.enum(['json', 'csv']),
  bytes: z.int(),
  rows: z.int(),
  validRows: z.int(),
  period: z.object({ start: z.nullable(z.string()), end: z.string() }),
});

/** 202 when the report is durable, 200 (duplicate: true) for a repeat of one already accepted. */
/** The large-report URL's answer: stored, ingest follows (its outcome appears on the delivery). */
export const LargeReportReceipt = answer('LargeReportReceipt', z.object({ deliveryId: z.string(), status: z.literal('RECEIVED') }));

export const IngestAnswer = answer('IngestAnswer', z.object({
  deliveryId: z.string(),
  duplicate: z.boolean(),
  status: z.enum(DELIVERY_STATUSES),
  instances: z.array(z.object(InstanceOutcomeFields)),
  rejectedCount: z.int(),
  rejectedRows: RejectedRows,
}));

const DeliveryFields = {
  id: z.string(),
  idSource: z.enum(['header', 'body']),
  contentHash: z.optional(z.string()),
  receivedAt: z.string(),
  writeId: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  report: ReportSummary,
  rejectedCount: z.int(),
  rejected: RejectedRows,
  instances: z.array(z.object(InstanceOutcomeFields)),
  batchCount: z.int(),
  settled: z.optional(z.object({ dispatched: z.int(), failed: z.int(), held: z.int() })),
  note: z.optional(z.string()),
};

export const DeliverySchema = answer('Delivery', z.object(DeliveryFields));

/** What the batch's NERM look-up found (core/non-employees.ts): NERM's user id, type and status, and its manager. */
const NonEmployeeLookupView = z.object({
  at: z.string(),
  checked: z.int(),
  skipped: z.int(),
  found: z.array(
    z.object({
      email: z.string(),
      nermId: z.string(),
      type: z.optional(z.string()),
      status: z.optional(z.string()),
      manager: z.optional(z.object({ name: z.optional(z.string()), email: z.optional(z.string()) })),
    }),
  ),
  error: z.optional(z.object({ code: z.string(), message: z.string() })),
});

const ExecutionView = z.nullable(z.object({ status: z.string(), error: z.optional(z.string()) }));
const CampaignView = z.nullable(
  z.object({ id: z.string(), name: z.string(), status: z.string(), decisions: z.nullable(z.object({ approved: z.int(), revoked: z.int(), pending: z.int() })) }),
);

const BatchView = answer('BatchView', z.object({
  index: z.int(),
  instanceKey: z.string(),
  targetId: z.string(),
  part: WorkflowInputSchema.shape.batch,
  status: z.enum(BATCH_STATUSES),
  attempts: z.int(),
  users: z.int(),
  executionId: z.nullable(z.string()),
  dueAt: z.nullable(z.string()),
  identityResolution: z.nullable(z.enum(['resolved', 'skipped_no_api_credentials'])),
  unmatched: z.array(z.string()),
  lastError: z.nullable(
    z.object({ code: z.string(), message: z.string(), status: z.optional(z.int()), isc: z.optional(z.unknown()), hints: z.optional(z.array(z.string())), at: z.string() }),
  ),
  execution: ExecutionView,
  campaign: CampaignView,
  /** A MANAGER batch's campaigns, one per manager (null for a one-campaign batch, which uses execution and campaign). */
  campaigns: z.nullable(z.array(z.object({
    manager: z.object({ id: z.string(), name: z.string() }),
    name: z.string(),
    identities: z.int(),
    executionId: z.nullable(z.string()),
    execution: ExecutionView,
    campaign: CampaignView,
  }))),
  /** A MANAGER batch's users whose identity has no manager in ISC: no campaign reviews them. */
  withoutManager: z.array(z.string()),
  followUp: z.nullable(z.object({ checks: z.int(), nextCheckAt: z.optional(z.string()), note: z.optional(z.string()), executionUnreadable: z.optional(z.boolean()) })),
  /** Unmatched users looked up in the target's NERM; null when the target has no nermUrl or every user matched. */
  nonEmployees: z.nullable(NonEmployeeLookupView),
  updatedAt: z.string(),
}));

export const DeliveryDetail = answer('DeliveryDetail', z.object({ ...DeliveryFields, batches: z.array(BatchView) }));

export const RedriveAnswer = answer('RedriveAnswer', z.object({
  redriven: z.array(z.object({ deliveryId: z.string(), index: z.int(), instanceKey: z.string(), pendingSince: z.string() })),
  hint: z.string(),
}));

export const ReplayAnswer = answer('ReplayAnswer', z.object({
  deliveryId: z.string(),
  requeued: z.array(z.int()),
  redriven: z.array(z.int()),
  skipped: z.array(z.object({ index: z.int(), status: z.enum(BATCH_STATUSES) })),
  leftOut: z.array(z.object({ index: z.int(), count: z.int(), users: z.array(z.string()) })),
  hint: z.optional(z.string()),
}));

/** What a report would become: per instance the first workflow input (users cut to a few), nothing stored. */
export const PreviewAnswer = answer('PreviewAnswer', z.object({
  preview: z.literal(true),
  report: ReportSummary,
  rejectedCount: z.int(),
  rejectedRows: RejectedRows,
  instances: z.array(
    z.object({
      ...InstanceOutcomeFields,
      source: z.nullable(MappingInputSchema.shape.source),
      triggerCalls: z.int(),
      sampleInput: z.nullable(z.object({ ...z.omit(WorkflowInputSchema, { identityIds: true, unmatchedCount: true }).shape, usersShown: z.int(), usersInBatch: z.int() })),
    }),
  ),
  triggerCalls: z.int(),
}));

export const CheckAnswer = answer('CheckAnswer', z.object({
  targetId: z.string(),
  ok: z.boolean(),
  steps: z.array(z.object({ step: z.string(), ok: z.boolean(), detail: z.string(), data: z.optional(z.record(z.string(), z.unknown())) })),
  troubleshooting: z.array(z.string()),
  advice: z.string(),
}));

export const WorkflowVerifyAnswer = answer('WorkflowVerifyAnswer', z.object({
  targetId: z.string(),
  tenant: z.string(),
  ok: z.boolean(),
  actions: z.array(z.object({ id: z.string(), fields: z.nullable(z.array(z.string())) })),
  findings: z.array(
    z.object({
      step: z.string(),
      actionId: z.string(),
      kind: z.enum(['unknown_action', 'unknown_attribute', 'missing_required']),
      attribute: z.optional(z.string()),
      suggestion: z.optional(z.string()),
      message: z.string(),
    }),
  ),
}));

export const WorkflowTestAnswer = answer('WorkflowTestAnswer', z.object({
  targetId: z.string(),
  workflowId: z.string(),
  executionId: z.string(),
  /** v3 WorkflowExecution status: Completed, Failed, Canceled, or Queued/Running when it outlasted the wait. */
  status: z.string(),
  /** The execution completed and the campaign exists. */
  ok: z.boolean(),
  campaignName: z.string(),
  campaign: z.optional(z.object({ id: z.string(), name: z.string(), status: z.string() })),
  /** ISC's reason (the failed steps of the execution history) when ok is false. */
  error: z.optional(z.string()),
}));
