import * as z from 'zod/mini';
import { describeIssues } from '../core/validation.js';
import { ConfigError } from '../core/errors.js';
import type { IngestSettings } from '../core/ingest.js';
import { DEFAULT_NON_PRODUCTION_WORDS, DEFAULT_PRODUCTION_WORDS, vocabulary, type EnvironmentVocabulary } from '../core/environment-names.js';

/**
 * All configuration comes from environment variables, read and validated once at start-up so a
 * misspelt or out-of-range value stops the process with its name, not a request with a 500.
 */
const intFromEnv = (fallback: number, min: number, max: number) =>
  z.pipe(
    z.pipe(
      z.optional(z.string().check(z.regex(/^\d+$/, 'must be a whole number'))),
      z.transform((value: string | undefined) => (value === undefined ? fallback : Number(value))),
    ),
    z.int().check(z.minimum(min), z.maximum(max)),
  );
const listFromEnv = z.pipe(
  z._default(z.string(), ''),
  z.transform((value: string) => value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)),
);

/** Extra environment words: letters only (names are split at digits), never a word of the other kind. */
const wordsFromEnv = (other: readonly string[]) =>
  z.pipe(
    listFromEnv,
    z.array(
      z.string().check(
        z.regex(/^\p{L}{2,32}$/u, 'must be a comma list of words of 2-32 letters'),
        z.refine((word) => !other.includes(word), { message: 'is a word of the other environment kind already' }),
      ),
    ),
  );

/** Host names only (no scheme, port or path): `iam.acme.com,isc.acme.com`. */
const hostListFromEnv = z.pipe(
  listFromEnv,
  z.array(z.string().check(z.regex(/^(?=.{1,253}$)[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'must be comma-separated host names, e.g. iam.acme.com'))),
);

const ConfigSchema = z.object({
  TABLE_NAME: z._default(z.string().check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name')), 'usage-certification'),
  /** The append-only audit table; default: TABLE_NAME + "-audit". */
  AUDIT_TABLE_NAME: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name'))),
  MAX_BODY_BYTES: intFromEnv(6 * 1024 * 1024, 1024, 6 * 1024 * 1024),
  MAX_ROWS: intFromEnv(200_000, 1, 1_000_000),
  BATCH_MAX_BYTES: intFromEnv(128 * 1024, 8 * 1024, 350 * 1024),
  // 30 days: a valid report carries its period, so the same body weeks later is a replay, not news.
  DEDUPE_WINDOW_HOURS: intFromEnv(24 * 30, 1, 24 * 30),
  EXCLUDE_EMAILS: listFromEnv,
  EXCLUDE_DOMAINS: listFromEnv,
  RETENTION_DAYS: intFromEnv(400, 1, 3650),
  MATCH_THRESHOLD_PERCENT: intFromEnv(50, 0, 100),
  MAX_ATTEMPTS: intFromEnv(8, 1, 50),
  LEASE_SECONDS: intFromEnv(120, 5, 900),
  /** Between two looks at a dispatched batch's workflow execution and campaign. */
  FOLLOW_INTERVAL_SECONDS: intFromEnv(600, 1, 86_400),
  ISC_TIMEOUT_MS: intFromEnv(10_000, 100, 60_000),
  ISC_RATE_LIMIT: intFromEnv(100, 3, 100),
  ISC_RATE_WINDOW_SECONDS: intFromEnv(10, 1, 60),
  ISC_CONCURRENCY: intFromEnv(4, 1, 32),
  /** Vanity hosts a target's URLs may name besides the tenant's own ISC hosts (core/isc-hosts.ts). */
  ISC_ALLOWED_HOSTS: hostListFromEnv,
  PRODUCTION_WORDS: wordsFromEnv(DEFAULT_NON_PRODUCTION_WORDS),
  NON_PRODUCTION_WORDS: wordsFromEnv(DEFAULT_PRODUCTION_WORDS),
}).check(
  z.refine((config) => !config.PRODUCTION_WORDS.some((word) => config.NON_PRODUCTION_WORDS.includes(word)), {
    message: 'PRODUCTION_WORDS and NON_PRODUCTION_WORDS share a word',
    path: ['NON_PRODUCTION_WORDS'],
  }),
);

export type Config = z.infer<typeof ConfigSchema>;

/** Re-exported: the runtimes catch it from here with the rest of the configuration. */
export { ConfigError };

export function parseEnv<T extends z.ZodMiniType>(schema: T, env: Record<string, string | undefined>): z.infer<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = describeIssues(result.error.issues).map((i) => `${i.field}: ${i.message}`);
  throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseEnv(ConfigSchema, env);
}

export function ingestSettings(config: Config): IngestSettings {
  return {
    batchMaxBytes: config.BATCH_MAX_BYTES,
    dedupeWindowMs: config.DEDUPE_WINDOW_HOURS * 3_600_000,
    maxRows: config.MAX_ROWS,
    globalExclude: { emails: config.EXCLUDE_EMAILS, domains: config.EXCLUDE_DOMAINS },
    vocabulary: environmentVocabulary(config),
  };
}

/** Only the environment words, from an environment that need not hold a whole valid configuration (the CLI, the CDK app). */
export function vocabularyFromEnv(env: Record<string, string | undefined>): EnvironmentVocabulary {
  return environmentVocabulary(loadConfig({ PRODUCTION_WORDS: env.PRODUCTION_WORDS, NON_PRODUCTION_WORDS: env.NON_PRODUCTION_WORDS }));
}

export function environmentVocabulary(config: Pick<Config, 'PRODUCTION_WORDS' | 'NON_PRODUCTION_WORDS'>): EnvironmentVocabulary {
  return vocabulary({ production: config.PRODUCTION_WORDS, nonProduction: config.NON_PRODUCTION_WORDS });
}
