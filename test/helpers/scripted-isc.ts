import { IscError } from '../../functions/core/errors.js';
import type { IscClient } from '../../functions/core/ports.js';
import type { WorkflowInput } from '../../functions/core/workflow-input.js';
import type { ManagerRef } from '../../functions/core/manager-campaigns.js';
import { tenantName, type Target } from '../../functions/core/target.js';
import type { TokenTenant } from '../../functions/core/tenant-environment.js';

/**
 * An in-process IscClient for dispatcher tests (the port, not the HTTP client: that one is tested against
 * the fake ISC server). Knows a set of identities and answers triggers from a script of failures.
 */
export class ScriptedIsc implements IscClient {
  readonly triggers: WorkflowInput[] = [];
  readonly searches: string[][] = [];
  private failures: IscError[] = [];
  /** Target id → the org its tokens belong to; by default the target's own tenant. */
  readonly tokenOrgs = new Map<string, string>();
  private searchFailure: { searched: number; error: IscError } | undefined;

  constructor(private readonly identities: Map<string, string> = new Map()) {}

  failNext(...errors: IscError[]): void {
    this.failures.push(...errors);
  }

  /** The next search reports its first `searched` emails as a completed chunk, then fails with `error`. */
  failNextSearch(searched: number, error: IscError): void {
    this.searchFailure = { searched, error };
  }

  resolveIdentities(_target: unknown, _credentials: unknown, emails: readonly string[], onChunk?: (resolved: ReadonlyMap<string, string | null>) => void): Promise<Map<string, string>> {
    this.searches.push([...emails]);
    const failure = this.searchFailure;
    this.searchFailure = undefined;
    if (failure) {
      onChunk?.(new Map(emails.slice(0, failure.searched).map((e) => [e, this.identities.get(e) ?? null])));
      return Promise.reject(failure.error);
    }
    return Promise.resolve(new Map(emails.flatMap((e) => (this.identities.has(e) ? [[e, this.identities.get(e)!] as [string, string]] : []))));
  }

  triggerWorkflow(_target: unknown, _credentials: unknown, input: WorkflowInput): Promise<{ executionId: string }> {
    const failure = this.failures.shift();
    if (failure) return Promise.reject(failure);
    this.triggers.push(input);
    return Promise.resolve({ executionId: `exec-${this.triggers.length}` });
  }

  /** identity id → manager (null: none); identities not listed are managed by DEFAULT_MANAGER. */
  readonly managers = new Map<string, ManagerRef | null>();
  readonly managerSearches: string[][] = [];

  identityManagers(_target: unknown, _credentials: unknown, identityIds: readonly string[]): Promise<Map<string, ManagerRef | null>> {
    this.managerSearches.push([...identityIds]);
    return Promise.resolve(new Map(identityIds.map((id) => [id, this.managers.has(id) ? this.managers.get(id)! : DEFAULT_MANAGER])));
  }

  tokenTenant(target: Target): Promise<TokenTenant> {
    return Promise.resolve({ org: this.tokenOrgs.get(target.id) ?? tenantName(target.tenant) ?? target.tenant, from: 'token' });
  }

  createCampaign(): Promise<{ campaignId: string; created: boolean }> {
    return Promise.reject(new Error('direct mode is tested against the fake ISC server'));
  }

  workflowExecution(): Promise<never> {
    return Promise.reject(new Error('the follow-through is tested against the ISC simulator'));
  }

  campaignByName(): Promise<never> {
    return Promise.reject(new Error('the follow-through is tested against the ISC simulator'));
  }

  campaignDecisions(): Promise<never> {
    return Promise.reject(new Error('the follow-through is tested against the ISC simulator'));
  }

  /** How many times each batch (delivery + instance part) was sent. */
  sendsPerBatch(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const input of this.triggers) {
      const key = `${input.deliveryId}/${input.instance.name}/${input.batch.index}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }
}

export const DEFAULT_MANAGER: ManagerRef = { id: 'id-manager', name: 'Maria Manager' };

export const rateLimited = (retryAfterMs: number) => new IscError('isc_rate_limited', 'ISC answered 429 (Rate Limit Exceeded).', true, { status: 429, retryAfterMs });
export const unavailable = () => new IscError('isc_unavailable', 'ISC answered 502.', true, { status: 502 });
export const rejected = () => new IscError('isc_request_rejected', 'ISC refused the request (400).', false, { status: 400, isc: { detailCode: '400.1 Bad request content', trackingId: 't-1', messages: [{ text: 'bad input' }] } });
