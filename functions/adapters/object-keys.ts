/** Where large report bodies wait for ingest: the one prefix the API Gateway integration role may write to. */
export const LARGE_REPORT_PREFIX = 'incoming/';

const KEY_PATTERN = /^incoming\/[A-Za-z0-9_-]{1,100}$/;

/** Keys are made from a request id, never from caller input; anything else (a path, "..") is refused. */
export function objectKeyProblem(key: string): string | undefined {
  return KEY_PATTERN.test(key) ? undefined : `Object key "${key.slice(0, 120)}" is not ${LARGE_REPORT_PREFIX}<request id>.`;
}

export const largeReportKey = (requestId: string): string => `${LARGE_REPORT_PREFIX}${requestId.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** The delivery id of a large report sent without a key; API Gateway's response template makes the same one. */
export const largeDeliveryId = (requestId: string): string => `large-${requestId}`;

/**
 * The URL parameters the large-report URL honours: API Gateway copies each into the object's metadata by
 * name (it cannot copy "all of them"), so the local route keeps the same list.
 */
export const LARGE_QUERY_FIELDS = ['instance', 'application', 'reportName', 'periodStart', 'periodEnd', 'periodDays'] as const;
