import * as z from 'zod/mini';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadConfig, parseEnv, type Config } from './adapters/config.js';
import { documentClient } from './adapters/dynamodb-table.js';
import { createDynamoStore, type DynamoStore } from './adapters/dynamodb-store.js';
import { SecretsManagerStore } from './adapters/secrets-manager-store.js';
import { createLogger } from './adapters/logger.js';
import type { Clock, Log } from './core/ports.js';
import type { CredentialKind } from './core/target.js';

/**
 * The composition root for the Lambda functions: configuration read once per container (a bad value fails
 * the cold start with its name), SDK clients created once and reused across invocations.
 */
const AwsEnvSchema = z.object({
  WEBHOOK_SECRET_ARN: z.optional(z.string().check(z.minLength(20))),
  TARGET_SECRET_PREFIX: z._default(z.string().check(z.regex(/^[A-Za-z0-9/_+=.@-]+\/$/, 'must end with "/"')), 'usage-certification/targets/'),
});

export interface AwsContext {
  config: Config;
  env: z.infer<typeof AwsEnvSchema>;
  log: Log;
  clock: Clock;
  store: DynamoStore;
  secretsClient: SecretsManagerClient;
  secrets: SecretsManagerStore;
  secretIdFor(targetId: string, kind: CredentialKind): string;
}

export function awsContext(serviceName: string): AwsContext {
  const config = loadConfig();
  const env = parseEnv(AwsEnvSchema, process.env);
  const secretsClient = new SecretsManagerClient({});
  return {
    config,
    env,
    log: createLogger(serviceName),
    clock: { now: () => new Date() },
    store: createDynamoStore({ client: documentClient(), tableName: config.TABLE_NAME, auditTableName: config.AUDIT_TABLE_NAME, retentionDays: config.RETENTION_DAYS }),
    secretsClient,
    secrets: new SecretsManagerStore({ client: secretsClient }),
    secretIdFor: (targetId, kind) => `${env.TARGET_SECRET_PREFIX}${targetId}/${kind}`,
  };
}
