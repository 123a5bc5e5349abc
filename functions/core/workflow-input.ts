import * as z from 'zod/mini';
import { ENVIRONMENTS } from './instance.js';
import { PolicySchema, ReviewerSchema } from './mapping.js';

/**
 * The contract between the dispatcher and the ISC workflow: the trigger body is `{"input": WorkflowInput}`
 * and the workflow reads `$.trigger.input.*`. workflows/workflow-input.schema.json is generated from this.
 */
export const WorkflowUserSchema = z.object({
  identityId: z.optional(z.string()),
  email: z.string(),
  name: z.optional(z.string()),
  daysActive: z.optional(z.number()),
  lastActive: z.optional(z.string()),
});
export type WorkflowUser = z.infer<typeof WorkflowUserSchema>;

const DURATION_PATTERN = /^[1-9]\d{0,2}d$/;

export const WorkflowInputSchema = z.object({
  deliveryId: z.string(),
  batch: z.object({ index: z.int(), count: z.int() }),
  instance: z.object({ application: z.string(), name: z.string(), environment: z.enum(ENVIRONMENTS) }),
  source: z.object({
    id: z.string(),
    name: z.optional(z.string()),
    /** `id eq "<id>"`: the workflow passes it whole to GET /v3/sources?filters= (no URL templating needed). */
    idFilter: z.string(),
  }),
  period: z.object({ start: z.nullable(z.string()), end: z.string() }),
  policy: PolicySchema,
  campaign: z.object({
    /** The final campaign name, part suffix included: the workflow, direct mode and any look-up use it verbatim. */
    name: z.string(),
    /** `name eq "<name>"`: the replay check passes it whole to GET /v3/campaigns?filters=. */
    nameFilter: z.string(),
    description: z.string(),
    /** The deadline had the campaign been created at ingest; informational, since activation needs a future deadline. */
    deadline: z.string(),
    /** How long reviewers have from creation, e.g. "14d": what sp:create-campaign takes, counted when the campaign is made. */
    duration: z.string().check(z.regex(DURATION_PATTERN)),
    reviewer: ReviewerSchema,
  }),
  identityIds: z.array(z.string()),
  users: z.array(WorkflowUserSchema),
  unmatchedCount: z.int(),
});
export type WorkflowInput = z.infer<typeof WorkflowInputSchema>;

/** What ingest decides for a batch; the dispatcher adds identity ids and unmatched counts. */
export type BatchInput = Omit<WorkflowInput, 'identityIds' | 'unmatchedCount' | 'users'> & { users: WorkflowUser[] };

/** What every batch of one instance in one delivery shares; `campaign.name` is the base name, without the part suffix. */
export type BatchEnvelope = Omit<BatchInput, 'users' | 'batch' | 'campaign' | 'source'> & {
  campaign: Omit<WorkflowInput['campaign'], 'nameFilter'>;
  source: Omit<WorkflowInput['source'], 'idFilter'>;
};

/**
 * One batch's input. Each batch becomes its own campaign (ISC cannot add identities to an existing one), named
 * "<base name> (part i of n)"; the delivery id inside the base name makes it unique, which is what lets the
 * workflow and direct mode look a campaign up by name before creating it, so a replay never creates a second one.
 * The filters are built here, whole, because the workflow can only pass whole values into a request.
 */
export function batchInput(envelope: BatchEnvelope, batch: WorkflowInput['batch'], users: WorkflowUser[]): BatchInput {
  const name = `${envelope.campaign.name}${partSuffix(batch)}`;
  return {
    ...envelope,
    batch,
    users,
    source: { ...envelope.source, idFilter: `id eq ${filterString(envelope.source.id)}` },
    campaign: { ...envelope.campaign, name, nameFilter: `name eq ${filterString(name)}` },
  };
}

/** " (part i of n)": what makes each batch's campaign name its own. */
export function partSuffix(batch: WorkflowInput['batch']): string {
  return ` (part ${batch.index} of ${batch.count})`;
}

/** A string literal in ISC's collection filter syntax. */
export function filterString(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** "14d" → 14 days in milliseconds. */
export function durationMs(duration: string): number {
  return Number(duration.slice(0, -1)) * 86_400_000;
}
