/**
 * Lambda package benchmark: each handler bundled with esbuild as the CDK stack does (minified, ESM, node22),
 * its size, and its module init time (fresh node process importing it, median of 10), next to a reference
 * handler that makes the same token + trigger call with the official sailpoint-api-client.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { ESM_REQUIRE_BANNER, externalModules } from '../lib/bundling.js';

const OUT = join('bench', '.tmp');
/** As lib/functions.ts deploys them (bundled with the same externals; the admin and admin-tools packages also carry a JSON document each, read on request). */
const ENTRIES: Array<[string, string]> = [
  ['ingest (webhook)', 'functions/ingest-handler.ts'],
  ['dispatch', 'functions/dispatch-handler.ts'],
  ['sweep', 'functions/sweep-handler.ts'],
  ['admin', 'functions/admin-handler.ts'],
  ['admin tools', 'functions/admin-tools-handler.ts'],
  ['admin preview', 'functions/admin-preview-handler.ts'],
  ['large ingest (S3 event)', 'functions/large-ingest-handler.ts'],
  ['large-report authorizer', 'functions/large-authorizer-handler.ts'],
  ['reference: sailpoint-api-client', 'bench/reference-handler.ts'],
];

interface PackageResult {
  name: string;
  bytes: number;
  initMs: number;
  externalBytes: number;
  externalInitMs: number;
}

/** `sdkExternal`: leave @aws-sdk/* to the Lambda runtime (it ships SDK v3); here it resolves from node_modules. */
function bundle(entry: string, name: string, sdkExternal: boolean): string {
  const outfile = join(OUT, `${name.replace(/[^a-z]+/gi, '-')}${sdkExternal ? '-sdk-external' : ''}.mjs`);
  buildSync({
    external: sdkExternal ? ['@aws-sdk/*'] : externalModules(entry),
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    logLevel: 'error',
  });
  return outfile;
}

/** Import time in a fresh process; the handler's cold-start configuration comes from a stub environment. */
function initMs(file: string): number {
  const samples: number[] = [];
  const env = { ...process.env, TABLE_NAME: 'bench', WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bench', LARGE_REPORT_BUCKET: 'bench-large-reports', AWS_REGION: 'eu-west-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  for (let i = 0; i < 10; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `const t = performance.now(); await import(${JSON.stringify(`./${file}`)}); console.log(performance.now() - t);`], { env, encoding: 'utf8' });
    samples.push(Number(out.trim()));
  }
  return samples.sort((a, b) => a - b)[5]!;
}

export function runPackageBench(): { table: string; results: PackageResult[] } {
  mkdirSync(OUT, { recursive: true });
  const results: PackageResult[] = [];
  const missing: string[] = [];
  for (const [name, entry] of ENTRIES) {
    if (!existsSync(entry)) {
      missing.push(entry);
      continue;
    }
    const file = bundle(entry, name, false);
    const external = bundle(entry, name, true);
    results.push({ name, bytes: statSync(file).size, initMs: initMs(file), externalBytes: statSync(external).size, externalInitMs: initMs(external) });
    process.stderr.write(`package ${name} done\n`);
  }
  const reference = results.find((r) => r.name.startsWith('reference'));
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  const rows = results.map(
    (r) => `| ${r.name} | ${kib(r.bytes)} | ${reference ? (r.bytes / reference.bytes).toFixed(2) : '-'} | ${r.initMs.toFixed(0)} ms | ${kib(r.externalBytes)} | ${r.externalInitMs.toFixed(0)} ms |`,
  );
  const notes = missing.length > 0 ? `\n\nNot built yet: ${missing.join(', ')}.` : '';
  return {
    table:
      ['| function | bundle, SDK bundled (as deployed) | size vs reference | module init (median of 10) | bundle, SDK from runtime | module init |', '|---|---:|---:|---:|---:|---:|', ...rows].join('\n') +
      notes,
    results,
  };
}
