/**
 * The large path's own memory, without the embedded DynamoDB: the same stored gzip report streamed through
 * ingestStoredReport in a fresh process whose store keeps nothing (batches are counted, then dropped, as they
 * leave for a remote table on AWS). Peak RSS here is our code plus Node; bench/large-case.ts adds the local stack.
 * Usage: node --import tsx bench/large-ours-case.ts <file.json.gz>
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileObjectStore } from '../functions/adapters/file-object-store.js';
import { ingestStoredReport } from '../functions/core/stream-ingest.js';
import { instanceKey } from '../functions/core/instance.js';
import type { IngestStore } from '../functions/core/ports.js';
import type { Mapping } from '../functions/core/mapping.js';
import type { Target } from '../functions/core/target.js';
import { BENCH_INSTANCES } from './report-generator.js';
import { ownPeakRss } from './peak-rss.js';

const dir = await mkdtemp(join(tmpdir(), 'bench-large-ours-'));
const objects = new FileObjectStore(dir);
const key = 'incoming/bench-large-ours';
await objects.put(key, readFileSync(process.argv[2]!), { deliveryId: 'bench-large', idSource: 'header', contentType: 'application/json', contentEncoding: 'gzip', query: {} });
const target = { id: 'bench', environment: 'production', tenant: 'bench', triggerUrl: 'https://bench' } as Target;
const mappings = new Map(
  BENCH_INSTANCES.map((name): [string, Mapping] => [
    instanceKey(name),
    { application: name.split('-')[0]!, instance: name, instanceKey: instanceKey(name), environment: 'production', targetId: 'bench', source: { id: 's' }, policy: { maxDaysActive: 0, cooldownDays: 0 }, enabled: true, version: 1, updatedAt: '', updatedBy: '' },
  ]),
);
let batches = 0;
const store = {
  getMappings: () => Promise.resolve(mappings),
  getTargets: () => Promise.resolve(new Map([['bench', target]])),
  recentlySentEmails: () => Promise.resolve(new Set<string>()),
  getDelivery: () => Promise.resolve(undefined),
  stageBatches: (staged: readonly unknown[]) => Promise.resolve(void (batches += staged.length)),
  commitDelivery: () => Promise.resolve(true),
  releaseBatches: () => Promise.resolve(),
  recordReportsSeen: () => Promise.resolve(),
  recordRejectedReport: () => Promise.resolve(),
} as unknown as IngestStore;
const rssBefore = process.memoryUsage().rss;
const started = performance.now();
const outcome = await ingestStoredReport(key, objects, { store, clock: { now: () => new Date('2026-11-26T00:00:00Z') }, settings: { batchMaxBytes: 128 * 1024, dedupeWindowMs: 86_400_000, maxRows: 1_000_000 } });
const ingestMs = performance.now() - started;
const peakRss = ownPeakRss();
await rm(dir, { recursive: true, force: true });
console.log(JSON.stringify({ status: outcome.status, batches, ingestMs, rssBefore, peakRss }));
