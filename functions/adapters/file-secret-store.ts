import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CredentialsSchema, type Credentials } from '../core/target.js';
import type { SecretStore } from '../core/ports.js';
import { secretNotFound, secretsFileUnreadable, secretUnreadable } from './secret-errors.js';

/**
 * Local stand-in for Secrets Manager: one JSON file under DATA_DIR, mode 0600, written atomically
 * (temp file + rename) so a crash never leaves half a file.
 */
export class FileSecretStore implements SecretStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly path: string) {}

  async getCredentials(secretId: string): Promise<Credentials> {
    let all: Record<string, unknown>;
    try {
      all = await this.readAll();
    } catch (error) {
      throw secretsFileUnreadable(secretId, error);
    }
    if (!Object.hasOwn(all, secretId)) throw secretNotFound(secretId);
    const parsed = CredentialsSchema.safeParse(all[secretId]);
    if (!parsed.success) throw secretUnreadable(secretId);
    return parsed.data;
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
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    try {
      return JSON.parse(text) as Record<string, Credentials>;
    } catch {
      // The parser's message would quote the file, secrets included.
      throw new Error(`${this.path} is not valid JSON; fix or remove it, then set the credentials again.`);
    }
  }
}
