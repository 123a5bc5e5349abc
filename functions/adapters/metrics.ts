import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export interface MetricValue {
  value: number;
  unit: 'Count' | 'Seconds';
}

export interface MetricsPublisher {
  publish(values: Record<string, MetricValue>, at: Date): void;
}

/** The namespace lib/alarms.ts watches. */
export const PIPELINE_METRIC_NAMESPACE = 'UsageCertification';

/**
 * CloudWatch embedded-metric log lines (Powertools Metrics): no API calls, no extra permissions. Without the
 * `service` dimension Powertools adds by default: the alarms watch the metrics with no dimensions, and an empty
 * dimension set ([[]]) is how EMF says so.
 */
export function embeddedMetrics(namespace = PIPELINE_METRIC_NAMESPACE): MetricsPublisher {
  const metrics = new Metrics({ namespace });
  metrics.clearDefaultDimensions();
  return {
    publish(values, at) {
      metrics.addDimensions({});
      metrics.setTimestamp(at);
      for (const [name, { value, unit }] of Object.entries(values)) metrics.addMetric(name, MetricUnit[unit], value);
      metrics.publishStoredMetrics();
    },
  };
}
