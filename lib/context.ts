import * as z from 'zod';
import type { Node } from 'constructs';

/**
 * The CDK context keys a deployment may set (`-c key=value` or cdk.json), checked with one zod schema so a typo
 * fails the synth naming the key and the value. `-c` gives strings and cdk.json may give numbers or booleans:
 * each value is read as written text first.
 */
const asText = (value: unknown): unknown =>
  value === undefined || value === null || value === '' ? undefined : (typeof value === 'string' ? value : JSON.stringify(value)).trim();

const optionalText = <T extends z.ZodType>(schema: T) => z.preprocess(asText, z.optional(schema));

const wholeNumber = (min: number, max: number) =>
  optionalText(z.string()
    .refine((raw) => /^-?\d+$/.test(raw) && Number(raw) >= min && Number(raw) <= max, `must be a whole number from ${min} to ${max}`)
    .transform(Number));

const commaList = (item: RegExp, message: string) =>
  optionalText(z.string().transform((raw) => raw.split(',').map((part) => part.trim()).filter(Boolean)).pipe(z.array(z.string().regex(item, message))));

export const IPV4_CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
export const IPV6_CIDR = /^[0-9a-f:]+:[0-9a-f:]*\/\d{1,3}$/i;

const IdpName = z.string().regex(/^[\w.-]{1,32}$/, 'needs a "name" of 1-32 letters, digits, dots, dashes or underscores');

/** An external IdP the user pool federates to (context `consoleIdp`, JSON): the hosted sign-in then offers it. */
const ConsoleIdpSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('saml'), name: IdpName, metadataUrl: z.url() }),
  z.object({ type: z.literal('oidc'), name: IdpName, issuer: z.url(), clientId: z.string().min(1), clientSecretName: z.string().min(1) }),
], { error: 'must be "saml" or "oidc"' });

const json = (raw: unknown, ctx: z.core.$RefinementCtx<unknown>): unknown => {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be JSON, e.g. {"type":"saml","name":"Okta","metadataUrl":"https://…"}' });
    return z.NEVER;
  }
};

export const ContextSchema = z.object({
  stage: z.preprocess(asText, z.enum(['dev', 'prod'], 'must be dev or prod').default('dev')),
  alarmEmail: optionalText(z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'is not an email address')),
  logLevel: z.preprocess((value) => {
    const text = asText(value);
    return typeof text === 'string' ? text.toUpperCase() : undefined;
  }, z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR'], 'must be DEBUG, INFO, WARN or ERROR').default('INFO')),
  apiRateLimit: wholeNumber(1, 10_000),
  apiBurstLimit: wholeNumber(1, 5_000),
  webhookRateLimit: wholeNumber(1, 10_000),
  webhookBurstLimit: wholeNumber(1, 5_000),
  adminRateLimit: wholeNumber(1, 10_000),
  adminBurstLimit: wholeNumber(1, 5_000),
  wafRateLimit: wholeNumber(10, 2_000_000_000),
  webhookAllowedCidrs: commaList(new RegExp(`${IPV4_CIDR.source}|${IPV6_CIDR.source}`, 'i'), 'must be comma-separated CIDRs (203.0.113.0/24, 2001:db8::/32)'),
  iscAllowedHosts: commaList(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'must be comma-separated host names (iam.acme.com)'),
  apiGatewayCloudWatchRole: optionalText(z.enum(['true', 'false'], 'must be true or false').transform((raw) => raw === 'true')),
  leaseSeconds: wholeNumber(60, 900),
  iscTimeoutSeconds: wholeNumber(1, 17),
  // The functions' optional tuning knobs, passed on as environment variables (functions/adapters/config.ts).
  maxAttempts: wholeNumber(0, 10_000_000),
  batchMaxBytes: wholeNumber(0, 10_000_000),
  dedupeWindowHours: wholeNumber(0, 10_000_000),
  retentionDays: wholeNumber(0, 10_000_000),
  matchThresholdPercent: wholeNumber(0, 10_000_000),
  identityCacheDays: wholeNumber(0, 10_000_000),
  // Comma lists: excluded from every campaign (break-glass and service accounts); extra environment words read in
  // instance and tenant names.
  excludeEmails: optionalText(z.string()),
  excludeDomains: optionalText(z.string()),
  productionWords: optionalText(z.string()),
  nonProductionWords: optionalText(z.string()),
  consoleIdp: z.preprocess(asText, z.optional(z.preprocess(json, ConsoleIdpSchema))),
});

export type Context = z.output<typeof ContextSchema>;
export type ConsoleIdp = NonNullable<Context['consoleIdp']>;

/** Reads and checks every known context key; the first problem names its key and the value given. */
export function readContext(node: Node): Context {
  const raw = Object.fromEntries(Object.keys(ContextSchema.shape).map((key) => [key, node.tryGetContext(key) as unknown]));
  const parsed = ContextSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw new Error(contextProblem(parsed.error.issues[0]!, raw));
}

function contextProblem(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
  const [key, ...inside] = issue.path.map(String);
  // A list names the item that failed; the IdP's JSON names the missing or wrong field, not the whole value.
  if (typeof issue.path[1] === 'number') return `Context "${key}" ${issue.message}, got "${String(issue.input)}".`;
  if (inside.length > 0) return issue.input === undefined ? `Context "${key}" needs "${inside.join('.')}".` : `Context "${key}" field "${inside.join('.')}" ${issue.message}.`;
  return key === 'consoleIdp' ? `Context "${key}" ${issue.message}.` : `Context "${key}" ${issue.message}, got "${String(asText(raw[key!]))}".`;
}
