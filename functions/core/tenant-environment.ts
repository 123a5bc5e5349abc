import { classifyName, contradicts, describeWords, identifyingWords, DEFAULT_VOCABULARY, type EnvironmentVocabulary, type NameClassification } from './environment-names.js';
import { tenantName, type Target } from './target.js';

/** Which tenant a token belongs to: its JWT claims (org, tenant_id, pod), or the token host's /oauth/info. */
export interface TokenTenant {
  org?: string;
  tenantId?: string;
  pod?: string;
  from: 'token' | 'oauth-info';
}

type TenantTarget = Pick<Target, 'id' | 'tenant' | 'environment' | 'allowNameMismatch'>;

/** A tenant name read like an instance name, SailPoint's `{tenant}-sb` sandbox convention included; a host's tenant label, else the whole host. */
export function classifyTenant(tenant: string, vocabulary: EnvironmentVocabulary = DEFAULT_VOCABULARY): NameClassification {
  return classifyName(tenantName(tenant) ?? tenant, { vocabulary });
}

/** Saving a target: its tenant's name must not say the other environment (or both), unless confirmed with a reason. */
export function targetEnvironmentProblems(target: Pick<TenantTarget, 'tenant' | 'environment' | 'allowNameMismatch'>, vocabulary?: EnvironmentVocabulary): string[] {
  const named = classifyTenant(target.tenant, vocabulary);
  if (!contradicts(named, target.environment) || target.allowNameMismatch) return [];
  return [`tenant "${target.tenant}" is named like ${kindPhrase(named)} tenant (${describeWords(named)}) but the target says ${target.environment} (set allowNameMismatch with a mismatchReason if this is intended)`];
}

/**
 * Before sending: does the tenant the token belongs to fit the target? Three rules, because a tenant's API host
 * label need not equal its org name (org "iga-acme-sb" is served at iga-sb.api.identitynow.com):
 * 1. the org's own name must not say the other environment (or both), unless the admin confirmed this very name
 *    on the target (allowNameMismatch and org = tenant name);
 * 2. when the target's tenant name says an environment, the org's name must say the same one ("acme-sb" is not
 *    served by org "acme");
 * 3. the org and the tenant name must not name different organisations: without environment words, the words of
 *    one must all be words of the other (iga-sb ~ iga-acme-sb; acme ≁ globex; acme-eu ≁ acme-us).
 * A vanity host (no tenant name) leaves rules 1 only. No org at all is a problem too: the tenant is unproven.
 */
export function tenantProblems(target: TenantTarget, token: TokenTenant, vocabulary: EnvironmentVocabulary = DEFAULT_VOCABULARY): string[] {
  const org = token.org?.trim().toLowerCase();
  const via = token.from === 'token' ? 'the token’s org claim' : '/oauth/info';
  if (!org) return [`neither the token (no org claim) nor /oauth/info names the tenant, so it cannot be proven to be "${target.tenant}"`];
  const expected = tenantName(target.tenant);
  const orgNamed = classifyName(org, { vocabulary });
  const problems: string[] = [];
  if (contradicts(orgNamed, target.environment) && !(target.allowNameMismatch && expected === org)) {
    problems.push(`${via} says org "${org}", named like ${kindPhrase(orgNamed)} tenant (${describeWords(orgNamed)}), but target "${target.id}" is ${target.environment}`);
  }
  if (expected !== undefined) {
    const tenantNamed = classifyName(expected, { vocabulary });
    if (tenantNamed.kind !== 'neutral' && tenantNamed.kind !== orgNamed.kind) {
      problems.push(`tenant "${expected}" is named like ${kindPhrase(tenantNamed)} tenant but ${via} says org "${org}", named like ${kindPhrase(orgNamed)} one`);
    }
    if (!sameOrganisation(identifyingWords(expected, vocabulary), identifyingWords(org, vocabulary))) {
      problems.push(`${via} says org "${org}", which is not tenant "${expected}" of target "${target.id}"`);
    }
  }
  return problems;
}

/** 'org "acme-sb", tenant_id …, pod stg01 (from the token)', for messages. */
export function describeTokenTenant(tenant: TokenTenant): string {
  return `org "${tenant.org ?? 'unknown'}"${tenant.tenantId ? `, tenant_id ${tenant.tenantId}` : ''}${tenant.pod ? `, pod ${tenant.pod}` : ''} (from ${tenant.from === 'token' ? 'the token' : '/oauth/info'})`;
}

function sameOrganisation(a: Set<string>, b: Set<string>): boolean {
  const within = (x: Set<string>, y: Set<string>) => [...x].every((word) => y.has(word));
  return within(a, b) || within(b, a);
}

function kindPhrase(named: NameClassification): string {
  return { production: 'a production', 'non-production': 'a non-production', ambiguous: 'an ambiguous', neutral: 'an environment-neutral' }[named.kind];
}
