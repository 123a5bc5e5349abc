import { adminToolRoutes } from '../http/routes.js';
import { adminApiHandler, adminDeps, type AdminRoot } from './admin.js';

/**
 * API Gateway → the admin operations that make several ISC calls in a row (connection check, workflow install,
 * verify and test, match test), under /admin/* (IAM) and /console-api/admin/* (Cognito) like the admin function.
 */
export function makeAdminToolsHandler(deps: AdminRoot) {
  return adminApiHandler(adminToolRoutes(adminDeps(deps)), deps);
}
