/** npm run bench: every benchmark, printed and written to bench/results/latest.md. Never part of npm test. */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { runIngestBench } from './ingest.js';
import { runPackageBench } from './packages.js';
import { runE2eBench } from './e2e.js';
import { runResilienceBench } from './resilience.js';
import { runLargeBench } from './large.js';
import { runSoakBench } from './soak.js';

const started = Date.now();
const sections: string[] = [];
const header = `Measured ${new Date().toISOString()} on Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}.`;

const ingest = runIngestBench();
sections.push(`## 1. Ingest (in-process)\n\n${ingest.table}`);
console.log(sections.at(-1));

const e2e = await runE2eBench();
sections.push(`## 2. End to end, local stack (fake ISC: 300 s tokens, 100 requests / 10 s), twice: the identity directory cache\n\n${e2e.table}`);
console.log(sections.at(-1));

const soak = await runSoakBench();
sections.push(`## 2b. Soak: ingest time and memory as the cooldown history grows\n\n${soak.table}`);
console.log(sections.at(-1));

const resilience = await runResilienceBench();
sections.push(`## 3. Flaky ISC and the shared rate limit\n\n${resilience.table}`);
console.log(sections.at(-1));

const large = await runLargeBench();
sections.push(`## 4. Large report through the local large path\n\n${large.table}`);
console.log(sections.at(-1));

const packages = runPackageBench();
sections.push(`## 5. Lambda packages\n\n${packages.table}`);
console.log(sections.at(-1));

const report = `# Benchmark results\n\n${header}\n\n${sections.join('\n\n')}\n\nTotal bench time ${((Date.now() - started) / 1000).toFixed(0)} s.\n`;
writeFileSync(new URL('./results/latest.md', import.meta.url), report);
console.log(`\nwrote bench/results/latest.md (${((Date.now() - started) / 1000).toFixed(0)} s)`);
