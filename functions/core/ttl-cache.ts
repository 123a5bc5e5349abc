/**
 * Values kept for a time-to-live, measured on an injected clock (milliseconds) so tests move time themselves.
 * Expired entries are dropped when read. `getOrLoad` adds single flight: concurrent callers for one key share
 * one load, and a failed load is not remembered, so the next caller tries again.
 */
export class TtlCache<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();
  readonly #loading = new Map<K, Promise<V>>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > this.#now()) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  /** Keep `value` for `ttlMs`; a ttl of zero or less keeps nothing (and forgets what was there). */
  set(key: K, value: V, ttlMs: number): void {
    if (ttlMs > 0) this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
    else this.#entries.delete(key);
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  /**
   * The cached value, or the one `load` produces. Its ttl counts from when the load started, so a value that
   * took long to fetch errs on the early side (a token's lifetime starts when it was asked for).
   */
  async getOrLoad(key: K, load: () => Promise<{ value: V; ttlMs: number }>): Promise<V> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const pending = this.#loading.get(key);
    if (pending) return pending;
    const loading = this.#load(key, load).finally(() => {
      if (this.#loading.get(key) === loading) this.#loading.delete(key);
    });
    this.#loading.set(key, loading);
    return loading;
  }

  async #load(key: K, load: () => Promise<{ value: V; ttlMs: number }>): Promise<V> {
    const startedAt = this.#now();
    const { value, ttlMs } = await load();
    this.set(key, value, ttlMs - (this.#now() - startedAt));
    return value;
  }
}
