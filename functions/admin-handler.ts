import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { awsContext } from './aws-context.js';
import { handleApiGatewayEvent } from './http/api-gateway.js';
import { createRouter } from './http/router.js';
import { adminRoutes } from './http/routes.js';
import { ingestSettings } from './adapters/config.js';
import { iscClient } from './dispatch-setup.js';
import { consoleAuthFromEnv } from './adapters/jwt-verifier.js';

/**
 * API Gateway → /admin/* (AWS_IAM: the caller's IAM ARN is the audit actor) and /console-api/admin/* (Cognito:
 * the console user's ID token, verified again here for its role and email).
 */
const context = awsContext('admin');
const { store, secrets, clock, secretIdFor, config } = context;
// A connection check makes up to six ISC calls in a row; 3 s each, retries included, keeps it inside the function's 25 s.
const isc = iscClient({ ...config, ISC_TIMEOUT_MS: Math.min(config.ISC_TIMEOUT_MS, 3000) }, { rateLedger: store, retry: { budgetMs: 3000 } });
const router = createRouter(adminRoutes({ store, secrets, clock, secretIdFor, isc, iscHosts: { allowedHosts: config.ISC_ALLOWED_HOSTS, allowLoopbackHttp: false }, settings: ingestSettings(config), maxBodyBytes: config.MAX_BODY_BYTES, matchThreshold: config.MATCH_THRESHOLD_PERCENT / 100 }), {
  webhookSecrets: async () => [],
  console: consoleAuthFromEnv(process.env),
});

export const handler = (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => handleApiGatewayEvent(event, router, context.log);
