/**
 * The embedded DynamoDB (dynalite) alone in its own process, for bench/large-case.ts: on AWS the table is remote,
 * so the large path's own memory is the ingest process's, and the engine's is measured apart. Prints
 * `{"endpoint"}` once the tables exist; when its stdin closes, stops and prints `{"peakRss"}` (bytes).
 * Usage: node --import tsx bench/engine-process.ts <table name>
 */
import { startEmbeddedDynamoDb } from '../functions/local/embedded-dynamodb.js';
import { ownPeakRss } from './peak-rss.js';

const engine = await startEmbeddedDynamoDb(process.argv[2]!);
console.log(JSON.stringify({ endpoint: engine.endpoint }));
process.stdin.resume();
process.stdin.on('end', () => {
  void engine.close().then(() => console.log(JSON.stringify({ peakRss: ownPeakRss() })));
});
