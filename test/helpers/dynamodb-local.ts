import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DYNAMODB_LOCAL_CACHE, DYNAMODB_LOCAL_EMULATOR, DYNAMODB_LOCAL_JAR } from './dynamodb-local-files.js';
import { freePort } from './free-port.js';

/**
 * The official DynamoDB Local (which has Streams, unlike dynalite) for the stream-adapter suite. It needs
 * Java and the jar that `npm run setup:dynamodb-local` fetches; tests never download anything, so where
 * either is missing the suite is skipped with a printed notice naming the fix.
 */
export function dynamoDbLocalUnavailable(): string | undefined {
  const java = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (java.status !== 0) return 'Java is not installed: the DynamoDB Streams suite (DynamoDB Local) is skipped.';
  if (!existsSync(DYNAMODB_LOCAL_JAR)) return 'DynamoDB Local is not set up (run `npm run setup:dynamodb-local`): the DynamoDB Streams suite is skipped.';
  return undefined;
}

export async function startDynamoDbLocal(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn('java', [`-Djava.library.path=${join(DYNAMODB_LOCAL_EMULATOR, 'DynamoDBLocal_lib')}`, '-jar', DYNAMODB_LOCAL_JAR, '-inMemory', '-sharedDb', '-port', String(port)], {
    stdio: 'ignore',
    cwd: DYNAMODB_LOCAL_CACHE, // it writes a metadata file into its working directory
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch (error) {
        if (attempt >= 150 || child.exitCode !== null) throw new Error(`DynamoDB Local did not start: ${(error as Error).message}`, { cause: error });
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
