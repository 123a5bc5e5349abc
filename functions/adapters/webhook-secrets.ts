import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { InternalError } from '../core/errors.js';
import { TtlCache } from '../core/ttl-cache.js';

const CACHE_MS = 5 * 60_000;
/** A failed read is remembered this long, so a broken secret does not cost a GetSecretValue per request. */
const FAILURE_CACHE_MS = 30_000;

/**
 * The webhook secret on AWS: one Secrets Manager secret holding `{"current": "...", "previous": "..."}` so a
 * rotation accepts both until SaaS Management has the new one; a secret stored as plain text is the current
 * value alone. Cached for five minutes per container, a failure for thirty seconds. Errors name what went
 * wrong, never any part of the value (a JSON SyntaxError would quote it).
 */
export function webhookSecretsFrom(client: SecretsManagerClient, secretArn: string, now: () => number = Date.now): () => Promise<string[]> {
  const cache = new TtlCache<'secret', { values: string[] } | { error: Error }>(now);
  return async () => {
    const cached = cache.get('secret');
    if (cached) {
      if ('error' in cached) throw cached.error;
      return cached.values;
    }
    try {
      const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
      const values = webhookSecretValues(SecretString ?? '');
      cache.set('secret', { values }, CACHE_MS);
      return values;
    } catch (error) {
      const failure = error instanceof WebhookSecretError ? error : new WebhookSecretError(`Could not read the webhook secret (${(error as Error).name}).`);
      cache.set('secret', { error: failure }, FAILURE_CACHE_MS);
      throw failure;
    }
  };
}

export class WebhookSecretError extends InternalError {
  override name = 'WebhookSecretError';

  constructor(message: string) {
    super('webhook_secret_unreadable', message);
  }
}

/** `{"current","previous"}` → both (non-empty); any other text → that text is the secret. */
export function webhookSecretValues(text: string): string[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return trimmed ? [trimmed] : [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new WebhookSecretError('The webhook secret starts like JSON but is not valid JSON {"current","previous"}.');
  }
  const { current, previous } = (parsed ?? {}) as { current?: unknown; previous?: unknown };
  return [current, previous].filter((v): v is string => typeof v === 'string' && v.length > 0);
}
