import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { webhookSecretsFrom } from './adapters/webhook-secrets.js';
import { authorizeLargeReport } from './http/large-report-authorizer.js';

/** API Gateway REQUEST authorizer of POST /webhooks/saas-management/large (the S3 integration has no code of its own). */
const secretArn = process.env.WEBHOOK_SECRET_ARN;
if (!secretArn) throw new Error('WEBHOOK_SECRET_ARN environment variable is not set');
const webhookSecrets = webhookSecretsFrom(new SecretsManagerClient({}), secretArn);

export const handler = (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => authorizeLargeReport(event, webhookSecrets);
