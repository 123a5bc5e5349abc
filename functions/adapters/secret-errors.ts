import { CredentialsMissingError } from '../core/errors.js';

/** A secret store's failures in the core's terms: the secret id is named, its value (or any part of it) never. */
export const secretNotFound = (secretId: string) => new CredentialsMissingError(`Secret ${secretId} does not exist.`);
export const secretUnreadable = (secretId: string) => new CredentialsMissingError(`Secret ${secretId} is not JSON {clientId, clientSecret}.`);
