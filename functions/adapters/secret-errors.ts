import { CredentialsMissingError, StoreUnavailableError } from '../core/errors.js';

/**
 * A secret store's failures in the core's terms, the same shape the table's adapter gives: a secret that is
 * gone or unusable is CredentialsMissingError (setting it again helps, retrying does not); any other failure
 * (throttling, access, network) is StoreUnavailableError (retry later), with the SDK's error as its cause.
 * Messages name the secret id, never its value or any part of it.
 */
export const secretNotFound = (secretId: string) => new CredentialsMissingError(`Secret ${secretId} does not exist.`);
export const secretUnreadable = (secretId: string) => new CredentialsMissingError(`Secret ${secretId} is not JSON {clientId, clientSecret}.`);
export const secretScheduledForDeletion = (secretId: string) =>
  new CredentialsMissingError(`Secret ${secretId} is scheduled for deletion (aws secretsmanager restore-secret --secret-id ${secretId} brings it back).`);
/** The local secrets file cannot be read or parsed; its reader's errors name the file, never its content. */
export const secretsFileUnreadable = (secretId: string, error: unknown) => new CredentialsMissingError(`Secret ${secretId} cannot be read: ${(error as Error).message}`, { cause: error });
export const secretStoreUnavailable = (cause: unknown) => new StoreUnavailableError(cause, 'The secret store is temporarily unavailable; retry the request.');
