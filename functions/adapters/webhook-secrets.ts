import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const CACHE_MS = 5 * 60_000;

/**
 * The webhook secret on AWS: one Secrets Manager secret holding `{"current": "...", "previous": "..."}` so a
 * rotation accepts both until SaaS Management has the new one. Cached for five minutes per container; a
 * failed fetch is not cached.
 */
export function webhookSecretsFrom(client: SecretsManagerClient, secretArn: string): () => Promise<string[]> {
  let cached: { values: string[]; until: number } | undefined;
  return async () => {
    if (cached && cached.until > Date.now()) return cached.values;
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    const parsed = JSON.parse(SecretString ?? '{}') as { current?: unknown; previous?: unknown };
    const values = [parsed.current, parsed.previous].filter((v): v is string => typeof v === 'string' && v.length > 0);
    cached = { values, until: Date.now() + CACHE_MS };
    return values;
  };
}
