import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ingestSettings } from '../adapters/config.js';
import { count, type MetricsPublisher } from '../adapters/metrics.js';
import { handleApiGatewayEvent } from '../http/api-gateway.js';
import { createRouter } from '../http/router.js';
import { publicRoutes } from '../http/routes.js';
import type { AwsRoot } from './root.js';

/** API Gateway → POST /webhooks/saas-management and GET /health. */
export function makeIngestHandler(deps: Pick<AwsRoot, 'config' | 'log' | 'clock' | 'store' | 'webhookSecrets'> & { metrics: MetricsPublisher }) {
  const { config, store, clock } = deps;
  const router = createRouter(publicRoutes({ store, clock, settings: ingestSettings(config), maxBodyBytes: config.MAX_BODY_BYTES }), { webhookSecrets: deps.webhookSecrets });
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const response = await handleApiGatewayEvent(event, router, deps.log);
    // Only the webhook answers 202 here, and only for a new durable delivery (a repeat is 200).
    if (response.statusCode === 202) deps.metrics.publish({ Deliveries: count(1) }, clock.now());
    return response;
  };
}
