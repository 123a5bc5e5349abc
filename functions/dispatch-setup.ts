import { environmentVocabulary, type Config } from './adapters/config.js';
import { HttpIscClient, type HttpIscClientOptions } from './adapters/isc-client.js';
import { DEFAULT_DISPATCH_SETTINGS, type DispatchSettings } from './core/dispatcher.js';

/** Dispatcher tuning from configuration; shared by the Lambda functions and the local stack. */
export function dispatchSettings(config: Config): DispatchSettings {
  return {
    ...DEFAULT_DISPATCH_SETTINGS,
    maxAttempts: config.MAX_ATTEMPTS,
    leaseMs: config.LEASE_SECONDS * 1000,
    followIntervalMs: config.FOLLOW_INTERVAL_SECONDS * 1000,
    matchThreshold: config.MATCH_THRESHOLD_PERCENT / 100,
    vocabulary: environmentVocabulary(config),
  };
}

/**
 * The ISC client with the configured timeouts and limits (one per process: its token cache is shared by the
 * process's calls); `rateLedger` (the table) shares the rate limit with every other process.
 */
export function iscClient(config: Config, options: Pick<HttpIscClientOptions, 'rateLedger' | 'clock' | 'retry'> = {}): HttpIscClient {
  return new HttpIscClient({
    ...options,
    timeoutMs: config.ISC_TIMEOUT_MS,
    rateLimit: { requests: config.ISC_RATE_LIMIT, windowMs: config.ISC_RATE_WINDOW_SECONDS * 1000 },
    concurrencyPerTarget: config.ISC_CONCURRENCY,
  });
}
