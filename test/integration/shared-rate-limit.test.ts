/**
 * One ISC rate limit across processes (issue 13): four separate Node processes, each a dispatcher's ISC
 * client, share one dynalite table and one ISC simulator (which enforces the same limit) and search as fast
 * as their limiter allows, at full scale (ISC's 100 / 10 s) for 25 s; throughput is measured after the first
 * window. The benchmark (npm run bench) runs the same for 40 s.
 */
import { describe, expect, it } from 'vitest';
import { runSharedLimit } from '../helpers/shared-limit.js';

describe('Reliability: the rate limit shared through the table', () => {
  it('keeps the busiest window at or under the limit and uses at least 80 % of it while backlogged', async () => {
    const result = await runSharedLimit({ processes: 4, requests: 100, windowMs: 10_000, durationMs: 25_000 });
    console.log(`shared limit, 4 processes, 100 / 10 s: busiest window ${result.busiest}, throughput ${(result.throughputShare * 100).toFixed(0)} % of the limit, ${result.searches} searches, ${result.throttled} 429s, ${result.ledgerRequestsPerCall.toFixed(2)} DynamoDB requests per call`);
    expect(result.busiest).toBeLessThanOrEqual(100);
    expect(result.throttled).toBe(0);
    expect(result.throughputShare).toBeGreaterThanOrEqual(0.8);
  }, 90_000);
});
