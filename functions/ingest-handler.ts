import { embeddedMetrics } from './adapters/metrics.js';
import { makeIngestHandler } from './aws/ingest.js';
import { awsRoot } from './aws/root.js';

export const handler = makeIngestHandler({ ...awsRoot('ingest'), metrics: embeddedMetrics() });
