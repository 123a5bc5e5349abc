import { makeAdminPreviewHandler } from './aws/admin-preview.js';
import { awsStoreRoot } from './aws/root.js';

export const handler = makeAdminPreviewHandler(awsStoreRoot('admin-preview'));
