import type { Config } from './config.js';
import { HttpIscClient, type HttpIscClientOptions } from './isc-client.js';

/**
 * The ISC client with the configured timeouts and limits (one per process: its token cache is shared by the
 * process's calls); `rateLedger` (the table) shares the rate limit with every other process.
 */
export function iscClient(config: Config, options: Pick<HttpIscClientOptions, 'rateLedger' | 'clock' | 'retry' | 'count'> = {}): HttpIscClient {
  return new HttpIscClient({
    ...options,
    timeoutMs: config.ISC_TIMEOUT_MS,
    rateLimit: { requests: config.ISC_RATE_LIMIT, windowMs: config.ISC_RATE_WINDOW_SECONDS * 1000 },
    concurrencyPerTarget: config.ISC_CONCURRENCY,
  });
}
