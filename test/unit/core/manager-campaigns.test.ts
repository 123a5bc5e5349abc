import { describe, expect, it } from 'vitest';
import { groupByManager, managerCampaignInput, managerTransition } from '../../../functions/core/manager-campaigns.js';
import { batchInput, type WorkflowInput } from '../../../functions/core/workflow-input.js';

const users = [
  { email: 'a@example.com', identityId: 'id-a' },
  { email: 'b@example.com', identityId: 'id-b' },
  { email: 'c@example.com', identityId: 'id-c' },
  { email: 'd@example.com', identityId: 'id-d' },
];
const input: WorkflowInput = {
  ...batchInput(
    {
      deliveryId: 'd-1',
      instance: { application: 'Slack', name: 'Slack-production', environment: 'production' },
      source: { id: 'src-1' },
      period: { start: null, end: '2026-11-25T00:00:00.000Z' },
      policy: { maxDaysActive: 0 },
      campaign: { name: 'Inactive Slack users [d-1]', description: 'd', deadline: '2026-12-09T00:00:00.000Z', duration: '14d', reviewer: { type: 'MANAGER' } },
    },
    { index: 2, count: 3 },
    users,
  ),
  identityIds: users.map((u) => u.identityId),
  unmatchedCount: 0,
};
const listed = (names: readonly string[]) => names.join(', ');

describe('Function: groupByManager', () => {
  it('makes one campaign per manager, named "<base> - manager <name> (part i of n)", and lists identities without a manager', () => {
    const groups = groupByManager(input, new Map([['id-a', { id: 'm-2', name: 'Zoe' }], ['id-b', { id: 'm-1', name: 'Adam' }], ['id-c', { id: 'm-2', name: 'Zoe' }], ['id-d', null]]));
    expect(groups).toEqual({
      campaigns: [
        { manager: { id: 'm-1', name: 'Adam' }, identityIds: ['id-b'], name: 'Inactive Slack users [d-1] - manager Adam (part 2 of 3)' },
        { manager: { id: 'm-2', name: 'Zoe' }, identityIds: ['id-a', 'id-c'], name: 'Inactive Slack users [d-1] - manager Zoe (part 2 of 3)' },
      ],
      withoutManager: ['d@example.com'],
    });
  });

  it('adds the manager id when two managers of the batch share a name, so every campaign name stays unique', () => {
    const groups = groupByManager(input, new Map([['id-a', { id: 'm-1', name: 'Sam' }], ['id-b', { id: 'm-2', name: 'Sam' }]]));
    expect(groups.campaigns.map((c) => c.name)).toEqual(['Inactive Slack users [d-1] - manager Sam (m-1) (part 2 of 3)', 'Inactive Slack users [d-1] - manager Sam (m-2) (part 2 of 3)']);
    // Identities ISC returned no document for are without a manager too.
    expect(groups.withoutManager).toEqual(['c@example.com', 'd@example.com']);
  });
});

describe('Function: managerCampaignInput', () => {
  it('narrows the input to the manager’s identities, with the manager as IDENTITY reviewer and the name filter to match', () => {
    const [campaign] = groupByManager(input, new Map([['id-c', { id: 'm-1', name: 'Ann "A" Boss' }]])).campaigns;
    const sent = managerCampaignInput(input, campaign!);
    expect(sent.identityIds).toEqual(['id-c']);
    expect(sent.users).toEqual([users[2]]);
    expect(sent.campaign).toMatchObject({ name: campaign!.name, nameFilter: `name eq "Inactive Slack users [d-1] - manager Ann \\"A\\" Boss (part 2 of 3)"`, reviewer: { type: 'IDENTITY', id: 'm-1', name: 'Ann "A" Boss' } });
  });
});

describe('Function: managerTransition', () => {
  it('is DISPATCHED with every execution id when a campaign was sent, FAILED no_manager when none could be', () => {
    const now = new Date('2026-12-01T00:00:00.000Z');
    const sent = { manager: { id: 'm-1', name: 'Adam' }, identityIds: ['id-b'], name: 'n1', executionId: 'e-1' };
    expect(managerTransition({ campaigns: [sent, { ...sent, executionId: 'e-2' }], withoutManager: [] }, [], now, listed)).toMatchObject({ status: 'DISPATCHED', executionId: 'e-1,e-2' });
    const none = managerTransition({ campaigns: [], withoutManager: ['d@example.com'] }, ['x@example.com'], now, listed);
    expect(none).toMatchObject({ status: 'FAILED', lastError: { code: 'no_manager' }, unmatched: ['x@example.com'], withoutManager: ['d@example.com'] });
    expect(none.lastError!.message).toContain('d@example.com');
  });
});
