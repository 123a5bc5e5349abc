import { embeddedMetrics } from './adapters/metrics.js';
import { makeSweepHandler } from './aws/sweep.js';
import { awsRoot } from './aws/root.js';

export const handler = makeSweepHandler({ ...awsRoot('sweep'), metrics: embeddedMetrics() });
