/**
 * Keeps our own ISC calls under ISC's limit (100 requests / 10 s per client id and API version) and caps
 * parallel calls per target. It is per process: several Lambda instances each hold their own, so ISC's 429
 * still has to be handled by the caller; this only stops one process from causing it by itself.
 */
export interface RateLimiterOptions {
  /** Requests allowed per key in any window of `windowMs`. Default 90 (headroom under ISC's 100). */
  requests?: number;
  windowMs?: number;
  /** Calls in progress per target. Default 4. */
  concurrencyPerTarget?: number;
  /** Longest a call may wait for a slot before giving up with RateLimitWaitExceeded. Default 30 s. */
  maxWaitMs?: number;
}

/** The limiter would have to hold a call longer than `maxWaitMs`; try again after `retryAfterMs`. */
export class RateLimitWaitExceeded extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`Local ISC rate limiter is saturated; retry in ${retryAfterMs} ms.`);
    this.name = 'RateLimitWaitExceeded';
  }
}

interface Window {
  /** Start times of the calls in the current window, oldest first (at most `requests` entries). */
  starts: number[];
  /** Callers take window slots one after another, so waiting is FIFO and nobody polls. */
  queue: Promise<void>;
}

interface Waiter {
  resolve(): void;
  timer: ReturnType<typeof setTimeout>;
}

interface TargetSlots {
  active: number;
  waiters: Waiter[];
}

export class RateLimiter {
  readonly requests: number;
  readonly windowMs: number;
  readonly concurrencyPerTarget: number;
  readonly maxWaitMs: number;
  readonly #windows = new Map<string, Window>();
  readonly #targets = new Map<string, TargetSlots>();

  constructor(options: RateLimiterOptions = {}) {
    this.requests = positive(options.requests, 90, 'requests');
    this.windowMs = positive(options.windowMs, 10_000, 'windowMs');
    this.concurrencyPerTarget = positive(options.concurrencyPerTarget, 4, 'concurrencyPerTarget');
    this.maxWaitMs = options.maxWaitMs ?? 30_000;
  }

  /** Runs `fn` once a concurrency slot for `targetId` and a window slot for `key` are free. */
  async run<T>(key: string, targetId: string, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.maxWaitMs;
    // Concurrency first: a window slot is stamped when the request really goes out, not while it queues.
    await this.#enter(targetId);
    try {
      await this.#takeWindowSlot(key, deadline);
      return await fn();
    } finally {
      this.#leave(targetId);
    }
  }

  #enter(targetId: string): Promise<void> {
    const slots = this.#targets.get(targetId) ?? { active: 0, waiters: [] };
    this.#targets.set(targetId, slots);
    if (slots.active < this.concurrencyPerTarget) {
      slots.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          slots.waiters.splice(slots.waiters.indexOf(waiter), 1);
          reject(new RateLimitWaitExceeded(this.windowMs));
        }, this.maxWaitMs),
      };
      slots.waiters.push(waiter);
    });
  }

  #leave(targetId: string): void {
    const slots = this.#targets.get(targetId);
    if (!slots) return;
    const next = slots.waiters.shift();
    if (next) {
      // The slot passes straight to the next waiter; `active` stays the same.
      clearTimeout(next.timer);
      next.resolve();
      return;
    }
    slots.active--;
    if (slots.active === 0) this.#targets.delete(targetId);
  }

  #takeWindowSlot(key: string, deadline: number): Promise<void> {
    let window = this.#windows.get(key);
    if (!window) {
      window = { starts: [], queue: Promise.resolve() };
      this.#windows.set(key, window);
    }
    const current = window;
    const turn = current.queue.then(() => this.#waitForRoom(current, deadline));
    current.queue = turn.catch(() => undefined);
    return turn;
  }

  async #waitForRoom(window: Window, deadline: number): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (window.starts.length > 0 && window.starts[0]! <= now - this.windowMs) window.starts.shift();
      if (window.starts.length < this.requests) {
        window.starts.push(now);
        return;
      }
      // Sleep exactly until the oldest call leaves the window; usually one sleep per caller.
      const waitMs = window.starts[0]! + this.windowMs - now;
      if (now + waitMs > deadline) throw new RateLimitWaitExceeded(waitMs);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result <= 0) throw new RangeError(`RateLimiter ${name} must be a positive number, got ${value}.`);
  return result;
}
