import { join } from 'node:path';

/** Where `npm run setup:dynamodb-local` puts the official DynamoDB Local, and where the Streams suite looks. */
export const DYNAMODB_LOCAL_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
export const DYNAMODB_LOCAL_CACHE = join(process.cwd(), 'node_modules', '.cache', 'dynamodb-local');
export const DYNAMODB_LOCAL_EMULATOR = join(DYNAMODB_LOCAL_CACHE, 'package', 'emulator');
export const DYNAMODB_LOCAL_JAR = join(DYNAMODB_LOCAL_EMULATOR, 'DynamoDBLocal.jar');
