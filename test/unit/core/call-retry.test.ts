import { describe, expect, it } from 'vitest';
import { DEFAULT_CALL_RETRY, RetryBudget, nextTryDelayMs } from '../../../functions/core/call-retry.js';

const policy = { ...DEFAULT_CALL_RETRY, maxTries: 4, baseMs: 250, capMs: 600, budgetMs: 10_000 };

describe('Function: nextTryDelayMs', () => {
  it('waits a fully jittered, doubling, capped step before each retry', () => {
    expect([1, 2, 3].map((tries) => nextTryDelayMs(policy, tries, { kind: 'transient' }, 10_000, () => 1))).toEqual([250, 500, 600]);
    expect([1, 2, 3].map((tries) => nextTryDelayMs(policy, tries, { kind: 'transient' }, 10_000, () => 0))).toEqual([0, 0, 0]);
    expect(nextTryDelayMs(policy, 2, { kind: 'transient' }, 10_000, () => 0.5)).toBe(250);
  });

  it('stops after the try cap and on final failures', () => {
    expect(nextTryDelayMs(policy, 4, { kind: 'transient' }, 10_000, () => 0)).toBeUndefined();
    expect(nextTryDelayMs(policy, 1, { kind: 'final' }, 10_000, () => 0)).toBeUndefined();
  });

  it("waits a 429's Retry-After when a try still fits in the budget after it, and gives up otherwise", () => {
    expect(nextTryDelayMs(policy, 1, { kind: 'throttled', retryAfterMs: 1_000 }, 10_000, () => 0)).toBe(1_000);
    expect(nextTryDelayMs(policy, 1, { kind: 'throttled', retryAfterMs: 9_900 }, 10_000, () => 0)).toBeUndefined();
    expect(nextTryDelayMs(policy, 1, { kind: 'throttled' }, 10_000, () => 1)).toBe(250);
  });

  it('does not retry when the budget has no room left for a useful try', () => {
    expect(nextTryDelayMs(policy, 1, { kind: 'transient' }, 100, () => 0)).toBeUndefined();
  });
});

describe('Class: RetryBudget', () => {
  it('allows `capacity` retries without successes, and each success pays one back up to the capacity', () => {
    const budget = new RetryBudget(2);
    expect([budget.withdraw(), budget.withdraw(), budget.withdraw()]).toEqual([true, true, false]);
    budget.succeeded();
    expect(budget.withdraw()).toBe(true);
    for (let i = 0; i < 5; i++) budget.succeeded();
    expect(budget.tokens).toBe(2);
  });
});
