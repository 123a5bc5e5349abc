import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { AppError, badRequest } from './errors.js';
import { commitPlan, duplicateOf, findEarlier, planValidated, reportContentHash, type IngestDeps, type IngestResponse } from './ingest.js';
import { bodyKind, type ReportMeta } from './report.js';
import { requireColumns, rowValidator } from './rows.js';
import { streamReport } from './stream-report.js';
import { NO_PROFILES } from './report-profile.js';
import type { Delivery } from './delivery.js';
import type { ObjectStore, StoredReportMeta } from './ports.js';

/** Rows a large report may have: bounded so one upload cannot keep an ingest function busy past its timeout. */
export const LARGE_MAX_ROWS = 2_000_000;

export type LargeIngestOutcome =
  | { status: 'ACCEPTED'; response: IngestResponse; delivery: Delivery }
  | { status: 'REFUSED'; deliveryId: string; error: { code: string; message: string } };

/**
 * Ingest a large report the route stored: stream it (gunzipped when it is gzip) through the same row reading,
 * validation, dedupe, mapping, policy and batch planning as the in-memory path, so memory is bounded by the
 * rows kept for batching, not by the body. A refusal (a 4xx on the small path) is kept as a rejected report
 * under the delivery id the 202 announced; other errors are thrown, so the event that started ingest retries.
 * The object is deleted once it has an outcome.
 */
export async function ingestStoredReport(key: string, objects: ObjectStore, deps: IngestDeps & { maxRows?: number }): Promise<LargeIngestOutcome> {
  const { meta, body, bytes } = await objects.get(key);
  let outcome: LargeIngestOutcome;
  try {
    const result = await ingestStream(meta, body, bytes, deps);
    outcome = { status: 'ACCEPTED', response: result.receipt, delivery: result.delivery };
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    await deps.store.recordRejectedReport({ id: meta.deliveryId, at: deps.clock.now().toISOString(), code: error.code, message: error.message, bytes, contentType: meta.contentType, sample: error.details });
    outcome = { status: 'REFUSED', deliveryId: meta.deliveryId, error: { code: error.code, message: error.message } };
  }
  await objects.delete(key);
  return outcome;
}

async function ingestStream(meta: StoredReportMeta, body: AsyncIterable<Uint8Array>, bytes: number, deps: IngestDeps & { maxRows?: number }) {
  const now = deps.clock.now();
  const maxRows = deps.maxRows ?? LARGE_MAX_ROWS;
  const raw = await peek(body);
  // As on the small path: API Gateway may have decompressed already, so the gzip magic decides, not the header alone.
  const gzip = meta.contentEncoding?.trim().toLowerCase() === 'gzip' && raw.first[0] === 0x1f && raw.first[1] === 0x8b;
  const { chunks: plain, first } = await peek(gzip ? gunzipped(raw.chunks) : raw.chunks);
  const format = bodyKind(meta.contentType, Buffer.from(first).toString('utf8'));
  // The body's digest stands in for the body in the content hash: the hash is taken as the body streams by.
  const digest = createHash('sha256');
  const hashed = async function* () {
    for await (const chunk of plain) {
      digest.update(chunk);
      yield chunk;
    }
  };
  const live: { meta: ReportMeta } = { meta: {} };
  const validator = rowValidator(live);
  const profiles = deps.profiles ? await deps.profiles() : NO_PROFILES;
  const streamed = await streamReport(hashed(), format, meta.query, profiles, live, (row) => {
    if (row.row > maxRows) throw tooManyRows(maxRows);
    validator.add(row);
  });
  requireColumns(streamed);
  const validated = validator.finish();
  const read = { format, parsed: streamed, bytes };
  const identity = { id: meta.deliveryId, source: meta.idSource === 'header' ? ('header' as const) : ('body' as const), contentHash: reportContentHash(digest.digest('hex'), read) };
  const earlier = await findEarlier(identity, deps.store, now, deps.settings.dedupeWindowMs);
  if (earlier) return duplicateOf(earlier, identity);
  return commitPlan(await planValidated(read, validated, identity, now, deps), identity, deps.store);
}

function tooManyRows(limit: number): AppError {
  return new AppError(413, 'too_many_rows', `The report has more than ${limit} rows. Split it by instance or period.`, { limit });
}

/** The first chunk, to sniff gzip and the format, and the stream with that chunk put back. */
async function peek(body: AsyncIterable<Uint8Array>): Promise<{ first: Uint8Array; chunks: AsyncIterable<Uint8Array> }> {
  const iterator = body[Symbol.asyncIterator]();
  const head = await iterator.next();
  const first = head.done ? new Uint8Array() : head.value;
  const chunks = async function* () {
    yield first;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  };
  return { first, chunks: chunks() };
}

async function* gunzipped(chunks: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const gunzip = createGunzip();
  pipeline(Readable.from(chunks), gunzip).catch(() => undefined);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch {
    throw badRequest('The body says Content-Encoding: gzip but is not valid gzip data.');
  }
}
