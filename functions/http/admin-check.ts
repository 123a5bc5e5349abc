import { IscError } from '../core/ports.js';
import { tenantName, type Credentials, type Target } from '../core/target.js';
import { requireTarget } from './admin-targets.js';
import type { AdminDeps } from './admin-common.js';
import type { Route } from './router.js';
import { json } from './types.js';

interface CheckStep {
  step: string;
  ok: boolean;
  detail: string;
  data?: Record<string, unknown>;
}

const LOOKUP_SCOPES = ['sp:search:read', 'idn:sources:read', 'idn:accounts:read'];
const LEAST_PRIVILEGE = 'Issue both credentials from a dedicated service-account identity with least privilege (not a person’s account), so they do not break when someone leaves or changes role.';

/**
 * POST /admin/targets/{id}/check: walk the chain a dispatch depends on — tenant, trigger token, trigger echo,
 * API token and scopes, source lookups — and say, in order, what to fix. Claims are decoded for display only.
 */
export function checkRoute(deps: AdminDeps): Route {
  return {
    method: 'POST',
    path: '/admin/targets/{id}/check',
    auth: 'admin',
    summary: 'Connection check: tenant, trigger credentials and echo, API credentials and scopes, source access; an ordered troubleshooting list on failure.',
    async handle(_request, { params }) {
      const target = await requireTarget(deps, params.id!);
      const steps: CheckStep[] = [];
      const hints: string[] = [];
      const attempt = async (step: string, fn: () => Promise<Omit<CheckStep, 'step' | 'ok'>>) => {
        try {
          steps.push({ step, ok: true, ...(await fn()) });
          return true;
        } catch (error) {
          steps.push({ step, ok: false, detail: error instanceof Error ? error.message : String(error) });
          if (error instanceof IscError) hints.push(...(error.details.hints ?? []));
          return false;
        }
      };

      await attempt('tenant', async () => {
        const info = await deps.isc.tenantInfo(target);
        const expected = tenantName(target.tenant);
        // ISC's own tenant name need not be the host's first label (e.g. "iga-acme-sb" on iga-sb.api.identitynow.com),
        // so a difference is reported, not failed; the token and trigger steps below prove the pairing.
        const differs = expected && info.tenantName && info.tenantName.toLowerCase() !== expected;
        const note = differs ? ` ISC names it "${info.tenantName}" while the target says "${expected}"; that is normal for some tenants, but check the host if the next steps fail.` : '';
        return { detail: `${target.apiBaseUrl} is tenant "${info.tenantName ?? 'unknown'}".${note}`, data: info };
      });

      const trigger = target.mode === 'direct' ? undefined : await credentialsOf(deps, target, 'trigger');
      if (target.mode === 'direct') {
        steps.push({ step: 'direct mode', ok: true, detail: 'Campaigns are created through /v3/campaigns with the API credentials, which must be a user-context credential: a personal access token of a CERT_ADMIN or ORG_ADMIN service identity (an API client cannot create campaigns).' });
      } else if (!trigger) {
        steps.push({ step: 'trigger credentials', ok: false, detail: `Not set: PUT /admin/targets/${target.id}/credentials/trigger with the External Trigger's Client ID and Secret.` });
      } else if (await attempt('trigger token', () => tokenStep(deps, target, trigger))) {
        await attempt('trigger echo', async () => {
          await deps.isc.testTrigger(target, trigger);
          return { detail: `POST ${new URL(target.triggerUrl!).pathname}/test answered: the trigger URL and its client match.` };
        }).then((ok) => ok || hints.push('The trigger URL must be the workflow’s "Client URL" and the client must be the one created for that workflow’s External Trigger.'));
      }

      const api = await credentialsOf(deps, target, 'api');
      if (!api) {
        steps.push({ step: 'api credentials', ok: false, detail: 'Not set: without an API client (or personal access token) identities cannot be resolved, sources not checked, match tests not run; batches go out with emails only.' });
      } else if (await attempt('api token', () => tokenStep(deps, target, api, LOOKUP_SCOPES))) {
        await attempt('source lookup', async () => {
          const sources = await deps.isc.listSources(target, api);
          return { detail: `The API client can read sources (${sources.length} found).` };
        });
      }

      const ok = steps.every((s) => s.ok);
      if (!ok) hints.push(...DEFAULT_HINTS.filter((h) => !hints.includes(h)));
      return json(200, { targetId: target.id, ok, steps, troubleshooting: ok ? [] : [...new Set(hints)], advice: LEAST_PRIVILEGE });
    },
  };
}

const DEFAULT_HINTS = [
  'Use the tenant name (acme), not a URL, and check production vs sandbox tenant.',
  'A personal access token may have been deleted or expired: create a new one.',
  'The identity that created the credentials may have lost permissions or been disabled.',
  'The API client may lack scopes: sp:search:read idn:sources:read idn:accounts:read.',
];

async function tokenStep(deps: AdminDeps, target: Target, credentials: Credentials, wantedScopes: string[] = []): Promise<Omit<CheckStep, 'step' | 'ok'>> {
  const { expiresIn, claims } = await deps.isc.issueToken(target, credentials);
  const granted = new Set([...(claims?.scope ?? []), ...(claims?.authorities ?? [])]);
  const missing = granted.has('sp:scopes:all') ? [] : wantedScopes.filter((s) => !granted.has(s));
  const detail = `Token issued for client ${credentials.clientId}${expiresIn ? `, valid ${expiresIn} s` : ''}${claims?.tenantName ? `, tenant "${claims.tenantName}"` : ''}.`;
  if (missing.length > 0 && claims?.scope) throw new Error(`${detail} Missing scopes: ${missing.join(' ')}.`);
  return { detail, data: { expiresIn, tenant: claims?.tenantName, scope: claims?.scope, authorities: claims?.authorities, expiresAt: claims?.exp ? new Date(claims.exp * 1000).toISOString() : undefined } };
}

async function credentialsOf(deps: AdminDeps, target: Target, kind: 'trigger' | 'api'): Promise<Credentials | undefined> {
  const ref = target.credentials[kind];
  return ref ? deps.secrets.getCredentials(ref.secretId) : undefined;
}
