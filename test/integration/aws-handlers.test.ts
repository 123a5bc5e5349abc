/**
 * The Lambda handlers as the entry modules build them (functions/aws/*.ts from the AWS composition root),
 * invoked with API Gateway–shaped events. DynamoDB is dynalite over HTTP; Secrets Manager has no local engine,
 * so it is mocked with aws-sdk-client-mock. The deps are built from an explicit configuration and clients:
 * no process.env, no module-scope wiring.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startDynalite } from '../helpers/dynalite.js';
import { apiGatewayEvent } from '../fixtures/api-gateway-event.js';
import { loadAwsConfig } from '../../functions/adapters/config.js';
import { documentClient } from '../../functions/adapters/dynamodb-table.js';
import { embeddedMetrics } from '../../functions/adapters/metrics.js';
import { awsDeps, awsRoot, type AwsFunction, type AwsRoot } from '../../functions/aws/root.js';
import { makeAdminHandler } from '../../functions/aws/admin.js';
import { makeIngestHandler } from '../../functions/aws/ingest.js';
import { makeSweepHandler } from '../../functions/aws/sweep.js';
import { METRIC_NAMESPACE } from '../../lib/alarms.js';

const WEBHOOK_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook-AbCdEf';
const sm = mockClient(SecretsManagerClient);
let engine: Awaited<ReturnType<typeof startDynalite>>;
let deps: (fn: AwsFunction) => AwsRoot;
let ingest: ReturnType<typeof makeIngestHandler>;
let admin: ReturnType<typeof makeAdminHandler>;

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
  ingest = makeIngestHandler(deps('ingest'));
  admin = makeAdminHandler(deps('admin'));
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
    expect(JSON.parse(current.body).instances[0]).toMatchObject({ instanceKey: 'slack-production', inactiveUsers: 1, batches: 1 });
    expect(previous.statusCode).toBe(200);
    expect(wrong.statusCode).toBe(401);
    // Five-minute cache: one Secrets Manager read for all three calls.
    expect(sm.commandCalls(GetSecretValueCommand, { SecretId: WEBHOOK_SECRET_ARN })).toHaveLength(1);
  });

  it('answers health and unknown routes as JSON', async () => {
    expect(await ingest(apiGatewayEvent())).toMatchObject({ statusCode: 200, body: '{"status":"ok"}' });
    expect((await ingest(apiGatewayEvent({ path: '/nope' }))).statusCode).toBe(404);
  });
});

describe('Handler: sweep', () => {
  it('publishes the pipeline metrics as one embedded-metric line the alarms find (their namespace, no dimensions)', async () => {
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await makeSweepHandler({ ...deps('sweep'), metrics: embeddedMetrics() })();
    } finally {
      write.mockRestore();
    }
    const emf = lines.map((line) => JSON.parse(line) as Record<string, any>).filter((line) => line._aws);
    expect(emf).toHaveLength(1);
    const [directive] = emf[0]!._aws.CloudWatchMetrics;
    expect(directive.Namespace).toBe(METRIC_NAMESPACE);
    expect(directive.Dimensions).toEqual([[]]);
    // The names lib/alarms.ts watches (and the requeue/redrive counts an operator graphs).
    expect(directive.Metrics).toEqual([
      { Name: 'StaleMappings', Unit: 'Count' },
      { Name: 'HeldBatches', Unit: 'Count' },
      { Name: 'FailedBatches', Unit: 'Count' },
      { Name: 'RequeuedBatches', Unit: 'Count' },
      { Name: 'RedrivenBatches', Unit: 'Count' },
      { Name: 'OldestUnsettledBatchAge', Unit: 'Seconds' },
    ]);
    // The batch ingested above is PENDING: unsettled, so the age is a number of seconds, not absent.
    expect(emf[0]).toMatchObject({ StaleMappings: 0, FailedBatches: 0, OldestUnsettledBatchAge: expect.any(Number) });
  });
});
