import { describe, expect, it } from 'vitest';
import { WorkflowRuns } from '../../../functions/local/simulated-workflow-run.js';

describe('Class: WorkflowRuns (ISC simulator)', () => {
  it('keeps the newest 5,000 runs, so a long-running npm start holds bounded memory', () => {
    const runs = new WorkflowRuns();
    for (let i = 0; i <= 5_000; i++) runs.start(`run-${i}`, 'wf', { campaign: { name: `c-${i}` }, identityIds: ['id-1'] }, 0);
    expect(runs.execution('run-0', 10_000)).toBeUndefined();
    expect(runs.execution('run-1', 10_000)).toMatchObject({ id: 'run-1', status: 'Completed' });
    expect(runs.execution('run-5000', 10_000)).toMatchObject({ id: 'run-5000' });
    expect(runs.campaigns(10_000)).toHaveLength(5_000);
  });
});
