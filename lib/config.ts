import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { vocabularyFromEnv } from '../functions/adapters/config.js';

/**
 * Everything that differs between deployments comes from CDK context (`-c key=value` or cdk.json), read and
 * checked here once so a typo fails the synth with its name. Nothing account- or region-specific lives in
 * the code: the stack is environment-agnostic and uses `Aws.ACCOUNT_ID` / `Aws.REGION` tokens.
 */
export type StageName = 'dev' | 'prod';

export interface StageConfig {
  stage: StageName;
  stackName: string;
  /** Email that receives alarm notifications (SNS, KMS-encrypted); no topic when absent. */
  alarmEmail?: string;
  /** API Gateway stage throttling, requests per second (steady) and burst. */
  apiRateLimit: number;
  apiBurstLimit: number;
  /** Method-level throttles, so a webhook flood cannot use up the admin API's share (and the reverse). */
  webhookThrottle: { rateLimit: number; burstLimit: number };
  adminThrottle: { rateLimit: number; burstLimit: number };
  /** WAF: requests per source IP per 5 minutes before that IP is blocked (rate-based rule). */
  wafRateLimit: number;
  /** WAF: when set, only these CIDRs may call the webhook path (SaaS Management's egress addresses). */
  webhookAllowedCidrs: { ipv4: string[]; ipv6: string[] };
  /** Vanity ISC hosts target URLs may name (ISC_ALLOWED_HOSTS of the admin function), comma-separated. */
  iscAllowedHosts?: string;
  /** Create the account-level API Gateway → CloudWatch Logs role (needed once per account and region). */
  apiGatewayCloudWatchRole: boolean;
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  logRetention: RetentionDays;
  /** The table (and the log groups, which are the audit trail) survive a `cdk destroy` in prod. */
  dataRemovalPolicy: RemovalPolicy;
  deletionProtection: boolean;
  /** oldestUnsettledMinutes: longer than retries with backoff take plus a re-drive. */
  alarms: { dispatchErrors: number; api5xx: number; api4xx: number; oldestUnsettledMinutes: number };
  /** Optional tuning passed to the functions as environment variables (functions/adapters/config.ts). */
  tuning: Record<string, string>;
  /** How long a claimed batch stays IN_FLIGHT before the sweeper may reclaim it (LEASE_SECONDS). */
  leaseSeconds: number;
  /** Per-call ISC HTTP timeout (ISC_TIMEOUT_MS); the dispatch function's timeout is derived from it. */
  iscTimeout: Duration;
}

/** Context key → environment variable for the optional tuning knobs. Values are whole numbers. */
const TUNING = {
  maxAttempts: 'MAX_ATTEMPTS',
  batchMaxBytes: 'BATCH_MAX_BYTES',
  dedupeWindowHours: 'DEDUPE_WINDOW_HOURS',
  retentionDays: 'RETENTION_DAYS',
  matchThresholdPercent: 'MATCH_THRESHOLD_PERCENT',
  identityCacheDays: 'IDENTITY_CACHE_DAYS',
} as const;

export function stageConfig(node: Node): StageConfig {
  const stage = String(node.tryGetContext('stage') ?? 'dev');
  if (stage !== 'dev' && stage !== 'prod') throw new Error(`Context "stage" must be dev or prod, got "${stage}".`);
  const prod = stage === 'prod';

  const alarmEmail = optionalString(node, 'alarmEmail');
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) throw new Error(`Context "alarmEmail" is not an email address: "${alarmEmail}".`);

  const tuning = functionTuning(node);
  const { cidrs, iscAllowedHosts } = networkRules(node);

  const logLevel = String(node.tryGetContext('logLevel') ?? 'INFO').toUpperCase();
  if (!['DEBUG', 'INFO', 'WARN', 'ERROR'].includes(logLevel)) throw new Error(`Context "logLevel" must be DEBUG, INFO, WARN or ERROR, got "${logLevel}".`);

  const config: StageConfig = {
    stage,
    stackName: `UsageCertification-${stage}`,
    apiRateLimit: optionalInt(node, 'apiRateLimit', 1, 10_000) ?? 20,
    apiBurstLimit: optionalInt(node, 'apiBurstLimit', 1, 5_000) ?? 40,
    webhookThrottle: { rateLimit: optionalInt(node, 'webhookRateLimit', 1, 10_000) ?? 5, burstLimit: optionalInt(node, 'webhookBurstLimit', 1, 5_000) ?? 10 },
    adminThrottle: { rateLimit: optionalInt(node, 'adminRateLimit', 1, 10_000) ?? 10, burstLimit: optionalInt(node, 'adminBurstLimit', 1, 5_000) ?? 20 },
    wafRateLimit: optionalInt(node, 'wafRateLimit', 10, 2_000_000_000) ?? 300,
    webhookAllowedCidrs: { ipv4: cidrs.filter((c) => IPV4_CIDR.test(c)), ipv6: cidrs.filter((c) => IPV6_CIDR.test(c)) },
    apiGatewayCloudWatchRole: optionalBool(node, 'apiGatewayCloudWatchRole') ?? true,
    logLevel: logLevel as StageConfig['logLevel'],
    logRetention: prod ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH,
    dataRemovalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    deletionProtection: prod,
    // prod pages on the first dispatch error or 5xx; dev tolerates a few while people experiment.
    // 4xx includes 429 (throttled) and WAF-free refusals such as 401: a sustained rate means a flood or a broken sender.
    alarms: { ...(prod ? { dispatchErrors: 0, api5xx: 0, api4xx: 20 } : { dispatchErrors: 5, api5xx: 5, api4xx: 50 }), oldestUnsettledMinutes: 120 },
    tuning,
    leaseSeconds: optionalInt(node, 'leaseSeconds', 60, 900) ?? 300,
    iscTimeout: Duration.seconds(optionalInt(node, 'iscTimeoutSeconds', 1, 17) ?? 10),
  };
  if (alarmEmail !== undefined) config.alarmEmail = alarmEmail;
  if (iscAllowedHosts !== undefined) config.iscAllowedHosts = iscAllowedHosts.toLowerCase();
  return config;
}

/** The functions' optional tuning knobs from context, checked with the functions' own validation. */
function functionTuning(node: Node): Record<string, string> {
  const tuning: Record<string, string> = {};
  for (const [key, envName] of Object.entries(TUNING)) {
    const value = optionalInt(node, key, 0, 10_000_000);
    if (value !== undefined) tuning[envName] = String(value);
  }
  // Comma lists: excluded from every campaign (break-glass and service accounts); extra environment words read in
  // instance and tenant names.
  for (const [key, envName] of [['excludeEmails', 'EXCLUDE_EMAILS'], ['excludeDomains', 'EXCLUDE_DOMAINS'], ['productionWords', 'PRODUCTION_WORDS'], ['nonProductionWords', 'NON_PRODUCTION_WORDS']] as const) {
    const value = optionalString(node, key);
    if (value !== undefined) tuning[envName] = value;
  }

  // The functions' own validation, at synth: a bad word list fails here rather than at every cold start.
  try {
    vocabularyFromEnv(tuning);
  } catch (error) {
    throw new Error(`Context value rejected by the functions' configuration: ${(error as Error).message}`, { cause: error });
  }
  return tuning;
}

/** Where webhooks may come from (CIDRs) and which extra ISC hosts targets may name. */
function networkRules(node: Node): { cidrs: string[]; iscAllowedHosts?: string } {
  const cidrs = (optionalString(node, 'webhookAllowedCidrs') ?? '').split(',').map((c) => c.trim()).filter(Boolean);
  for (const cidr of cidrs) if (!IPV4_CIDR.test(cidr) && !IPV6_CIDR.test(cidr)) throw new Error(`Context "webhookAllowedCidrs" must be comma-separated CIDRs (203.0.113.0/24, 2001:db8::/32), got "${cidr}".`);
  const iscAllowedHosts = optionalString(node, 'iscAllowedHosts');
  for (const host of (iscAllowedHosts ?? '').split(',').map((h) => h.trim()).filter(Boolean)) {
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(host)) throw new Error(`Context "iscAllowedHosts" must be comma-separated host names (iam.acme.com), got "${host}".`);
  }
  return { cidrs, ...(iscAllowedHosts !== undefined ? { iscAllowedHosts } : {}) };
}

const IPV4_CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
const IPV6_CIDR = /^[0-9a-f:]+:[0-9a-f:]*\/\d{1,3}$/i;

function optionalString(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  // cdk.json may hold a number or boolean; it reads as written.
  return (typeof value === 'string' ? value : JSON.stringify(value)).trim();
}

function optionalInt(node: Node, key: string, min: number, max: number): number | undefined {
  const raw = optionalString(node, key);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`Context "${key}" must be a whole number from ${min} to ${max}, got "${raw}".`);
  return value;
}

function optionalBool(node: Node, key: string): boolean | undefined {
  const raw = optionalString(node, key);
  if (raw === undefined) return undefined;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new Error(`Context "${key}" must be true or false, got "${raw}".`);
}
