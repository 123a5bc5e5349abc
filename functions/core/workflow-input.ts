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

export const WorkflowInputSchema = z.object({
  deliveryId: z.string(),
  batch: z.object({ index: z.int(), count: z.int() }),
  instance: z.object({ application: z.string(), name: z.string(), environment: z.enum(ENVIRONMENTS) }),
  source: z.object({ id: z.string(), name: z.optional(z.string()) }),
  period: z.object({ start: z.nullable(z.string()), end: z.string() }),
  policy: PolicySchema,
  campaign: z.object({
    name: z.string(),
    description: z.string(),
    deadline: z.string(),
    reviewer: ReviewerSchema,
  }),
  identityIds: z.array(z.string()),
  users: z.array(WorkflowUserSchema),
  unmatchedCount: z.int(),
});
export type WorkflowInput = z.infer<typeof WorkflowInputSchema>;

/** What ingest decides for a batch; the dispatcher adds identity ids and unmatched counts. */
export type BatchInput = Omit<WorkflowInput, 'identityIds' | 'unmatchedCount' | 'users'> & { users: WorkflowUser[] };

/**
 * The name of the campaign a batch becomes — in the workflow (workflows/inactive-users-certification.json
 * builds the same string) and in direct mode. The delivery id inside `campaign.name` makes it unique, which
 * is what lets both look a campaign up before creating it, so a replay never creates a second one.
 */
export function campaignName(input: Pick<WorkflowInput, 'campaign' | 'batch'>): string {
  return `${input.campaign.name} (part ${input.batch.index} of ${input.batch.count})`;
}
