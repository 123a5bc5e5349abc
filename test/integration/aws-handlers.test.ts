/**
 * The Lambda entry modules themselves (module-scope wiring included), invoked with API Gateway–shaped events.
 * DynamoDB is dynalite over HTTP (AWS_ENDPOINT_URL_DYNAMODB); Secrets Manager has no local engine, so it is
 * mocked with aws-sdk-client-mock.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { startDynalite } from '../helpers/dynalite.js';
import { apiGatewayEvent } from '../fixtures/api-gateway-event.js';

const WEBHOOK_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook-AbCdEf';
const sm = mockClient(SecretsManagerClient);
let engine: Awaited<ReturnType<typeof startDynalite>>;
let ingest: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
let admin: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

const savedEnv = { ...process.env };

beforeAll(async () => {
  engine = await startDynalite('aws-handlers');
  Object.assign(process.env, {
    TABLE_NAME: 'aws-handlers',
    WEBHOOK_SECRET_ARN,
    TARGET_SECRET_PREFIX: 'UsageCertification-dev/targets/',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: engine.endpoint,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  sm.on(GetSecretValueCommand, { SecretId: WEBHOOK_SECRET_ARN }).resolves({ SecretString: JSON.stringify({ current: 'aws-current-secret', previous: 'aws-old-secret' }) });
  sm.on(PutSecretValueCommand).resolves({});
  ({ handler: ingest } = await import('../../functions/ingest-handler.js'));
  ({ handler: admin } = await import('../../functions/admin-handler.js'));
});
afterAll(async () => {
  process.env = savedEnv;
  sm.restore();
  await engine.close();
});

const adminCall = (method: string, path: string, body?: unknown) =>
  admin(apiGatewayEvent({ httpMethod: method, path, body: body === undefined ? null : JSON.stringify(body), headers: { 'Content-Type': 'application/json' }, userArn: 'arn:aws:iam::123456789012:user/alice' }));

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
