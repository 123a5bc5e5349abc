import { randomUUID } from 'node:crypto';
import { AppError } from './errors.js';
import { ingestReport, type IncomingReport, type IngestDeps, type IngestResult } from './ingest.js';
import type { IngestStore, Log } from './ports.js';
import type { ReportProfiles } from './report-profile.js';

/** Report profiles through a cache: `get` says whether it read the store, `reload` always does. */
export interface ProfileSource {
  get(): Promise<{ value: ReportProfiles; read: boolean }>;
  reload: () => Promise<ReportProfiles>;
}

export interface ReceiveDeps extends Omit<IngestDeps, 'profiles'> {
  store: IngestStore;
  profiles: ProfileSource;
  /** The request's log (it carries the correlation id). */
  log: Log;
}

/** Refusals an admin can fix by adding a report profile or changing the report: worth keeping a sample of. */
const SAMPLED_REFUSALS = new Set(['unrecognized_report_shape', 'missing_columns', 'empty_report', 'no_valid_rows']);
const refusable = (error: unknown): error is AppError => error instanceof AppError && SAMPLED_REFUSALS.has(error.code);

/**
 * A webhook report: ingest it with the cached report profiles; a refusal made with a cached copy retries once
 * with the profiles re-read (one added since may be exactly what this report needs); a refusal an admin can fix
 * keeps a sample of the report for them.
 */
export async function receiveReport(report: IncomingReport, deps: ReceiveDeps): Promise<IngestResult> {
  let readStore = false;
  const current = async () => {
    const { value, read } = await deps.profiles.get();
    readStore = read;
    return value;
  };
  try {
    return await ingestReport(report, { ...deps, profiles: current }).catch((error: unknown) => {
      if (!refusable(error) || readStore) throw error;
      return ingestReport(report, { ...deps, profiles: deps.profiles.reload });
    });
  } catch (error) {
    if (refusable(error)) await keepSample(report, error, deps);
    throw error;
  }
}

/** Best effort: the sender still gets its refusal if the sample cannot be stored. */
async function keepSample(report: IncomingReport, error: AppError, { store, clock, log }: ReceiveDeps): Promise<void> {
  try {
    await store.recordRejectedReport({ id: randomUUID(), at: clock.now().toISOString(), code: error.code, message: error.message, bytes: report.bytes, contentType: report.contentType, sample: error.details });
  } catch (storeError) {
    log.warn('could not keep the sample of a refused report', { error: (storeError as Error).message });
  }
  log.warn('report refused', { code: error.code });
}
