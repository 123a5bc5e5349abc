import { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../core/ports.js';
import type { LogLevel } from './config.js';

/**
 * Structured JSON logs (Powertools) on AWS and locally alike. Correlation: every line of a request carries
 * `correlationId` (the delivery id once known, else the request id).
 */
export function createLogger(serviceName: string, logLevel: LogLevel): Log {
  return wrap(new Logger({ serviceName, logLevel }));
}

function wrap(logger: Logger): Log {
  const method =
    (name: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, extra?: Record<string, unknown> | Error): void =>
      extra === undefined ? logger[name](message) : extra instanceof Error ? logger[name](message, extra) : logger[name](message, extra);
  return {
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    child: (keys) => {
      const child = logger.createChild();
      child.appendKeys(keys);
      return wrap(child);
    },
  };
}

export type { Log };
