import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { vocabularyFromEnv } from '../functions/adapters/config.js';
import { IPV4_CIDR, IPV6_CIDR, readContext, type Context } from './context.js';

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

/** Context key → environment variable for the optional tuning knobs. */
const TUNING = {
  maxAttempts: 'MAX_ATTEMPTS',
  batchMaxBytes: 'BATCH_MAX_BYTES',
  dedupeWindowHours: 'DEDUPE_WINDOW_HOURS',
  retentionDays: 'RETENTION_DAYS',
  matchThresholdPercent: 'MATCH_THRESHOLD_PERCENT',
  identityCacheDays: 'IDENTITY_CACHE_DAYS',
  excludeEmails: 'EXCLUDE_EMAILS',
  excludeDomains: 'EXCLUDE_DOMAINS',
  productionWords: 'PRODUCTION_WORDS',
  nonProductionWords: 'NON_PRODUCTION_WORDS',
} as const;

export function stageConfig(node: Node): StageConfig {
  const context = readContext(node);
  const { stage } = context;
  const prod = stage === 'prod';
  const cidrs = context.webhookAllowedCidrs ?? [];
  const config: StageConfig = {
    stage,
    stackName: `UsageCertification-${stage}`,
    apiRateLimit: context.apiRateLimit ?? 20,
    apiBurstLimit: context.apiBurstLimit ?? 40,
    webhookThrottle: { rateLimit: context.webhookRateLimit ?? 5, burstLimit: context.webhookBurstLimit ?? 10 },
    adminThrottle: { rateLimit: context.adminRateLimit ?? 10, burstLimit: context.adminBurstLimit ?? 20 },
    wafRateLimit: context.wafRateLimit ?? 300,
    webhookAllowedCidrs: { ipv4: cidrs.filter((c) => IPV4_CIDR.test(c)), ipv6: cidrs.filter((c) => IPV6_CIDR.test(c)) },
    apiGatewayCloudWatchRole: context.apiGatewayCloudWatchRole ?? true,
    logLevel: context.logLevel,
    logRetention: prod ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH,
    dataRemovalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    deletionProtection: prod,
    // prod pages on the first dispatch error or 5xx; dev tolerates a few while people experiment.
    // 4xx includes 429 (throttled) and WAF-free refusals such as 401: a sustained rate means a flood or a broken sender.
    alarms: { ...(prod ? { dispatchErrors: 0, api5xx: 0, api4xx: 20 } : { dispatchErrors: 5, api5xx: 5, api4xx: 50 }), oldestUnsettledMinutes: 120 },
    tuning: functionTuning(context),
    leaseSeconds: context.leaseSeconds ?? 300,
    iscTimeout: Duration.seconds(context.iscTimeoutSeconds ?? 10),
  };
  if (context.alarmEmail !== undefined) config.alarmEmail = context.alarmEmail;
  if (context.iscAllowedHosts !== undefined) config.iscAllowedHosts = context.iscAllowedHosts.join(',').toLowerCase();
  return config;
}

/** The functions' tuning knobs as their environment, checked by the functions' own validation at synth. */
function functionTuning(context: Context): Record<string, string> {
  const tuning: Record<string, string> = {};
  for (const [key, envName] of Object.entries(TUNING)) {
    const value = context[key as keyof typeof TUNING];
    if (value !== undefined) tuning[envName] = String(value);
  }
  // A bad word list fails here rather than at every cold start.
  try {
    vocabularyFromEnv(tuning);
  } catch (error) {
    throw new Error(`Context value rejected by the functions' configuration: ${(error as Error).message}`, { cause: error });
  }
  return tuning;
}
