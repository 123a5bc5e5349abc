import type { CampaignDecisions, CampaignOutcome, ExecutionOutcome, FollowUp } from './follow-up.js';
import type { ManagerRef } from './manager-campaigns.js';

type CampaignShown = (Omit<CampaignOutcome, 'decisions'> & { decisions?: CampaignDecisions | null }) | null;

/** One line on what became of a dispatched batch in ISC (each campaign of a MANAGER batch in turn), for the CLI and the console alike. */
export function outcomeText(batch: {
  execution: ExecutionOutcome | null;
  campaign: CampaignShown;
  campaigns?: Array<{ manager: ManagerRef; execution: ExecutionOutcome | null; campaign: CampaignShown }> | null;
  withoutManager?: string[];
  followUp: FollowUp | null;
}): string {
  const parts = batch.campaigns ? batch.campaigns.map((c) => `[manager ${c.manager.name}: ${campaignText(c) || 'sent'}]`) : [campaignText(batch)].filter(Boolean);
  if (batch.withoutManager?.length) parts.push(`${batch.withoutManager.length} without a manager in ISC (not reviewed)`);
  if (batch.followUp?.note) parts.push(`follow-up: ${batch.followUp.note}`);
  return parts.join(' · ');
}

function campaignText(followed: { execution: ExecutionOutcome | null; campaign: CampaignShown }): string {
  const parts: string[] = [];
  if (followed.execution) parts.push(`execution ${followed.execution.status}${followed.execution.error ? ` (${followed.execution.error})` : ''}`);
  if (followed.campaign) {
    const { decisions } = followed.campaign;
    const counted = decisions ? `: ${decisions.approved} approved, ${decisions.revoked} revoked, ${decisions.pending} pending` : '';
    parts.push(`campaign ${followed.campaign.status}${counted}`);
  }
  return parts.join(' · ');
}
