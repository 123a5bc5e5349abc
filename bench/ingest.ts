/**
 * Ingest benchmark: parse + validate + classify + batch planning of generated reports, each size and format
 * in a fresh process, against a baseline over the same bytes measured in the same process.
 */
import { execFileSync } from 'node:child_process';

interface Case {
  rows: number;
  format: 'json' | 'csv';
  bytes: number;
  baselineMs: number;
  oursMs: number;
  /** Median of the per-pair ratios (ours / baseline, timed alternately), with their min and max. */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  batches: number;
  peakExtraBytes: number;
  depthCheckMs?: number;
}

export function runIngestBench(sizes = [1_000, 10_000, 100_000]): { table: string; cases: Case[] } {
  const cases: Case[] = [];
  for (const format of ['json', 'csv'] as const) {
    for (const rows of sizes) {
      const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/ingest-case.ts', String(rows), format], { encoding: 'utf8', timeout: 120_000 });
      cases.push(JSON.parse(out.trim().split('\n').at(-1)!) as Case);
      process.stderr.write(`ingest ${format} ${rows} rows done\n`);
    }
  }
  const lines = [
    '| format | rows | payload | baseline ms | ours ms | ratio (min–max) | rows/s | batches | peak extra memory | peak / payload |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...cases.map((c) =>
      `| ${c.format} | ${c.rows} | ${mib(c.bytes)} | ${c.baselineMs.toFixed(1)} | ${c.oursMs.toFixed(1)} | ${c.ratio.toFixed(2)}× (${c.ratioMin.toFixed(2)}–${c.ratioMax.toFixed(2)}) | ${Math.round(c.rows / (c.oursMs / 1000)).toLocaleString('en-US')} | ${c.batches} | ${mib(c.peakExtraBytes)} | ${(c.peakExtraBytes / c.bytes).toFixed(2)}× |`,
    ),
  ];
  const growth = (['json', 'csv'] as const).map((format) => {
    const small = cases.find((c) => c.format === format && c.rows === 10_000);
    const large = cases.find((c) => c.format === format && c.rows === 100_000);
    return small && large ? `${format}: 10k → 100k rows took ${(large.oursMs / small.oursMs).toFixed(1)}× the time (linear would be 10×)` : '';
  });
  const depth = cases
    .filter((c) => c.depthCheckMs !== undefined)
    .map((c) => `- JSON depth check (part of ours), ${c.rows} rows: ${c.depthCheckMs!.toFixed(1)} ms = ${((100 * c.depthCheckMs!) / c.baselineMs).toFixed(0)}% of bare \`JSON.parse\``);
  const baselines = 'Baselines: JSON = bare `JSON.parse` of the same bytes; CSV = a plain `csv-parse` pass over the same bytes. Each size runs 11 pairs (25 at 1k rows), the baseline then ours, alternately: ms columns are medians, the ratio is the median of the per-pair ratios with their min–max. Peak extra memory = max RSS during our run minus RSS before it (payload already loaded).';
  return { table: [...lines, '', ...growth.filter(Boolean).map((g) => `- ${g}`), ...depth, '', baselines].join('\n'), cases };
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
