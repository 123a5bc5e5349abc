import { createHash, randomUUID } from 'node:crypto';
import { AppError, StoreUnavailableError, badRequest, unprocessable } from './errors.js';
import { parseReport, bodyKind, type BodyKind, type ParsedReport, type ReportMeta } from './report.js';
import { fieldForColumn } from './columns.js';
import { validateReport, type InstanceGroup, type ValidatedReport } from './rows.js';
import { applyCooldown, classifyUsers, cooldownStart } from './policy.js';
import { batchLengths } from './batching.js';
import { environmentProblems, DEFAULT_CAMPAIGN_DAYS, type Exclusions, type Mapping } from './mapping.js';
import type { Target } from './target.js';
import type { Delivery, DispatchBatch, InstanceOutcome } from './delivery.js';
import type { Clock, IngestStore } from './ports.js';
import { batchInput, type BatchEnvelope } from './workflow-input.js';
import { NO_PROFILES, type ReportProfiles } from './report-profile.js';
import type { EnvironmentVocabulary } from './environment-names.js';

export interface IngestSettings {
  batchMaxBytes: number;
  dedupeWindowMs: number;
  maxRows: number;
  globalExclude?: Exclusions;
  /** Environment words read in instance names (the defaults plus the deployment's own). */
  vocabulary?: EnvironmentVocabulary;
}

export interface IncomingReport {
  body: string;
  bytes: number;
  contentType?: string;
  query: Record<string, string | undefined>;
  /** Idempotency-Key or webhook-id header, when the sender gave one. */
  deliveryKey?: string;
}

/** What the sender is told: the delivery's outcome, `duplicate` when it repeats an earlier report. */
export interface IngestResponse {
  deliveryId: string;
  duplicate: boolean;
  status: Delivery['status'];
  instances: InstanceOutcome[];
  rejectedCount: number;
  rejectedRows: Delivery['rejected'];
}

export interface IngestDeps {
  store: IngestStore;
  clock: Clock;
  settings: IngestSettings;
  /** Admin-defined report profiles (cached by the caller); none when absent. */
  profiles?: () => Promise<ReportProfiles>;
}

export const DELIVERY_KEY_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;
const DAY_MS = 86_400_000;

export function checkDeliveryKey(key: string | undefined): void {
  if (key !== undefined && !DELIVERY_KEY_PATTERN.test(key)) {
    throw badRequest('Idempotency-Key/webhook-id must be 1-128 characters of letters, digits and . _ : @ -', { field: 'Idempotency-Key' });
  }
}

/** Everything a plan needs besides the store writes: the delivery record and its batches. */
export interface IngestPlan {
  delivery: Delivery;
  /**
   * Built one at a time as they are read, once: the batches of a large report never are all in memory at once,
   * and each instance's users are let go when its last batch is built.
   */
  batches: () => Iterable<DispatchBatch>;
}


export interface IngestResult {
  receipt: IngestResponse;
  delivery: Delivery;
}

/**
 * Accept a report: parse, validate, resolve mappings, apply each policy, plan batches and make it all durable
 * (batches staged, delivery committed by a conditional put, batches released) before answering.
 */
export async function ingestReport(report: IncomingReport, deps: IngestDeps): Promise<IngestResult> {
  const now = deps.clock.now();
  checkDeliveryKey(report.deliveryKey);
  const read = await readReport(report, deps);
  const identity = deliveryIdentity(report, read, now, deps.settings.dedupeWindowMs);
  const earlier = await findEarlier(identity, deps.store, now, deps.settings.dedupeWindowMs);
  if (earlier) return duplicateOf(earlier, identity);

  return commitPlan(await planDelivery(read, identity, now, deps), identity, deps.store);
}

/** Make a plan durable: batches staged, the delivery committed by a conditional put, batches released. */
export async function commitPlan(plan: IngestPlan, identity: Pick<DeliveryIdentity, 'id' | 'contentHash'>, store: IngestStore): Promise<IngestResult> {
  // One batch per write, built just before it: a batch is up to BATCH_MAX_BYTES of users and several times that
  // once marshalled, so holding more at once is what made a large report's memory grow with its batches.
  for (const batch of plan.batches()) await store.stageBatches([batch]);
  return commitStaged(plan.delivery, identity, store);
}

/** After staging, only the delivery is needed: the plan (and the users it holds) is not kept through the writes below. */
async function commitStaged(delivery: Delivery, identity: Pick<DeliveryIdentity, 'id' | 'contentHash'>, store: IngestStore): Promise<IngestResult> {
  if (!(await store.commitDelivery(delivery))) {
    // A concurrent copy of this report committed first: drop our staged copy and answer as a duplicate.
    await store.discardBatches(delivery);
    const winner = await store.getDelivery(identity.id);
    if (!winner) throw new StoreUnavailableError(undefined, 'A concurrent delivery with this id is being written; retry shortly.');
    return duplicateOf(winner, identity);
  }
  await store.releaseBatches(delivery);
  await store.recordReportsSeen(delivery.instances, delivery.id, delivery.receivedAt);
  return { receipt: responseOf(delivery, false), delivery: delivery };
}

export type PlanReads = Pick<IngestStore, 'getMappings' | 'getTargets' | 'recentlySentEmails'>;

/** A body as ingest reads it: its format and the report found in it (rows, metadata, columns). */
export interface ReadReport {
  format: BodyKind;
  parsed: ParsedReport;
  bytes: number;
}

/** Parse a body with the report profiles, within the row limit. */
export async function readReport(report: IncomingReport, deps: { settings: IngestSettings; profiles?: IngestDeps['profiles'] }): Promise<ReadReport> {
  const format = bodyKind(report.contentType, report.body);
  const parsed = parseReport(report.body, format, report.query, deps.profiles ? await deps.profiles() : NO_PROFILES);
  if (parsed.rows.length > deps.settings.maxRows) {
    throw new AppError(413, 'too_many_rows', `The report has ${parsed.rows.length} rows; the limit is ${deps.settings.maxRows}. Split it by instance or period.`, {
      rows: parsed.rows.length,
      limit: deps.settings.maxRows,
    });
  }
  return { format, parsed, bytes: report.bytes };
}

/** The pure part of ingest (plus the reads it needs): used by ingest and by the admin preview. */
export async function planDelivery(read: ReadReport, identity: PlanIdentity, now: Date, deps: { store: PlanReads; settings: IngestSettings }): Promise<IngestPlan> {
  return planValidated(read, validateReport(read.parsed), identity, now, deps);
}

type PlanIdentity = Pick<DeliveryIdentity, 'id' | 'source'> & { contentHash?: string };

/** planDelivery for rows already validated (the streaming large-report path never holds them all). */
export async function planValidated(
  { format, parsed, bytes }: { format: BodyKind; parsed: Pick<ParsedReport, 'meta'>; bytes: number },
  validated: ValidatedReport,
  identity: PlanIdentity,
  now: Date,
  deps: { store: PlanReads; settings: IngestSettings },
): Promise<IngestPlan> {
  const period = reportPeriod(parsed.meta, now);
  const keys = validated.groups.map((g) => g.instanceKey);
  const mappings = await deps.store.getMappings(keys);
  const targets = await deps.store.getTargets([...new Set([...mappings.values()].map((m) => m.targetId))]);
  const writeId = randomUUID().slice(0, 8);
  const context = { deliveryId: identity.id, now, meta: parsed.meta };

  const instances: InstanceOutcome[] = [];
  const planned: PlannedInstance[] = [];
  let batchCount = 0;
  for (const group of validated.groups) {
    const mapping = mappings.get(group.instanceKey);
    const target = mapping ? targets.get(mapping.targetId) : undefined;
    const outcome = resolveInstance(group, mapping, target, deps.settings.vocabulary);
    instances.push(outcome);
    if (!mapping || !target || outcome.status !== 'mapped') continue;
    const instance = await planInstance(group, mapping, { ...context, period, firstIndex: batchCount }, deps);
    Object.assign(outcome, instance.counts);
    planned.push(instance);
    batchCount += instance.lengths.length;
  }

  const delivery: Delivery = {
    id: identity.id,
    idSource: identity.source,
    ...(identity.contentHash === undefined ? {} : { contentHash: identity.contentHash }),
    receivedAt: now.toISOString(),
    writeId,
    status: batchCount > 0 ? 'QUEUED' : 'COMPLETE',
    report: { name: parsed.meta.reportName, format, bytes, rows: validated.validRows + validated.rejectedRows, validRows: validated.validRows, period },
    rejectedCount: validated.rejectedRows,
    rejected: validated.rejected,
    instances,
    batchCount,
  };
  let unread: PlannedInstance[] | undefined = planned;
  const batches = () => {
    if (!unread) throw new Error('A plan\'s batches are read once.');
    const instances = unread;
    unread = undefined;
    return plannedBatches(instances, delivery);
  };
  return { delivery, batches };
}

/** One mapped instance's inactive users (indexes into its user table) and how many go into each of its batches. */
interface PlannedInstance {
  group: InstanceGroup;
  targetId: string;
  envelope: BatchEnvelope;
  inactive: number[];
  lengths: number[];
  firstIndex: number;
  counts: Pick<InstanceOutcome, 'inactiveUsers' | 'excluded' | 'cooledDown' | 'unclassified' | 'batches'>;
}

/** One mapped instance: its users classified by the mapping's policy, the inactive ones cut into batches. */
async function planInstance(
  group: InstanceGroup,
  mapping: Mapping,
  context: { deliveryId: string; now: Date; meta: ReportMeta; period: Delivery['report']['period']; firstIndex: number },
  deps: { store: PlanReads; settings: IngestSettings },
): Promise<PlannedInstance> {
  const { deliveryId, now } = context;
  const candidates = classifyUsers(group.users, mapping.policy, { now, globalExclude: deps.settings.globalExclude });
  const asked = mapping.policy.cooldownDays === 0 ? [] : candidates.inactive.map((i) => group.users.email(i));
  const recentlySent = asked.length === 0 ? new Set<string>() : await deps.store.recentlySentEmails(group.instanceKey, asked, cooldownStart(mapping.policy, now).toISOString());
  const classes = applyCooldown(candidates, group.users, recentlySent);
  const envelope = batchEnvelope(deliveryId, mapping, context.period, context.meta, now);
  // Users are sized here and built again per batch: holding them all built is what a large report cannot afford.
  const lengths = batchLengths(classes.inactive.map((i) => group.users.jsonBytes(i)), envelope, deps.settings.batchMaxBytes);
  const counts = { inactiveUsers: classes.inactive.length, excluded: classes.excluded, cooledDown: classes.cooledDown, unclassified: classes.unclassified, batches: lengths.length };
  return { group, targetId: mapping.targetId, envelope, inactive: classes.inactive, lengths, firstIndex: context.firstIndex, counts };
}

/** Takes the instances out of `planned` one by one, so each one's user table can be collected once its batches are built. */
function* plannedBatches(planned: PlannedInstance[], delivery: Pick<Delivery, 'id' | 'writeId' | 'receivedAt' | 'batchCount'>): Iterable<DispatchBatch> {
  for (let instance = planned.shift(); instance; instance = planned.shift()) {
    let next = 0;
    for (const [i, length] of instance.lengths.entries()) {
      const users = instance.inactive.slice(next, next + length).map((u) => instance.group.users.user(u));
      next += length;
      yield {
        deliveryId: delivery.id,
        writeId: delivery.writeId,
        index: instance.firstIndex + i,
        count: delivery.batchCount,
        instanceKey: instance.group.instanceKey,
        targetId: instance.targetId,
        status: 'STAGED',
        attempts: 0,
        createdAt: delivery.receivedAt,
        updatedAt: delivery.receivedAt,
        input: batchInput(instance.envelope, { index: i + 1, count: instance.lengths.length }, users),
      };
    }
  }
}

function resolveInstance(group: InstanceGroup, mapping: Mapping | undefined, target: Target | undefined, vocabulary?: EnvironmentVocabulary): InstanceOutcome {
  const outcome: InstanceOutcome = {
    instanceKey: group.instanceKey,
    instance: group.instance,
    application: group.application ?? mapping?.application,
    status: 'mapped',
    mapped: false,
    rows: group.rowCount,
    users: group.users.size,
    inactiveUsers: 0,
    excluded: 0,
    cooledDown: 0,
    unclassified: 0,
    batches: 0,
  };
  if (!mapping) return { ...outcome, status: 'unmapped', reason: `No mapping for instance "${group.instance}"; add one with PUT /admin/mappings/${encodeURIComponent(group.instanceKey)}.` };
  const withMapping = { ...outcome, targetId: mapping.targetId, environment: mapping.environment };
  if (!mapping.enabled) return { ...withMapping, status: 'disabled', reason: 'The mapping is disabled.' };
  if (!target) return { ...withMapping, status: 'target_missing', reason: `Target "${mapping.targetId}" does not exist.` };
  // The name as this report writes it: the report, not only the mapping, says which instance the users came from.
  const problems = environmentProblems({ ...mapping, instance: group.instance }, target, vocabulary);
  if (problems.length > 0) return { ...withMapping, status: 'environment_mismatch', reason: problems.join('; ') };
  return { ...withMapping, mapped: true };
}

function batchEnvelope(deliveryId: string, mapping: Mapping, period: Delivery['report']['period'], meta: ReportMeta, now: Date): BatchEnvelope {
  const application = mapping.application;
  const days = mapping.campaign?.durationDays ?? DEFAULT_CAMPAIGN_DAYS;
  const deadline = new Date(now.getTime() + days * DAY_MS).toISOString();
  const activity = mapping.policy.inactiveForDays === undefined ? '' : ` or no activity for ${mapping.policy.inactiveForDays} days`;
  return {
    deliveryId,
    instance: { application, name: mapping.instance, environment: mapping.environment },
    source: mapping.source,
    period,
    policy: mapping.policy,
    campaign: {
      name: `Inactive ${application} users - ${mapping.instance} - ${period.end.slice(0, 10)} [${deliveryId.slice(0, 24)}]`,
      description: `Users of ${mapping.instance} with at most ${mapping.policy.maxDaysActive} active day(s) between ${period.start?.slice(0, 10) ?? 'the report start'} and ${period.end.slice(0, 10)}${activity}, per SaaS Management report ${meta.reportName ?? '(unnamed)'} (delivery ${deliveryId}). Revoke access that is not needed.`,
      deadline,
      duration: `${days}d`,
      reviewer: mapping.campaign?.reviewer ?? { type: 'MANAGER' },
    },
  };
}

function reportPeriod(meta: ReportMeta, now: Date): Delivery['report']['period'] {
  const end = meta.periodEnd === undefined ? now : toDate(meta.periodEnd, 'periodEnd');
  let start: Date | undefined;
  if (meta.periodStart !== undefined) start = toDate(meta.periodStart, 'periodStart');
  else if (meta.periodDays !== undefined) start = new Date(end.getTime() - meta.periodDays * DAY_MS);
  if (start && start > end) throw unprocessable('invalid_period', `The report period starts (${start.toISOString()}) after it ends (${end.toISOString()}).`, { field: 'periodStart' });
  return { start: start?.toISOString() ?? null, end: end.toISOString() };
}

function toDate(value: string, field: string): Date {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw unprocessable('invalid_period', `${field} "${value.slice(0, 40)}" is not a date.`, { field });
  return new Date(time);
}

export interface DeliveryIdentity {
  id: string;
  source: Delivery['idSource'];
  /** SHA-256 of everything that gives the report its meaning (see reportContentHash). */
  contentHash: string;
  /** For body-hash ids: the id the same report had in the previous dedupe window. */
  previousId?: string;
}

/**
 * A sender's delivery key wins; otherwise the content hash names the delivery within a time window, so a weekly
 * report that repeats the same bytes next week is a new delivery, not a duplicate.
 */
function deliveryIdentity(report: IncomingReport, read: ReadReport, now: Date, windowMs: number): DeliveryIdentity {
  const contentHash = reportContentHash(report.body, read);
  if (report.deliveryKey !== undefined) return { id: report.deliveryKey, source: 'header', contentHash };
  const hash = contentHash.slice(0, 40);
  const window = Math.floor(now.getTime() / windowMs);
  return { id: `sha256-${hash}-${window}`, source: 'body', contentHash, previousId: `sha256-${hash}-${window - 1}` };
}

/**
 * The body alone does not make a report: the same CSV posted with ?instance=Slack, then ?instance=Zoom is two
 * reports. So the hash covers the body and how it was read: the format, the metadata (body and URL: instance,
 * application, period, name) and what the report profiles made of it (the row path used, the field each column
 * feeds). Parameters that change nothing (an unknown query key) do not make a repeat look new.
 */
export function reportContentHash(body: string, { format, parsed }: { format: BodyKind; parsed: Omit<ParsedReport, 'rows'> }): string {
  const meta = (Object.keys(parsed.meta) as Array<keyof ReportMeta>).sort().map((key) => [key, parsed.meta[key]]);
  const fields = parsed.columns.map((column) => fieldForColumn(column, parsed.aliases) ?? null);
  const reading = JSON.stringify({ format, meta, fields, rowPath: parsed.rowPath ?? null });
  // JSON never contains a raw NUL, so the separator keeps (reading, body) pairs apart.
  return createHash('sha256').update(reading).update('\0').update(body).digest('hex');
}

export async function findEarlier(identity: DeliveryIdentity, store: IngestStore, now: Date, windowMs: number): Promise<Delivery | undefined> {
  const current = await store.getDelivery(identity.id);
  if (current || !identity.previousId) return current;
  const previous = await store.getDelivery(identity.previousId);
  return previous && now.getTime() - Date.parse(previous.receivedAt) < windowMs ? previous : undefined;
}

/**
 * A repeat answers with the original outcome. A sender's delivery id reused for a different report is refused
 * rather than answered as a duplicate (the new report would be lost) or stored under another id (the sender
 * could not refer to it): the sender must give the new report its own id.
 */
export function duplicateOf(delivery: Delivery, identity: Pick<DeliveryIdentity, 'contentHash'>): IngestResult {
  if (delivery.contentHash !== undefined && delivery.contentHash !== identity.contentHash) {
    throw new AppError(
      409,
      'delivery_id_reused',
      `Delivery id "${delivery.id}" was already used at ${delivery.receivedAt} for a different report (other body, URL parameters or report profile); nothing was stored. Send a different report with a new Idempotency-Key/webhook-id; a repeat must carry the same body and parameters.`,
      { deliveryId: delivery.id, firstReceivedAt: delivery.receivedAt },
    );
  }
  return { receipt: responseOf(delivery, true), delivery };
}

function responseOf(delivery: Delivery, duplicate: boolean): IngestResponse {
  return {
    deliveryId: delivery.id,
    duplicate,
    status: delivery.status,
    instances: delivery.instances,
    rejectedCount: delivery.rejectedCount,
    rejectedRows: delivery.rejected,
  };
}
