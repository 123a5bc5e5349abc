import { S3Client } from '@aws-sdk/client-s3';
import { embeddedMetrics } from './adapters/metrics.js';
import { S3ObjectStore } from './adapters/s3-object-store.js';
import { makeLargeIngestHandler } from './aws/large-ingest.js';
import { awsStoreRoot } from './aws/root.js';

// The S3 client is wired here, not in the shared root, so only this function loads it (from the Lambda runtime:
// lib/bundling.ts); it reads no secret, so its root has no Secrets Manager client.
const root = awsStoreRoot('large-ingest');
export const handler = makeLargeIngestHandler({ ...root, objects: new S3ObjectStore(new S3Client({}), root.config.LARGE_REPORT_BUCKET!), metrics: embeddedMetrics() });
