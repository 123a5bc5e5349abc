import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
/** Waits for what the page shows (the console refreshes in-flight deliveries every second or so). */
export const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000, interval: 100 });

export const repo = new URL('../../', import.meta.url).pathname;
// The README's screenshots are refreshed on demand (UPDATE_SCREENSHOTS=1 npm test); otherwise they go to a temp
// folder, so an ordinary test run leaves the working tree as it was.
const shotDir = process.env.UPDATE_SCREENSHOTS ? join(repo, 'docs/img') : join(tmpdir(), 'console-screenshots');
export const screenshot = (name: string) => join(shotDir, `console-${name}.png`);

export interface ConsoleBrowser {
  context: BrowserContext;
  page: Page;
  /** Requests to anything but this machine: refused, and listed here. */
  offHost: string[];
  /** Uncaught page errors and console errors other than the 4xx answers the tests provoke. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** Headless Chromium with a fresh, empty profile, limited to loopback, one page open. */
export async function openConsoleBrowser(): Promise<ConsoleBrowser> {
  const { chromium } = await import('playwright-core');
  const profile = await mkdtemp(join(tmpdir(), 'console-chromium-'));
  // Playwright passes the profile directory as --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    timezoneId: 'UTC',
    locale: 'en-US',
  });
  const offHost: string[] = [];
  const pageErrors: string[] = [];
  await context.route('**/*', (route) => {
    if (new URL(route.request().url()).hostname === '127.0.0.1') return route.continue();
    offHost.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) pageErrors.push(message.text());
  });
  page.setDefaultTimeout(8000);
  await mkdir(shotDir, { recursive: true });
  return {
    context,
    page,
    offHost,
    pageErrors,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** The steps of a browser suite build on each other (one page, one session): after a failure the rest are skipped, not timed out. */
export function skipAfterFirstFailure(): void {
  let failed = false;
  afterEach(({ task }) => {
    if (task.result?.state === 'fail') failed = true;
  });
  beforeEach(({ skip }) => {
    if (failed) skip('an earlier step failed');
  });
}
