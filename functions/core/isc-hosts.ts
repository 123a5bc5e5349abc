import { unprocessable } from './errors.js';
import { tenantName } from './target.js';

/**
 * Where a target's credentials may be sent. A target's URLs receive its client secrets (token URL) and
 * bearer tokens (API base, trigger), so an admin-writable URL is an exfiltration path unless it is pinned to
 * the tenant's own ISC hosts.
 */
export interface IscHostPolicy {
  /** Exact host names (vanity hosts) an operator allowed at deploy time, lower case. */
  allowedHosts: readonly string[];
  /** Plain http to this machine (the simulator and test fakes): the local stack only, never Lambda. */
  allowLoopbackHttp: boolean;
}

/**
 * SailPoint's ISC domains, each with `{tenant}.{domain}` and `{tenant}.api.{domain}`: commercial
 * (identitynow.com, developer.sailpoint.com "Getting Started": `https://{tenant}.api.identitynow.com`), demo and
 * partner tenants (identitynow-demo.com) and FedRAMP (saas.sailpointfedramp.com), as SailPoint's tooling names them.
 */
export const ISC_DOMAINS = ['identitynow.com', 'identitynow-demo.com', 'saas.sailpointfedramp.com'] as const;

/** Hosts the tenant name itself vouches for; none for a vanity host (those need the allow-list). */
export function tenantHosts(tenant: string): string[] {
  const name = tenantName(tenant) ?? fedrampTenant(tenant);
  return name ? ISC_DOMAINS.flatMap((domain) => [`${name}.${domain}`, `${name}.api.${domain}`]) : [];
}

function fedrampTenant(tenant: string): string | undefined {
  return /^([a-z0-9-]+)\.(?:api\.)?saas\.sailpointfedramp\.com$/.exec(tenant.toLowerCase())?.[1];
}

/** 127.0.0.0/8 as an IP literal, ::1 or localhost; the URL parser has already normalised the host. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Why this URL may not receive the tenant's credentials, or undefined when it may. */
export function iscUrlProblem(value: string, tenant: string, policy: IscHostPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  const host = url.hostname.toLowerCase();
  if (policy.allowLoopbackHttp && isLoopbackHost(host) && (url.protocol === 'http:' || url.protocol === 'https:')) return undefined;
  if (url.protocol !== 'https:') return 'must be an https URL (http only for loopback on the local stack)';
  if (tenantHosts(tenant).includes(host) || policy.allowedHosts.includes(host)) return undefined;
  return `host "${host}" is not an ISC host of tenant "${tenant}" (${ISC_DOMAINS.map((d) => `{tenant}[.api].${d}`).join(', ')}) nor in the deploy-time allow-list ISC_ALLOWED_HOSTS`;
}

/**
 * NERM receives the API client's ISC token: only SailPoint's NERM hosts, `{tenant}.nonemployee.com` (developer.sailpoint.com,
 * NERM API "Getting Started"), whose tenant name need not be the ISC tenant's; loopback on the local stack (the simulator).
 */
export function nermUrlProblem(value: string, policy: IscHostPolicy): string | undefined {
  const url = new URL(value);
  const host = url.hostname.toLowerCase();
  if (policy.allowLoopbackHttp && isLoopbackHost(host)) return undefined;
  if (url.protocol !== 'https:') return 'must be an https URL (http only for loopback on the local stack)';
  return /^[a-z0-9-]+\.nonemployee\.com$/.test(host) ? undefined : `host "${host}" is not a NERM tenant host ({tenant}.nonemployee.com)`;
}

/** 422 naming the first URL field that may not receive credentials. */
export function assertIscUrls(target: { tenant: string; triggerUrl?: string; tokenUrl: string; apiBaseUrl: string; nermUrl?: string }, policy: IscHostPolicy): void {
  for (const field of ['triggerUrl', 'tokenUrl', 'apiBaseUrl'] as const) {
    const value = target[field];
    const problem = value === undefined ? undefined : iscUrlProblem(value, target.tenant, policy);
    if (problem) throw unprocessable('isc_host_not_allowed', `${field} ${problem}.`, { field });
  }
  const nerm = target.nermUrl === undefined ? undefined : nermUrlProblem(target.nermUrl, policy);
  if (nerm) throw unprocessable('isc_host_not_allowed', `nermUrl ${nerm}.`, { field: 'nermUrl' });
}
