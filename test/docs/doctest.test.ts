/**
 * The shell examples of README.md and docs/*.md, run as written. A fenced block preceded by
 * `<!-- doctest: local -->` runs, in document order, against `npm start` (this suite starts it on ephemeral
 * ports with a temporary DATA_DIR; the docs show the defaults, so `127.0.0.1:3000` and `.data/` are read as
 * those); `<!-- doctest: local, eventually -->` is retried until its expectations hold (the dispatcher is
 * asynchronous); `<!-- expect: text -->` lines after a block are the output it must show; `<name>` placeholders
 * take the value of the last `"name"` field an earlier block printed. `<!-- doctest: stack -->` marks the block
 * that starts the stack (the suite runs `npm start` itself). `<!-- doctest: aws -->` (needs an AWS account) and
 * `<!-- doctest: isc -->` (needs a real tenant) blocks cannot run here: their CLI commands and flags must exist in
 * `--help`, and the JSON files they write must pass the API's schemas.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { MappingInputSchema } from '../../functions/core/mapping.js';
import { TargetInputSchema } from '../../functions/core/target.js';
import { freePort } from '../helpers/free-port.js';

const run = promisify(execFile);
const DOCS = ['README.md', 'docs/isc-setup.md', 'docs/deploy.md'];

interface DocBlock {
  file: string;
  line: number;
  kind: 'local' | 'aws' | 'isc' | 'stack';
  eventually: boolean;
  code: string;
  expects: string[];
}

async function docBlocks(): Promise<DocBlock[]> {
  const blocks: DocBlock[] = [];
  for (const file of DOCS) {
    const lines = (await readFile(file, 'utf8')).split('\n');
    for (let i = 0; i < lines.length; i++) {
      const marker = /^<!-- doctest: (local|aws|isc|stack)(, eventually)? -->$/.exec(lines[i]!);
      if (!marker) continue;
      if (!/^```(bash|sh)$/.test(lines[i + 1] ?? '')) throw new Error(`${file}:${i + 1}: a doctest marker must precede a \`\`\`bash block`);
      const end = lines.indexOf('```', i + 2);
      const expects: string[] = [];
      for (let j = end + 1; j < lines.length; j++) {
        const expectation = /^<!-- expect: (.+) -->$/.exec(lines[j]!);
        if (!expectation) break;
        expects.push(expectation[1]!);
      }
      blocks.push({ file, line: i + 2, kind: marker[1] as DocBlock['kind'], eventually: marker[2] !== undefined, code: lines.slice(i + 2, end).join('\n'), expects });
    }
  }
  return blocks;
}

let blocks: DocBlock[];
beforeAll(async () => {
  blocks = await docBlocks();
});

describe('Docs: local examples run as written', () => {
  let server: ChildProcess | undefined;
  let dataDir: string;
  let port: number;
  let output = '';

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'doctest-'));
    port = await freePort();
    const simulatorPort = await freePort();
    // Its own process group, so stopping it also stops the server npm started.
    server = spawn('npm', ['start'], { env: { ...process.env, PORT: String(port), ISC_SIMULATOR_PORT: String(simulatorPort), DATA_DIR: dataDir, POLL_INTERVAL_MS: '100' }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    for (let attempt = 0; !output.includes('local stack is up'); attempt++) {
      if (attempt > 200 || server.exitCode !== null) throw new Error(`npm start did not come up:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 60_000);

  afterAll(async () => {
    if (server?.pid && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('marks the examples: the stack start, local runs and AWS-only ones', () => {
    expect(blocks.filter((b) => b.kind === 'stack').map((b) => b.code)).toEqual(['npm ci && npm start']);
    expect(blocks.filter((b) => b.kind === 'local').length).toBeGreaterThanOrEqual(2);
    expect(new Set(blocks.filter((b) => b.kind === 'aws').map((b) => b.file))).toEqual(new Set(['README.md', 'docs/isc-setup.md', 'docs/deploy.md']));
  });

  it('runs every local example in document order; each exits 0 and prints what the doc says', async () => {
    const values = new Map<string, string>();
    for (const block of blocks.filter((b) => b.kind === 'local')) {
      const code = block.code
        .replaceAll('127.0.0.1:3000', `127.0.0.1:${port}`)
        .replaceAll('./.data/', `${dataDir}/`)
        .replace(/<(\w+)>/g, (whole, name: string) => values.get(name) ?? whole);
      let result = { code: -1, stdout: '', stderr: '' };
      // A liveness bound for asynchronous outcomes (the dispatcher), not a speed requirement.
      const deadline = Date.now() + (block.eventually ? 60_000 : 0);
      for (let attempt = 0; attempt === 0 || Date.now() < deadline; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250));
        result = await run('bash', ['-e', '-o', 'pipefail', '-c', code], { env: { ...process.env, PORT: String(port), DATA_DIR: dataDir }, timeout: 30_000 }).then(
          ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
          (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
        );
        if (result.code === 0 && block.expects.every((text) => result.stdout.includes(text))) break;
      }
      const where = `${block.file}:${block.line}`;
      expect(result.code, `${where} exited ${result.code}: ${result.stderr}`).toBe(0);
      for (const text of block.expects) expect(result.stdout, `${where} should print ${text}`).toContain(text);
      for (const match of result.stdout.matchAll(/"(\w+)":\s*"([^"]+)"/g)) values.set(match[1]!, match[2]!);
    }
  }, 120_000);
});

describe('Docs: AWS examples are at least well-formed', () => {
  const SCHEMAS: Record<string, z.ZodMiniType> = { 'target.json': TargetInputSchema, 'mapping.json': MappingInputSchema };

  it('uses only CLI commands and flags that exist', async () => {
    const helps = new Map<string, string>();
    const commands = blocks.filter((b) => b.kind === 'aws').flatMap((b) => [...b.code.matchAll(/(?:npx usage-cert|npm run cli --) ([^#\n]+)/g)].map((m) => ({ block: b, words: m[1]!.trim().split(/\s+/) })));
    expect(commands.length).toBeGreaterThan(3);
    for (const { block, words } of commands) {
      const command = words.filter((w) => /^[a-z-]+$/.test(w)).slice(0, 2).join(' ');
      if (!helps.has(command)) helps.set(command, (await run(process.execPath, ['bin/usage-cert.mjs', ...command.split(' '), '--help'], { timeout: 30_000 })).stdout);
      const help = helps.get(command)!;
      expect(help, `${block.file}:${block.line}: "usage-cert ${command}" is not a command`).toContain(`usage-cert ${command}`);
      for (const flag of words.filter((w) => w.startsWith('-'))) expect(help, `${block.file}:${block.line}: ${command} has no ${flag}`).toContain(flag);
    }
  }, 60_000);

  it('writes JSON files the admin API accepts', () => {
    const files = blocks.filter((b) => b.kind === 'aws').flatMap((b) => [...b.code.matchAll(/cat > ([\w.-]+) <<'JSON'\n([\s\S]*?)\nJSON/g)].map((m) => ({ block: b, name: m[1]!, body: m[2]! })));
    expect(new Set(files.map((f) => f.name))).toEqual(new Set(Object.keys(SCHEMAS)));
    for (const { block, name, body } of files) {
      const result = SCHEMAS[name]!.safeParse(JSON.parse(body));
      expect(result.success, `${block.file}:${block.line}: ${name}: ${JSON.stringify(result.error?.issues)}`).toBe(true);
    }
  });
});
