import { InternalError } from '../core/errors.js';

/**
 * Keeps ISC calls under ISC's limit (100 requests / 10 s per client) across every process that uses the same
 * client, and caps parallel calls per target (per process).
 *
 * The window is cut into `slices` equal time slices; each slice grants at most `quota` calls per key, where
 * (slices + 2) · quota ≤ requests. Calls start in their slice but may reach ISC a little later; any window of
 * `windowMs`, wherever it starts, then holds calls of at most slices + 2 slices (one more for that lag, up to
 * a slice long), so never more than `requests`; a backlog still gets slices · quota per window.
 * 100 / 10 s: 18 slices of 555 ms with 5 calls each → ≤ 100 in any 10 s window, 90 per window when backlogged.
 * The counts live in a RateLedger: the DynamoDB table on AWS and locally (shared by every container and
 * process), or memory for a lone client. A process claims several slots of the current slice per round trip
 * when calls are queued, so most calls cost no ledger round trip; slots it cannot use before the slice ends
 * are simply lost (never carried into the next slice, which would break the bound).
 */
export interface RateLedger {
  /**
   * Take up to `want` of the `quota` slots of time slice `slice` (a number that only grows) for `key`.
   * Resolves to the number granted: `want`, or fewer when that emptied the slice (0: it was full).
   */
  takeRateSlots(key: string, slice: number, want: number, quota: number): Promise<number>;
}

/** The ledger for a single process (tests, tools): the same slice counts, in memory. */
export class MemoryRateLedger implements RateLedger {
  readonly #slices = new Map<string, { slice: number; used: number }>();

  takeRateSlots(key: string, slice: number, want: number, quota: number): Promise<number> {
    const current = this.#slices.get(key);
    const used = current?.slice === slice ? current.used : current && current.slice > slice ? quota : 0;
    const granted = Math.max(0, Math.min(want, quota - used));
    if (granted > 0) this.#slices.set(key, { slice, used: used + granted });
    return Promise.resolve(granted);
  }
}

export interface RateLimiterOptions {
  /** Requests allowed per key in any window of `windowMs` (at least 3). Default 100, ISC's limit. */
  requests?: number;
  windowMs?: number;
  /** Calls in progress per target. Default 4. */
  concurrencyPerTarget?: number;
  /** Longest a call may wait for a slot before giving up with RateLimitWaitExceeded. Default 30 s. */
  maxWaitMs?: number;
  /** Where the slice counts live. Default: this process's memory. */
  ledger?: RateLedger;
  /** Slots claimed per ledger round trip (more when more calls wait, at most a slice's quota). Default 3. */
  reserve?: number;
}

/** The limiter would have to hold a call longer than `maxWaitMs`; try again after `retryAfterMs`. */
export class RateLimitWaitExceeded extends InternalError {
  override name = 'RateLimitWaitExceeded';

  constructor(readonly retryAfterMs: number) {
    super('rate_limit_wait_exceeded', `ISC rate limiter is saturated; retry in ${retryAfterMs} ms.`);
  }
}

interface KeySlots {
  /** Slots of `slice` this process holds and has not used yet. */
  slice: number;
  left: number;
  /** The last slice the ledger said is used up: no more round trips for it. */
  fullSlice: number;
  /** Callers waiting for a slot; they take turns so one ledger claim serves several of them. */
  waiting: number;
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
  readonly sliceMs: number;
  readonly quota: number;
  readonly concurrencyPerTarget: number;
  readonly maxWaitMs: number;
  readonly #ledger: RateLedger;
  readonly #reserve: number;
  readonly #keys = new Map<string, KeySlots>();
  readonly #targets = new Map<string, TargetSlots>();

  constructor(options: RateLimiterOptions = {}) {
    this.requests = positive(options.requests, 100, 'requests');
    if (this.requests < 3) throw new RangeError('RateLimiter requests must be at least 3 (one call per slice, two slices of margin).');
    this.windowMs = positive(options.windowMs, 10_000, 'windowMs');
    const slices = sliceCount(this.requests);
    this.sliceMs = this.windowMs / slices;
    this.quota = Math.floor(this.requests / (slices + 2));
    this.concurrencyPerTarget = positive(options.concurrencyPerTarget, 4, 'concurrencyPerTarget');
    this.maxWaitMs = options.maxWaitMs ?? 30_000;
    this.#ledger = options.ledger ?? new MemoryRateLedger();
    this.#reserve = positive(options.reserve, 3, 'reserve');
  }

  /** Runs `fn` once a concurrency slot for `targetId` and a rate slot for `key` are free. */
  async run<T>(key: string, targetId: string, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.maxWaitMs;
    // Concurrency first: a rate slot is taken right before the request goes out, not while it queues.
    await this.#enter(targetId);
    try {
      await this.#takeSlot(key, deadline);
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

  #takeSlot(key: string, deadline: number): Promise<void> {
    let slots = this.#keys.get(key);
    if (!slots) {
      slots = { slice: -1, left: 0, fullSlice: -1, waiting: 0, queue: Promise.resolve() };
      this.#keys.set(key, slots);
    }
    const current = slots;
    current.waiting++;
    const turn = current.queue.then(() => this.#waitForSlot(key, current, deadline)).finally(() => current.waiting--);
    current.queue = turn.catch(() => undefined);
    return turn;
  }

  async #waitForSlot(key: string, slots: KeySlots, deadline: number): Promise<void> {
    for (;;) {
      const now = Date.now();
      const slice = Math.floor(now / this.sliceMs);
      if (slots.slice === slice && slots.left > 0) {
        slots.left--;
        return;
      }
      if (slots.fullSlice !== slice) {
        // Claim a few slots, more when more callers queue, so most calls cost no round trip; slots this process
        // cannot use before the slice ends are lost, which costs throughput only when it is not backlogged.
        const want = Math.min(this.quota, Math.max(this.#reserve, slots.waiting));
        const granted = await this.#ledger.takeRateSlots(key, slice, want, this.quota);
        if (granted < want) slots.fullSlice = slice;
        if (granted > 0 && Math.floor(Date.now() / this.sliceMs) === slice) {
          slots.slice = slice;
          slots.left = granted - 1;
          return;
        }
      }
      // Until the next slice (whole milliseconds: slices need not be), unless it began during the claim.
      const waitMs = Math.ceil((slice + 1) * this.sliceMs) - Date.now();
      if (waitMs <= 0) continue;
      if (Date.now() + waitMs > deadline) throw new RateLimitWaitExceeded(Math.max(waitMs, Math.ceil(this.sliceMs)));
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

/** The slice count (at most 20) that lets the most calls through per window while (slices + 2) · quota ≤ requests. */
function sliceCount(requests: number): number {
  const perWindow = (slices: number) => slices * Math.floor(requests / (slices + 2));
  let best = 1;
  for (let slices = 2; slices <= Math.min(20, requests - 2); slices++) if (perWindow(slices) > perWindow(best)) best = slices;
  return best;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result <= 0) throw new RangeError(`RateLimiter ${name} must be a positive number, got ${value}.`);
  return result;
}
