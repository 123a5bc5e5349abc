import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CredentialsSchema, type Credentials } from '../core/target.js';
import type { SecretStore } from '../core/ports.js';
import { SecretNotFoundError } from './secret-errors.js';

/**
 * Local stand-in for Secrets Manager: one JSON file under DATA_DIR, mode 0600, written atomically
 * (temp file + rename) so a crash never leaves half a file.
 */
export class FileSecretStore implements SecretStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly path: string) {}

  async getCredentials(secretId: string): Promise<Credentials> {
    const value = (await this.readAll())[secretId];
    if (!value) throw new SecretNotFoundError(secretId);
    return CredentialsSchema.parse(value);
  }

  putCredentials(secretId: string, credentials: Credentials): Promise<void> {
    return this.update((all) => {
      all[secretId] = credentials;
    });
  }

  deleteCredentials(secretId: string): Promise<void> {
    return this.update((all) => {
      delete all[secretId];
    });
  }

  private update(change: (all: Record<string, Credentials>) => void): Promise<void> {
    // Serialise writers so two admin calls cannot lose each other's update.
    const next = this.queue.then(async () => {
      const all = await this.readAll();
      change(all);
      await mkdir(dirname(this.path), { recursive: true });
      const temp = `${this.path}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify(all, null, 2), { mode: 0o600 });
      await rename(temp, this.path);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async readAll(): Promise<Record<string, Credentials>> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as Record<string, Credentials>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
  }
}
