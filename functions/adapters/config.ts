import * as z from 'zod/mini';
import { describeIssues } from '../core/validation.js';
import type { IngestSettings } from '../core/ingest.js';

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

const ConfigSchema = z.object({
  TABLE_NAME: z._default(z.string().check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name')), 'usage-certification'),
  MAX_BODY_BYTES: intFromEnv(6 * 1024 * 1024, 1024, 6 * 1024 * 1024),
  MAX_ROWS: intFromEnv(200_000, 1, 1_000_000),
  BATCH_MAX_BYTES: intFromEnv(128 * 1024, 8 * 1024, 350 * 1024),
  DEDUPE_WINDOW_HOURS: intFromEnv(24, 1, 24 * 30),
  EXCLUDE_EMAILS: listFromEnv,
  EXCLUDE_DOMAINS: listFromEnv,
  RETENTION_DAYS: intFromEnv(400, 1, 3650),
  MATCH_THRESHOLD_PERCENT: intFromEnv(50, 0, 100),
  MAX_ATTEMPTS: intFromEnv(8, 1, 50),
  LEASE_SECONDS: intFromEnv(120, 5, 900),
  ISC_TIMEOUT_MS: intFromEnv(10_000, 100, 60_000),
  ISC_RATE_LIMIT: intFromEnv(100, 3, 100),
  ISC_RATE_WINDOW_SECONDS: intFromEnv(10, 1, 60),
  ISC_CONCURRENCY: intFromEnv(4, 1, 32),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

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
  };
}
