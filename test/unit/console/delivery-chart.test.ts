import { describe, expect, it } from 'vitest';
import { campaignsPerInstance, dailySeries } from '../../../functions/console/chart.js';
import type { Delivery } from '../../../functions/console/types.js';

const delivery = (receivedAt: string, instances: Array<[string, number, number]>, settled?: Delivery['settled']): Delivery =>
  ({ receivedAt, status: 'DISPATCHED', settled, instances: instances.map(([instanceKey, inactiveUsers, batches]) => ({ instanceKey, inactiveUsers, batches })) }) as unknown as Delivery;

describe('deliveries chart data', () => {
  const today = new Date('2026-03-31T18:00:00Z');

  it('buckets the last 30 UTC days, oldest first, and ignores older deliveries', () => {
    const series = dailySeries([
      delivery('2026-03-31T01:00:00Z', [['slack-production', 5, 1], ['zoom-production', 2, 1]], { dispatched: 2, failed: 0, held: 0 }),
      delivery('2026-03-31T23:59:59Z', [['slack-production', 1, 1]], { dispatched: 0, failed: 1, held: 0 }),
      delivery('2026-03-02T00:00:00Z', [['slack-production', 3, 1]]),
      delivery('2026-03-01T23:59:59Z', [['slack-production', 100, 1]], { dispatched: 9, failed: 9, held: 0 }),
    ], today);
    expect(series).toHaveLength(30);
    expect(series[0]).toEqual({ date: '2026-03-02', reports: 1, usersSent: 3, campaigns: 0, failures: 0 });
    expect(series[29]).toEqual({ date: '2026-03-31', reports: 2, usersSent: 8, campaigns: 2, failures: 1 });
    expect(series.reduce((sum, p) => sum + p.reports, 0)).toBe(3);
  });

  it('counts campaigns per instance, most first', () => {
    const deliveries = [
      delivery('2026-03-30T00:00:00Z', [['zoom-production', 2, 1], ['slack-production', 5, 2]], { dispatched: 3, failed: 0, held: 0 }),
      delivery('2026-03-31T00:00:00Z', [['zoom-production', 2, 2]], { dispatched: 2, failed: 0, held: 0 }),
      delivery('2026-03-31T00:00:00Z', [['teams-production', 2, 1]]), // nothing dispatched yet
    ];
    expect(campaignsPerInstance(deliveries, '2026-03-02T00:00:00Z')).toEqual([['zoom-production', 3], ['slack-production', 2]]);
  });
});
