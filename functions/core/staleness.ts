import type { Mapping } from './mapping.js';

const DAY_MS = 86_400_000;
/** Reports needed before an interval is learned (two gaps), and how much slack a learned interval gets. */
const MIN_REPORTS = 3;
const SLACK = 1.5;
/** How many arrival times an instance keeps for learning. */
export const REPORT_HISTORY = 10;

export interface ReportHistory {
  lastReportAt?: string;
  /** Arrival times of the latest reports, oldest first (at most REPORT_HISTORY). */
  reportTimes?: string[];
}

export interface ExpectedInterval {
  days: number;
  /** true: 1.5 × the median gap between the latest reports; false: the mapping's expectEveryDays. */
  learned: boolean;
}

/**
 * How often a report should arrive: the mapping's `expectEveryDays`, or else learned from the instance's report
 * history (1.5 × the median gap once three reports have arrived); undefined while there is nothing to go on.
 */
export function expectedInterval(mapping: Pick<Mapping, 'expectEveryDays'>, history: ReportHistory | undefined): ExpectedInterval | undefined {
  if (mapping.expectEveryDays !== undefined) return { days: mapping.expectEveryDays, learned: false };
  const times = (history?.reportTimes ?? []).map(Date.parse).sort((a, b) => a - b);
  if (times.length < MIN_REPORTS) return undefined;
  const gaps = times.slice(1).map((t, i) => t - times[i]!).sort((a, b) => a - b);
  const middle = Math.floor(gaps.length / 2);
  const median = gaps.length % 2 === 1 ? gaps[middle]! : (gaps[middle - 1]! + gaps[middle]!) / 2;
  return { days: Math.round(((SLACK * median) / DAY_MS) * 100) / 100, learned: true };
}

/**
 * A mapping is stale when no report arrived within its expected interval (counting from its creation when none
 * ever came): the silent failure of the native setup, made visible.
 */
export function isStale(mapping: Pick<Mapping, 'expectEveryDays' | 'updatedAt' | 'enabled'>, history: ReportHistory | undefined, now: Date): boolean {
  const interval = expectedInterval(mapping, history);
  if (interval === undefined || !mapping.enabled) return false;
  const since = Date.parse(history?.lastReportAt ?? mapping.updatedAt);
  return now.getTime() - since > interval.days * DAY_MS;
}
