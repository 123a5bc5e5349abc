/**
 * Large-report benchmark: a 1M-row JSON report, gzip, through the local large path (route → file object store →
 * streamed ingest) in a fresh process; peak RSS is that process's own. The body is generated here, so its
 * generation does not count.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { generateRows, toJsonReport } from './report-generator.js';

const RSS_BUDGET = 256 * 1024 * 1024;

export async function runLargeBench(rows = 1_000_000): Promise<{ table: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-large-'));
  const file = join(dir, 'report.json.gz');
  const raw = toJsonReport(generateRows(rows));
  await writeFile(file, gzipSync(raw));
  const rawBytes = raw.length;
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/large-case.ts', file], { encoding: 'utf8', timeout: 600_000 });
    const c = JSON.parse(out.trim().split('\n').at(-1)!) as { status: number; gzipBytes: number; rows: number; batches: number; answeredMs: number; ingestMs: number; rssBefore: number; peakRss: number };
    const mib = (n: number) => `${(n / 1048576).toFixed(0)} MiB`;
    return {
      table: [
        '| measure | value |',
        '|---|---|',
        `| report | ${c.rows.toLocaleString('en-US')} rows, ${mib(rawBytes)} JSON, ${mib(c.gzipBytes)} gzip |`,
        `| answer | ${c.status} RECEIVED after ${c.answeredMs.toFixed(0)} ms |`,
        `| ingest (stored → delivery committed) | ${(c.ingestMs / 1000).toFixed(1)} s, ${c.batches} batches |`,
        `| RSS before the upload (stack, embedded DynamoDB) | ${mib(c.rssBefore)} |`,
        `| peak RSS of the process | ${mib(c.peakRss)} (budget ${mib(RSS_BUDGET)}: ${c.peakRss <= RSS_BUDGET ? 'within' : 'OVER'}) |`,
      ].join('\n'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
