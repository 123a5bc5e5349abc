import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { dispatchBatch, type DispatcherDeps, type DispatchOutcome } from '../core/dispatcher.js';
import type { DispatchBatch } from '../core/delivery.js';

/**
 * The event source mapping's filter (lib/ uses this object): only batch items whose new image is PENDING
 * reach the function — released batches, retries put back by the sweeper, and replays.
 */
export const PENDING_BATCH_FILTER = {
  eventName: ['INSERT', 'MODIFY'],
  dynamodb: { NewImage: { type: { S: ['BATCH'] }, status: { S: ['PENDING'] } } },
} as const;

/**
 * DynamoDB Streams → dispatchBatch for each record. Outcomes of ISC calls are recorded on the batch by the
 * dispatcher itself; only a failure to reach the store is reported back, so Lambda retries that record
 * alone (ReportBatchItemFailures) and, when retries run out, sends it to the DLQ. `onOutcome` hears each
 * record's outcome with the batch as the record showed it (the handler's metrics).
 */
export async function handleStreamEvent(
  event: DynamoDBStreamEvent,
  deps: DispatcherDeps,
  onOutcome: (batch: DispatchBatch, outcome: DispatchOutcome) => void = () => {},
): Promise<DynamoDBBatchResponse> {
  const failures: DynamoDBBatchResponse['batchItemFailures'] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      const image = record.dynamodb?.NewImage;
      if (!image) return;
      const batch = unmarshall(image as Record<string, AttributeValue>) as DispatchBatch;
      try {
        onOutcome(batch, await dispatchBatch({ deliveryId: batch.deliveryId, writeId: batch.writeId, index: batch.index }, deps));
      } catch (error) {
        deps.log.error('dispatch failed; the record will be retried', { correlationId: batch.deliveryId, batch: batch.index, error: (error as Error).message });
        failures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
      }
    }),
  );
  return { batchItemFailures: failures };
}
