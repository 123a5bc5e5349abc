/**
 * Retries inside one ISC call (token, search, reads; the trigger only when it provably did not reach ISC):
 * a few tries within seconds, so one transient fault does not fail a whole batch attempt. Pure decisions;
 * the ISC client supplies the clock, the sleep and the randomness.
 */
export interface CallRetryPolicy {
  /** Tries per call, the first included. */
  maxTries: number;
  /** Full-jitter backoff: the wait before try n+1 is uniform in [0, min(capMs, baseMs·2^(n-1))]. */
  baseMs: number;
  capMs: number;
  /** The whole call (every try and wait) fits in this; a 429 whose Retry-After does not fit ends the call. */
  budgetMs: number;
}

/**
 * 4 tries: waits of at most 0.25 + 0.5 + 1 s, so a call gives up within seconds unless ISC is slow to answer.
 * 17 s per call (the longest ISC_TIMEOUT_MS the stack allows): five sequential calls plus 30 s of rate-limiter
 * wait still fit the dispatch function's 120 s (lib/functions.ts).
 */
export const DEFAULT_CALL_RETRY: CallRetryPolicy = { maxTries: 4, baseMs: 250, capMs: 2_000, budgetMs: 17_000 };

/** What a failed try says: throttled (429, maybe with Retry-After), transient (5xx, timeout, reset), or final. */
export type TryFailure = { kind: 'throttled'; retryAfterMs?: number } | { kind: 'transient' } | { kind: 'final' };

/** The shortest useful try: a retry that could not get this long before the budget ends is not made. */
const MIN_TRY_MS = 250;

/**
 * How long to wait before the next try, or undefined to give up (final failure, tries used up, or the wait
 * would not leave a useful try inside the budget). `tries` counts the tries made so far (≥ 1).
 */
export function nextTryDelayMs(policy: CallRetryPolicy, tries: number, failure: TryFailure, remainingMs: number, random: () => number): number | undefined {
  if (failure.kind === 'final' || tries >= policy.maxTries) return undefined;
  const delay =
    failure.kind === 'throttled' && failure.retryAfterMs !== undefined
      ? failure.retryAfterMs
      : Math.round(random() * Math.min(policy.capMs, policy.baseMs * 2 ** (tries - 1)));
  return delay + MIN_TRY_MS <= remainingMs ? delay : undefined;
}

/**
 * A retry budget (token bucket, as in the AWS SDK's standard retry mode): each retry takes a token, each
 * success puts one back, up to `capacity`. While ISC answers, most calls succeed and the bucket stays full;
 * in a full outage it empties after `capacity` retries and every call then makes one try only, so an
 * outage does not multiply the load on ISC (the batch-level backoff takes over).
 */
export class RetryBudget {
  #tokens: number;

  constructor(readonly capacity = 20) {
    this.#tokens = capacity;
  }

  get tokens(): number {
    return this.#tokens;
  }

  /** Take a token for a retry; false when the budget is spent. */
  withdraw(): boolean {
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }

  succeeded(): void {
    this.#tokens = Math.min(this.capacity, this.#tokens + 1);
  }
}
