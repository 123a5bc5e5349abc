import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadAwsConfig, type AwsConfig } from '../adapters/config.js';
import { documentClient } from '../adapters/dynamodb-table.js';
import { createDynamoStore, type DynamoStore } from '../adapters/dynamodb-store.js';
import { SecretsManagerStore } from '../adapters/secrets-manager-store.js';
import { webhookSecretsFrom } from '../adapters/webhook-secrets.js';
import { createLogger } from '../adapters/logger.js';
import type { Clock, Log } from '../core/ports.js';
import type { CredentialKind } from '../core/target.js';

export type AwsFunction = 'ingest' | 'admin' | 'admin-tools' | 'admin-preview' | 'dispatch' | 'sweep' | 'large-ingest';

/** What the handler factories (functions/aws/*.ts) take; tests build it directly. */
export interface AwsRoot {
  config: AwsConfig;
  log: Log;
  clock: Clock;
  store: DynamoStore;
  secrets: SecretsManagerStore;
  secretIdFor(targetId: string, kind: CredentialKind): string;
  /** The webhook secrets (current, previous) from Secrets Manager; only the ingest function reads them (the large-report authorizer reads its own). */
  webhookSecrets: () => Promise<string[]>;
}

/** Settings a function cannot run without although others can. */
const REQUIRED: Record<AwsFunction, ReadonlyArray<keyof AwsConfig>> = {
  ingest: ['WEBHOOK_SECRET_ARN'],
  admin: [],
  'admin-tools': [],
  'admin-preview': [],
  dispatch: [],
  sweep: [],
  'large-ingest': ['LARGE_REPORT_BUCKET'],
};

/**
 * The composition root for the Lambda functions, run once per container: configuration read and validated
 * (a bad value fails the cold start with its name), SDK clients created once and reused across invocations.
 */
export function awsRoot(fn: AwsFunction, env: Record<string, string | undefined> = process.env): AwsRoot {
  return awsDeps(fn, loadAwsConfig(env, REQUIRED[fn]), { dynamo: documentClient(), secretsManager: new SecretsManagerClient({}) });
}

/** The root of a function that reads no secret (large ingest, admin preview): without Secrets Manager, whose client its bundle then leaves out. */
export function awsStoreRoot(fn: AwsFunction, env: Record<string, string | undefined> = process.env): StoreRoot {
  return storeDeps(fn, loadAwsConfig(env, REQUIRED[fn]), documentClient());
}

type StoreRoot = Pick<AwsRoot, 'config' | 'log' | 'clock' | 'store'>;

function storeDeps(fn: AwsFunction, config: AwsConfig, dynamo: DynamoDBDocumentClient): StoreRoot {
  return {
    config,
    log: createLogger(fn, config.LOG_LEVEL),
    clock: { now: () => new Date() },
    store: createDynamoStore({ client: dynamo, tableName: config.TABLE_NAME, auditTableName: config.AUDIT_TABLE_NAME, retentionDays: config.RETENTION_DAYS }),
  };
}

/** Everything the handlers share, from a validated configuration and the SDK clients (tests pass their own). */
export function awsDeps(fn: AwsFunction, config: AwsConfig, clients: { dynamo: DynamoDBDocumentClient; secretsManager: SecretsManagerClient }): AwsRoot {
  return {
    ...storeDeps(fn, config, clients.dynamo),
    secrets: new SecretsManagerStore({ client: clients.secretsManager }),
    secretIdFor: (targetId, kind) => `${config.TARGET_SECRET_PREFIX}${targetId}/${kind}`,
    // Without a secret no webhook call is accepted (only the functions that take them require one).
    webhookSecrets: config.WEBHOOK_SECRET_ARN ? webhookSecretsFrom(clients.secretsManager, config.WEBHOOK_SECRET_ARN) : () => Promise.resolve([]),
  };
}
