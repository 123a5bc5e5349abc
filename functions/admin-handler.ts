import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { awsContext } from './aws-context.js';
import { handleApiGatewayEvent } from './http/api-gateway.js';
import { createRouter } from './http/router.js';
import { adminRoutes } from './http/routes.js';

/** API Gateway (AWS_IAM-authorized) → /admin/*. The caller's IAM ARN is the audit actor. */
const context = awsContext('admin');
const router = createRouter(adminRoutes({ store: context.store, secrets: context.secrets, clock: context.clock, secretIdFor: context.secretIdFor }), {
  webhookSecrets: async () => [],
});

export const handler = (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => handleApiGatewayEvent(event, router, context.log);
