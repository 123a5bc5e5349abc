import { workflowNotInstalled } from './awaiting-install.js';
import type { IscAdminClient, IscClient, SecretStore } from './ports.js';
import { CredentialsMissingError, InternalError, IscError } from './errors.js';
import { credentialsFix, readCredentials, tenantName, type CredentialKind, type Credentials, type Target } from './target.js';
import { describeTokenTenant, tenantProblems } from './tenant-environment.js';
import type { EnvironmentVocabulary } from './environment-names.js';

export interface CheckStep {
  step: string;
  ok: boolean;
  detail: string;
  data?: Record<string, unknown>;
}

export interface ConnectionCheck {
  ok: boolean;
  steps: CheckStep[];
  /** What to fix, in order, without repeats; empty when every step passed. */
  troubleshooting: string[];
  advice: string;
}

export interface ConnectionCheckDeps {
  isc: Pick<IscClient & IscAdminClient, 'tenantInfo' | 'issueToken' | 'tokenTenant' | 'testTrigger' | 'listSources'>;
  secrets: SecretStore;
  vocabulary?: EnvironmentVocabulary;
}

const LOOKUP_SCOPES = ['sp:search:read', 'idn:sources:read', 'idn:accounts:read'];
const LEAST_PRIVILEGE = 'Issue both credentials from a dedicated service-account identity with least privilege (not a person’s account), so they do not break when someone leaves or changes role.';

/**
 * Walk the chain a dispatch depends on — tenant, trigger token, trigger echo, API token and scopes, source
 * lookups — and say, in order, what to fix. A step runs only when the ones it needs passed. Claims are decoded
 * for display only.
 */
export async function checkConnection(target: Target, deps: ConnectionCheckDeps): Promise<ConnectionCheck> {
  const steps: CheckStep[] = [];
  const hints: string[] = [];
  const attempt = async (step: string, fn: () => Promise<Omit<CheckStep, 'step' | 'ok'>>) => {
    try {
      steps.push({ step, ok: true, ...(await fn()) });
      return true;
    } catch (error) {
      steps.push({ step, ok: false, detail: error instanceof Error ? error.message : String(error) });
      hints.push(...hintsFor(error, target));
      return false;
    }
  };

  await attempt('tenant', () => tenantStep(deps, target));

  const trigger = target.mode === 'direct' ? undefined : await credentialsOf(deps, target, 'trigger');
  if (target.mode === 'direct') {
    steps.push({ step: 'direct mode', ok: true, detail: 'Campaigns are created through /v3/campaigns with the API credentials, which must be a user-context credential: a personal access token of a CERT_ADMIN or ORG_ADMIN service identity (an API client cannot create campaigns).' });
  } else if (!target.triggerUrl) {
    steps.push({ step: 'trigger URL', ok: false, detail: workflowNotInstalled(target) });
  } else if (!trigger) {
    steps.push({ step: 'trigger credentials', ok: false, detail: `Not set: PUT /admin/targets/${target.id}/credentials/trigger with the External Trigger's Client ID and Secret.` });
  } else if (trigger instanceof CredentialsMissingError) {
    steps.push({ step: 'trigger credentials', ok: false, detail: trigger.message });
    hints.push(credentialsFix(target.id, 'trigger'));
  } else if ((await attempt('trigger token', () => tokenStep(deps, target, trigger))) && (await attempt('trigger tenant', () => tokenTenantStep(deps, target, trigger)))) {
    await attempt('trigger echo', async () => {
      await deps.isc.testTrigger(target, trigger);
      return { detail: `POST ${new URL(target.triggerUrl!).pathname}/test answered: the trigger URL and its client match.` };
    }).then((ok) => ok || hints.push('The trigger URL must be the workflow’s "Client URL" and the client must be the one created for that workflow’s External Trigger.'));
  }

  const api = await credentialsOf(deps, target, 'api');
  if (!api) {
    steps.push({ step: 'api credentials', ok: false, detail: 'Not set: without an API client (or personal access token) identities cannot be resolved, sources not checked, match tests not run; batches go out with emails only.' });
  } else if (api instanceof CredentialsMissingError) {
    steps.push({ step: 'api credentials', ok: false, detail: api.message });
    hints.push(credentialsFix(target.id, 'api'));
  } else if ((await attempt('api token', () => tokenStep(deps, target, api, LOOKUP_SCOPES))) && (await attempt('api tenant', () => tokenTenantStep(deps, target, api)))) {
    await attempt('source lookup', async () => {
      const sources = await deps.isc.listSources(target, api);
      return { detail: `The API client can read sources (${sources.length} found).` };
    });
  }

  const ok = steps.every((s) => s.ok);
  return { ok, steps, troubleshooting: ok ? [] : [...new Set(hints)], advice: LEAST_PRIVILEGE };
}

/** A failed check that knows its own remedy (hints) without being an ISC answer. */
class CheckFailure extends InternalError {
  constructor(message: string, readonly hints: string[]) {
    super('check_failed', message);
  }
}

/** Hints for the kind of failure: credential causes for a refused token, the network path for no answer. */
function hintsFor(error: unknown, target: Target): string[] {
  if (error instanceof CheckFailure) return error.hints;
  if (!(error instanceof IscError)) return [];
  if (error.details.hints?.length) return error.details.hints;
  if ((error.code === 'isc_unavailable' && error.details.status === undefined) || error.code === 'isc_timeout') {
    return [`Nothing answered at ${target.apiBaseUrl}: check the tenant name (a typo names a host that does not exist), the URLs of the target, and the network path (proxy, firewall, VPN).`];
  }
  if (error.code === 'isc_unavailable') return ['ISC answered with a server error: check status.sailpoint.com and try again later.'];
  return [];
}

/** The API host's own answer (/oauth/info) must name a tenant that fits the target. */
async function tenantStep(deps: ConnectionCheckDeps, target: Target): Promise<Omit<CheckStep, 'step' | 'ok'>> {
  const info = await deps.isc.tenantInfo(target);
  if (!info.tenantName) return { detail: `${target.apiBaseUrl} does not say which tenant it is (no tenantName in /oauth/info).`, data: info };
  const problems = tenantProblems(target, { org: info.tenantName, tenantId: info.tenantId, from: 'oauth-info' }, deps.vocabulary);
  const expected = tenantName(target.tenant);
  const differs = expected !== undefined && info.tenantName.toLowerCase() !== expected;
  if (problems.length > 0) {
    const hints = differs ? [`The API host belongs to tenant "${info.tenantName}", not "${expected}": use the tenant name (the part before .identitynow.com), not a URL, and check production vs sandbox.`] : [];
    throw new CheckFailure(`${target.apiBaseUrl} is tenant "${info.tenantName}": ${problems.join('; ')}.`, hints);
  }
  // ISC's own tenant name need not be the host's first label (e.g. "iga-acme-sb" on iga-sb.api.identitynow.com):
  // a name that fits the target's (tenantProblems) is a note, not a failure.
  const note = differs ? ` ISC names it "${info.tenantName}" while the target says "${expected}"; the names fit, so this is normal for some tenants.` : '';
  return { detail: `${target.apiBaseUrl} is tenant "${info.tenantName}".${note}`, data: info };
}

async function tokenStep(deps: ConnectionCheckDeps, target: Target, credentials: Credentials, wantedScopes: string[] = []): Promise<Omit<CheckStep, 'step' | 'ok'>> {
  const { expiresIn, claims } = await deps.isc.issueToken(target, credentials);
  const granted = new Set([...(claims?.scope ?? []), ...(claims?.authorities ?? [])]);
  const missing = granted.has('sp:scopes:all') ? [] : wantedScopes.filter((s) => !granted.has(s));
  const detail = `Token issued for client ${credentials.clientId}${expiresIn ? `, valid ${expiresIn} s` : ''}${claims?.org ? `, org "${claims.org}"` : ''}.`;
  if (missing.length > 0 && claims?.scope) throw new CheckFailure(`${detail} Missing scopes: ${missing.join(' ')}.`, [`Give the API client the scopes ${missing.join(' ')} (or use a personal access token of an identity that has them).`]);
  return { detail, data: { expiresIn, tenant: claims?.org, tenantId: claims?.tenantId, pod: claims?.pod, scope: claims?.scope, authorities: claims?.authorities, expiresAt: claims?.exp ? new Date(claims.exp * 1000).toISOString() : undefined } };
}

/** The dispatcher's runtime guard, as a step: the tenant this credential's token belongs to must fit the target. */
async function tokenTenantStep(deps: ConnectionCheckDeps, target: Target, credentials: Credentials): Promise<Omit<CheckStep, 'step' | 'ok'>> {
  const tenant = await deps.isc.tokenTenant(target, credentials);
  const problems = tenantProblems(target, tenant, deps.vocabulary);
  const seen = describeTokenTenant(tenant);
  if (problems.length > 0) {
    throw new CheckFailure(`Token of ${seen}: ${problems.join('; ')}.`, [
      `Client ${credentials.clientId} belongs to another tenant or environment than target "${target.id}" (a trigger client there fails every batch with environment_mismatch): use credentials from tenant "${target.tenant}", or fix the target.`,
    ]);
  }
  return { detail: `Token of ${seen} fits target "${target.id}" (${target.environment}, tenant "${target.tenant}").`, data: { ...tenant } };
}

/** The stored credentials; undefined when never set; the error, to report as a failed step, when the secret is gone or unreadable. */
async function credentialsOf(deps: ConnectionCheckDeps, target: Target, kind: CredentialKind): Promise<Credentials | CredentialsMissingError | undefined> {
  if (!target.credentials[kind]) return undefined;
  return readCredentials(deps.secrets, target, kind).catch((error: unknown) => {
    if (error instanceof CredentialsMissingError) return error;
    throw error;
  });
}
