/**
 * Large-report benchmark: a 1M-row JSON report, gzip, through the local large path (route → file object store →
 * streamed ingest) in a fresh process; peak RSS is that process's own, the embedded engine's is measured in its
 * own process. The body is generated here, so its generation does not count. bench/large-ours-case.ts measures
 * the same ingest without the local stack (no HTTP server, no SDK), to tell the ingest's memory from the stack's.
 * Both cases run bundled by esbuild, as a Lambda runs its code, not through the tsx loader (~35 MiB of its own).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import { generateRows, toJsonReport } from './report-generator.js';

const RSS_BUDGET = 256 * 1024 * 1024;
const RUNS = 3;

export async function runLargeBench(rows = 1_000_000): Promise<{ table: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-large-'));
  const file = join(dir, 'report.json.gz');
  const raw = toJsonReport(generateRows(rows));
  await writeFile(file, gzipSync(raw));
  const rawBytes = raw.length;
  try {
    // Peak RSS depends on when the collector runs: each case runs RUNS times in a fresh process, min–max shown.
    const measure = <T>(script: string) => {
      const outfile = join('bench', '.tmp', script.replace(/^bench\/|\.ts$/g, '') + '.mjs');
      // Dependencies stay in node_modules (resolved from bench/.tmp), as tsx would load them.
      buildSync({ entryPoints: [script], outfile, bundle: true, packages: 'external', platform: 'node', target: 'node20', format: 'esm', logLevel: 'error' });
      return Array.from({ length: RUNS }, () => JSON.parse(execFileSync(process.execPath, [outfile, file], { encoding: 'utf8', timeout: 600_000 }).trim().split('\n').at(-1)!) as T);
    };
    const stack = measure<{ status: number; gzipBytes: number; rows: number; batches: number; answeredMs: number; ingestMs: number; rssBefore: number; peakRss: number; enginePeakRss: number }>('bench/large-case.ts');
    const ours = measure<{ batches: number; ingestMs: number; rssBefore: number; peakRss: number }>('bench/large-ours-case.ts');
    const c = stack[0]!;
    const mib = (n: number) => `${(n / 1048576).toFixed(0)} MiB`;
    const range = (values: number[]) => `${mib(Math.min(...values))}–${mib(Math.max(...values))}`;
    const peaks = stack.map((s) => s.peakRss);
    return {
      table: [
        '| measure | value |',
        '|---|---|',
        `| report | ${c.rows.toLocaleString('en-US')} rows, ${mib(rawBytes)} JSON, ${mib(c.gzipBytes)} gzip |`,
        `| answer | ${c.status} RECEIVED after ${c.answeredMs.toFixed(0)} ms |`,
        `| ingest (stored → delivery committed) | ${(c.ingestMs / 1000).toFixed(1)} s, ${c.batches} batches |`,
        `| RSS of the ingest process before the upload (local stack: HTTP server, store, poller) | ${range(stack.map((s) => s.rssBefore))} |`,
        `| peak RSS of the ingest process, ${RUNS} runs | ${range(peaks)} (budget ${mib(RSS_BUDGET)}: ${Math.max(...peaks) <= RSS_BUDGET ? 'within' : 'OVER'}) |`,
        `| peak RSS of the embedded DynamoDB, its own process (on AWS the table is remote) | ${range(stack.map((s) => s.enginePeakRss))} |`,
        `| same ingest without the local stack (store drops the ${ours[0]!.batches} batches, as a remote table would hold them) | RSS before ${range(ours.map((o) => o.rssBefore))}, peak ${range(ours.map((o) => o.peakRss))}, ${(ours[0]!.ingestMs / 1000).toFixed(1)} s |`,
      ].join('\n'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
