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
    let parsed: { current?: unknown; previous?: unknown };
    try {
      parsed = JSON.parse(SecretString ?? '{}') as typeof parsed;
    } catch {
      // JSON.parse's message quotes the text, i.e. the secret itself when someone stored it bare.
      throw new Error(`The webhook secret ${secretArn} is not JSON {"current": "...", "previous": "..."}.`);
    }
    const values = [parsed.current, parsed.previous].filter((v): v is string => typeof v === 'string' && v.length > 0);
    cached = { values, until: Date.now() + CACHE_MS };
    return values;
  };
}
