import { awsContext } from './aws-context.js';
import { sweep } from './core/dispatcher.js';
import { pipelineHealth } from './core/pipeline-health.js';
import { dispatchSettings, iscClient } from './dispatch-setup.js';
import { followDispatched } from './core/follow-up.js';

/**
 * EventBridge, every minute: put due RETRY_WAIT and expired IN_FLIGHT batches back to PENDING (that write
 * re-triggers the stream), promote STAGED batches of committed deliveries, re-drive PENDING batches whose
 * stream record went to the DLQ, follow dispatched batches to their outcome in ISC, and publish the metrics the
 * alarms watch as CloudWatch embedded-metric log lines (no extra API calls, no extra permissions).
 */
const context = awsContext('sweep');
const settings = dispatchSettings(context.config);
const METRIC_WINDOW_MS = 60_000;
const isc = iscClient(context.config, { rateLedger: context.store });

export const handler = async (): Promise<void> => {
  const now = context.clock.now();
  const swept = await sweep({ store: context.store, clock: context.clock, settings, log: context.log });
  const followed = await followDispatched({ store: context.store, isc, secrets: context.secrets, clock: context.clock, settings, log: context.log });
  const health = await pipelineHealth(context.store, now, METRIC_WINDOW_MS);
  if (health.staleMappings.length > 0) context.log.warn('mappings overdue for a report', { staleMappings: health.staleMappings });
  // A failed execution or an errored campaign is a failed batch for the alarm, counted once, when first seen.
  const metrics = { StaleMappings: health.staleMappings.length, HeldBatches: health.heldBatches, FailedBatches: health.failedBatches + followed.failed, RequeuedBatches: swept.retried + swept.reclaimed + swept.promoted, RedrivenBatches: swept.redriven };
  const units = { ...Object.fromEntries(Object.keys(metrics).map((name) => [name, 'Count'])), OldestUnsettledBatchAge: 'Seconds' };
  console.log(
    JSON.stringify({
      _aws: { Timestamp: now.getTime(), CloudWatchMetrics: [{ Namespace: 'UsageCertification', Dimensions: [[]], Metrics: Object.entries(units).map(([Name, Unit]) => ({ Name, Unit })) }] },
      ...metrics,
      OldestUnsettledBatchAge: health.oldestUnsettledSeconds,
    }),
  );
};
