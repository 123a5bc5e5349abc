import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ObjectStore, StoredReportMeta } from '../core/ports.js';
import { objectKeyProblem } from './object-keys.js';

/**
 * Local stand-in for the S3 bucket of large reports: `<key>` holds the body, `<key>.meta.json` what S3 keeps
 * as object metadata. The body is written to a temporary name and renamed, so a reader never sees half of it.
 */
export class FileObjectStore implements ObjectStore {
  constructor(private readonly directory: string) {}

  async put(key: string, body: Uint8Array, meta: StoredReportMeta): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(`${path}.meta.json`, JSON.stringify(meta), { mode: 0o600 });
    await writeFile(`${path}.partial`, body, { mode: 0o600 });
    await rename(`${path}.partial`, path);
  }

  async get(key: string) {
    const path = this.pathOf(key);
    const meta = JSON.parse(await readFile(`${path}.meta.json`, 'utf8')) as StoredReportMeta;
    const { size } = await stat(path);
    return { meta, body: createReadStream(path), bytes: size };
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await rm(path, { force: true });
    await rm(`${path}.meta.json`, { force: true });
  }

  private pathOf(key: string): string {
    const problem = objectKeyProblem(key);
    if (problem) throw new Error(problem);
    return join(this.directory, key);
  }
}
