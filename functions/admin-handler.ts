import { makeAdminHandler } from './aws/admin.js';
import { awsRoot } from './aws/root.js';

export const handler = makeAdminHandler(awsRoot('admin'));
