import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { DOCUMENT_PATHS } from '../../functions/adapters/project-documents.js';
import { RUNTIME_SDK_CLIENTS } from '../../lib/bundling.js';
import type { UsageCertificationStack } from '../../lib/stack.js';
import { apiGatewayEvent } from '../fixtures/api-gateway-event.js';
import { logicalId, resourceOf, synth, type Synthesized } from './synth.js';

/**
 * The one synth that really bundles (local esbuild through NodejsFunction, as `npx cdk synth` does), then
 * checks what would be uploaded for every function: its size budget, ESM + createRequire banner, source maps,
 * the AWS SDK inside (but for the clients lib/bundling.ts takes from the runtime), and that each bundle loads in
 * a fresh Node process and exports `handler`.
 */
const KiB = 1024;
/** Issue #12's budget for every Lambda bundle (index.mjs, the code parsed at each cold start). */
const BUDGET = 400 * KiB;
const FUNCTIONS = {
  ingest: { entry: 'functions/ingest-handler.ts', of: (stack: UsageCertificationStack) => stack.functions.ingest },
  dispatch: { entry: 'functions/dispatch-handler.ts', of: (stack: UsageCertificationStack) => stack.functions.dispatch },
  sweep: { entry: 'functions/sweep-handler.ts', of: (stack: UsageCertificationStack) => stack.functions.sweep },
  admin: { entry: 'functions/admin-handler.ts', of: (stack: UsageCertificationStack) => stack.functions.admin },
  'admin-tools': { entry: 'functions/admin-tools-handler.ts', of: (stack: UsageCertificationStack) => stack.functions.adminTools },
  'admin-preview': { entry: 'functions/admin-preview-handler.ts', of: (stack: UsageCertificationStack) => stack.functions.adminPreview },
  'large-ingest': { entry: 'functions/large-ingest-handler.ts', of: (stack: UsageCertificationStack) => stack.largeReports.ingest },
  'large-authorizer': { entry: 'functions/large-authorizer-handler.ts', of: (stack: UsageCertificationStack) => stack.largeReports.authorizer },
} satisfies Record<string, { entry: string; of: (stack: UsageCertificationStack) => NodejsFunction }>;
type FunctionName = keyof typeof FUNCTIONS;

const AssetCode = z.object({ Properties: z.object({ Code: z.object({ S3Key: z.string() }) }) });
const LoadResult = z.object({ type: z.string(), ms: z.number() });
const ApiAnswer = z.object({ statusCode: z.number(), body: z.string() });

let outdir: string;
let bundled: Synthesized;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'usage-cert-bundle-'));
  // What the Lambda runtime provides (its SDK v3) resolves from here, as it does from /var/runtime on AWS.
  symlinkSync(join(process.cwd(), 'node_modules'), join(outdir, 'node_modules'));
  bundled = synth({ stage: 'dev' }, { bundle: true, outdir });
}, 120_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

/** The staged asset directory is named after the asset hash, which is also the uploaded zip's key. */
function packageOf(fn: FunctionName): string {
  const resource = resourceOf(bundled.template, logicalId(FUNCTIONS[fn].of(bundled.stack)), AssetCode);
  return join(outdir, `asset.${resource.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
}
const bundleOf = (fn: FunctionName): string => join(packageOf(fn), 'index.mjs');

const ENV = {
  PATH: process.env.PATH,
  AWS_REGION: 'eu-west-1',
  TABLE_NAME: 'usage-certification-test',
  WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:test-AbCdEf',
  TARGET_SECRET_PREFIX: 'UsageCertification-dev/targets/',
  LARGE_REPORT_BUCKET: 'usage-certification-test-large',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** Runs `script` (an ES module body with `bundle` bound to the bundle's path) in a fresh Node process; returns its last line. */
function runWithBundle(fn: FunctionName, script: string): string {
  const code = `const bundle = ${JSON.stringify(bundleOf(fn))};\n${script}`;
  return execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', code], { env: ENV, encoding: 'utf8' }).trim().split('\n').at(-1)!;
}

describe.each(Object.keys(FUNCTIONS) as FunctionName[])('%s bundle', (fn) => {
  it('fits its size budget, is ESM with the createRequire banner, ships a source map and bundles the SDK it may not take from the runtime', () => {
    const file = bundleOf(fn);
    const size = statSync(file).size;
    console.log(`${fn}: ${(size / KiB).toFixed(1)} KiB`);
    expect(size).toBeLessThanOrEqual(BUDGET);
    const code = readFileSync(file, 'utf8');
    expect(code.startsWith("import { createRequire } from 'module'; const require = createRequire(import.meta.url);")).toBe(true);
    expect(existsSync(`${file}.map`)).toBe(true);
    expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    const fromRuntime = [...new Set([...code.matchAll(/from\s*"(@aws-sdk\/(?:client-[a-z0-9-]+|lib-dynamodb))"/g)].map((match) => match[1]))];
    expect(fromRuntime).toEqual(RUNTIME_SDK_CLIENTS[FUNCTIONS[fn].entry] ?? []);
  });

  it('loads in a fresh Node process and exports handler', () => {
    const out = LoadResult.parse(JSON.parse(runWithBundle(fn, 'const t = performance.now(); const m = await import(bundle); console.log(JSON.stringify({ type: typeof m.handler, ms: performance.now() - t }));')));
    console.log(`${fn}: module init ${out.ms.toFixed(0)} ms`);
    expect(out.type).toBe('function');
  });
});

describe('admin packages', () => {
  it('keep the report parser (csv-parse) and the ISC client apart: only admin-preview parses reports, and it calls no ISC', () => {
    const has = (fn: FunctionName, marker: string) => readFileSync(bundleOf(fn), 'utf8').includes(marker);
    // An error code of csv-parse's, and the ISC client's tenant lookup (functions/adapters/isc-client.ts).
    expect([has('admin', 'CSV_QUOTE_NOT_CLOSED'), has('admin-tools', 'CSV_QUOTE_NOT_CLOSED'), has('admin-preview', 'CSV_QUOTE_NOT_CLOSED')]).toEqual([false, false, true]);
    expect([has('admin', '/oauth/info'), has('admin-tools', '/oauth/info'), has('admin-preview', '/oauth/info')]).toEqual([true, true, false]);
  });


  it('carry the documents they read at run time, equal to the committed files: admin the OpenAPI document, admin-tools the workflow', () => {
    const carried = { admin: DOCUMENT_PATHS.openApi, 'admin-tools': DOCUMENT_PATHS.workflow } as const;
    for (const [fn, path] of Object.entries(carried) as Array<[FunctionName, string]>) {
      expect(readFileSync(join(packageOf(fn), path), 'utf8')).toBe(readFileSync(path, 'utf8'));
    }
    expect(existsSync(join(packageOf('admin'), DOCUMENT_PATHS.workflow))).toBe(false);
    expect(existsSync(join(packageOf('admin-tools'), DOCUMENT_PATHS.openApi))).toBe(false);
  });

  it('answers GET /openapi.json from the packaged document, without generating it', () => {
    const event = apiGatewayEvent({ httpMethod: 'GET', path: '/openapi.json', resource: '/openapi.json' });
    const answer = ApiAnswer.parse(JSON.parse(runWithBundle('admin', `const { handler } = await import(bundle); console.log(JSON.stringify(await handler(${JSON.stringify(event)})));`)));
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toEqual(JSON.parse(readFileSync(DOCUMENT_PATHS.openApi, 'utf8')));
    // zod's JSON Schema conversion is what generating the document needed.
    expect(readFileSync(bundleOf('admin'), 'utf8')).not.toContain('draft-2020-12');
  });
});
