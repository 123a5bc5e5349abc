import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentityProvider, SourceData } from '@smithy/types';

function bytes(data: SourceData): string | Buffer {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

/** SHA-256 for the signer from node:crypto (the interface @smithy/signature-v4 expects). */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

export type RequestSigner = (method: string, url: URL, headers: Record<string, string>, body: string | undefined) => Promise<Record<string, string>>;

/** The region of an API Gateway URL (https://{id}.execute-api.{region}.amazonaws.com/…), if it is one. */
export function apiGatewayRegion(url: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(new URL(url).hostname)?.[1];
}

/**
 * Signs admin API calls with the caller's AWS credentials (the default chain: environment, profile, SSO…),
 * as API Gateway's AWS_IAM authorization on /admin/* requires.
 */
export function sigV4Signer(region: string, credentials: AwsCredentialIdentityProvider = defaultProvider(), options: { service?: string; now?: () => Date } = {}): RequestSigner {
  const signer = new SignatureV4({ service: options.service ?? 'execute-api', region, credentials, sha256: Sha256, applyChecksum: false });
  return async (method, url, headers, body) => {
    const signed = await signer.sign(
      {
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...headers, host: url.host },
      body,
      },
      { signingDate: options.now?.() },
    );
    return signed.headers;
  };
}
