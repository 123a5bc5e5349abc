/** The large-report path on AWS: bucket, authorizer, integration role, S3 → ingest notification (cdk-nag runs in synth). */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { LARGE_REPORT_TTL_DAYS } from '../../lib/large-reports.js';
import * as z from 'zod/mini';
import { iamStatements, logicalId, resourceOf, resourcesOf, synth, type Synthesized } from './synth.js';

let dev: Synthesized;

beforeAll(() => {
  dev = synth({ stage: 'dev' });
});

describe('Large reports', () => {
  it('keeps bodies in a private, encrypted, TLS-only bucket that expires them', () => {
    const bucket = logicalId(dev.stack.largeReports.bucket);
    dev.template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: { Rules: [Match.objectLike({ Prefix: 'incoming/', ExpirationInDays: LARGE_REPORT_TTL_DAYS, Status: 'Enabled' })] },
    });
    const policy = Object.values(resourcesOf(dev.template, 'AWS::S3::BucketPolicy', z.object({ Properties: z.object({ Bucket: z.object({ Ref: z.optional(z.string()) }) }) }))).find((p) => p.Properties.Bucket.Ref === bucket);
    expect(JSON.stringify(policy)).toContain('"aws:SecureTransport":"false"');
  });

  it('lets API Gateway only PutObject under incoming/ of that bucket', () => {
    const role = logicalId(dev.stack.largeReports.integrationRole);
    dev.template.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })] } });
    const statements = iamStatements(dev.template).filter((s) => s.roles.includes(role));
    expect(statements).toHaveLength(1);
    expect(statements[0]!.Action).toEqual(['s3:PutObject']);
    expect(JSON.stringify(statements[0]!.Resource)).toMatch(new RegExp(`${logicalId(dev.stack.largeReports.bucket)}.*incoming/\\*`));
  });

  it('puts the body through an S3 integration behind a REQUEST authorizer that runs the webhook-secret function', () => {
    const authorizerFn = logicalId(dev.stack.largeReports.authorizer);
    // The console's Cognito authorizer lives on the same API (test/infra/console.test.ts); this is the REQUEST one.
    const authorizers = Object.values(resourcesOf(dev.template, 'AWS::ApiGateway::Authorizer', z.object({ Properties: z.object({ Type: z.string(), AuthorizerUri: z.optional(z.unknown()) }) }))).filter((a) => a.Properties.Type !== 'COGNITO_USER_POOLS');
    expect(authorizers).toHaveLength(1);
    expect(authorizers[0]!.Properties).toMatchObject({ Type: 'REQUEST', AuthorizerResultTtlInSeconds: 0 });
    expect(JSON.stringify(authorizers[0]!.Properties.AuthorizerUri)).toContain(authorizerFn);
    const Integration = z.object({
      Uri: z.unknown(),
      RequestParameters: z.record(z.string(), z.string()),
      IntegrationResponses: z.array(z.object({ ResponseTemplates: z.optional(z.record(z.string(), z.string())) })),
    });
    const method = resourceOf(dev.template, logicalId(dev.stack.largeReports.method), z.object({ Properties: z.object({ Integration: Integration }) }));
    expect(method.Properties).toMatchObject({ HttpMethod: 'POST', AuthorizationType: 'CUSTOM', Integration: { Type: 'AWS', IntegrationHttpMethod: 'PUT' } });
    expect(JSON.stringify(method.Properties.Integration.Uri)).toContain(':s3:path/');
    expect(method.Properties.Integration.RequestParameters['integration.request.path.key']).toBe('context.requestId');
    expect(method.Properties.Integration.IntegrationResponses[0]?.ResponseTemplates?.['application/json']).toContain('"status":"RECEIVED"');

    // The secret is read by the authorizer function, with the same rotation secret as the webhook.
    const authorizerRole = logicalId(dev.stack.largeReports.authorizer.role!);
    expect(iamStatements(dev.template).some((s) => s.roles.includes(authorizerRole) && s.Action.includes('secretsmanager:GetSecretValue'))).toBe(true);
  });

  it('starts the large ingest function on objects created under incoming/, which may read and delete only those', () => {
    const ingest = logicalId(dev.stack.largeReports.ingest);
    dev.template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          Match.objectLike({ Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'incoming/' }] } }, LambdaFunctionArn: { 'Fn::GetAtt': [ingest, 'Arn'] } }),
        ],
      },
    });
    const s3 = iamStatements(dev.template).filter((s) => s.roles.includes(logicalId(dev.stack.largeReports.ingest.role!)) && s.Action.some((a) => a.startsWith('s3:')));
    expect(s3.flatMap((s) => s.Action).sort()).toEqual(['s3:DeleteObject', 's3:GetObject']);
  });
});
