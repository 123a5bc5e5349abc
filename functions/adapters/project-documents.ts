import { readFile } from 'node:fs/promises';
import type { ProjectDocuments } from '../core/ports.js';
import type { WorkflowFile } from '../core/workflow-install.js';

/**
 * Where the documents live, relative to the project root; the admin Lambda package carries them at the same paths
 * beside its bundle (lib/functions.ts copies them), so one reader serves the repository and /var/task alike.
 */
export const DOCUMENT_PATHS = {
  openApi: 'docs/openapi.json',
  workflow: 'workflows/inactive-users-certification.json',
} as const;

/** Reads each document once, on first use; `root` is the directory holding docs/ and workflows/ (a URL ending in /). */
export function projectDocuments(root: URL): ProjectDocuments {
  const once = <T>(path: string): (() => Promise<T>) => {
    let document: Promise<T> | undefined;
    return () => (document ??= readFile(new URL(path, root), 'utf8').then((text) => JSON.parse(text) as T));
  };
  return { openApi: once<unknown>(DOCUMENT_PATHS.openApi), workflow: once<WorkflowFile>(DOCUMENT_PATHS.workflow) };
}
