import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { readContext } from '../../lib/context.js';

const read = (context: Record<string, unknown>) => readContext(new App({ context }).node);

describe('CDK context', () => {
  it('reads -c strings and cdk.json numbers and booleans alike, with defaults for what is unset', () => {
    expect(read({ leaseSeconds: '120', iscTimeoutSeconds: 5, apiGatewayCloudWatchRole: false, logLevel: 'debug' })).toMatchObject({
      stage: 'dev', leaseSeconds: 120, iscTimeoutSeconds: 5, apiGatewayCloudWatchRole: false, logLevel: 'DEBUG',
    });
    expect(read({ webhookAllowedCidrs: ' 203.0.113.0/24, 2001:db8::/32 ,' }).webhookAllowedCidrs).toEqual(['203.0.113.0/24', '2001:db8::/32']);
    expect(read({ consoleIdp: '{"type":"saml","name":"Okta","metadataUrl":"https://idp.example.com/metadata"}' }).consoleIdp)
      .toEqual({ type: 'saml', name: 'Okta', metadataUrl: 'https://idp.example.com/metadata' });
  });

  it.each([
    [{ stage: 'staging' }, 'Context "stage" must be dev or prod, got "staging".'],
    [{ maxAttempts: 'many' }, 'Context "maxAttempts" must be a whole number from 0 to 10000000, got "many".'],
    [{ leaseSeconds: 120.5 }, 'Context "leaseSeconds" must be a whole number from 60 to 900, got "120.5".'],
    [{ webhookAllowedCidrs: '10.0.0.0/8, saas.example.com' }, 'Context "webhookAllowedCidrs" must be comma-separated CIDRs (203.0.113.0/24, 2001:db8::/32), got "saas.example.com".'],
    [{ apiGatewayCloudWatchRole: 'yes' }, 'Context "apiGatewayCloudWatchRole" must be true or false, got "yes".'],
    [{ consoleIdp: '{bad' }, 'Context "consoleIdp" must be JSON, e.g. {"type":"saml","name":"Okta","metadataUrl":"https://…"}.'],
    [{ consoleIdp: '{"type":"ldap","name":"x"}' }, 'Context "consoleIdp" field "type" must be "saml" or "oidc".'],
    [{ consoleIdp: '{"type":"oidc","name":"x","issuer":"https://a.example.com"}' }, 'Context "consoleIdp" needs "clientId".'],
  ])('refuses %j naming the key and the value', (context, message) => {
    expect(() => read(context)).toThrow(message);
  });
});
