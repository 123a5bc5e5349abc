/**
 * Security: what `npm start` prints. The local server runs as a real process (bin/local-server.ts) and all of
 * its start-up output, stdout and stderr, is scanned: secrets the operator supplied never appear (masked to
 * their last 4 characters at most); secrets the process generated are shown once, with where they are kept.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'startup-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Start the server, wait for the banner's last line, stop it with SIGTERM; everything it wrote, both streams. */
async function startupOutput(dataDir: string, env: Record<string, string> = {}): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local-server.ts'], {
    env: { ...process.env, PORT: '0', ISC_SIMULATOR_PORT: '0', DATA_DIR: dataDir, POLL_INTERVAL_MS: '100', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for (let i = 0; i < 1200 && !output.includes('Ctrl-C stops everything') && child.exitCode === null; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  child.kill('SIGTERM');
  await exited;
  expect(output).toContain('Ctrl-C stops everything');
  return output;
}

/** Every 8-character piece of the secret, so a prefix or a fragment counts as a leak too. */
function leakedPieces(output: string, secret: string): string[] {
  const pieces = Array.from({ length: secret.length - 7 }, (_, i) => secret.slice(i, i + 8));
  return pieces.filter((piece) => output.includes(piece));
}

const secret = () => randomBytes(18).toString('base64url');

describe('Security: start-up banner', () => {
  it('never prints operator-supplied secrets (nor 8 characters of them), shows them masked, and keeps them out of the curl line', async () => {
    const supplied = { WEBHOOK_SECRET: secret(), WEBHOOK_SECRET_PREVIOUS: secret(), ADMIN_TOKEN: secret() };
    const output = await startupOutput(join(dir, 'supplied'), supplied);
    for (const [name, value] of Object.entries(supplied)) {
      expect(leakedPieces(output, value), name).toEqual([]);
      expect(output).toContain(`****${value.slice(-4)}   (from ${name}`);
    }
    expect(output).toMatch(/curl .*Authorization: Bearer \$\(node -p "require\('.*local-credentials\.json'\)\.webhookSecret"\)/);
  }, 150_000);

  it('shows generated secrets in full on the start that made them, with the file that keeps them, and masked on a restart', async () => {
    const dataDir = join(dir, 'generated');
    const first = await startupOutput(dataDir);
    const file = join(dataDir, 'local-credentials.json');
    const kept = JSON.parse(await readFile(file, 'utf8')) as { webhookSecret: string; adminToken: string };
    expect(first).toContain(`webhook secret   ${kept.webhookSecret}   (generated now; kept in ${file})`);
    expect(first).toContain(`admin token      ${kept.adminToken}   (generated now; kept in ${file})`);

    const restart = await startupOutput(dataDir);
    for (const value of [kept.webhookSecret, kept.adminToken]) {
      expect(leakedPieces(restart, value)).toEqual([]);
      expect(restart).toContain(`****${value.slice(-4)}   (generated earlier; read it from ${file})`);
    }
  }, 270_000);
});
