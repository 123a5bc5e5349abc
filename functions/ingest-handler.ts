import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { awsContext } from './aws-context.js';
import { ingestSettings } from './adapters/config.js';
import { webhookSecretsFrom } from './adapters/webhook-secrets.js';
import { handleApiGatewayEvent } from './http/api-gateway.js';
import { createRouter } from './http/router.js';
import { publicRoutes } from './http/routes.js';

/** API Gateway → POST /webhooks/saas-management and GET /health. */
const context = awsContext('ingest');
if (!context.env.WEBHOOK_SECRET_ARN) throw new Error('WEBHOOK_SECRET_ARN environment variable is not set');
const router = createRouter(
  publicRoutes({ store: context.store, clock: context.clock, settings: ingestSettings(context.config), maxBodyBytes: context.config.MAX_BODY_BYTES }),
  { webhookSecrets: webhookSecretsFrom(context.secretsClient, context.env.WEBHOOK_SECRET_ARN) },
);

export const handler = (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => handleApiGatewayEvent(event, router, context.log);
