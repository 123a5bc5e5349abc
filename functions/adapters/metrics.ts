import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ISC_METRICS, PIPELINE_METRIC_NAMESPACE, type IscMetric, type PipelineMetric } from './pipeline-metrics.js';

export interface MetricValue {
  /** Several values (one per batch, say) keep each one for the percentile statistics; none publishes nothing. */
  value: number | readonly number[];
  unit: 'Count' | 'Seconds';
}

export interface MetricsPublisher {
  publish(values: Partial<Record<PipelineMetric, MetricValue>>, at: Date): void;
}

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
      for (const [name, { value, unit }] of Object.entries<MetricValue>(values)) {
        for (const one of typeof value === 'number' ? [value] : value) metrics.addMetric(name, MetricUnit[unit], one);
      }
      metrics.publishStoredMetrics();
    },
  };
}

export const count = (value: number): MetricValue => ({ value, unit: 'Count' });

/**
 * The ISC transport's counter hook for one function: `count` is handed to the client, `drain` to the publish at
 * the end of each invocation (a Lambda container runs one invocation at a time).
 */
export function iscCounters() {
  const zero = () => Object.fromEntries(ISC_METRICS.map((metric) => [metric, 0])) as Record<IscMetric, number>;
  let counts = zero();
  return {
    count: (metric: IscMetric): void => {
      counts[metric] += 1;
    },
    drain: (): Record<IscMetric, MetricValue> => {
      const drained = Object.fromEntries(ISC_METRICS.map((metric) => [metric, count(counts[metric])])) as Record<IscMetric, MetricValue>;
      counts = zero();
      return drained;
    },
  };
}
