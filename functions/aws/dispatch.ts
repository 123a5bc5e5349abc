import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { dispatchSettings } from '../adapters/config.js';
import { iscClient } from '../adapters/configured-isc-client.js';
import { handleStreamEvent } from './dispatch-stream.js';
import type { AwsRoot } from './root.js';

/** DynamoDB Streams (batch items that became PENDING) → the dispatcher. */
export function makeDispatchHandler(deps: Pick<AwsRoot, 'config' | 'log' | 'clock' | 'store' | 'secrets'>) {
  const { config, store, secrets, clock, log } = deps;
  const dispatcher = { store, secrets, clock, log, isc: iscClient(config, { rateLedger: store }), settings: dispatchSettings(config) };
  return (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => handleStreamEvent(event, dispatcher);
}
