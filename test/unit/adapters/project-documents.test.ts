import { mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DOCUMENT_PATHS, projectDocuments } from '../../../functions/adapters/project-documents.js';

const repoRoot = new URL('../../../', import.meta.url);
const scratch = mkdtempSync(join(tmpdir(), 'project-documents-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('Function: projectDocuments', () => {
  it('reads the committed OpenAPI document and workflow from the project root', async () => {
    const documents = projectDocuments(repoRoot);
    expect(await documents.openApi()).toEqual(JSON.parse(readFileSync(new URL(DOCUMENT_PATHS.openApi, repoRoot), 'utf8')));
    expect(await documents.workflow()).toEqual(JSON.parse(readFileSync(new URL(DOCUMENT_PATHS.workflow, repoRoot), 'utf8')));
  });

  it('reads each file once: a later change on disk is not seen by the running function', async () => {
    mkdirSync(join(scratch, 'docs'), { recursive: true });
    writeFileSync(join(scratch, DOCUMENT_PATHS.openApi), '{"openapi":"3.1.0","info":{"title":"first"}}');
    const documents = projectDocuments(pathToFileURL(`${scratch}/`));
    const first = await documents.openApi();
    writeFileSync(join(scratch, DOCUMENT_PATHS.openApi), '{"openapi":"3.1.0","info":{"title":"second"}}');
    expect(await documents.openApi()).toBe(first);
    expect(first).toEqual({ openapi: '3.1.0', info: { title: 'first' } });
  });

  it('rejects when the package lacks a document, naming the file', async () => {
    await expect(projectDocuments(pathToFileURL(`${scratch}/`)).workflow()).rejects.toThrow(/inactive-users-certification\.json/);
  });
});
