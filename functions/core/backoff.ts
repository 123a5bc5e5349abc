/**
 * Delay after failed batch attempt `attempt` (1-based): step = min(cap, base · factor^(attempt-1)), of which
 * the last 20 % is random. The jitter spreads concurrent retries; the 80 % floor keeps the whole schedule
 * between known bounds. With the defaults (2 s, ×3, cap 450 s) the waits after attempts 1…7 are
 *   step        2    6    18    54    162    450    450   s
 *   cumulative  2    8    26    80    242    692   1142   s   (floor: 80 % of that, 913.6 s)
 * so transient faults are retried within seconds, and a sustained outage reaches FAILED at the 8th attempt
 * after 15.2–19.0 minutes (plus the attempts' own time).
 */
export function retryDelayMs(attempt: number, backoff: { baseMs: number; factor: number; capMs: number }, random: () => number = Math.random): number {
  const step = Math.min(backoff.capMs, backoff.baseMs * backoff.factor ** Math.max(0, attempt - 1));
  return Math.round(step * (1 - RETRY_JITTER + RETRY_JITTER * random()));
}

const RETRY_JITTER = 0.2;

/** A 429's Retry-After, capped and with a little jitter so a burst of throttled batches does not return at once. */
export function rateLimitDelayMs(retryAfterMs: number | undefined, fallbackMs: number, capMs: number, random: () => number = Math.random): number {
  const wait = Math.min(capMs, Math.max(0, retryAfterMs ?? fallbackMs));
  return Math.round(wait + random() * Math.min(1000, wait * 0.1));
}
