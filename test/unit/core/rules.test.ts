/** Pure core: instance keys, target URLs, backoff and staleness (environment names: environment-names.test.ts). */
import { describe, expect, it } from 'vitest';
import { instanceKey } from '../../../functions/core/instance.js';
import { ReviewerSchema } from '../../../functions/core/mapping.js';
import { isHttpUrl, resolveTargetUrls, tenantName } from '../../../functions/core/target.js';
import { iscUrlProblem } from '../../../functions/core/isc-hosts.js';
import { rateLimitDelayMs, retryDelayMs } from '../../../functions/core/backoff.js';
import { DEFAULT_DISPATCH_SETTINGS } from '../../../functions/core/dispatcher.js';
import { expectedInterval, isStale } from '../../../functions/core/staleness.js';
import { AppError } from '../../../functions/core/errors.js';

describe('Function: instanceKey', () => {
  it('keys instances by trimmed lower-case name', () => {
    expect(instanceKey('  Slack-Production ')).toBe('slack-production');
  });
});

describe('Function: target URLs', () => {
  const local = { allowedHosts: [], allowLoopbackHttp: true };
  const lambda = { allowedHosts: ['iam.acme.com'], allowLoopbackHttp: false };
  it.each([
    ['https://acme.api.identitynow.com/x', lambda, undefined],
    ['https://acme.identitynow.com/x', lambda, undefined],
    ['https://acme.api.identitynow-demo.com/x', lambda, undefined],
    ['https://acme.api.saas.sailpointfedramp.com/x', lambda, undefined],
    ['https://iam.acme.com/oauth/token', lambda, undefined],
    ['http://127.0.0.1:3001/x', local, undefined],
    ['http://127.1:3001/x', local, undefined],
    ['http://localhost/x', local, undefined],
    ['http://[::1]:80/x', local, undefined],
    ['http://127.0.0.1:3001/x', lambda, 'https'],
    ['https://169.254.169.254/latest/meta-data/', lambda, 'not an ISC host'],
    ['http://169.254.169.254/latest/meta-data/', local, 'https'],
    ['https://169.254.169.254/latest/meta-data/', local, 'not an ISC host'],
    ['http://127.evil.example/', local, 'https'],
    ['https://127.evil.example/', local, 'not an ISC host'],
    ['https://evil.example/oauth/token', lambda, 'not an ISC host'],
    ['https://other.api.identitynow.com/x', lambda, 'not an ISC host'],
    ['https://acme.api.identitynow.com.evil.example/x', lambda, 'not an ISC host'],
    ['http://acme.api.identitynow.com/x', lambda, 'https'],
    ['http://10.0.0.1/x', local, 'https'],
    ['not a url', local, 'not a URL'],
  ])('%s for tenant acme: %s → %s', (url, policy, problem) => {
    const found = iscUrlProblem(url, 'acme', policy);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  it('lets a vanity-host tenant name only allow-listed hosts', () => {
    expect(iscUrlProblem('https://iam.acme.com/x', 'iam.acme.com', { allowedHosts: [], allowLoopbackHttp: false })).toContain('not an ISC host');
    expect(isHttpUrl('https://user:pw@acme.api.identitynow.com/')).toBe(false);
  });

  it('derives API and token URLs from the tenant name or its hosts', () => {
    expect(resolveTargetUrls({ environment: 'production', tenant: 'acme', triggerUrl: 'https://t' })).toEqual({ apiBaseUrl: 'https://acme.api.identitynow.com', tokenUrl: 'https://acme.api.identitynow.com/oauth/token' });
    expect(tenantName('acme.identitynow.com')).toBe('acme');
    expect(tenantName('ACME.api.identitynow.com')).toBe('acme');
  });

  it('asks for explicit URLs when the tenant is a vanity host', () => {
    expect(() => resolveTargetUrls({ environment: 'production', tenant: 'iam.acme.com', triggerUrl: 'https://t' })).toThrow(AppError);
    expect(resolveTargetUrls({ environment: 'production', tenant: 'iam.acme.com', triggerUrl: 'https://t', tokenUrl: 'https://a/oauth/token', apiBaseUrl: 'https://a' })).toEqual({ tokenUrl: 'https://a/oauth/token', apiBaseUrl: 'https://a' });
  });
});

describe('Function: retryDelayMs / rateLimitDelayMs', () => {
  const defaults = { baseMs: DEFAULT_DISPATCH_SETTINGS.backoffBaseMs, factor: DEFAULT_DISPATCH_SETTINGS.backoffFactor, capMs: DEFAULT_DISPATCH_SETTINGS.backoffCapMs };
  it('grows by the factor per attempt up to the cap, with 80 % of each step kept', () => {
    expect([1, 2, 3, 10].map((a) => retryDelayMs(a, { baseMs: 1000, factor: 2, capMs: 5000 }, () => 0))).toEqual([800, 1600, 3200, 4000]);
    expect([1, 2, 3, 10].map((a) => retryDelayMs(a, { baseMs: 1000, factor: 2, capMs: 5000 }, () => 1))).toEqual([1000, 2000, 4000, 5000]);
  });
  it('retries within seconds first, yet the default 7 waits of 8 attempts span 15 to 20 minutes', () => {
    const waits = (random: () => number) => [1, 2, 3, 4, 5, 6, 7].map((a) => retryDelayMs(a, defaults, random));
    expect(waits(() => 1).slice(0, 3)).toEqual([2_000, 6_000, 18_000]);
    const sum = (list: number[]) => list.reduce((total, wait) => total + wait, 0);
    expect(sum(waits(() => 0))).toBeGreaterThanOrEqual(15 * 60_000);
    expect(sum(waits(() => 1))).toBeLessThan(20 * 60_000);
  });
  it('honours Retry-After, capped, with a little jitter', () => {
    expect(rateLimitDelayMs(2000, 10_000, 60_000, () => 0)).toBe(2000);
    expect(rateLimitDelayMs(2000, 10_000, 60_000, () => 1)).toBe(2200);
    expect(rateLimitDelayMs(900_000, 10_000, 60_000, () => 0)).toBe(60_000);
    expect(rateLimitDelayMs(undefined, 10_000, 60_000, () => 0)).toBe(10_000);
  });
});

describe('Function: isStale', () => {
  const now = new Date('2026-11-26T00:00:00Z');
  const mapping = { expectEveryDays: 7, updatedAt: '2026-11-01T00:00:00Z', enabled: true };
  it('is stale when the last report is older than expectEveryDays', () => {
    expect(isStale(mapping, { lastReportAt: '2026-11-18T00:00:00Z' }, now)).toBe(true);
    expect(isStale(mapping, { lastReportAt: '2026-11-20T00:00:00Z' }, now)).toBe(false);
  });
  it('counts from the mapping update when no report ever came, and never for disabled mappings', () => {
    expect(isStale(mapping, undefined, now)).toBe(true);
    expect(isStale({ ...mapping, enabled: false }, undefined, now)).toBe(false);
  });
  it('without expectEveryDays, learns 1.5 × the median gap once three reports arrived, and is stale past it', () => {
    const cadenceless = { ...mapping, expectEveryDays: undefined };
    const weekly = { lastReportAt: '2026-11-15T00:00:00Z', reportTimes: ['2026-11-01T00:00:00Z', '2026-11-08T00:00:00Z', '2026-11-15T00:00:00Z'] };
    expect(expectedInterval(cadenceless, weekly)).toEqual({ days: 10.5, learned: true });
    expect(isStale(cadenceless, weekly, now)).toBe(true); // 11 days since the last weekly report
    expect(isStale(cadenceless, weekly, new Date('2026-11-25T00:00:00Z'))).toBe(false);
    // Two reports are not enough to learn from; one outlier gap does not move the median.
    expect(expectedInterval(cadenceless, { reportTimes: weekly.reportTimes.slice(1) })).toBeUndefined();
    expect(isStale(cadenceless, { lastReportAt: '2026-11-08T00:00:00Z', reportTimes: weekly.reportTimes.slice(0, 2) }, now)).toBe(false);
    expect(expectedInterval(cadenceless, { reportTimes: [...weekly.reportTimes, '2026-11-16T00:00:00Z', '2026-11-23T00:00:00Z'] })).toEqual({ days: 10.5, learned: true });
    expect(expectedInterval(mapping, weekly)).toEqual({ days: 7, learned: false });
  });
});

describe('Schema: ReviewerSchema', () => {
  it('needs an id for a named identity or governance group reviewer, not for managers or the source owner', () => {
    expect(ReviewerSchema.safeParse({ type: 'IDENTITY' }).error?.issues[0]).toMatchObject({ path: ['id'], message: expect.stringContaining('id is required') as unknown });
    expect(ReviewerSchema.safeParse({ type: 'GOVERNANCE_GROUP', id: 'gg-1' }).success).toBe(true);
    expect(ReviewerSchema.safeParse({ type: 'MANAGER' }).success).toBe(true);
  });
});
