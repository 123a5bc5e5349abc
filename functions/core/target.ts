import * as z from 'zod/mini';
import { ENVIRONMENTS, type Environment } from './instance.js';
import { unprocessable } from './errors.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** https everywhere; plain http only to this machine (the simulator and test fakes). */
export function isAllowedIscUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && (LOOPBACK_HOSTS.has(url.hostname) || url.hostname.startsWith('127.'));
}

const IscUrl = z.string().check(
  z.maxLength(2048),
  z.refine(isAllowedIscUrl, 'must be an https URL (http is allowed only for localhost/127.0.0.1)'),
);

export const DISPATCH_MODES = ['workflow', 'direct'] as const;

export const TargetInputSchema = z
  .strictObject({
    environment: z.enum(ENVIRONMENTS),
    tenant: z.string().check(z.minLength(1), z.maxLength(253), z.regex(/^[A-Za-z0-9.-]+$/, 'a tenant name (acme) or host, letters, digits, dots and dashes')),
    /** workflow (default): call the workflow's External Trigger. direct: create the campaign through /v3/campaigns. */
    mode: z.optional(z.enum(DISPATCH_MODES)),
    triggerUrl: z.optional(IscUrl),
    tokenUrl: z.optional(IscUrl),
    apiBaseUrl: z.optional(IscUrl),
    description: z.optional(z.string().check(z.maxLength(500))),
  })
  .check(z.refine((target) => target.mode === 'direct' || target.triggerUrl !== undefined, { message: 'triggerUrl (the workflow External Trigger\'s "Client URL") is required unless mode is "direct"', path: ['triggerUrl'] }));
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
  description?: string;
  credentials: Partial<Record<CredentialKind, CredentialRef>>;
  version: number;
  updatedAt: string;
  updatedBy: string;
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
