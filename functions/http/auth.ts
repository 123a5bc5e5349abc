import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compare a presented secret with each accepted one in constant time. Hashing first gives equal-length
 * buffers, so neither the content nor the length of a secret leaks through timing; every candidate is
 * compared even after a match.
 */
export function matchesAnySecret(presented: string | undefined, accepted: readonly string[]): boolean {
  const given = digest(presented ?? '');
  let ok = false;
  for (const secret of accepted) {
    if (secret.length === 0) continue;
    ok = timingSafeEqual(given, digest(secret)) || ok;
  }
  return ok && presented !== undefined;
}

/** `Authorization: Bearer <s>`, bare `Authorization: <s>` (SaaS Management's "Secret" field), or `X-Webhook-Secret`. */
export function presentedSecret(headers: Record<string, string | undefined>): string | undefined {
  const authorization = headers.authorization?.trim();
  if (authorization) return authorization.replace(/^Bearer\s+/i, '');
  return headers['x-webhook-secret']?.trim() || undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
