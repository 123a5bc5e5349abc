import { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../core/ports.js';

/**
 * Structured JSON logs (Powertools) on AWS and locally alike. Correlation: every line of a request carries
 * `correlationId` (the delivery id once known, else the request id).
 */
export function createLogger(serviceName: string, level = process.env.LOG_LEVEL ?? 'INFO'): Log {
  return wrap(new Logger({ serviceName, logLevel: level as 'INFO' }));
}

function wrap(logger: Logger): Log {
  const method =
    (name: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, extra?: Record<string, unknown> | Error): void =>
      extra === undefined ? logger[name](message) : logger[name](message, extra as Error);
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
