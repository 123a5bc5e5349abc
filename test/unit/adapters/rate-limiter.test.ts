import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRateLedger, RateLimiter, RateLimitWaitExceeded, type RateLedger } from '../../../functions/adapters/rate-limiter.js';

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
  it('keeps any sliding window at most `requests`, and a backlog still gets 90 % of it', async () => {
    // Prepare: ISC's 100 / 10 s; 18 slices of 555 ms with 5 calls each.
    const limiter = new RateLimiter({ requests: 100, windowMs: 10_000, concurrencyPerTarget: 1_000 });
    const calls = recorder();
    // Act
    const runs = Promise.all(Array.from({ length: 250 }, () => limiter.run('cid:v3', 't1', calls.fn())));
    await vi.runAllTimersAsync();
    await runs;
    // Assess
    const t0 = calls.starts[0]!;
    expect(busiestWindow(calls.starts, 10_000)).toBeLessThanOrEqual(100);
    expect(calls.starts.filter((start) => start < t0 + 10_000)).toHaveLength(90);
    expect(calls.starts.slice(0, 5).map((start) => start - t0)).toEqual([0, 0, 0, 0, 0]);
    expect(calls.starts[5]! - t0).toBeGreaterThanOrEqual(555);
  });

  it('shares one limit between limiters on one ledger (two processes, one table) and claims several slots per round trip', async () => {
    // Prepare
    const inner = new MemoryRateLedger();
    let roundTrips = 0;
    const ledger: RateLedger = {
      takeRateSlots: (...args) => {
        roundTrips++;
        return inner.takeRateSlots(...args);
      },
    };
    const processes = [1, 2].map(() => new RateLimiter({ requests: 100, windowMs: 10_000, concurrencyPerTarget: 1_000, ledger }));
    const calls = recorder();
    // Act
    const runs = Promise.all(processes.flatMap((limiter) => Array.from({ length: 100 }, () => limiter.run('cid:v3', 't1', calls.fn()))));
    await vi.runAllTimersAsync();
    await runs;
    // Assess
    expect(busiestWindow(calls.starts, 10_000)).toBeLessThanOrEqual(100);
    expect(calls.starts.filter((start) => start < calls.starts[0]! + 10_000)).toHaveLength(90);
    expect(roundTrips).toBeLessThan(calls.starts.length / 2);
  });

  it('serves calls one after another from slots reserved by earlier claims, and waits for the next slice when it is used up', async () => {
    const inner = new MemoryRateLedger();
    let roundTrips = 0;
    const ledger: RateLedger = { takeRateSlots: (...args) => (roundTrips++, inner.takeRateSlots(...args)) };
    const limiter = new RateLimiter({ requests: 100, windowMs: 10_000, ledger });
    const calls = recorder();
    for (let i = 0; i < 5; i++) await limiter.run('k', 't', calls.fn());
    expect(roundTrips).toBe(2); // three slots, then the slice's last two (fewer than asked: the slice is used up)
    const sixth = limiter.run('k', 't', calls.fn());
    await vi.advanceTimersByTimeAsync(1_000);
    await sixth;
    expect(roundTrips).toBe(3); // no round trip for a slice known to be used up
    expect(calls.starts.map((start) => start - calls.starts[0]!)).toEqual([0, 0, 0, 0, 0, 556]);
  });

  it('keeps separate limits per key (client id + API version)', async () => {
    const limiter = new RateLimiter({ requests: 3, windowMs: 1_000 });
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
    await expect(limiter.run('k', 't', () => Promise.resolve('next'))).resolves.toBe('next');
  });

  it('gives up with RateLimitWaitExceeded when the window wait would pass maxWaitMs', async () => {
    // Prepare
    const limiter = new RateLimiter({ requests: 3, windowMs: 10_000, maxWaitMs: 5_000 });
    await limiter.run('k', 't', () => Promise.resolve('first'));
    // Act
    const error = await limiter.run('k', 't', () => Promise.resolve('second')).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(RateLimitWaitExceeded);
    expect((error as RateLimitWaitExceeded).retryAfterMs).toBe(10_000);
  });

  it('gives up with RateLimitWaitExceeded when a concurrency slot does not free within maxWaitMs', async () => {
    const limiter = new RateLimiter({ concurrencyPerTarget: 1, maxWaitMs: 1_000 });
    const blocker = limiter.run('k', 't', () => new Promise((resolve) => setTimeout(resolve, 5_000)));
    const waiting = limiter.run('k', 't', () => Promise.resolve('never')).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await waiting).toBeInstanceOf(RateLimitWaitExceeded);
    await vi.runAllTimersAsync();
    await blocker;
    await expect(limiter.run('k', 't', () => Promise.resolve('free again'))).resolves.toBe('free again');
  });

  it('rejects a limit below 3 (one call per slice, two slices of margin)', () => {
    expect(() => new RateLimiter({ requests: 0 })).toThrow(RangeError);
    expect(() => new RateLimiter({ requests: 2 })).toThrow(RangeError);
  });
});
