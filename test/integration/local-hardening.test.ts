/**
 * The local stack's own exposure (issue 15, LOW): DNS rebinding, unauthenticated bodies, content sniffing,
 * and the file modes of the data directory that holds report PII and client secrets. Real HTTP, real files.
 */
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createNodeServer } from '../../functions/http/node-server.js';
import { createRouter } from '../../functions/http/router.js';
import { captureLog } from '../helpers/capture-log.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

const port = () => new URL(stack.url).port;

describe('Local server: Host header allow-list', () => {
  it('answers 421 to a Host that is not this machine (DNS rebinding), and serves loopback names', async () => {
    const rebound = await request(`${stack.url}/admin/targets`, { headers: { host: `evil.example:${port()}`, authorization: 'Bearer x' } });
    expect(rebound.statusCode).toBe(421);
    expect(await rebound.body.json()).toMatchObject({ error: { code: 'host_not_allowed' } });
    for (const host of [`127.0.0.1:${port()}`, `localhost:${port()}`]) {
      const ok = await request(`${stack.url}/health`, { headers: { host } });
      await ok.body.text();
      expect(ok.statusCode).toBe(200);
    }
    const otherPort = await request(`${stack.url}/health`, { headers: { host: '127.0.0.1:1' } });
    await otherPort.body.text();
    expect(otherPort.statusCode).toBe(421);
  });
});

describe('Local server: authenticate before reading the body', () => {
  it('answers 401 to a wrong webhook secret while the (declared 5 MiB) body is still unsent', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${stack.url}/webhooks/saas-management`, {
        method: 'POST',
        headers: { authorization: 'Bearer wrong-secret', 'content-type': 'application/json', 'content-length': String(5 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write(Buffer.alloc(1024, 0x20));
      // Never finished: only an answer given before the body arrives can resolve this.
      setTimeout(() => reject(new Error('no answer before the body was complete')), 10_000).unref();
    });
    expect(status).toBe(401);
  });
});

describe('Local server: content types', () => {
  it('sends string bodies as text/plain with nosniff, and nosniff on JSON too', async () => {
    const router = createRouter([{ method: 'GET', path: '/text', auth: 'none', summary: 'test', handle: () => Promise.resolve({ status: 200, body: '<script>alert(1)</script>' }) }], { webhookSecrets: () => Promise.resolve([]) });
    const server = createNodeServer(router, captureLog(), { maxBodyBytes: 1024 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const text = await request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/text`);
      await text.body.text();
      expect(text.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(text.headers['x-content-type-options']).toBe('nosniff');
    } finally {
      server.close();
    }
    const health = await request(`${stack.url}/health`);
    await health.body.text();
    expect(health.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('npm start: data directory modes', () => {
  it('creates DATA_DIR 0700 and the embedded DynamoDB files 0600', async () => {
    const base = await mkdtemp(join(tmpdir(), 'modes-'));
    const dataDir = join(base, 'data');
    const free = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local-server.ts'], {
      env: { ...process.env, PORT: String(free), DATA_DIR: dataDir, ISC_SIMULATOR: 'off', LOG_LEVEL: 'ERROR' },
      stdio: 'ignore',
    });
    try {
      let up = false;
      for (let i = 0; i < 300 && !up; i++) {
        try {
          const health = await request(`http://127.0.0.1:${free}/health`);
          await health.body.text();
          up = health.statusCode === 200;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      expect(up).toBe(true);
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      const files = await walk(dataDir);
      expect(files.length).toBeGreaterThan(2);
      const loose = await Promise.all(files.map(async (file) => ({ file, mode: (await stat(file)).mode & 0o077 })));
      expect(loose.filter((f) => f.mode !== 0)).toEqual([]);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      await rm(base, { recursive: true, force: true });
    }
  }, 60_000);
});

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    out.push(path);
    if (entry.isDirectory()) out.push(...(await walk(path)));
  }
  return out;
}
