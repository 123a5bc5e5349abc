import type { Mapping } from './mapping.js';

const DAY_MS = 86_400_000;

/**
 * A mapping that declares `expectEveryDays` is stale when no report arrived within that many days (counting
 * from its creation when none ever came): the silent failure of the native setup, made visible.
 */
export function isStale(mapping: Pick<Mapping, 'expectEveryDays' | 'updatedAt' | 'enabled'>, lastReportAt: string | undefined, now: Date): boolean {
  if (mapping.expectEveryDays === undefined || !mapping.enabled) return false;
  const since = Date.parse(lastReportAt ?? mapping.updatedAt);
  return now.getTime() - since > mapping.expectEveryDays * DAY_MS;
}
