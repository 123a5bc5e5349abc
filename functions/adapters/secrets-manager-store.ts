import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  RestoreSecretCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CredentialsSchema, type Credentials } from '../core/target.js';
import type { Clock, SecretStore } from '../core/ports.js';
import { secretNotFound, secretScheduledForDeletion, secretStoreUnavailable, secretUnreadable } from './secret-errors.js';
import { TtlCache } from '../core/ttl-cache.js';

export interface SecretsManagerStoreOptions {
  client?: SecretsManagerClient;
  clock?: Clock;
  /** How long a fetched secret is reused; 0 turns caching off (tests). */
  cacheMs?: number;
}

/**
 * Target credentials in AWS Secrets Manager as JSON `{clientId, clientSecret}`. Values are cached briefly
 * so a burst of batches costs one GetSecretValue; a failed fetch is never cached, and a write replaces the
 * cached value so a rotated secret is used at once by this container.
 */
export class SecretsManagerStore implements SecretStore {
  private readonly client: SecretsManagerClient;
  private readonly cacheMs: number;
  private readonly cache: TtlCache<string, { value: Credentials; version?: number }>;

  constructor(options: SecretsManagerStoreOptions = {}) {
    this.client = options.client ?? new SecretsManagerClient({});
    const clock = options.clock ?? { now: () => new Date() };
    this.cache = new TtlCache(() => clock.now().getTime());
    this.cacheMs = options.cacheMs ?? 60_000;
  }

  async getCredentials(secretId: string, version?: number): Promise<Credentials> {
    const cached = this.cache.get(secretId);
    if (cached && cached.version === version) return cached.value;
    this.cache.delete(secretId);
    let secretString: string | undefined;
    try {
      ({ SecretString: secretString } = await this.client.send(new GetSecretValueCommand({ SecretId: secretId })));
    } catch (error) {
      if (isNotFound(error)) throw secretNotFound(secretId);
      // On a read, the only cause AWS lists for InvalidRequestException is a secret scheduled for deletion.
      if (isError(error, InvalidRequestException)) throw secretScheduledForDeletion(secretId);
      throw secretStoreUnavailable(error);
    }
    const value = parseCredentials(secretId, secretString);
    this.cache.set(secretId, { value, version }, this.cacheMs);
    return value;
  }

  async putCredentials(secretId: string, credentials: Credentials): Promise<void> {
    const SecretString = JSON.stringify(credentials);
    const put = () => this.client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString }));
    try {
      await put();
    } catch (error) {
      if (isNotFound(error)) {
        await translated(() => this.client.send(new CreateSecretCommand({ Name: secretId, SecretString, Description: 'ISC client credentials for a usage-certification target' })));
      } else if (isScheduledForDeletion(error)) {
        // Cleared earlier (target deleted or its URLs changed): the re-entered value brings it back.
        await translated(async () => {
          await this.client.send(new RestoreSecretCommand({ SecretId: secretId }));
          await put();
        });
      } else {
        throw secretStoreUnavailable(error);
      }
    }
    this.cache.delete(secretId);
  }

  /** Scheduled, not immediate: an operator can still restore a deletion made by mistake within the window. */
  async deleteCredentials(secretId: string): Promise<void> {
    this.cache.delete(secretId);
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: secretId, RecoveryWindowInDays: DELETION_WINDOW_DAYS }));
    } catch (error) {
      if (!isNotFound(error) && !isScheduledForDeletion(error)) throw secretStoreUnavailable(error);
    }
  }
}

const DELETION_WINDOW_DAYS = 7;

/** A failure in the recovery step (create, restore) is the store's too: retry later. */
async function translated(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    throw secretStoreUnavailable(error);
  }
}

function isNotFound(error: unknown): boolean {
  return isError(error, ResourceNotFoundException);
}

/** Secrets Manager's answer for a secret whose deletion is scheduled (InvalidRequestException, "marked for deletion"). */
function isScheduledForDeletion(error: unknown): boolean {
  return isError(error, InvalidRequestException) && /deletion/i.test((error as Error).message);
}

/** JSON.parse's message quotes the text it choked on, so it is dropped: only the secret id is named. */
function parseCredentials(secretId: string, secretString: string | undefined): Credentials {
  let value: unknown;
  try {
    value = JSON.parse(secretString ?? '');
  } catch {
    throw secretUnreadable(secretId);
  }
  const parsed = CredentialsSchema.safeParse(value);
  if (!parsed.success) throw secretUnreadable(secretId);
  return parsed.data;
}

/** The SDK's class, or its name when the error crossed a copy of the SDK (bundles, mocks). */
function isError(error: unknown, type: new (...args: never[]) => Error): boolean {
  return error instanceof type || (error as Error | undefined)?.name === type.name;
}
