/**
 * One dispatcher process's ISC client, for the shared-limit test and benchmark (test/helpers/shared-limit.ts):
 * the HttpIscClient a dispatcher builds, with the rate limit held in the shared table. On "go" it keeps
 * `concurrency` identity searches in flight until `until`, then reports how many it made.
 */
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import { createDynamoStore } from '../../functions/adapters/dynamodb-store.js';
import { documentClient } from '../../functions/adapters/dynamodb-table.js';
import { IscError } from '../../functions/core/errors.js';
import { API_CLIENT, simulatorTarget } from './fake-isc.js';

interface Go {
  until: number;
}

const { DYNAMO_ENDPOINT, TABLE, ISC_URL, REQUESTS, WINDOW_MS, CONCURRENCY, WORKER } = process.env as Record<string, string>;
const store = createDynamoStore({ client: documentClient({ endpoint: DYNAMO_ENDPOINT, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }), tableName: TABLE! });
const isc = new HttpIscClient({ timeoutMs: 5_000, rateLedger: store, rateLimit: { requests: Number(REQUESTS), windowMs: Number(WINDOW_MS) }, concurrencyPerTarget: Number(CONCURRENCY), maxLimiterWaitMs: 60_000 });
const target = simulatorTarget(ISC_URL!);

async function run({ until }: Go): Promise<void> {
  let calls = 0;
  let failures = 0;
  const loop = async (lane: number) => {
    for (let i = 0; Date.now() < until; i++) {
      try {
        await isc.resolveIdentities(target, API_CLIENT, [`user${(Number(WORKER) * 1000 + lane * 100 + i) % 50}@example.com`]);
        calls++;
      } catch (error) {
        failures++;
        if (!(error instanceof IscError)) throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Number(CONCURRENCY) }, (_, lane) => loop(lane)));
  process.send!({ calls, failures }, () => process.exit(0));
}

// A failed run rejects unhandled and ends the worker with an error, as the parent expects.
process.once('message', (go: Go) => void run(go));
process.send!('ready');
