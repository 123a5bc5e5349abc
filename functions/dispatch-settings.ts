import type { Config } from './adapters/config.js';
import { DEFAULT_DISPATCH_SETTINGS, type DispatchSettings } from './core/dispatcher.js';

/** Dispatcher tuning from configuration; shared by the Lambda functions and the local stack. */
export function dispatchSettings(config: Config): DispatchSettings {
  return {
    ...DEFAULT_DISPATCH_SETTINGS,
    maxAttempts: config.MAX_ATTEMPTS,
    leaseMs: config.LEASE_SECONDS * 1000,
    matchThreshold: config.MATCH_THRESHOLD_PERCENT / 100,
  };
}
