import * as z from 'zod/mini';
import { describeIssues } from '../core/validation.js';
import { ConfigError } from '../core/errors.js';
import type { IngestSettings } from '../core/ingest.js';
import { DEFAULT_DISPATCH_SETTINGS, type DispatchSettings } from '../core/dispatcher.js';
import { DEFAULT_NON_PRODUCTION_WORDS, DEFAULT_PRODUCTION_WORDS, vocabulary, type EnvironmentVocabulary } from '../core/environment-names.js';

/**
 * All configuration comes from environment variables, read and validated once at start-up so a
 * misspelt or out-of-range value stops the process with its name, not a request with a 500. Each runtime has
 * one schema (AWS: loadAwsConfig, local: loadLocalConfig), the shared settings plus its own; nothing else reads
 * the environment.
 */
const wholeNumber = z.string().check(z.regex(/^\d+$/, 'must be a whole number'));
const intFromEnv = (fallback: number, min: number, max: number) =>
  z.pipe(
    z.pipe(
      z.optional(wholeNumber),
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

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEFAULT_FOLLOW_INTERVAL_SECONDS = 600;
const followIntervalSeconds = z.pipe(z.pipe(wholeNumber, z.transform(Number)), z.int().check(z.minimum(1), z.maximum(86_400)));

/** The settings every runtime shares. */
const SHARED = {
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
  /**
   * How long an email → identity id found in ISC is reused. 3 days: a tenant's monthly reports (one per app) arrive
   * within hours to days of each other, so one search serves them all, while an email re-assigned to another
   * identity is trusted for at most 3 days (and at once less if ISC refuses the id: the entry is dropped).
   */
  IDENTITY_CACHE_DAYS: intFromEnv(3, 1, 7),
  MAX_ATTEMPTS: intFromEnv(8, 1, 50),
  LEASE_SECONDS: intFromEnv(120, 5, 900),
  /** Between two looks at a dispatched batch's workflow execution and campaign. */
  FOLLOW_INTERVAL_SECONDS: z._default(followIntervalSeconds, DEFAULT_FOLLOW_INTERVAL_SECONDS),
  ISC_TIMEOUT_MS: intFromEnv(10_000, 100, 60_000),
  /**
   * How long `workflow test` follows its execution, counted from the request's start. At most 15: the history and
   * campaign look-ups after it must still fit the admin functions' 25 s.
   */
  WORKFLOW_TEST_FOLLOW_SECONDS: intFromEnv(12, 1, 15),
  ISC_RATE_LIMIT: intFromEnv(100, 3, 100),
  ISC_RATE_WINDOW_SECONDS: intFromEnv(10, 1, 60),
  ISC_CONCURRENCY: intFromEnv(4, 1, 32),
  /** Vanity hosts a target's URLs may name besides the tenant's own ISC hosts (core/isc-hosts.ts). */
  ISC_ALLOWED_HOSTS: hostListFromEnv,
  PRODUCTION_WORDS: wordsFromEnv(DEFAULT_NON_PRODUCTION_WORDS),
  NON_PRODUCTION_WORDS: wordsFromEnv(DEFAULT_PRODUCTION_WORDS),
  LOG_LEVEL: z.pipe(
    z.pipe(z._default(z.string(), 'INFO'), z.transform((value: string) => value.toUpperCase())),
    z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`),
  ),
};

const disjointWords = z.refine<{ PRODUCTION_WORDS: string[]; NON_PRODUCTION_WORDS: string[] }>((config) => !config.PRODUCTION_WORDS.some((word) => config.NON_PRODUCTION_WORDS.includes(word)), {
  message: 'PRODUCTION_WORDS and NON_PRODUCTION_WORDS share a word',
  path: ['NON_PRODUCTION_WORDS'],
});

const ConfigSchema = z.object(SHARED).check(disjointWords);

const portFromEnv = z.string().check(z.regex(/^\d{1,5}$/, 'must be a port number'));
const secretFromEnv = z.string().check(z.minLength(16, 'must be at least 16 characters'));

/** The Lambda functions: the shared settings plus where their secrets live. */
const AwsConfigSchema = z
  .object({
    ...SHARED,
    WEBHOOK_SECRET_ARN: z.optional(z.string().check(z.minLength(20))),
    TARGET_SECRET_PREFIX: z._default(z.string().check(z.regex(/^[A-Za-z0-9/_+=.@-]+\/$/, 'must end with "/"')), 'usage-certification/targets/'),
    /** The large-report bucket (lib/large-reports.ts); only the large ingest function reads it. */
    LARGE_REPORT_BUCKET: z.optional(z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'))),
    /** The console's sign-in (set by lib/console-hosting.ts); unset, no ID token is ever accepted. */
    CONSOLE_ISSUER: z.optional(z.url({ protocol: /^https$/ })),
    CONSOLE_CLIENT_ID: z.optional(z.string().check(z.minLength(1))),
    CONSOLE_GROUPS_CLAIM: z._default(z.string().check(z.minLength(1)), 'cognito:groups'),
  })
  .check(disjointWords);

/** `npm start`: the shared settings plus the local server, its secrets and the simulator. */
const LocalConfigSchema = z
  .object({
    ...SHARED,
    // Unset, the local stack picks a default (the demo's simulated campaigns complete within seconds).
    FOLLOW_INTERVAL_SECONDS: z.optional(followIntervalSeconds),
    PORT: z._default(portFromEnv, '3000'),
    DATA_DIR: z._default(z.string().check(z.minLength(1)), '.data'),
    ADMIN_TOKEN: z.optional(secretFromEnv),
    WEBHOOK_SECRET: z.optional(secretFromEnv),
    WEBHOOK_SECRET_PREVIOUS: z.optional(secretFromEnv),
    /** 1: the console signs in through an OpenID provider started in this process (admin + viewer users). */
    CONSOLE_OIDC: z._default(z.enum(['0', '1']), '0'),
    CONSOLE_OIDC_PORT: z.optional(portFromEnv),
    ISC_SIMULATOR: z._default(z.enum(['on', 'off']), 'on'),
    ISC_SIMULATOR_PORT: z.optional(portFromEnv),
    POLL_INTERVAL_MS: z._default(z.string().check(z.regex(/^\d{2,6}$/, 'must be milliseconds (10-999999)')), '500'),
    /** Extra Host headers to accept (host:port, comma-separated), e.g. a name in /etc/hosts; loopback always works. */
    LOCAL_ALLOWED_HOSTS: listFromEnv,
  })
  .check(disjointWords);

export type Config = z.infer<typeof ConfigSchema>;
export type AwsConfig = z.infer<typeof AwsConfigSchema>;
export type LocalConfig = z.infer<typeof LocalConfigSchema>;

/** Re-exported: the runtimes catch it from here with the rest of the configuration. */
export { ConfigError };

export function parseEnv<T extends z.ZodMiniType>(schema: T, env: Record<string, string | undefined>): z.infer<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = describeIssues(result.error.issues).map((i) => `${i.field}: ${i.message}`);
  throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
}

/** The shared settings alone (tests, benchmarks, the CLI's and CDK app's environment words). */
export function loadConfig(env: Record<string, string | undefined>): Config {
  return parseEnv(ConfigSchema, env);
}

/** `required`: settings optional in the schema that this function cannot run without. */
export function loadAwsConfig(env: Record<string, string | undefined>, required: ReadonlyArray<keyof AwsConfig> = []): AwsConfig {
  const config = parseEnv(AwsConfigSchema, env);
  const missing = required.filter((name) => config[name] === undefined);
  if (missing.length > 0) throw new ConfigError(`Invalid configuration: ${missing.map((name) => `${name}: is required by this function`).join('; ')}`);
  return config;
}

export function loadLocalConfig(env: Record<string, string | undefined>): LocalConfig {
  return parseEnv(LocalConfigSchema, env);
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

export function dispatchSettings(config: Config): DispatchSettings {
  return {
    ...DEFAULT_DISPATCH_SETTINGS,
    maxAttempts: config.MAX_ATTEMPTS,
    leaseMs: config.LEASE_SECONDS * 1000,
    followIntervalMs: config.FOLLOW_INTERVAL_SECONDS * 1000,
    matchThreshold: config.MATCH_THRESHOLD_PERCENT / 100,
    identityCacheMs: config.IDENTITY_CACHE_DAYS * 86_400_000,
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
