import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { logicalId, resourceOf, synth, type Synthesized } from './synth.js';

/**
 * The one synth that really bundles (local esbuild through NodejsFunction, as `npx cdk synth` does), then
 * checks what would be uploaded: size budgets, ESM + createRequire banner, source maps, the AWS SDK inside,
 * and that each bundle loads in a fresh Node process and exports `handler`.
 */
const KiB = 1024;
const BUDGET: Record<'ingest' | 'dispatch' | 'admin' | 'sweep', number> = {
  // The budgets the issue sets for the two latency-sensitive paths (webhook, dispatch).
  ingest: 400 * KiB,
  dispatch: 400 * KiB,
  // Admin and sweep are not on a latency-sensitive path; a looser cap still catches an accidental heavy import.
  admin: 512 * KiB,
  sweep: 512 * KiB,
};

let outdir: string;
let bundled: Synthesized;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'usage-cert-bundle-'));
  bundled = synth({ stage: 'dev' }, { bundle: true, outdir });
}, 120_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

function bundleOf(fn: keyof typeof BUDGET): string {
  const resource = resourceOf(bundled.template, logicalId(bundled.stack.functions[fn]), z.object({ Properties: z.object({ Code: z.object({ S3Key: z.string() }) }) }));
  // The staged asset directory is named after the asset hash, which is also the uploaded zip's key.
  const hash = resource.Properties.Code.S3Key.replace(/\.zip$/, '');

  return join(outdir, `asset.${hash}`, 'index.mjs');
}

describe.each(Object.keys(BUDGET) as Array<keyof typeof BUDGET>)('%s bundle', (fn) => {
  it('fits its size budget, is ESM with the createRequire banner, and ships a source map', () => {
    const file = bundleOf(fn);
    const size = statSync(file).size;
    console.log(`${fn}: ${(size / KiB).toFixed(1)} KiB`);
    expect(size).toBeLessThanOrEqual(BUDGET[fn]);
    const code = readFileSync(file, 'utf8');
    expect(code.startsWith("import { createRequire } from 'module'; const require = createRequire(import.meta.url);")).toBe(true);
    expect(existsSync(`${file}.map`)).toBe(true);
    expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    // The SDK clients are inside the bundle, not left to the runtime.
    expect(code).not.toMatch(/from\s*"@aws-sdk\/(client-|lib-dynamodb)/);
  });

  it('loads in a fresh Node process and exports handler', () => {
    const env = {
      PATH: process.env.PATH,
      AWS_REGION: 'eu-west-1',
      TABLE_NAME: 'usage-certification-test',
      WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:test-AbCdEf',
      TARGET_SECRET_PREFIX: 'UsageCertification-dev/targets/',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const script = `const t = performance.now(); const m = await import(${JSON.stringify(bundleOf(fn))}); console.log(JSON.stringify({ type: typeof m.handler, ms: performance.now() - t }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], { env, encoding: 'utf8' }).trim().split('\n').at(-1)!) as { type: string; ms: number };
    console.log(`${fn}: module init ${out.ms.toFixed(0)} ms`);
    expect(out.type).toBe('function');
  });
});
