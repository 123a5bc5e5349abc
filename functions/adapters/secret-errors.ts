/** The secret id is named, its value never. */
export class SecretNotFoundError extends Error {
  constructor(readonly secretId: string) {
    super(`Secret ${secretId} does not exist.`);
    this.name = 'SecretNotFoundError';
  }
}
