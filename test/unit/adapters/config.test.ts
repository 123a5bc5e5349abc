import { describe, expect, it } from 'vitest';
import { dispatchSettings, loadAwsConfig, loadLocalConfig } from '../../../functions/adapters/config.js';
import { identityTenantKey } from '../../../functions/core/identity-directory.js';

const failure = (load: () => unknown): string => {
  try {
    load();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
};

describe('Configuration: one schema per runtime', () => {
  it('local: names each bad variable in one message and quotes no secret', () => {
    const message = failure(() => loadLocalConfig({ PORT: 'eighty', ADMIN_TOKEN: 'tiny-tok', POLL_INTERVAL_MS: '5', LOG_LEVEL: 'loud' }));
    expect(message).toMatch(/^Invalid configuration: /);
    for (const name of ['PORT', 'ADMIN_TOKEN', 'POLL_INTERVAL_MS', 'LOG_LEVEL']) expect(message).toContain(`${name}:`);
    expect(message).not.toContain('tiny-tok');
  });

  it('local: leaves FOLLOW_INTERVAL_SECONDS unset when it is (the local stack picks the demo or the default interval)', () => {
    expect(loadLocalConfig({}).FOLLOW_INTERVAL_SECONDS).toBeUndefined();
    expect(loadLocalConfig({ FOLLOW_INTERVAL_SECONDS: '30' }).FOLLOW_INTERVAL_SECONDS).toBe(30);
    expect(failure(() => loadLocalConfig({ FOLLOW_INTERVAL_SECONDS: '0' }))).toContain('FOLLOW_INTERVAL_SECONDS:');
  });

  it('AWS: the shared settings with their defaults, the secret locations, and a log level in any case', () => {
    const config = loadAwsConfig({ TABLE_NAME: 'stage-table', LOG_LEVEL: 'debug' });
    expect(config).toMatchObject({ TABLE_NAME: 'stage-table', FOLLOW_INTERVAL_SECONDS: 600, TARGET_SECRET_PREFIX: 'usage-certification/targets/', LOG_LEVEL: 'DEBUG' });
    expect(failure(() => loadAwsConfig({ TARGET_SECRET_PREFIX: 'no-slash' }))).toContain('TARGET_SECRET_PREFIX: must end with "/"');
    expect(failure(() => loadAwsConfig({}, ['WEBHOOK_SECRET_ARN']))).toBe('Invalid configuration: WEBHOOK_SECRET_ARN: is required by this function');
  });

  it('refuses a word of both environment kinds in either runtime', () => {
    const both = { PRODUCTION_WORDS: 'main', NON_PRODUCTION_WORDS: 'main' };
    expect(failure(() => loadAwsConfig(both))).toContain('NON_PRODUCTION_WORDS: PRODUCTION_WORDS and NON_PRODUCTION_WORDS share a word');
    expect(failure(() => loadLocalConfig(both))).toContain('NON_PRODUCTION_WORDS: PRODUCTION_WORDS and NON_PRODUCTION_WORDS share a word');
  });

  it('IDENTITY_CACHE_DAYS: 3 days by default, 1 to 7 accepted, anything else refused by name', () => {
    expect(dispatchSettings(loadAwsConfig({})).identityCacheMs).toBe(3 * 86_400_000);
    expect(dispatchSettings(loadAwsConfig({ IDENTITY_CACHE_DAYS: '7' })).identityCacheMs).toBe(7 * 86_400_000);
    for (const bad of ['0', '8', 'week']) expect(failure(() => loadAwsConfig({ IDENTITY_CACHE_DAYS: bad }))).toContain('IDENTITY_CACHE_DAYS:');
  });
});

describe('Function: identityTenantKey', () => {
  it('keeps staging and production apart even on one host, and tenants apart by host', () => {
    const prod = identityTenantKey({ environment: 'production', apiBaseUrl: 'https://acme.api.identitynow.com' });
    expect(prod).toBe('production#acme.api.identitynow.com');
    expect(identityTenantKey({ environment: 'staging', apiBaseUrl: 'https://acme.api.identitynow.com' })).not.toBe(prod);
    expect(identityTenantKey({ environment: 'production', apiBaseUrl: 'https://acme-sb.api.identitynow.com/' })).not.toBe(prod);
    expect(identityTenantKey({ environment: 'production', apiBaseUrl: 'https://ACME.api.identitynow.com/v3' })).toBe(prod);
  });
});
