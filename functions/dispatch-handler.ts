import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { awsContext } from './aws-context.js';
import { handleStreamEvent } from './dispatch-stream.js';
import { dispatchSettings, iscClient } from './dispatch-setup.js';
import type { DispatcherDeps } from './core/dispatcher.js';

/** DynamoDB Streams (batch items that became PENDING) → the dispatcher. */
const context = awsContext('dispatch');
const deps: DispatcherDeps = {
  store: context.store,
  isc: iscClient(context.config, { rateLedger: context.store }),
  secrets: context.secrets,
  clock: context.clock,
  log: context.log,
  settings: dispatchSettings(context.config),
};

export const handler = (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => handleStreamEvent(event, deps);
