/** Pure core: environment rules, target URLs, backoff and staleness. */
import { describe, expect, it } from 'vitest';
import { environmentFromName, instanceKey } from '../../functions/core/instance.js';
import { ReviewerSchema, environmentProblems } from '../../functions/core/mapping.js';
import { isAllowedIscUrl, resolveTargetUrls, tenantName } from '../../functions/core/target.js';
import { rateLimitDelayMs, retryDelayMs } from '../../functions/core/backoff.js';
import { DEFAULT_DISPATCH_SETTINGS } from '../../functions/core/dispatcher.js';
import { isStale } from '../../functions/core/staleness.js';
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
    expect(isStale(mapping, '2026-11-18T00:00:00Z', now)).toBe(true);
    expect(isStale(mapping, '2026-11-20T00:00:00Z', now)).toBe(false);
  });
  it('counts from the mapping update when no report ever came, and never for disabled or cadence-less mappings', () => {
    expect(isStale(mapping, undefined, now)).toBe(true);
    expect(isStale({ ...mapping, enabled: false }, undefined, now)).toBe(false);
    expect(isStale({ ...mapping, expectEveryDays: undefined }, undefined, now)).toBe(false);
  });
});

describe('Schema: ReviewerSchema', () => {
  it('needs an id for a named identity or governance group reviewer, not for managers or the source owner', () => {
    expect(ReviewerSchema.safeParse({ type: 'IDENTITY' }).error?.issues[0]).toMatchObject({ path: ['id'], message: expect.stringContaining('id is required') });
    expect(ReviewerSchema.safeParse({ type: 'GOVERNANCE_GROUP', id: 'gg-1' }).success).toBe(true);
    expect(ReviewerSchema.safeParse({ type: 'MANAGER' }).success).toBe(true);
  });
});
