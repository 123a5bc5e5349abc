import { dispatchBatch, sweep, type DispatcherDeps } from '../core/dispatcher.js';
import { followDispatched } from '../core/follow-up.js';

export interface Poller {
  /** Resolves once the current round (if any) has finished. */
  stop(): Promise<void>;
  /** Run one round now (tests use this instead of waiting for the timer). */
  runOnce(): Promise<number>;
}

/**
 * The local stand-in for DynamoDB Streams + the scheduled sweeper: every interval, sweep, follow dispatched
 * batches whose next check is due, then claim and send PENDING batches. Claims are conditional writes, so several pollers (or processes) never send the same
 * batch twice.
 */
export function startPoller(deps: DispatcherDeps, intervalMs: number, concurrency = 4): Poller {
  let stopped = false;
  let current: Promise<number> = Promise.resolve(0);
  let timer: NodeJS.Timeout | undefined;

  const round = async (): Promise<number> => {
    await sweep(deps);
    await followDispatched(deps);
    const pending = await deps.store.batchesByStatus('PENDING', concurrency * 5);
    let sent = 0;
    for (let i = 0; i < pending.length && !stopped; i += concurrency) {
      const outcomes = await Promise.all(pending.slice(i, i + concurrency).map((batch) => dispatchBatch(batch, deps)));
      sent += outcomes.filter((o) => o !== 'skipped').length;
    }
    return sent;
  };

  const runOnce = (): Promise<number> => {
    current = current.then(round, round).catch((error: unknown) => {
      deps.log.warn('dispatch round failed; retrying next interval', { error: (error as Error).message });
      return 0;
    });
    return current;
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      void runOnce().then(schedule);
    }, intervalMs);
  };
  schedule();

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
