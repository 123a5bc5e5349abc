import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ingestSettings } from '../adapters/config.js';
import { handleApiGatewayEvent } from '../http/api-gateway.js';
import { createRouter } from '../http/router.js';
import { publicRoutes } from '../http/routes.js';
import type { AwsRoot } from './root.js';

/** API Gateway → POST /webhooks/saas-management and GET /health. */
export function makeIngestHandler(deps: Pick<AwsRoot, 'config' | 'log' | 'clock' | 'store' | 'webhookSecrets'>) {
  const { config, store, clock } = deps;
  const router = createRouter(publicRoutes({ store, clock, settings: ingestSettings(config), maxBodyBytes: config.MAX_BODY_BYTES }), { webhookSecrets: deps.webhookSecrets });
  return (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => handleApiGatewayEvent(event, router, deps.log);
}
