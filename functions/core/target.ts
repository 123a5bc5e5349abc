import * as z from 'zod/mini';
import { ENVIRONMENTS, type Environment } from './instance.js';
import { CredentialsMissingError, unprocessable } from './errors.js';
import type { SecretStore } from './ports.js';

/** Syntax only: an http(s) URL without user info. Which hosts may receive credentials is core/isc-hosts.ts, by deploy config. */
export function isHttpUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
}

const IscUrl = z.string().check(z.maxLength(2048), z.refine(isHttpUrl, 'must be an https URL without user info'));
// The scheme part of isHttpUrl as JSON Schema, for docs/openapi.json: a refinement alone would not show in it.
z.globalRegistry.add(IscUrl, { pattern: '^[Hh][Tt][Tt][Pp][Ss]?://' });

/** NERM's tenant URL (https://acme.nonemployee.com): an origin only, since the client adds /api/…; hosts: core/isc-hosts.ts. */
const NermUrl = z.string().check(
  z.maxLength(2048),
  z.refine((value) => isHttpUrl(value) && /^\/?$/.test(new URL(value).pathname) && !new URL(value).search, 'must be the NERM tenant URL without a path, e.g. https://acme.nonemployee.com'),
);
z.globalRegistry.add(NermUrl, { pattern: '^[Hh][Tt][Tt][Pp][Ss]?://' });

export const DISPATCH_MODES = ['workflow', 'direct'] as const;

export const TargetInputSchema = z
  .strictObject({
    environment: z.enum(ENVIRONMENTS),
    tenant: z.string().check(z.minLength(1), z.maxLength(253), z.regex(/^[A-Za-z0-9.-]+$/, 'a tenant name (acme) or host, letters, digits, dots and dashes')),
    /** workflow (default): call the workflow's External Trigger. direct: create the campaign through /v3/campaigns. */
    mode: z.optional(z.enum(DISPATCH_MODES)),
    /** The External Trigger's "Client URL"; `usage-cert workflow install` stores it, so a workflow target may start without it. */
    triggerUrl: z.optional(IscUrl),
    tokenUrl: z.optional(IscUrl),
    apiBaseUrl: z.optional(IscUrl),
    /** Set: users ISC does not know are looked up in this NERM tenant with the API client's token (core/non-employees.ts). */
    nermUrl: z.optional(NermUrl),
    description: z.optional(z.string().check(z.maxLength(500))),
    /** Confirms a tenant whose name says the other environment (acme-sb as production); needs mismatchReason. */
    allowNameMismatch: z.optional(z.boolean()),
    mismatchReason: z.optional(z.string().check(z.maxLength(500))),
  });
export type TargetInput = z.infer<typeof TargetInputSchema>;

export const CREDENTIAL_KINDS = ['trigger', 'api'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export const CredentialsSchema = z.strictObject({
  clientId: z.string().check(z.minLength(1), z.maxLength(256)),
  clientSecret: z.string().check(z.minLength(1), z.maxLength(4096)),
});
export type Credentials = z.infer<typeof CredentialsSchema>;

export interface CredentialRef {
  secretId: string;
  clientId: string;
  updatedAt: string;
}

export interface Target {
  id: string;
  environment: Environment;
  tenant: string;
  mode?: (typeof DISPATCH_MODES)[number];
  triggerUrl?: string;
  tokenUrl: string;
  apiBaseUrl: string;
  nermUrl?: string;
  description?: string;
  allowNameMismatch?: boolean;
  mismatchReason?: string;
  credentials: Partial<Record<CredentialKind, CredentialRef>>;
  /** Bumped by every credentials write or clear: token caches and secret caches key on it, in every process. */
  credentialVersion?: number;
  version: number;
  updatedAt: string;
  updatedBy: string;
}

/** How to (re)set a target's credentials: the admin API route and the CLI command. */
export function credentialsFix(targetId: string, kind: CredentialKind): string {
  return `Set them with PUT /admin/targets/${targetId}/credentials/${kind} (CLI: usage-cert targets set-credentials ${targetId} --kind ${kind} --client-id <id>).`;
}

/**
 * A target's stored credentials of one kind. Never set, or a secret that is gone or unreadable: a
 * credentials_missing error naming the target, the kind and the fix (the store knows only the secret id).
 */
export async function readCredentials(secrets: SecretStore, target: Target, kind: CredentialKind): Promise<Credentials> {
  const ref = target.credentials[kind];
  if (!ref) {
    const what = kind === 'api' && target.mode === 'direct' ? 'no API credentials (direct mode creates campaigns with a user-context PAT)' : `no ${kind} credentials`;
    throw new CredentialsMissingError(`Target "${target.id}" has ${what}. ${credentialsFix(target.id, kind)}`);
  }
  try {
    return await secrets.getCredentials(ref.secretId, target.credentialVersion);
  } catch (error) {
    if (!(error instanceof CredentialsMissingError)) throw error;
    throw new CredentialsMissingError(`The ${kind} credentials of target "${target.id}" cannot be used: ${error.message} ${credentialsFix(target.id, kind)}`);
  }
}

export const TARGET_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** ISC's API and token endpoints follow from the tenant name: https://{tenant}.api.identitynow.com[/oauth/token]. */
export function resolveTargetUrls(input: TargetInput): { tokenUrl: string; apiBaseUrl: string } {
  if (input.tokenUrl && input.apiBaseUrl) return { tokenUrl: input.tokenUrl, apiBaseUrl: input.apiBaseUrl };
  const tenant = tenantName(input.tenant);
  if (!tenant) {
    throw unprocessable('tenant_host_needs_urls', `tenant "${input.tenant}" looks like a vanity host: give tokenUrl and apiBaseUrl, or use the tenant name (the part before .identitynow.com).`, {
      field: 'tenant',
    });
  }
  // Demo tenants live under identitynow-demo.com; every other tenant under identitynow.com.
  const domain = /\.identitynow-demo\.com$/i.test(input.tenant) ? 'identitynow-demo.com' : 'identitynow.com';
  const apiBaseUrl = input.apiBaseUrl ?? `https://${tenant}.api.${domain}`;
  return { apiBaseUrl, tokenUrl: input.tokenUrl ?? `${apiBaseUrl.replace(/\/$/, '')}/oauth/token` };
}

/** "acme", "acme.identitynow.com" and "acme.api.identitynow.com" all name tenant "acme"; other hosts are vanity hosts. */
export function tenantName(tenant: string): string | undefined {
  const lower = tenant.toLowerCase();
  if (/^[a-z0-9-]+$/.test(lower)) return lower;
  return /^([a-z0-9-]+)\.(?:api\.)?identitynow(?:-demo)?\.com$/.exec(lower)?.[1];
}
