import { IscError } from '../core/errors.js';
import type { Clock, IscAdminClient, IscClient } from '../core/ports.js';
import type { IscSource, TokenClaims } from '../core/types.js';
import type { TokenTenant } from '../core/tenant-environment.js';
import type { Credentials, Target } from '../core/target.js';
import type { LibraryAction } from '../core/workflow-verify.js';
import type { ExecutionEvent, WorkflowRequest } from '../core/workflow-install.js';
import { durationMs, filterString as quote, type WorkflowInput } from '../core/workflow-input.js';
import type { CampaignDecisions, CampaignOutcome, ExecutionOutcome } from '../core/follow-up.js';
import type { ManagerRef } from '../core/manager-campaigns.js';
import { ACTIVATE_CAMPAIGN_REQUEST, campaignRequest, CAMPAIGN_FAILED_STATUSES, CAMPAIGN_STARTED_STATUSES, certificationsFilter, decisionCounts, identityManagerSearchRequest, identitySearchRequest } from './isc-requests.js';
import { IscTransport, badResponse, parseJson, scrub, type IscTransportOptions } from './isc-transport.js';
import { decodeJwtClaims } from './token-cache.js';

export interface HttpIscClientOptions extends IscTransportOptions {
  /** Emails per identity search (ISC keeps search queries small; at most 250). */
  searchChunkSize?: number;
  /** Results per search page (ISC allows at most 250). */
  searchPageSize?: number;
}

/** ISC's search stops at offset 10,000; collection endpoints (sources, accounts) have no such cap. */
const MAX_SEARCH_OFFSET = 10_000;
/** A bound for our own loops over collection endpoints only: far beyond any real tenant's sources or one source's accounts. */
const MAX_COLLECTION_OFFSET = 1_000_000;

/**
 * The ISC operations this project makes (identity search, the workflow External Trigger, direct-mode
 * campaigns, the follow-through reads and the admin checks) over an IscTransport, which owns tokens, limits,
 * retries and error mapping. What is left is an IscError, and retrying that is the caller's decision.
 */
export class HttpIscClient implements IscClient, IscAdminClient {
  readonly #isc: IscTransport;
  readonly #clock: Clock;
  readonly #chunkSize: number;
  readonly #pageSize: number;

  constructor(options: HttpIscClientOptions = {}) {
    this.#isc = new IscTransport(options);
    this.#clock = options.clock ?? { now: () => new Date() };
    this.#chunkSize = Math.min(250, Math.max(1, options.searchChunkSize ?? 250));
    this.#pageSize = Math.min(250, Math.max(1, options.searchPageSize ?? 250));
  }

  async resolveIdentities(target: Target, credentials: Credentials, emails: readonly string[], onChunk?: (resolved: ReadonlyMap<string, string | null>) => void): Promise<Map<string, string>> {
    const wanted = [...new Set(emails.map((email) => email.trim().toLowerCase()).filter(Boolean))];
    const found = new Map<string, string>();
    for (let i = 0; i < wanted.length; i += this.#chunkSize) {
      const chunk = wanted.slice(i, i + this.#chunkSize);
      const inChunk = new Set(chunk);
      await this.#searchIdentities(target, credentials, identitySearchRequest(chunk), (item) => {
        const match = identityMatch(item);
        for (const email of match?.emails ?? []) if (inChunk.has(email) && !found.has(email)) found.set(email, match!.id);
      });
      onChunk?.(new Map(chunk.map((email) => [email, found.get(email) ?? null])));
    }
    return found;
  }

  async identityManagers(target: Target, credentials: Credentials, identityIds: readonly string[]): Promise<Map<string, ManagerRef | null>> {
    const wanted = [...new Set(identityIds)];
    const managers = new Map<string, ManagerRef | null>();
    for (let i = 0; i < wanted.length; i += this.#chunkSize) {
      const chunk = new Set(wanted.slice(i, i + this.#chunkSize));
      await this.#searchIdentities(target, credentials, identityManagerSearchRequest([...chunk]), (item) => {
        const { id, manager } = (item ?? {}) as { id?: unknown; manager?: { id?: unknown; name?: unknown } | null };
        if (typeof id !== 'string' || !chunk.has(id)) return;
        managers.set(id, typeof manager?.id === 'string' && manager.id ? { id: manager.id, name: typeof manager.name === 'string' && manager.name ? manager.name : manager.id } : null);
      });
    }
    return managers;
  }

  /** Every page of one identity search (POST /v3/search, limit/offset up to search's offset cap), item by item. */
  async #searchIdentities(target: Target, credentials: Credentials, request: object, onItem: (item: unknown) => void): Promise<void> {
    const url = `${base(target)}/v3/search`;
    const body = JSON.stringify(request);
    for (let offset = 0; offset < MAX_SEARCH_OFFSET; offset += this.#pageSize) {
      const page = await this.#isc.authorized(target, credentials, `${url}?limit=${this.#pageSize}&offset=${offset}`, body, 'idempotent');
      const items = parseJson(page);
      if (!Array.isArray(items)) throw badResponse(page, 'an identity search that is not a JSON array');
      for (const item of items) onItem(item);
      if (items.length < this.#pageSize) break;
    }
  }

  async triggerWorkflow(target: Target, credentials: Credentials, input: WorkflowInput): Promise<{ executionId: string }> {
    const response = await this.#isc.authorized(target, credentials, triggerUrlOf(target), JSON.stringify({ input }), 'unsent');
    const body = parseJson(response);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badResponse(response, 'a trigger answer that is not a JSON object');
    const { workflowExecutionId, message } = body as { workflowExecutionId?: unknown; message?: unknown };
    if (typeof workflowExecutionId === 'string' && workflowExecutionId) return { executionId: workflowExecutionId };
    throw new IscError(
      'workflow_not_executed',
      typeof message === 'string' && message.trim() ? message.trim() : 'ISC accepted the trigger call but returned no workflowExecutionId.',
      false,
      { status: response.status, isc: scrub(body, [credentials.clientSecret]) },
    );
  }

  async tokenTenant(target: Target, credentials: Credentials): Promise<TokenTenant> {
    const claims = decodeJwtClaims(await this.#isc.token(target, credentials));
    if (claims?.org) return { org: claims.org, tenantId: claims.tenantId, pod: claims.pod, from: 'token' };
    // An opaque token says nothing about itself; the host that issued it does.
    const info = await this.tenantInfo(target);
    return { org: info.tenantName, tenantId: info.tenantId, from: 'oauth-info' };
  }

  // ---- direct mode: the campaign through /v3/campaigns ------------------------------------------

  async createCampaign(target: Target, credentials: Credentials, input: WorkflowInput): Promise<{ campaignId: string; created: boolean }> {
    const { name } = input.campaign;
    const campaigns = `${base(target)}/v3/campaigns`;
    const found = parseJson(await this.#isc.authorized(target, credentials, `${campaigns}?limit=1&filters=${encodeURIComponent(input.campaign.nameFilter)}`));
    let campaign = Array.isArray(found) ? campaignOf(found[0]) : undefined;
    const created = campaign === undefined;
    if (!campaign) {
      // The deadline counts from now, not from ingest: a replay weeks later must still get a future deadline.
      const deadline = new Date(this.#clock.now().getTime() + durationMs(input.campaign.duration)).toISOString();
      const body = campaignRequest(input, deadline);
      campaign = campaignOf(parseJson(await this.#isc.authorized(target, credentials, campaigns, JSON.stringify(body))));
      if (!campaign) throw new IscError('isc_bad_response', 'ISC answered POST /v3/campaigns without a campaign id.', true);
    }
    // Creation is asynchronous: PENDING until ISC has generated the certifications, then STAGED.
    for (let poll = 0; campaign.status === 'PENDING' && poll < CAMPAIGN_POLLS; poll++) {
      await new Promise((resolve) => setTimeout(resolve, CAMPAIGN_POLL_MS * (poll + 1)));
      campaign = campaignOf(parseJson(await this.#isc.authorized(target, credentials, `${campaigns}/${encodeURIComponent(campaign.id)}`))) ?? campaign;
    }
    if (campaign.status === 'STAGED') {
      await this.#isc.authorized(target, credentials, `${campaigns}/${encodeURIComponent(campaign.id)}/activate`, JSON.stringify(ACTIVATE_CAMPAIGN_REQUEST));
    } else if (CAMPAIGN_FAILED_STATUSES.includes(campaign.status)) {
      // Waiting does not help a campaign ISC failed, is cancelling or has archived: say so instead of retrying.
      throw new IscError('campaign_failed', `Campaign "${name}" (${campaign.id}) is ${campaign.status} in ISC; it will not become active. Delete or rename it in ISC, then replay.`, false, { isc: { campaignId: campaign.id, status: campaign.status } });
    } else if (!CAMPAIGN_STARTED_STATUSES.includes(campaign.status)) {
      // Retrying finds the same campaign by name and continues from here.
      throw new IscError('campaign_not_ready', `Campaign ${campaign.id} is ${campaign.status}, not STAGED yet; it will be activated on the next attempt.`, true);
    }
    return { campaignId: campaign.id, created };
  }

  // ---- follow-through: the execution, the campaign and its decisions ---------------------------

  async workflowExecution(target: Target, credentials: Credentials, executionId: string): Promise<ExecutionOutcome> {
    const response = await this.#isc.authorized(target, credentials, `${base(target)}/v3/workflow-executions/${encodeURIComponent(executionId)}`);
    const { status, closeTime } = (parseJson(response) ?? {}) as { status?: unknown; closeTime?: unknown };
    if (typeof status !== 'string' || !status) throw badResponse(response, 'a workflow execution without a status');
    if (status !== 'Failed') return { status };
    // v3's WorkflowExecution carries no reason, and v3's history endpoint is deprecated (its successor is v2025 only).
    const closed = typeof closeTime === 'string' ? ` at ${closeTime}` : '';
    return { status, error: `ISC reports the workflow execution ${executionId} Failed${closed}; the failed step and its error are in ISC under Workflows → Executions.` };
  }

  async campaignByName(target: Target, credentials: Credentials, name: string): Promise<CampaignOutcome | undefined> {
    const found = parseJson(await this.#isc.authorized(target, credentials, `${base(target)}/v3/campaigns?limit=1&filters=${encodeURIComponent(`name eq ${quote(name)}`)}`));
    const campaign = Array.isArray(found) ? campaignOf(found[0]) : undefined;
    // ISC's filter is exact; the check keeps a simulator or proxy that matches loosely from naming another campaign.
    const named = Array.isArray(found) ? (found[0] as { name?: unknown } | undefined)?.name : undefined;
    return campaign && named === name ? { id: campaign.id, name, status: campaign.status } : undefined;
  }

  async campaignDecisions(target: Target, credentials: Credentials, campaignId: string): Promise<CampaignDecisions> {
    const certifications = await this.#collection(target, credentials, '/v3/certifications', `&filters=${encodeURIComponent(certificationsFilter(campaignId))}`, (item) => {
      const { id } = (item ?? {}) as { id?: unknown };
      return typeof id === 'string' && id ? id : undefined;
    });
    const total: CampaignDecisions = { approved: 0, revoked: 0, pending: 0 };
    for (const id of certifications) {
      const counts = decisionCounts(parseJson(await this.#isc.authorized(target, credentials, `${base(target)}/v3/certifications/${encodeURIComponent(id)}/decision-summary`)));
      total.approved += counts.approved;
      total.revoked += counts.revoked;
      total.pending += counts.pending;
    }
    return total;
  }

  // ---- admin: connection check, source check, match test --------------------------------------

  async tenantInfo(target: Target): Promise<{ tenantName?: string; tenantId?: string }> {
    const body = parseJson(await this.#isc.anonymous(`${base(target)}/oauth/info`)) as { tenantName?: unknown; tenantId?: unknown } | undefined;
    const info: { tenantName?: string; tenantId?: string } = {};
    if (typeof body?.tenantName === 'string' && body.tenantName) info.tenantName = body.tenantName;
    if (typeof body?.tenantId === 'string' && body.tenantId) info.tenantId = body.tenantId;
    return info;
  }

  async issueToken(target: Target, credentials: Credentials): Promise<{ expiresIn?: number; claims?: TokenClaims }> {
    const { accessToken, expiresIn } = await this.#isc.freshToken(target, credentials);
    return { expiresIn, claims: decodeJwtClaims(accessToken) };
  }

  async testTrigger(target: Target, credentials: Credentials): Promise<void> {
    // The test endpoint only echoes its input, so it is safe to repeat.
    await this.#isc.authorized(target, credentials, `${triggerUrlOf(target).replace(/\/+$/, '')}/test`, JSON.stringify({ input: { test: true } }), 'idempotent');
  }

  async getSource(target: Target, credentials: Credentials, id: string): Promise<IscSource | undefined> {
    try {
      return sourceOf(parseJson(await this.#isc.authorized(target, credentials, `${base(target)}/v3/sources/${encodeURIComponent(id)}`)));
    } catch (error) {
      if (error instanceof IscError && error.details.status === 404) return undefined;
      throw error;
    }
  }

  async listSources(target: Target, credentials: Credentials): Promise<IscSource[]> {
    return this.#collection(target, credentials, '/v3/sources', '&sorters=name', sourceOf);
  }

  async identitiesWithAccount(target: Target, credentials: Credentials, sourceId: string, identityIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    // Filter strings stay short: 50 ids per query.
    for (let i = 0; i < identityIds.length; i += 50) {
      const filter = `sourceId eq ${quote(sourceId)} and identityId in (${identityIds.slice(i, i + 50).map(quote).join(',')})`;
      for (let offset = 0; offset < MAX_COLLECTION_OFFSET; offset += this.#pageSize) {
        const page = parseJson(await this.#isc.authorized(target, credentials, `${base(target)}/v3/accounts?limit=${this.#pageSize}&offset=${offset}&filters=${encodeURIComponent(filter)}`));
        if (!Array.isArray(page)) throw new IscError('isc_bad_response', 'ISC answered GET /v3/accounts with something that is not a list.', true);
        for (const account of page) if (typeof (account as { identityId?: unknown }).identityId === 'string') found.add((account as { identityId: string }).identityId);
        if (page.length < this.#pageSize) break;
      }
    }
    return found;
  }

  async listWorkflowLibraryActions(target: Target, credentials: Credentials): Promise<LibraryAction[]> {
    return this.#collection(target, credentials, '/v3/workflow-library/actions', '', libraryActionOf);
  }

  // ---- workflow install and test ---------------------------------------------------------------

  /** POST /v3/workflows, or PUT /v3/workflows/{id} over the workflow of the same name (ISC filters workflows by name nowhere). */
  async installWorkflow(target: Target, credentials: Credentials, workflow: WorkflowRequest): Promise<{ workflowId: string; created: boolean }> {
    const existing = await this.#collection(target, credentials, '/v3/workflows', '', (item) => {
      const { id, name } = (item ?? {}) as { id?: unknown; name?: unknown };
      return typeof id === 'string' && name === workflow.name ? id : undefined;
    });
    const workflows = `${base(target)}/v3/workflows`;
    const response = existing[0]
      ? await this.#isc.authorized(target, credentials, `${workflows}/${encodeURIComponent(existing[0])}`, JSON.stringify(workflow), 'idempotent', 'PUT')
      : await this.#isc.authorized(target, credentials, workflows, JSON.stringify(workflow));
    const { id } = (parseJson(response) ?? {}) as { id?: unknown };
    if (typeof id !== 'string' || !id) throw badResponse(response, 'a workflow without an id');
    return { workflowId: id, created: !existing[0] };
  }

  /** POST /v3/workflows/{id}/external/oauth-clients: a new External Trigger client and the URL it calls. */
  async createWorkflowTrigger(target: Target, credentials: Credentials, workflowId: string): Promise<{ credentials: Credentials; url: string }> {
    const response = await this.#isc.authorized(target, credentials, `${base(target)}/v3/workflows/${encodeURIComponent(workflowId)}/external/oauth-clients`, undefined, 'unsent', 'POST');
    const { id, secret, url } = (parseJson(response) ?? {}) as { id?: unknown; secret?: unknown; url?: unknown };
    if (typeof id !== 'string' || !id || typeof secret !== 'string' || !secret || typeof url !== 'string' || !url) throw badResponse(response, 'an OAuth client without id, secret and url');
    return { credentials: { clientId: id, clientSecret: secret }, url };
  }

  /** POST /v3/workflows/{id}/test: runs the workflow once with this input, enabled or not. */
  async testWorkflow(target: Target, credentials: Credentials, workflowId: string, input: WorkflowInput): Promise<{ executionId: string }> {
    const response = await this.#isc.authorized(target, credentials, `${base(target)}/v3/workflows/${encodeURIComponent(workflowId)}/test`, JSON.stringify({ input }));
    const { workflowExecutionId } = (parseJson(response) ?? {}) as { workflowExecutionId?: unknown };
    if (typeof workflowExecutionId !== 'string' || !workflowExecutionId) throw badResponse(response, 'a test answer without a workflowExecutionId');
    return { executionId: workflowExecutionId };
  }

  /** GET /v2025/workflow-executions/{id}/history (v3's is deprecated): the execution's events, first page. */
  async workflowExecutionHistory(target: Target, credentials: Credentials, executionId: string): Promise<ExecutionEvent[]> {
    const response = await this.#isc.authorized(target, credentials, `${base(target)}/v2025/workflow-executions/${encodeURIComponent(executionId)}/history?limit=250`);
    const events = parseJson(response);
    if (!Array.isArray(events)) throw badResponse(response, 'an execution history that is not a list');
    return events.flatMap((event) => {
      const { type, timestamp, attributes } = (event ?? {}) as { type?: unknown; timestamp?: unknown; attributes?: unknown };
      if (typeof type !== 'string') return [];
      return [{ type, ...(typeof timestamp === 'string' ? { timestamp } : {}), attributes: attributes && typeof attributes === 'object' ? (attributes as Record<string, unknown>) : {} }];
    });
  }

  /** Every item of a v3 collection, page by page (limit/offset); items `parse` cannot read are skipped. */
  async #collection<T>(target: Target, credentials: Credentials, path: string, query: string, parse: (item: unknown) => T | undefined): Promise<T[]> {
    const found: T[] = [];
    for (let offset = 0; offset < MAX_COLLECTION_OFFSET; offset += this.#pageSize) {
      const page = parseJson(await this.#isc.authorized(target, credentials, `${base(target)}${path}?limit=${this.#pageSize}&offset=${offset}${query}`));
      if (!Array.isArray(page)) throw new IscError('isc_bad_response', `ISC answered GET ${path} with something that is not a list.`, true);
      found.push(...page.flatMap((item) => parse(item) ?? []));
      if (page.length < this.#pageSize) break;
    }
    return found;
  }
}

const CAMPAIGN_POLLS = 5;
const CAMPAIGN_POLL_MS = 200;

function campaignOf(item: unknown): { id: string; status: string } | undefined {
  const { id, status } = (item ?? {}) as { id?: unknown; status?: unknown };
  return typeof id === 'string' ? { id, status: typeof status === 'string' ? status : 'PENDING' } : undefined;
}

function triggerUrlOf(target: Target): string {
  if (!target.triggerUrl) throw new IscError('isc_request_rejected', `Target "${target.id}" has no triggerUrl (direct mode, or its workflow is not installed yet).`, false);
  return target.triggerUrl;
}

function base(target: Target): string {
  return target.apiBaseUrl.replace(/\/+$/, '');
}

function libraryActionOf(item: unknown): LibraryAction | undefined {
  const { id, formFields } = (item ?? {}) as { id?: unknown; formFields?: unknown };
  if (typeof id !== 'string') return undefined;
  const fields = Array.isArray(formFields) ? formFields : [];
  return {
    id,
    formFields: fields.flatMap((field) => {
      const { name, required } = (field ?? {}) as { name?: unknown; required?: unknown };
      return typeof name === 'string' ? [{ name, required: required === true }] : [];
    }),
  };
}

function sourceOf(item: unknown): IscSource | undefined {
  const { id, name } = (item ?? {}) as { id?: unknown; name?: unknown };
  return typeof id === 'string' && typeof name === 'string' ? { id, name } : undefined;
}

/** An identity's id and its emails (top-level `email` and `attributes.email` may differ), lower-cased. */
function identityMatch(item: unknown): { id: string; emails: string[] } | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const { id, email, attributes } = item as { id?: unknown; email?: unknown; attributes?: { email?: unknown } | null };
  if (typeof id !== 'string' || !id) return undefined;
  const emails = [email, attributes?.email].filter((value): value is string => typeof value === 'string').map((value) => value.trim().toLowerCase());
  return { id, emails };
}
