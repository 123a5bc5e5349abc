import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter, RateLimitWaitExceeded } from '../../functions/adapters/rate-limiter.js';

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2025-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A call that records when it started and finishes when the test says so. */
function recorder() {
  const starts: number[] = [];
  let active = 0;
  let peak = 0;
  const fn = (holdMs = 0) => async () => {
    starts.push(Date.now());
    active++;
    peak = Math.max(peak, active);
    if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
    active--;
    return starts.length;
  };
  return { starts, fn, peak: () => peak };
}

/** The most calls that started within any window of `windowMs`. */
function busiestWindow(starts: number[], windowMs: number): number {
  return Math.max(...starts.map((start) => starts.filter((other) => other >= start && other < start + windowMs).length));
}

describe('Class: RateLimiter', () => {
  it('lets at most N calls start in any sliding window when more are queued', async () => {
    // Prepare
    const limiter = new RateLimiter({ requests: 5, windowMs: 1_000, concurrencyPerTarget: 100 });
    const calls = recorder();
    // Act
    const runs = Promise.all(Array.from({ length: 12 }, () => limiter.run('cid:v3', 't1', calls.fn())));
    await vi.runAllTimersAsync();
    await runs;
    // Assess
    const t0 = calls.starts[0]!;
    expect(calls.starts.map((start) => start - t0)).toEqual([0, 0, 0, 0, 0, 1000, 1000, 1000, 1000, 1000, 2000, 2000]);
    expect(busiestWindow(calls.starts, 1_000)).toBe(5);
  });

  it('slides the window rather than resetting it when calls are spread out', async () => {
    const limiter = new RateLimiter({ requests: 2, windowMs: 1_000 });
    const calls = recorder();
    const t0 = Date.now();

    await limiter.run('k', 't', calls.fn());
    await vi.advanceTimersByTimeAsync(600);
    await limiter.run('k', 't', calls.fn());
    const third = limiter.run('k', 't', calls.fn());
    await vi.advanceTimersByTimeAsync(1_000);
    await third;

    // The third call waits for the first to leave the window (t0 + 1000), not for a fixed window to reset.
    expect(calls.starts.map((start) => start - t0)).toEqual([0, 600, 1000]);
  });

  it('keeps separate windows per key (client id + API version)', async () => {
    const limiter = new RateLimiter({ requests: 1, windowMs: 1_000 });
    const calls = recorder();
    await Promise.all([limiter.run('cid:v3', 't', calls.fn()), limiter.run('cid:beta', 't', calls.fn())]);
    expect(calls.starts[1]! - calls.starts[0]!).toBe(0);
  });

  it('runs at most the configured number of calls per target at once, other targets unaffected', async () => {
    // Prepare
    const limiter = new RateLimiter({ concurrencyPerTarget: 2 });
    const one = recorder();
    const other = recorder();
    // Act
    const runs = Promise.all([
      ...Array.from({ length: 6 }, () => limiter.run('a', 'target-1', one.fn(100))),
      ...Array.from({ length: 3 }, () => limiter.run('b', 'target-2', other.fn(100))),
    ]);
    await vi.runAllTimersAsync();
    await runs;
    // Assess
    expect(one.peak()).toBe(2);
    expect(other.peak()).toBe(2);
    expect(one.starts).toHaveLength(6);
  });

  it('frees the slot when the call throws', async () => {
    const limiter = new RateLimiter({ concurrencyPerTarget: 1 });
    await expect(limiter.run('k', 't', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run('k', 't', async () => 'next')).resolves.toBe('next');
  });

  it('gives up with RateLimitWaitExceeded when the window wait would pass maxWaitMs', async () => {
    // Prepare
    const limiter = new RateLimiter({ requests: 1, windowMs: 10_000, maxWaitMs: 5_000 });
    await limiter.run('k', 't', async () => 'first');
    // Act
    const error = await limiter.run('k', 't', async () => 'second').catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(RateLimitWaitExceeded);
    expect((error as RateLimitWaitExceeded).retryAfterMs).toBe(10_000);
  });

  it('gives up with RateLimitWaitExceeded when a concurrency slot does not free within maxWaitMs', async () => {
    const limiter = new RateLimiter({ concurrencyPerTarget: 1, maxWaitMs: 1_000 });
    const blocker = limiter.run('k', 't', () => new Promise((resolve) => setTimeout(resolve, 5_000)));
    const waiting = limiter.run('k', 't', async () => 'never').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await waiting).toBeInstanceOf(RateLimitWaitExceeded);
    await vi.runAllTimersAsync();
    await blocker;
    await expect(limiter.run('k', 't', async () => 'free again')).resolves.toBe('free again');
  });

  it('rejects a limit that is not positive', () => {
    expect(() => new RateLimiter({ requests: 0 })).toThrow(RangeError);
  });
});
