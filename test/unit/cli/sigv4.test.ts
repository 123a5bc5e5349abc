/** The CLI's SigV4 signing (functions/cli/sigv4.ts), checked against AWS's published SigV4 test vector. */
import { describe, expect, it } from 'vitest';
import { apiGatewayRegion, sigV4Signer } from '../../../functions/cli/sigv4.js';

// AWS Signature Version 4 test suite, "get-vanilla".
const credentials = () => Promise.resolve({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' });
const now = () => new Date('2015-08-30T12:36:00Z');

describe('Function: sigV4Signer', () => {
  it('produces the signature of AWS\'s get-vanilla test vector', async () => {
    const sign = sigV4Signer('us-east-1', credentials, { service: 'service', now });
    const headers = await sign('GET', new URL('https://example.amazonaws.com/'), {}, undefined);
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('signs admin calls for execute-api in the API\'s region, body included', async () => {
    const sign = sigV4Signer('eu-west-1', credentials, { now });
    const url = new URL('https://abc123.execute-api.eu-west-1.amazonaws.com/v1/admin/mappings?limit=5');
    const a = await sign('PUT', url, { 'content-type': 'application/json' }, '{"a":1}');
    const b = await sign('PUT', url, { 'content-type': 'application/json' }, '{"a":2}');
    expect(a.authorization).toContain('/eu-west-1/execute-api/aws4_request');
    expect(a.authorization).not.toBe(b.authorization);
    expect(apiGatewayRegion(url.href)).toBe('eu-west-1');
    expect(apiGatewayRegion('http://127.0.0.1:3000')).toBeUndefined();
  });
});
