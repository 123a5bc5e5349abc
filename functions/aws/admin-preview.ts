import { ingestSettings } from '../adapters/config.js';
import { adminPreviewRoutes } from '../http/routes.js';
import { adminApiHandler } from './admin.js';
import type { AwsRoot } from './root.js';

/**
 * API Gateway → POST /admin/deliveries/preview (IAM) and its console copy (Cognito): the report dry run. It reads
 * the table and nothing else, so its root has no Secrets Manager client and no ISC client.
 */
export function makeAdminPreviewHandler(deps: Pick<AwsRoot, 'config' | 'log' | 'clock' | 'store'>) {
  const { config, store, clock } = deps;
  return adminApiHandler(adminPreviewRoutes({ store, clock, settings: ingestSettings(config), maxBodyBytes: config.MAX_BODY_BYTES }), deps);
}
