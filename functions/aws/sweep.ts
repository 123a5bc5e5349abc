import { dispatchSettings } from '../adapters/config.js';
import { iscClient } from '../adapters/configured-isc-client.js';
import { count, iscCounters, type MetricsPublisher } from '../adapters/metrics.js';
import { sweep } from '../core/dispatcher.js';
import { followDispatched } from '../core/follow-up.js';
import { pipelineHealth } from '../core/pipeline-health.js';
import type { AwsRoot } from './root.js';

const METRIC_WINDOW_MS = 60_000;

/**
 * EventBridge, every minute: put due RETRY_WAIT and expired IN_FLIGHT batches back to PENDING (that write
 * re-triggers the stream), promote STAGED batches of committed deliveries, re-drive PENDING batches whose
 * stream record went to the DLQ, follow dispatched batches to their outcome in ISC, and publish the metrics the
 * alarms watch (with what ISC answered the follow-up's calls with).
 */
export function makeSweepHandler(deps: Pick<AwsRoot, 'config' | 'log' | 'clock' | 'store' | 'secrets'> & { metrics: MetricsPublisher }) {
  const { config, store, secrets, clock, log } = deps;
  const settings = dispatchSettings(config);
  const counters = iscCounters();
  const isc = iscClient(config, { rateLedger: store, count: counters.count });
  return async (): Promise<void> => {
    const now = clock.now();
    const swept = await sweep({ store, clock, settings, log });
    const followed = await followDispatched({ store, isc, secrets, clock, settings, log });
    const health = await pipelineHealth(store, now, METRIC_WINDOW_MS);
    if (health.staleMappings.length > 0) log.warn('mappings overdue for a report', { staleMappings: health.staleMappings });
    deps.metrics.publish(
      {
        StaleMappings: count(health.staleMappings.length),
        HeldBatches: count(health.heldBatches),
        // A failed execution or an errored campaign is a failed batch for the alarm, counted once, when first seen.
        FailedBatches: count(health.failedBatches + followed.failed),
        RequeuedBatches: count(swept.retried + swept.reclaimed + swept.promoted),
        RedrivenBatches: count(swept.redriven),
        OldestUnsettledBatchAge: { value: health.oldestUnsettledSeconds, unit: 'Seconds' },
        ...counters.drain(),
      },
      now,
    );
  };
}
