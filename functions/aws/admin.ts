import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ingestSettings } from '../adapters/config.js';
import { iscClient } from '../adapters/configured-isc-client.js';
import { consoleAuthFrom } from '../adapters/jwt-verifier.js';
import type { AdminDeps } from '../http/admin-common.js';
import { handleApiGatewayEvent } from '../http/api-gateway.js';
import { createRouter } from '../http/router.js';
import { adminRecordRoutes } from '../http/routes.js';
import type { Route } from '../http/router.js';
import type { ProjectDocuments } from '../core/ports.js';
import type { AwsRoot } from './root.js';

/** What the admin and admin-tools functions are built from. */
export type AdminRoot = Pick<AwsRoot, 'config' | 'log' | 'clock' | 'store' | 'secrets' | 'secretIdFor'> & { documents: ProjectDocuments };

/**
 * API Gateway → /openapi.json, /admin/* (AWS_IAM: the caller's IAM ARN is the audit actor) and /console-api/admin/*
 * (Cognito: the console user's ID token, verified again here for its role and email), but for the routes that
 * have functions of their own (admin-tools, admin-preview): the records.
 */
export function makeAdminHandler(deps: AdminRoot) {
  return adminApiHandler(adminRecordRoutes(adminDeps(deps)), deps);
}

/** The routes' dependencies in the admin and admin-tools functions. */
export function adminDeps(deps: AdminRoot): AdminDeps & { matchThreshold: number } {
  const { config, store, secrets, clock, secretIdFor, documents } = deps;
  // A connection check (admin-tools) makes up to six ISC calls in a row; 3 s each, retries included, keeps it inside the
  // function's 25 s. The admin function's source check makes two or three.
  const isc = iscClient({ ...config, ISC_TIMEOUT_MS: Math.min(config.ISC_TIMEOUT_MS, 3000) }, { rateLedger: store, retry: { budgetMs: 3000 } });
  return {
    store, secrets, clock, secretIdFor, isc, documents,
    iscHosts: { allowedHosts: config.ISC_ALLOWED_HOSTS, allowLoopbackHttp: false },
    settings: ingestSettings(config),
    workflowTestFollowMs: config.WORKFLOW_TEST_FOLLOW_SECONDS * 1000,
    matchThreshold: config.MATCH_THRESHOLD_PERCENT / 100,
  };
}

/** One admin function's routes behind API Gateway: IAM principals, and console ID tokens when the stack has a console. */
export function adminApiHandler(routes: Route[], deps: Pick<AwsRoot, 'config' | 'log'>) {
  const router = createRouter(routes, { webhookSecrets: () => Promise.resolve([]), console: consoleAuthFrom(deps.config) });
  return (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => handleApiGatewayEvent(event, router, deps.log);
}
