import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadAwsConfig } from './adapters/config.js';
import { webhookSecretsFrom } from './adapters/webhook-secrets.js';
import { authorizeLargeReport } from './http/large-report-authorizer.js';

/**
 * API Gateway REQUEST authorizer of POST /webhooks/saas-management/large (the S3 integration has no code of its
 * own). It needs only the webhook secrets, so it reads the validated config without the shared root's table clients.
 */
const config = loadAwsConfig(process.env, ['WEBHOOK_SECRET_ARN']);
const webhookSecrets = webhookSecretsFrom(new SecretsManagerClient({}), config.WEBHOOK_SECRET_ARN!);
export const handler = (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => authorizeLargeReport(event, webhookSecrets);
