/**
 * The Lambda handlers as the entry modules build them (functions/aws/*.ts from the AWS composition root),
 * invoked with API Gateway–shaped events. DynamoDB is dynalite over HTTP; Secrets Manager has no local engine,
 * so it is mocked with aws-sdk-client-mock. The deps are built from an explicit configuration and clients:
 * no process.env, no module-scope wiring.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as z from 'zod/mini';

import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startDynalite } from '../helpers/dynalite.js';
import { apiGatewayEvent } from '../fixtures/api-gateway-event.js';
import { loadAwsConfig } from '../../functions/adapters/config.js';
import { documentClient } from '../../functions/adapters/dynamodb-table.js';
import { FileObjectStore } from '../../functions/adapters/file-object-store.js';
import { projectDocuments } from '../../functions/adapters/project-documents.js';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { marshall } from '@aws-sdk/util-dynamodb';
import { count, embeddedMetrics, type MetricValue, type MetricsPublisher } from '../../functions/adapters/metrics.js';
import { PIPELINE_METRICS, type PipelineMetric } from '../../functions/adapters/pipeline-metrics.js';
import { awsDeps, awsRoot, type AwsFunction, type AwsRoot } from '../../functions/aws/root.js';
import { makeAdminHandler } from '../../functions/aws/admin.js';
import { makeAdminPreviewHandler } from '../../functions/aws/admin-preview.js';
import { makeAdminToolsHandler } from '../../functions/aws/admin-tools.js';
import { makeDispatchHandler } from '../../functions/aws/dispatch.js';
import { makeIngestHandler } from '../../functions/aws/ingest.js';
import { makeLargeIngestHandler } from '../../functions/aws/large-ingest.js';
import { makeSweepHandler } from '../../functions/aws/sweep.js';
import { METRIC_NAMESPACE } from '../../lib/alarms.js';
import { ErrorBody, IngestAnswer, PreviewAnswer } from '../../functions/http/responses.js';
import { readAs } from '../helpers/answer.js';
import { API_CLIENT, TRIGGER_CLIENT, simulatorTarget, startFakeIsc } from '../helpers/fake-isc.js';

const WEBHOOK_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook-AbCdEf';
const sm = mockClient(SecretsManagerClient);
let engine: Awaited<ReturnType<typeof startDynalite>>;
let deps: (fn: AwsFunction) => AwsRoot;
let ingest: ReturnType<typeof makeIngestHandler>;
let admin: ReturnType<typeof makeAdminHandler>;

/** A MetricsPublisher that keeps what each invocation published. */
function capturedMetrics(): MetricsPublisher & { published: Array<Partial<Record<PipelineMetric, MetricValue>>> } {
  const published: Array<Partial<Record<PipelineMetric, MetricValue>>> = [];
  return { published, publish: (values) => void published.push(values) };
}
const ingestMetrics = capturedMetrics();

beforeAll(async () => {
  engine = await startDynalite('aws-handlers');
  sm.on(GetSecretValueCommand, { SecretId: WEBHOOK_SECRET_ARN }).resolves({ SecretString: JSON.stringify({ current: 'aws-current-secret', previous: 'aws-old-secret' }) });
  sm.on(PutSecretValueCommand).resolves({});
  const config = loadAwsConfig({ TABLE_NAME: 'aws-handlers', WEBHOOK_SECRET_ARN, TARGET_SECRET_PREFIX: 'UsageCertification-dev/targets/', LOG_LEVEL: 'error' });
  const clients = {
    dynamo: documentClient({ endpoint: engine.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
    secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
  };
  deps = (fn) => awsDeps(fn, config, clients);
  ingest = makeIngestHandler({ ...deps('ingest'), metrics: ingestMetrics });
  admin = makeAdminHandler({ ...deps('admin'), documents: projectDocuments(new URL('../../', import.meta.url)) });
});
afterAll(async () => {
  sm.restore();
  await engine.close();
});

const adminCall = (method: string, path: string, body?: unknown) =>
  admin(apiGatewayEvent({ httpMethod: method, path, body: body === undefined ? null : JSON.stringify(body), headers: { 'Content-Type': 'application/json' }, userArn: 'arn:aws:iam::123456789012:user/alice' }));

describe('AWS composition root', () => {
  it('fails the cold start naming the bad or missing variable, never echoing its value', () => {
    expect(() => awsRoot('ingest', { TABLE_NAME: 'aws-handlers' })).toThrow(/WEBHOOK_SECRET_ARN: is required/);
    let message = '';
    try {
      awsRoot('admin', { LEASE_SECONDS: 'soon', LOG_LEVEL: 'chatty', WEBHOOK_SECRET_ARN: 'hunter2-secretish' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/LEASE_SECONDS: must be a whole number/);
    expect(message).toMatch(/LOG_LEVEL: must be one of/);
    expect(message).toMatch(/WEBHOOK_SECRET_ARN/);
    expect(message).not.toContain('hunter2');
  });

  it('reads the functions without a webhook secret from the environment it is given', () => {
    const root = awsRoot('dispatch', { TABLE_NAME: 'from-env', TARGET_SECRET_PREFIX: 'Stage/targets/', LOG_LEVEL: 'warn' });
    expect(root.config).toMatchObject({ TABLE_NAME: 'from-env', LOG_LEVEL: 'WARN', LEASE_SECONDS: 120 });
    expect(root.secretIdFor('prod', 'api')).toBe('Stage/targets/prod/api');
  });
});

describe('Handler: admin (IAM-authorized through API Gateway)', () => {
  it('records the IAM principal as the actor and stores credentials under the target prefix', async () => {
    expect((await adminCall('PUT', '/admin/targets/prod', { environment: 'production', tenant: 'acme', triggerUrl: 'https://acme.api.identitynow.com/beta/workflows/execute/external/x' })).statusCode).toBe(201);
    const response = await adminCall('PUT', '/admin/targets/prod/credentials/trigger', { clientId: 'cid', clientSecret: 'aws-client-secret' });
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toContain('aws-client-secret');
    expect(sm.commandCalls(PutSecretValueCommand)[0]!.args[0].input).toEqual({ SecretId: 'UsageCertification-dev/targets/prod/trigger', SecretString: '{"clientId":"cid","clientSecret":"aws-client-secret"}' });
    expect(JSON.parse(response.body)).toMatchObject({ updatedBy: 'arn:aws:iam::123456789012:user/alice', credentials: { trigger: { set: true } } });
  });

  it('refuses a call that did not come through IAM authorization', async () => {
    const response = await admin(apiGatewayEvent({ httpMethod: 'GET', path: '/admin/targets' }));
    expect(response.statusCode).toBe(401);
  });
});

describe('Handler: ingest', () => {
  it('accepts a base64, gzip-encoded report with the current or previous secret from Secrets Manager', async () => {
    await adminCall('PUT', '/admin/mappings/slack-production', { application: 'Slack', instance: 'Slack-production', environment: 'production', targetId: 'prod', source: { id: 's' }, policy: { maxDaysActive: 0 } });
    const body = gzipSync(JSON.stringify([{ Email: 'a@example.com', 'Days Active': 0, Instance: 'Slack-production' }])).toString('base64');
    const event = (secret: string) => apiGatewayEvent({ httpMethod: 'POST', path: '/webhooks/saas-management', body, isBase64Encoded: true, headers: { Authorization: secret, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } });
    const current = await ingest(event('aws-current-secret'));
    const previous = await ingest(event('Bearer aws-old-secret'));
    const wrong = await ingest(event('nope'));
    expect(current.statusCode).toBe(202);
    expect(readAs(IngestAnswer, JSON.parse(current.body)).instances[0]).toMatchObject({ instanceKey: 'slack-production', inactiveUsers: 1, batches: 1 });
    expect(previous.statusCode).toBe(200);
    expect(wrong.statusCode).toBe(401);
    // Five-minute cache: one Secrets Manager read for all three calls.
    expect(sm.commandCalls(GetSecretValueCommand, { SecretId: WEBHOOK_SECRET_ARN })).toHaveLength(1);
    // One new delivery: the repeat (200) and the refusal (401) are not deliveries.
    expect(ingestMetrics.published).toEqual([{ Deliveries: count(1) }]);
    expect(Object.keys(ingestMetrics.published[0]!)).toEqual([...PIPELINE_METRICS.ingest]);
  });

  it('answers health and unknown routes as JSON', async () => {
    expect(await ingest(apiGatewayEvent())).toMatchObject({ statusCode: 200, body: '{"status":"ok"}' });
    expect((await ingest(apiGatewayEvent({ path: '/nope' }))).statusCode).toBe(404);
  });
});

describe('Handlers: admin tools and admin preview (the admin routes with functions of their own)', () => {
  const call = (handler: ReturnType<typeof makeAdminHandler>, method: string, path: string, body?: string, query?: Record<string, string>) =>
    handler(apiGatewayEvent({ httpMethod: method, path, body: body ?? null, queryStringParameters: query ?? null, headers: { 'Content-Type': 'application/json' }, userArn: 'arn:aws:iam::123456789012:user/alice' }));
  const code = (response: { body: string }) => readAs(ErrorBody, JSON.parse(response.body)).error.code;

  it('serves the ISC operations from admin-tools, which has no records route, while the admin function has no tool route', async () => {
    const tools = makeAdminToolsHandler({ ...deps('admin-tools'), documents: projectDocuments(new URL('../../', import.meta.url)) });
    // Target "prod" (created above) has trigger credentials only: the tool reads it from the table and names what is missing.
    const verify = await call(tools, 'POST', '/admin/targets/prod/workflow/verify');
    expect(verify.statusCode).toBe(422);
    expect(code(verify)).toBe('api_credentials_missing');
    expect(code(await call(admin, 'POST', '/admin/targets/prod/workflow/verify'))).toBe('not_found');
    expect(code(await call(tools, 'GET', '/admin/targets'))).toBe('not_found');
    expect((await tools(apiGatewayEvent({ httpMethod: 'POST', path: '/admin/targets/prod/check' }))).statusCode).toBe(401);
  });

  it('serves the report preview from admin-preview, built without Secrets Manager or ISC', async () => {
    const { config, log, clock, store } = deps('admin-preview');
    const preview = makeAdminPreviewHandler({ config, log, clock, store });
    const report = JSON.stringify([{ Email: 'p@example.com', 'Days Active': 0, Instance: 'Slack-production' }]);
    const response = await call(preview, 'POST', '/admin/deliveries/preview', report, { mapping: 'slack-production' });
    expect(response.statusCode).toBe(200);
    expect(readAs(PreviewAnswer, JSON.parse(response.body))).toMatchObject({ preview: true, triggerCalls: 1, instances: [{ instanceKey: 'slack-production', inactiveUsers: 1 }] });
    expect(code(await call(preview, 'GET', '/admin/targets'))).toBe('not_found');
    expect((await preview(apiGatewayEvent({ httpMethod: 'POST', path: '/admin/deliveries/preview', body: report }))).statusCode).toBe(401);
  });
});

describe('Handler: large ingest', () => {
  it('counts the large reports it accepted as deliveries, not a repeat or a refusal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'large-metrics-'));
    try {
      const objects = new FileObjectStore(dir);
      const report = JSON.stringify([{ Email: 'a@example.com', 'Days Active': 0, Instance: 'Slack-production' }]);
      const meta = { deliveryId: 'large-metrics-1', idSource: 'header' as const, contentType: 'application/json', query: {} };
      await objects.put('incoming/first', Buffer.from(report), meta);
      await objects.put('incoming/repeat', Buffer.from(report), meta);
      await objects.put('incoming/refused', Buffer.from('not a report'), { ...meta, deliveryId: 'large-metrics-2' });
      const metrics = capturedMetrics();
      const handler = makeLargeIngestHandler({ ...deps('large-ingest'), objects, metrics });
      const record = (key: string) => ({ s3: { object: { key } } });

      await handler({ Records: ['incoming/first', 'incoming/repeat', 'incoming/refused'].map(record) } as never);

      expect(metrics.published).toEqual([{ Deliveries: count(1) }]);
      expect(Object.keys(metrics.published[0]!)).toEqual([...PIPELINE_METRICS['large-ingest']]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Handler: dispatch (and the sweep\'s follow-up) with the fake ISC', () => {
  it('publishes the dispatched batch, its time to dispatch and what ISC answered, per invocation', async () => {
    const isc = await startFakeIsc();
    try {
      // Prepare: a target on the fake ISC (saved directly: the admin API refuses loopback http), a mapping, a report.
      const root = deps('dispatch');
      const secretId = (kind: string) => `UsageCertification-dev/targets/sim/${kind}`;
      sm.on(GetSecretValueCommand, { SecretId: secretId('trigger') }).resolves({ SecretString: JSON.stringify(TRIGGER_CLIENT) });
      sm.on(GetSecretValueCommand, { SecretId: secretId('api') }).resolves({ SecretString: JSON.stringify(API_CLIENT) });
      const at = new Date().toISOString();
      const audit = { at, actor: 'test', action: 'create' as const, entity: 'target' as const, key: 'sim' };
      const target = simulatorTarget(isc.url, { credentials: { trigger: { secretId: secretId('trigger'), clientId: TRIGGER_CLIENT.clientId, updatedAt: at } } });
      expect(await root.store.saveTarget(target, undefined, audit)).toBe(true);
      expect((await adminCall('PUT', '/admin/mappings/teams-production', { application: 'Teams', instance: 'Teams-production', environment: 'production', targetId: 'sim', source: { id: 's' }, policy: { maxDaysActive: 0 } })).statusCode).toBe(201);
      const body = JSON.stringify([{ Email: 'c@example.com', 'Days Active': 0, Instance: 'Teams-production' }]);
      const accepted = await ingest(apiGatewayEvent({ httpMethod: 'POST', path: '/webhooks/saas-management', body, headers: { Authorization: 'aws-current-secret', 'Content-Type': 'application/json', 'Idempotency-Key': 'metrics-1' } }));
      expect(accepted.statusCode).toBe(202);
      const [batch] = (await root.store.batchesByStatus('PENDING', 50)).filter((b) => b.deliveryId === 'metrics-1');
      const event: DynamoDBStreamEvent = { Records: [{ eventName: 'INSERT', dynamodb: { SequenceNumber: '1', NewImage: marshall(batch!, { removeUndefinedValues: true }) as never } }] };
      // The token endpoint fails once with 503 and the trigger is throttled once: both retried inside the call.
      isc.state.failNext('token', { type: 'status', status: 503 });
      isc.state.failNext('trigger', { type: 'rate-limit', retryAfterSeconds: 0 });
      const dispatchedAt = new Date(Date.parse(batch!.queuedAt ?? batch!.createdAt) + 42_000);
      const metrics = capturedMetrics();
      const dispatch = makeDispatchHandler({ ...root, clock: { now: () => dispatchedAt }, metrics });

      // Act: the record, then the same record again (already dispatched: skipped, no ISC call).
      expect((await dispatch(event)).batchItemFailures).toEqual([]);
      await dispatch(event);

      // Assess
      expect(metrics.published).toEqual([
        { DispatchedBatches: count(1), TimeToDispatch: { value: [42], unit: 'Seconds' }, Isc429: count(1), Isc5xx: count(1), TokenRequests: count(2) },
        { DispatchedBatches: count(0), TimeToDispatch: { value: [], unit: 'Seconds' }, Isc429: count(0), Isc5xx: count(0), TokenRequests: count(0) },
      ]);
      expect(Object.keys(metrics.published[0]!).sort()).toEqual([...PIPELINE_METRICS.dispatch].sort());

      // The sweep follows the dispatched batch once the target has API credentials; its ISC answers are counted too.
      expect(await root.store.saveTarget({ ...target, credentials: { ...target.credentials, api: { secretId: secretId('api'), clientId: API_CLIENT.clientId, updatedAt: at } }, version: 2 }, 1, { ...audit, action: 'update' })).toBe(true);
      isc.state.failNext('workflow-execution', { type: 'status', status: 502 });
      const sweepMetrics = capturedMetrics();
      await makeSweepHandler({ ...deps('sweep'), clock: { now: () => new Date(dispatchedAt.getTime() + 60_000) }, metrics: sweepMetrics })();
      expect(sweepMetrics.published[0]).toMatchObject({ Isc429: count(0), Isc5xx: count(1), TokenRequests: count(1) });
      expect(Object.keys(sweepMetrics.published[0]!).sort()).toEqual([...PIPELINE_METRICS.sweep].sort());
    } finally {
      await isc.close();
    }
  });
});

/** An embedded-metric line's directive; the metric values stand beside it. */
const EmfLine = z.object({
  _aws: z.object({ CloudWatchMetrics: z.array(z.object({ Namespace: z.string(), Dimensions: z.array(z.array(z.string())), Metrics: z.array(z.object({ Name: z.string(), Unit: z.string() })) })) }),
});

/** The embedded-metric lines `run` writes to stdout (where Lambda's log agent reads them). */
async function embeddedMetricLines(run: () => Promise<unknown> | void): Promise<Array<z.output<typeof EmfLine>>> {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    write.mockRestore();
  }
  return lines
    .map((line): unknown => JSON.parse(line))
    .filter((line) => typeof line === 'object' && line !== null && '_aws' in line)
    .map((line) => readAs(EmfLine, line));
}

describe('Embedded metrics', () => {
  it('keeps one value per batch for the percentiles, and leaves out a metric with none', async () => {
    const metrics = embeddedMetrics();
    const emf = await embeddedMetricLines(() => {
      metrics.publish({ DispatchedBatches: count(2), TimeToDispatch: { value: [3, 41.5], unit: 'Seconds' } }, new Date());
      metrics.publish({ DispatchedBatches: count(0), TimeToDispatch: { value: [], unit: 'Seconds' } }, new Date());
    });
    expect(emf.map((line) => line._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name))).toEqual([['DispatchedBatches', 'TimeToDispatch'], ['DispatchedBatches']]);
    expect(emf[0]).toMatchObject({ DispatchedBatches: 2, TimeToDispatch: [3, 41.5] });
    expect(emf[1]).not.toHaveProperty('TimeToDispatch');
  });
});

describe('Handler: sweep', () => {
  it('publishes the pipeline metrics as one embedded-metric line the alarms find (their namespace, no dimensions)', async () => {
    const emf = await embeddedMetricLines(() => makeSweepHandler({ ...deps('sweep'), metrics: embeddedMetrics() })());
    expect(emf).toHaveLength(1);
    const [directive] = emf[0]!._aws.CloudWatchMetrics;
    expect(directive?.Namespace).toBe(METRIC_NAMESPACE);
    expect(directive?.Dimensions).toEqual([[]]);
    // The names lib/alarms.ts watches (and the requeue/redrive counts an operator graphs).
    expect(directive?.Metrics).toEqual([
      { Name: 'StaleMappings', Unit: 'Count' },
      { Name: 'HeldBatches', Unit: 'Count' },
      { Name: 'FailedBatches', Unit: 'Count' },
      { Name: 'RequeuedBatches', Unit: 'Count' },
      { Name: 'RedrivenBatches', Unit: 'Count' },
      { Name: 'OldestUnsettledBatchAge', Unit: 'Seconds' },
      { Name: 'Isc429', Unit: 'Count' },
      { Name: 'Isc5xx', Unit: 'Count' },
      { Name: 'TokenRequests', Unit: 'Count' },
    ]);
    // The batch ingested above is PENDING: unsettled, so the age is a number of seconds, not absent.
    expect(emf[0]).toMatchObject({ StaleMappings: 0, FailedBatches: 0, OldestUnsettledBatchAge: expect.any(Number) as unknown });
  });
});
