import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Structured JSON logs (Powertools) on AWS and locally alike. Correlation: every log line of a request
 * carries `correlationId` (the delivery id once known, else the request id).
 */
export type Log = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'> & { child(keys: Record<string, unknown>): Log };

export function createLogger(serviceName: string, level = process.env.LOG_LEVEL ?? 'INFO'): Log {
  return wrap(new Logger({ serviceName, logLevel: level as 'INFO' }));
}

function wrap(logger: Logger): Log {
  return {
    debug: logger.debug.bind(logger),
    info: logger.info.bind(logger),
    warn: logger.warn.bind(logger),
    error: logger.error.bind(logger),
    child: (keys) => {
      const child = logger.createChild();
      child.appendKeys(keys);
      return wrap(child);
    },
  };
}
