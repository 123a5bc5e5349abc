import type { FaultMix } from '../../functions/local/isc-simulator.js';

/** Issue 13's bad day at ISC, per call: 20 % HTTP 500, 10 % 429 with Retry-After: 1, 5 % resets, 2 % tokens revoked early. */
export const FAULT_MIX: FaultMix['faults'] = [
  { share: 0.2, fault: { type: 'status', status: 500 } },
  { share: 0.1, fault: { type: 'rate-limit', retryAfterSeconds: 1 } },
  { share: 0.05, fault: { type: 'reset' } },
  { share: 0.02, fault: { type: 'revoke-token' } },
];

/** A seeded generator (LCG), so a run's faults can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}
