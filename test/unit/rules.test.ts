/** Pure core: environment rules, target URLs, backoff and staleness. */
import { describe, expect, it } from 'vitest';
import { environmentFromName, instanceKey } from '../../functions/core/instance.js';
import { ReviewerSchema, environmentProblems } from '../../functions/core/mapping.js';
import { isAllowedIscUrl, resolveTargetUrls, tenantName } from '../../functions/core/target.js';
import { rateLimitDelayMs, retryDelayMs } from '../../functions/core/backoff.js';
import { expectedInterval, isStale } from '../../functions/core/staleness.js';
import { AppError } from '../../functions/core/errors.js';

describe('Function: environmentFromName / instanceKey', () => {
  it.each([
    ['Slack-production', 'production'],
    ['Slack-PROD', 'production'],
    ['slack_prod', 'production'],
    ['Okta-staging', 'staging'],
    ['Okta-stage', 'staging'],
    ['Okta-sandbox', 'staging'],
    ['Slack', undefined],
    ['Production Tools', undefined],
  ])('reads %s as %s', (name, env) => {
    expect(environmentFromName(name)).toBe(env);
  });

  it('keys instances by trimmed lower-case name', () => {
    expect(instanceKey('  Slack-Production ')).toBe('slack-production');
  });
});

describe('Function: environmentProblems', () => {
  const prod = { id: 'prod', environment: 'production' as const };
  it('accepts a production instance on a production target', () => {
    expect(environmentProblems({ instance: 'Slack-production', environment: 'production' }, prod)).toEqual([]);
  });
  it('names a staging-named instance mapped as production', () => {
    expect(environmentProblems({ instance: 'Slack-staging', environment: 'production' }, prod)).toEqual([
      'instance "Slack-staging" is named like a staging instance but the mapping says production (set allowNameMismatch with a mismatchReason if this is intended)',
    ]);
  });
  it('names a mapping whose target is in the other environment', () => {
    expect(environmentProblems({ instance: 'Slack', environment: 'staging' }, prod)).toEqual(['target "prod" is a production tenant but the mapping says staging']);
  });
  it('lets allowNameMismatch waive the name rule but never the target rule', () => {
    expect(environmentProblems({ instance: 'Slack-staging', environment: 'production', allowNameMismatch: true }, prod)).toEqual([]);
    expect(environmentProblems({ instance: 'Slack-staging', environment: 'staging', allowNameMismatch: true }, prod)).toHaveLength(1);
  });
});

describe('Function: target URLs', () => {
  it.each([
    ['https://acme.api.identitynow.com/x', true],
    ['http://127.0.0.1:3001/x', true],
    ['http://localhost/x', true],
    ['http://[::1]:80/x', true],
    ['http://acme.api.identitynow.com/x', false],
    ['http://10.0.0.1/x', false],
    ['ftp://acme/x', false],
    ['not a url', false],
  ])('%s allowed: %s', (url, allowed) => {
    expect(isAllowedIscUrl(url)).toBe(allowed);
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
  it('doubles per attempt up to the cap, with at least half of each step kept', () => {
    expect([1, 2, 3, 10].map((a) => retryDelayMs(a, 1000, 5000, () => 0))).toEqual([500, 1000, 2000, 2500]);
    expect([1, 2, 3, 10].map((a) => retryDelayMs(a, 1000, 5000, () => 1))).toEqual([1000, 2000, 4000, 5000]);
  });
  it('spans at least 15 minutes over the default 7 waits of 8 attempts', () => {
    const total = [1, 2, 3, 4, 5, 6, 7].reduce((sum, a) => sum + retryDelayMs(a, 30_000, 600_000, () => 0), 0);
    expect(total).toBeGreaterThanOrEqual(15 * 60_000);
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
    expect(ReviewerSchema.safeParse({ type: 'IDENTITY' }).error?.issues[0]).toMatchObject({ path: ['id'], message: expect.stringContaining('id is required') });
    expect(ReviewerSchema.safeParse({ type: 'GOVERNANCE_GROUP', id: 'gg-1' }).success).toBe(true);
    expect(ReviewerSchema.safeParse({ type: 'MANAGER' }).success).toBe(true);
  });
});
