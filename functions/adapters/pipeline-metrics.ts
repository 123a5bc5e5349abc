/** The namespace the functions publish under and lib/ (alarms, dashboard) watches; the metrics have no dimensions. */
export const PIPELINE_METRIC_NAMESPACE = 'UsageCertification';

/** What the ISC transport counts for the function that uses it (each try: what ISC itself sees). */
export const ISC_METRICS = ['Isc429', 'Isc5xx', 'TokenRequests'] as const;
export type IscMetric = (typeof ISC_METRICS)[number];

/**
 * Every metric a function publishes, by the function that knows it. lib/dashboard.ts graphs only these, and
 * the handler tests check each function publishes exactly its list.
 */
export const PIPELINE_METRICS = {
  ingest: ['Deliveries'],
  'large-ingest': ['Deliveries'],
  dispatch: ['DispatchedBatches', 'TimeToDispatch', ...ISC_METRICS],
  sweep: ['StaleMappings', 'HeldBatches', 'FailedBatches', 'RequeuedBatches', 'RedrivenBatches', 'OldestUnsettledBatchAge', ...ISC_METRICS],
} as const;
export type PipelineMetric = (typeof PIPELINE_METRICS)[keyof typeof PIPELINE_METRICS][number];
