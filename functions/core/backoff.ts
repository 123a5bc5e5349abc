/**
 * Delay before retry `attempt` (1-based) with "equal jitter": half the exponential step is fixed, half is
 * random. Unlike full jitter this keeps a floor, so the default 8 attempts span at least ~15 minutes while
 * concurrent retries still spread out.
 */
export function retryDelayMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const step = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/** A 429's Retry-After, capped and with a little jitter so a burst of throttled batches does not return at once. */
export function rateLimitDelayMs(retryAfterMs: number | undefined, fallbackMs: number, capMs: number, random: () => number = Math.random): number {
  const wait = Math.min(capMs, Math.max(0, retryAfterMs ?? fallbackMs));
  return Math.round(wait + random() * Math.min(1000, wait * 0.1));
}
