import { embeddedMetrics } from './adapters/metrics.js';
import { makeDispatchHandler } from './aws/dispatch.js';
import { awsRoot } from './aws/root.js';

export const handler = makeDispatchHandler({ ...awsRoot('dispatch'), metrics: embeddedMetrics() });
