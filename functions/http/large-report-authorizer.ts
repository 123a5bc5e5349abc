import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { AppError } from '../core/errors.js';
import { checkDeliveryKey } from '../core/ingest.js';
import { matchesAnySecret, presentedSecret } from './auth.js';

/**
 * The webhook route's checks, before API Gateway stores a body it cannot look into: the webhook secret
 * (current or previous, constant time: http/auth.ts), and a delivery key ingest would accept, since the
 * 202 names it. A wrong or missing secret is "Unauthorized" (401), a malformed key a Deny (403); a secret
 * that cannot be read fails the authorizer (500). The gateway responses word each in the API's error shape.
 */
export async function authorizeLargeReport(event: APIGatewayRequestAuthorizerEvent, webhookSecrets: () => Promise<string[]>): Promise<APIGatewayAuthorizerResult> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  if (!matchesAnySecret(presentedSecret(headers), await webhookSecrets())) throw new Error('Unauthorized');
  let effect: 'Allow' | 'Deny' = 'Allow';
  try {
    checkDeliveryKey(headers['idempotency-key'] ?? headers['webhook-id']);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    effect = 'Deny';
  }
  return {
    principalId: 'saas-management',
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: event.methodArn }] },
  };
}
