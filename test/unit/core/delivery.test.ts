/** Pure core: the status a delivery reaches from its settled batch counts (delivery.ts). */
import { describe, expect, it } from 'vitest';
import { settledStatus } from '../../../functions/core/delivery.js';

const settled = (batchCount: number, dispatched: number, failed: number, held: number) => settledStatus({ batchCount, settled: { dispatched, failed, held } });

describe('Function: settledStatus', () => {
  it('stays QUEUED while some batch has not settled, counts or no counts', () => {
    expect(settledStatus({ batchCount: 2 })).toBe('QUEUED');
    expect(settled(3, 1, 1, 0)).toBe('QUEUED');
  });

  it('names the one outcome every batch had', () => {
    expect(settled(2, 2, 0, 0)).toBe('DISPATCHED');
    expect(settled(2, 0, 2, 0)).toBe('FAILED');
    expect(settled(2, 0, 0, 2)).toBe('HELD');
  });

  it('is PARTIAL when the batches ended differently', () => {
    expect(settled(2, 1, 1, 0)).toBe('PARTIAL');
    expect(settled(2, 1, 0, 1)).toBe('PARTIAL');
    expect(settled(2, 0, 1, 1)).toBe('PARTIAL');
  });
});
