import { projectDocuments } from './adapters/project-documents.js';
import { makeAdminHandler } from './aws/admin.js';
import { awsRoot } from './aws/root.js';

// The package holds index.mjs beside docs/ (copied there by lib/functions.ts).
export const handler = makeAdminHandler({ ...awsRoot('admin'), documents: projectDocuments(new URL('./', import.meta.url)) });
