import type { CampaignDecisions, CampaignOutcome, ExecutionOutcome, FollowUp } from './follow-up.js';

/** One line on what became of a dispatched batch in ISC, for the CLI and the console alike. */
export function outcomeText(batch: { execution: ExecutionOutcome | null; campaign: (Omit<CampaignOutcome, 'decisions'> & { decisions?: CampaignDecisions | null }) | null; followUp: FollowUp | null }): string {
  const parts: string[] = [];
  if (batch.execution) parts.push(`execution ${batch.execution.status}${batch.execution.error ? ` (${batch.execution.error})` : ''}`);
  if (batch.campaign) {
    const { decisions } = batch.campaign;
    const counted = decisions ? `: ${decisions.approved} approved, ${decisions.revoked} revoked, ${decisions.pending} pending` : '';
    parts.push(`campaign ${batch.campaign.status}${counted}`);
  }
  if (batch.followUp?.note) parts.push(`follow-up: ${batch.followUp.note}`);
  return parts.join(' · ');
}
