import { createHash, randomUUID } from 'node:crypto';
import { AppError, badRequest, unprocessable } from './errors.js';
import { parseReport, bodyKind, type ReportMeta } from './report.js';
import { validateReport, type InstanceGroup } from './rows.js';
import { classifyUsers, cooldownStart } from './policy.js';
import { planBatches } from './batching.js';
import { environmentProblems, DEFAULT_CAMPAIGN_DAYS, type Exclusions, type Mapping } from './mapping.js';
import type { Target } from './target.js';
import type { Delivery, DispatchBatch, InstanceOutcome } from './delivery.js';
import type { Clock, IngestStore } from './ports.js';
import { batchInput, type BatchEnvelope, type WorkflowUser } from './workflow-input.js';
import { NO_PROFILES, type ReportProfiles } from './report-profile.js';

export interface IngestSettings {
  batchMaxBytes: number;
  dedupeWindowMs: number;
  maxRows: number;
  globalExclude?: Exclusions;
}

export interface IncomingReport {
  body: string;
  bytes: number;
  contentType?: string;
  query: Record<string, string | undefined>;
  /** Idempotency-Key or webhook-id header, when the sender gave one. */
  deliveryKey?: string;
}

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

const DELIVERY_KEY_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;
const DAY_MS = 86_400_000;

/** Everything a plan needs besides the store writes: the delivery record and its batches. */
export interface IngestPlan {
  delivery: Delivery;
  batches: DispatchBatch[];
}

/**
 * Accept a report: parse, validate, resolve mappings, apply each policy, plan batches and make it all durable
 * (batches staged, delivery committed by a conditional put, batches released) before answering.
 */
export async function ingestReport(report: IncomingReport, deps: IngestDeps): Promise<{ httpStatus: 200 | 202; body: IngestResponse; delivery: Delivery }> {
  const now = deps.clock.now();
  const identity = deliveryIdentity(report, now, deps.settings.dedupeWindowMs);
  const earlier = await findEarlier(identity, deps.store, now, deps.settings.dedupeWindowMs);
  if (earlier) return duplicateOf(earlier);

  const plan = await planDelivery(report, identity, now, deps);
  await deps.store.stageBatches(plan.batches);
  if (!(await deps.store.commitDelivery(plan.delivery))) {
    // A concurrent copy of this report committed first: drop our staged copy and answer as a duplicate.
    await deps.store.discardBatches(plan.delivery);
    const winner = await deps.store.getDelivery(identity.id);
    if (!winner) throw new AppError(503, 'store_unavailable', 'A concurrent delivery with this id is being written; retry shortly.');
    return duplicateOf(winner);
  }
  await deps.store.releaseBatches(plan.delivery);
  await deps.store.recordReportsSeen(plan.delivery.instances, plan.delivery.id, plan.delivery.receivedAt);
  return { httpStatus: 202, body: responseOf(plan.delivery, false), delivery: plan.delivery };
}

export type PlanReads = Pick<IngestStore, 'getMappings' | 'getTargets' | 'recentlySentEmails'>;

/** The pure part of ingest (plus the reads it needs): used by ingest and by the admin preview. */
export async function planDelivery(
  report: IncomingReport,
  identity: { id: string; source: Delivery['idSource'] },
  now: Date,
  deps: { store: PlanReads; settings: IngestSettings; profiles?: IngestDeps['profiles'] },
): Promise<IngestPlan> {
  const format = bodyKind(report.contentType, report.body);
  const parsed = parseReport(report.body, format, report.query, deps.profiles ? await deps.profiles() : NO_PROFILES);
  if (parsed.rows.length > deps.settings.maxRows) {
    throw new AppError(413, 'too_many_rows', `The report has ${parsed.rows.length} rows; the limit is ${deps.settings.maxRows}. Split it by instance or period.`, {
      rows: parsed.rows.length,
      limit: deps.settings.maxRows,
    });
  }
  const validated = validateReport(parsed);
  const period = reportPeriod(parsed.meta, now);
  const keys = validated.groups.map((g) => g.instanceKey);
  const mappings = await deps.store.getMappings(keys);
  const targets = await deps.store.getTargets([...new Set([...mappings.values()].map((m) => m.targetId))]);
  const writeId = randomUUID().slice(0, 8);

  const instances: InstanceOutcome[] = [];
  const batches: DispatchBatch[] = [];
  for (const group of validated.groups) {
    const mapping = mappings.get(group.instanceKey);
    const target = mapping ? targets.get(mapping.targetId) : undefined;
    const outcome = resolveInstance(group, mapping, target);
    instances.push(outcome);
    if (!mapping || !target || outcome.status !== 'mapped') continue;

    const recentlySent = mapping.policy.cooldownDays === 0 ? new Set<string>() : await deps.store.recentlySentEmails(group.instanceKey, cooldownStart(mapping.policy, now).toISOString());
    const classes = classifyUsers(group.users, mapping.policy, { now, recentlySent, globalExclude: deps.settings.globalExclude });
    const users: WorkflowUser[] = classes.inactive;
    const envelope = batchEnvelope(identity.id, mapping, period, parsed.meta, now);
    const planned = planBatches(users, envelope, deps.settings.batchMaxBytes);
    Object.assign(outcome, {
      inactiveUsers: users.length,
      excluded: classes.excluded,
      cooledDown: classes.cooledDown,
      unclassified: classes.unclassified,
      batches: planned.length,
    });
    planned.forEach((batchUsers, i) => {
      batches.push({
        deliveryId: identity.id,
        writeId,
        index: batches.length,
        count: 0,
        instanceKey: group.instanceKey,
        targetId: target.id,
        status: 'STAGED',
        attempts: 0,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
        input: batchInput(envelope, { index: i + 1, count: planned.length }, batchUsers),
      });
    });
  }
  for (const batch of batches) batch.count = batches.length;

  const delivery: Delivery = {
    id: identity.id,
    idSource: identity.source,
    receivedAt: now.toISOString(),
    writeId,
    status: batches.length > 0 ? 'QUEUED' : 'COMPLETE',
    report: { name: parsed.meta.reportName, format, bytes: report.bytes, rows: parsed.rows.length, validRows: validated.validRows, period },
    rejectedCount: validated.rejectedRows,
    rejected: validated.rejected,
    instances,
    batchCount: batches.length,
  };
  return { delivery, batches };
}

function resolveInstance(group: InstanceGroup, mapping: Mapping | undefined, target: Target | undefined): InstanceOutcome {
  const outcome: InstanceOutcome = {
    instanceKey: group.instanceKey,
    instance: group.instance,
    application: group.application ?? mapping?.application,
    status: 'mapped',
    mapped: false,
    rows: group.rowCount,
    users: group.users.length,
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
  const problems = environmentProblems(mapping, target);
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

interface DeliveryIdentity {
  id: string;
  source: Delivery['idSource'];
  /** For body-hash ids: the id the same bytes had in the previous dedupe window. */
  previousId?: string;
}

/**
 * A sender's delivery key wins; otherwise the body hash names the delivery within a time window, so a weekly
 * report that repeats the same bytes next week is a new delivery, not a duplicate.
 */
function deliveryIdentity(report: IncomingReport, now: Date, windowMs: number): DeliveryIdentity {
  if (report.deliveryKey !== undefined) {
    if (!DELIVERY_KEY_PATTERN.test(report.deliveryKey)) {
      throw badRequest('Idempotency-Key/webhook-id must be 1-128 characters of letters, digits and . _ : @ -', { field: 'Idempotency-Key' });
    }
    return { id: report.deliveryKey, source: 'header' };
  }
  const hash = createHash('sha256').update(report.body).digest('hex').slice(0, 40);
  const window = Math.floor(now.getTime() / windowMs);
  return { id: `sha256-${hash}-${window}`, source: 'body', previousId: `sha256-${hash}-${window - 1}` };
}

async function findEarlier(identity: DeliveryIdentity, store: IngestStore, now: Date, windowMs: number): Promise<Delivery | undefined> {
  const current = await store.getDelivery(identity.id);
  if (current || !identity.previousId) return current;
  const previous = await store.getDelivery(identity.previousId);
  return previous && now.getTime() - Date.parse(previous.receivedAt) < windowMs ? previous : undefined;
}

function duplicateOf(delivery: Delivery) {
  return { httpStatus: 200 as const, body: responseOf(delivery, true), delivery };
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
