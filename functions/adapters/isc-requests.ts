import { filterString, type WorkflowInput } from '../core/workflow-input.js';

/**
 * The request bodies the ISC client sends and the campaign states it acts on, in one place so the contract tests
 * (test/contract) can hold them against SailPoint's published models (sailpoint-api-client's generated v3
 * types and the OpenAPI excerpt). Field names here are SailPoint's, not ours.
 */

/** POST /v3/campaigns (createCampaign): a SEARCH campaign of type IDENTITY over exactly the batch's identities. */
export interface CampaignRequest {
  name: string;
  description: string;
  deadline: string;
  type: 'SEARCH';
  /** ISC's default is false: without it reviewers get no email. */
  emailNotificationEnabled: boolean;
  searchCampaignInfo: {
    type: 'IDENTITY';
    description: string;
    identityIds: string[];
    /** Omitted for MANAGER: a SEARCH campaign without a reviewer is reviewed by each identity's manager. */
    reviewer?: { type: 'IDENTITY' | 'GOVERNANCE_GROUP'; id: string };
  };
}

export function campaignRequest(input: WorkflowInput, deadline: string): CampaignRequest {
  const { reviewer } = input.campaign;
  // SOURCE_OWNER has no id here (the workflow looks the owner up); direct mode then falls back to managers.
  const named = (reviewer.type === 'IDENTITY' || reviewer.type === 'GOVERNANCE_GROUP') && reviewer.id ? { type: reviewer.type, id: reviewer.id } : undefined;
  return {
    name: input.campaign.name,
    description: input.campaign.description,
    deadline,
    type: 'SEARCH',
    emailNotificationEnabled: true,
    searchCampaignInfo: {
      type: 'IDENTITY',
      description: `Delivery ${input.deliveryId}, ${input.instance.name}`,
      identityIds: input.identityIds,
      ...(named ? { reviewer: named } : {}),
    },
  };
}

/** POST /v3/campaigns/{id}/activate (startCampaign). */
export const ACTIVATE_CAMPAIGN_REQUEST = { timeZone: 'Z' } as const;

/** POST /v3/search (searchPost) for identities by email; only the fields we read come back. */
export function identitySearchRequest(emails: readonly string[]) {
  return identitiesWhere('email', emails, ['id', 'email', 'attributes.email']);
}

/**
 * POST /v3/search (searchPost) for identities by id, returning each one's manager: the v3 IdentityDocument's
 * `manager` ({id, name, displayName}, nullable) is what ISC's identity search documents carry.
 */
export function identityManagerSearchRequest(identityIds: readonly string[]) {
  return identitiesWhere('id', identityIds, ['id', 'manager.id', 'manager.name']);
}

/** An identities-index search for documents whose `field` is any of `values`, returning only `includes`. */
function identitiesWhere(field: 'email' | 'id', values: readonly string[], includes: string[]) {
  return {
    indices: ['identities' as const],
    query: { query: `${field}:(${values.map(filterString).join(' OR ')})` },
    includeNested: false,
    queryResultFilter: { includes },
  };
}

/** Campaign states (v3 CampaignStatus) after which activation has happened or is under way. */
export const CAMPAIGN_STARTED_STATUSES: readonly string[] = ['ACTIVATING', 'ACTIVE', 'COMPLETING', 'COMPLETED'];
/** States from which a campaign never becomes active. */
export const CAMPAIGN_FAILED_STATUSES: readonly string[] = ['ERROR', 'CANCELING', 'ARCHIVED'];

/** GET /v3/certifications (listIdentityCertifications) filters on campaign.id (eq, in): the campaign's certifications. */
export function certificationsFilter(campaignId: string): string {
  return `campaign.id eq ${filterString(campaignId)}`;
}

/** The v3 IdentityCertDecisionSummary counts, per kind of access, that make up a certification's decisions. */
export const DECISION_KINDS = [
  { approved: 'entitlementsApproved', revoked: 'entitlementsRevoked', made: 'entitlementDecisionsMade', total: 'entitlementDecisionsTotal' },
  { approved: 'accessProfilesApproved', revoked: 'accessProfilesRevoked', made: 'accessProfileDecisionsMade', total: 'accessProfileDecisionsTotal' },
  { approved: 'rolesApproved', revoked: 'rolesRevoked', made: 'roleDecisionsMade', total: 'roleDecisionsTotal' },
  { approved: 'accountsApproved', revoked: 'accountsRevoked', made: 'accountDecisionsMade', total: 'accountDecisionsTotal' },
] as const;

/**
 * GET /v3/certifications/{id}/decision-summary (getIdentityDecisionSummary) → approved and revoked decisions, and
 * pending = total − made, over entitlements, access profiles, roles and accounts alike.
 */
export function decisionCounts(summary: unknown): { approved: number; revoked: number; pending: number } {
  const fields = (summary ?? {}) as Record<string, unknown>;
  const count = (name: string) => (typeof fields[name] === 'number' && Number.isFinite(fields[name]) ? Math.max(0, fields[name]) : 0);
  let approved = 0;
  let revoked = 0;
  let pending = 0;
  for (const kind of DECISION_KINDS) {
    approved += count(kind.approved);
    revoked += count(kind.revoked);
    pending += Math.max(0, count(kind.total) - count(kind.made));
  }
  return { approved, revoked, pending };
}

