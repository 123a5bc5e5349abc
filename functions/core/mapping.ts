import * as z from 'zod/mini';
import { ENVIRONMENTS } from './instance.js';
import { DEFAULT_VOCABULARY, classifyName, contradicts, describeWords, type EnvironmentVocabulary, type NameClassification } from './environment-names.js';
import type { Target } from './target.js';

export const DEFAULT_COOLDOWN_DAYS = 30;
export const DEFAULT_CAMPAIGN_DAYS = 14;

const EmailList = z.array(z.email().check(z.maxLength(254))).check(z.maxLength(10_000));
const DomainList = z.array(z.string().check(z.regex(/^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, 'must be a domain such as contractors.example.com'))).check(z.maxLength(1000));

export const ExclusionsSchema = z.strictObject({ emails: z.optional(EmailList), domains: z.optional(DomainList) });
export type Exclusions = z.infer<typeof ExclusionsSchema>;

export const PolicySchema = z.strictObject({
  /** Inactive when Days Active over the report period is at most this. */
  maxDaysActive: z.int().check(z.minimum(0), z.maximum(3650)),
  /** Also inactive when the last activity is older than this many days. */
  inactiveForDays: z.optional(z.int().check(z.minimum(1), z.maximum(3650))),
  /** Users sent for this instance within this many days are not sent again (default 30). */
  cooldownDays: z.optional(z.int().check(z.minimum(0), z.maximum(3650))),
  exclude: z.optional(ExclusionsSchema),
});
export type Policy = z.infer<typeof PolicySchema>;

export const REVIEWER_TYPES = ['MANAGER', 'SOURCE_OWNER', 'IDENTITY', 'GOVERNANCE_GROUP'] as const;
export const ReviewerSchema = z
  .strictObject({
    type: z.enum(REVIEWER_TYPES),
    id: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    name: z.optional(z.string().check(z.maxLength(256))),
  })
  .check(
    // A named reviewer needs its ISC id; without one the workflow could only fail at campaign time.
    z.refine((reviewer) => reviewer.id !== undefined || reviewer.type === 'MANAGER' || reviewer.type === 'SOURCE_OWNER', {
      message: 'id is required when type is IDENTITY or GOVERNANCE_GROUP (the ISC identity or governance group id)',
      path: ['id'],
    }),
  );
export type Reviewer = z.infer<typeof ReviewerSchema>;

export const CampaignSettingsSchema = z.strictObject({
  reviewer: z.optional(ReviewerSchema),
  durationDays: z.optional(z.int().check(z.minimum(1), z.maximum(365))),
});

export const MappingInputSchema = z.strictObject({
  application: z.string().check(z.minLength(1), z.maxLength(256)),
  instance: z.string().check(z.minLength(1), z.maxLength(256)),
  environment: z.enum(ENVIRONMENTS),
  targetId: z.string().check(z.minLength(1), z.maxLength(64)),
  source: z.strictObject({ id: z.string().check(z.minLength(1), z.maxLength(128)), name: z.optional(z.string().check(z.maxLength(256))) }),
  policy: PolicySchema,
  campaign: z.optional(CampaignSettingsSchema),
  enabled: z.optional(z.boolean()),
  allowNameMismatch: z.optional(z.boolean()),
  mismatchReason: z.optional(z.string().check(z.maxLength(500))),
  expectEveryDays: z.optional(z.int().check(z.minimum(1), z.maximum(366))),
});
export type MappingInput = z.infer<typeof MappingInputSchema>;

export interface Mapping extends MappingInput {
  instanceKey: string;
  enabled: boolean;
  version: number;
  updatedAt: string;
  updatedBy: string;
}

/**
 * What the instance's own name says about its environment (the app's own name is not read: "QA Wolf", "TestRail"),
 * and whether the mapping agrees: consistent, confirmed (allowNameMismatch) or mismatch.
 */
export function instanceNameCheck(
  mapping: Pick<MappingInput, 'instance' | 'application' | 'environment' | 'allowNameMismatch'>,
  vocabulary: EnvironmentVocabulary = DEFAULT_VOCABULARY,
): NameClassification & { status: 'consistent' | 'confirmed' | 'mismatch' } {
  const named = classifyName(mapping.instance, { application: mapping.application, vocabulary });
  return { ...named, status: !contradicts(named, mapping.environment) ? 'consistent' : mapping.allowNameMismatch ? 'confirmed' : 'mismatch' };
}

/**
 * The environment rules that keep a production instance from feeding a staging tenant (and back).
 * Returns each broken rule in words an admin can act on; empty when the mapping is safe.
 */
export function environmentProblems(
  mapping: Pick<MappingInput, 'instance' | 'application' | 'environment' | 'allowNameMismatch'>,
  target: Pick<Target, 'id' | 'environment'> | undefined,
  vocabulary?: EnvironmentVocabulary,
): string[] {
  const problems: string[] = [];
  const named = instanceNameCheck(mapping, vocabulary);
  if (named.status === 'mismatch') {
    const claim = named.kind === 'ambiguous' ? 'has both production and non-production words' : `is named like a ${named.kind} instance`;
    problems.push(`instance "${mapping.instance}" ${claim} (${describeWords(named)}) but the mapping says ${mapping.environment} (set allowNameMismatch with a mismatchReason if this is intended)`);
  }
  if (target && target.environment !== mapping.environment) {
    problems.push(`target "${target.id}" is a ${target.environment} tenant but the mapping says ${mapping.environment}`);
  }
  return problems;
}
