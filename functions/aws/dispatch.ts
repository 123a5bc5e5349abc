import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { dispatchSettings } from '../adapters/config.js';
import { iscClient } from '../adapters/configured-isc-client.js';
import { nermClient } from '../adapters/nerm-client.js';
import { count, iscCounters, type MetricsPublisher } from '../adapters/metrics.js';
import { unsettledSince } from '../core/redrive.js';
import { handleStreamEvent } from './dispatch-stream.js';
import type { AwsRoot } from './root.js';

/**
 * DynamoDB Streams (batch items that became PENDING) → the dispatcher; then, per invocation, the batches it
 * dispatched, how long each waited since it entered the queue (created, released or replayed: the same start
 * as OldestUnsettledBatchAge), and what ISC answered its calls with.
 */
export function makeDispatchHandler(deps: Pick<AwsRoot, 'config' | 'log' | 'clock' | 'store' | 'secrets'> & { metrics: MetricsPublisher }) {
  const { config, store, secrets, clock, log } = deps;
  const counters = iscCounters();
  const dispatcher = { store, secrets, clock, log, isc: iscClient(config, { rateLedger: store, count: counters.count }), nerm: nermClient(config, { rateLedger: store, count: counters.count }), settings: dispatchSettings(config) };
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const waited: number[] = [];
    const response = await handleStreamEvent(event, dispatcher, (batch, outcome) => {
      if (outcome === 'dispatched') waited.push(Math.max(0, (clock.now().getTime() - Date.parse(unsettledSince(batch))) / 1000));
    });
    deps.metrics.publish({ DispatchedBatches: count(waited.length), TimeToDispatch: { value: waited, unit: 'Seconds' }, ...counters.drain() }, clock.now());
    return response;
  };
}
