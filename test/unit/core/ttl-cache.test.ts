import { describe, expect, it } from 'vitest';
import { TtlCache } from '../../../functions/core/ttl-cache.js';

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('Class: TtlCache', () => {
  it('keeps a value until its ttl has passed, then forgets it', () => {
    const clock = fakeClock();
    const cache = new TtlCache<string, number>(clock.now);
    cache.set('a', 1, 1_000);
    clock.advance(999);
    expect(cache.get('a')).toBe(1);
    clock.advance(1);
    expect(cache.get('a')).toBeUndefined();
  });

  it('keeps nothing for a ttl of zero or less, and a new set replaces the old value and ttl', () => {
    const clock = fakeClock();
    const cache = new TtlCache<string, string>(clock.now);
    cache.set('a', 'old', 1_000);
    cache.set('a', 'off', 0);
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', 'first', 1_000);
    clock.advance(900);
    cache.set('a', 'refreshed', 1_000);
    clock.advance(900);
    expect(cache.get('a')).toBe('refreshed');
  });

  it('forgets an invalidated key and leaves the others', () => {
    const cache = new TtlCache<string, number>(fakeClock().now);
    cache.set('a', 1, 1_000);
    cache.set('b', 2, 1_000);
    cache.delete('a');
    expect([cache.get('a'), cache.get('b')]).toEqual([undefined, 2]);
  });

  it('getOrLoad shares one load between concurrent callers and serves it from the cache afterwards', async () => {
    const clock = fakeClock();
    const cache = new TtlCache<string, string>(clock.now);
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const load = async () => {
      loads++;
      await gate;
      return { value: `v${loads}`, ttlMs: 1_000 };
    };
    const both = Promise.all([cache.getOrLoad('k', load), cache.getOrLoad('k', load)]);
    release();
    expect(await both).toEqual(['v1', 'v1']);
    expect(await cache.getOrLoad('k', load)).toBe('v1');
    clock.advance(1_000);
    expect(await cache.getOrLoad('k', load)).toBe('v2');
    expect(loads).toBe(2);
  });

  it('getOrLoad counts the ttl from when the load started', async () => {
    const clock = fakeClock();
    const cache = new TtlCache<string, string>(clock.now);
    await cache.getOrLoad('k', () => {
      clock.advance(400);
      return Promise.resolve({ value: 'slow', ttlMs: 1_000 });
    });
    clock.advance(599);
    expect(cache.get('k')).toBe('slow');
    clock.advance(1);
    expect(cache.get('k')).toBeUndefined();
  });

  it('getOrLoad does not remember a failed load: the next caller loads again', async () => {
    const cache = new TtlCache<string, string>(fakeClock().now);
    await expect(cache.getOrLoad('k', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.getOrLoad('k', () => Promise.resolve({ value: 'up', ttlMs: 1_000 }))).toBe('up');
  });
});
