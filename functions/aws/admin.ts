import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ingestSettings } from '../adapters/config.js';
import { iscClient } from '../adapters/configured-isc-client.js';
import { consoleAuthFrom } from '../adapters/jwt-verifier.js';
import { handleApiGatewayEvent } from '../http/api-gateway.js';
import { createRouter } from '../http/router.js';
import { adminRoutes } from '../http/routes.js';
import type { ProjectDocuments } from '../core/ports.js';
import type { AwsRoot } from './root.js';

/**
 * API Gateway → /admin/* (AWS_IAM: the caller's IAM ARN is the audit actor) and /console-api/admin/* (Cognito:
 * the console user's ID token, verified again here for its role and email).
 */
export function makeAdminHandler(deps: Pick<AwsRoot, 'config' | 'log' | 'clock' | 'store' | 'secrets' | 'secretIdFor'> & { documents: ProjectDocuments }) {
  const { config, store, secrets, clock, secretIdFor, documents } = deps;
  // A connection check makes up to six ISC calls in a row; 3 s each, retries included, keeps it inside the function's 25 s.
  const isc = iscClient({ ...config, ISC_TIMEOUT_MS: Math.min(config.ISC_TIMEOUT_MS, 3000) }, { rateLedger: store, retry: { budgetMs: 3000 } });
  const routes = adminRoutes({
    store, secrets, clock, secretIdFor, isc, documents,
    iscHosts: { allowedHosts: config.ISC_ALLOWED_HOSTS, allowLoopbackHttp: false },
    settings: ingestSettings(config),
    maxBodyBytes: config.MAX_BODY_BYTES,
    matchThreshold: config.MATCH_THRESHOLD_PERCENT / 100,
  });
  const router = createRouter(routes, { webhookSecrets: () => Promise.resolve([]), console: consoleAuthFrom(config) });
  return (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => handleApiGatewayEvent(event, router, deps.log);
}
