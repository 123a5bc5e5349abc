import { projectDocuments } from './adapters/project-documents.js';
import { makeAdminToolsHandler } from './aws/admin-tools.js';
import { awsRoot } from './aws/root.js';

// The package holds index.mjs beside workflows/ (copied there by lib/functions.ts).
export const handler = makeAdminToolsHandler({ ...awsRoot('admin-tools'), documents: projectDocuments(new URL('./', import.meta.url)) });
