import type { Log } from '../../functions/core/ports.js';

/** A Log that keeps every line (as JSON text) so tests can assert on logs and scan them for secrets. */
export function captureLog(lines: string[] = [], keys: Record<string, unknown> = {}): Log & { lines: string[] } {
  const write = (level: string) => (message: string, extra?: Record<string, unknown> | Error) => {
    const detail = extra instanceof Error ? { error: { name: extra.name, message: extra.message } } : extra;
    lines.push(JSON.stringify({ level, message, ...keys, ...detail }));
  };
  return {
    lines,
    debug: write('DEBUG'),
    info: write('INFO'),
    warn: write('WARN'),
    error: write('ERROR'),
    child: (more) => captureLog(lines, { ...keys, ...more }),
  };
}
