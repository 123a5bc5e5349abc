import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PENDING_BATCH_FILTER } from '../../functions/aws/dispatch-stream.js';
import { TABLE_SCHEMA } from '../../functions/adapters/dynamodb-table.js';
import * as z from 'zod/mini';
import { iamStatements, logicalId, resourceOf, resourcesOf, synth, type Statement, type Synthesized } from './synth.js';

/** Actions that have no resource-level permissions in IAM, so "*" is the only possible resource. */
const STAR_RESOURCE_ALLOWED = new Map([
  ['xray:PutTraceSegments', 'X-Ray accepts no resource ARNs (active tracing on the functions)'],
  ['xray:PutTelemetryRecords', 'X-Ray accepts no resource ARNs (active tracing on the functions)'],
]);

let dev: Synthesized;
let statements: Statement[];

beforeAll(() => {
  dev = synth({ stage: 'dev' });
  statements = iamStatements(dev.template);
});

type FunctionName = 'ingest' | 'admin' | 'adminTools' | 'adminPreview' | 'dispatch' | 'sweep';
const roleOf = (fn: FunctionName) => logicalId(dev.stack.functions[fn].role!);
const allowed = (role: string) => statements.filter((s) => s.Effect === 'Allow' && s.roles.includes(role));
const actionsOn = (role: string, prefix: string) => allowed(role).flatMap((s) => s.Action.filter((a) => a.startsWith(prefix)).map((a) => ({ action: a, resources: s.Resource })));

describe('API Gateway', () => {
  it('is a regional REST API whose admin methods use IAM authorization, and the console\'s copy of them Cognito', () => {
    dev.template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    const methods = resourcesOf(dev.template, 'AWS::ApiGateway::Method', z.object({ Properties: z.object({ ResourceId: z.object({ Ref: z.string() }), HttpMethod: z.string(), AuthorizationType: z.string() }) }));
    const byRoute = Object.values(methods).map((m) => {
      const resourceId = m.Properties.ResourceId.Ref;
      const pathPart = resourceOf(dev.template, resourceId, z.object({ Properties: z.object({ PathPart: z.string() }) })).Properties.PathPart;
      return { route: `${m.Properties.HttpMethod} ${pathPart}`, auth: m.Properties.AuthorizationType };
    });
    expect(byRoute.sort((a, b) => a.route.localeCompare(b.route) || a.auth.localeCompare(b.auth))).toEqual([
      { route: 'ANY {proxy+}', auth: 'AWS_IAM' },
      { route: 'ANY {proxy+}', auth: 'COGNITO_USER_POOLS' },
      { route: 'GET health', auth: 'NONE' },
      { route: 'GET openapi.json', auth: 'NONE' },
      // The admin routes served by admin-tools and admin-preview (test/infra/admin-routing.test.ts), under /admin (IAM) and /console-api/admin (Cognito).
      { route: 'POST check', auth: 'AWS_IAM' },
      { route: 'POST check', auth: 'COGNITO_USER_POOLS' },
      { route: 'POST install', auth: 'AWS_IAM' },
      { route: 'POST install', auth: 'COGNITO_USER_POOLS' },
      { route: 'POST large', auth: 'CUSTOM' },
      { route: 'POST match-test', auth: 'AWS_IAM' },
      { route: 'POST match-test', auth: 'COGNITO_USER_POOLS' },
      { route: 'POST preview', auth: 'AWS_IAM' },
      { route: 'POST preview', auth: 'COGNITO_USER_POOLS' },
      { route: 'POST saas-management', auth: 'NONE' },
      { route: 'POST test', auth: 'AWS_IAM' },
      { route: 'POST test', auth: 'COGNITO_USER_POOLS' },
      { route: 'POST verify', auth: 'AWS_IAM' },
      { route: 'POST verify', auth: 'COGNITO_USER_POOLS' },
    ]);
    // {proxy+} sits under /admin, saas-management under /webhooks.
    dev.template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{proxy+}', ParentId: { Ref: Match.stringLikeRegexp('^Apiadmin') } });
    dev.template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'saas-management', ParentId: { Ref: Match.stringLikeRegexp('^Apiwebhooks') } });
  });

  it('routes the public methods to ingest and the admin method to admin (Lambda proxy)', () => {
    const uriFor = (fn: 'ingest' | 'admin') => Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([{ 'Fn::GetAtt': [logicalId(dev.stack.functions[fn]), 'Arn'] }])]) });
    dev.template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'POST', Integration: { Type: 'AWS_PROXY', Uri: uriFor('ingest') } });
    dev.template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'ANY', Integration: { Type: 'AWS_PROXY', Uri: uriFor('admin') } });
  });

  it('throttles the stage, writes JSON access logs to a log group with retention, traces with X-Ray and never logs bodies', () => {
    dev.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
      MethodSettings: Match.arrayWith([Match.objectLike({ ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40, LoggingLevel: 'ERROR', DataTraceEnabled: false })]),
    });
    const stage = Object.values(resourcesOf(dev.template, 'AWS::ApiGateway::Stage', z.object({ Properties: z.object({ AccessLogSetting: z.object({ Format: z.string() }) }) })))[0]!;
    expect(stage.Properties.AccessLogSetting.Format).not.toMatch(/authorization|requestBody|header/i);
    dev.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('throttles the webhook and the admin API separately, so a webhook flood leaves the admin API usable', () => {
    dev.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ResourcePath: '/~1webhooks~1saas-management', HttpMethod: 'POST', ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 }),
        Match.objectLike({ ResourcePath: '/~1admin~1{proxy+}', HttpMethod: '*', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 }),
      ]),
    });
  });

  it('takes throttling from context', () => {
    const custom = synth({ stage: 'dev', apiRateLimit: '5', apiBurstLimit: '7', webhookRateLimit: '2', webhookBurstLimit: '3' });
    custom.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([Match.objectLike({ ResourcePath: '/*', ThrottlingRateLimit: 5, ThrottlingBurstLimit: 7 }), Match.objectLike({ HttpMethod: 'POST', ThrottlingRateLimit: 2, ThrottlingBurstLimit: 3 })]),
    });
  });
});

describe('WAF', () => {
  it('associates a regional web ACL with the API stage, with a per-IP rate-based rule and no webhook allow-list by default', () => {
    dev.template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: Match.arrayWith([Match.objectLike({ Name: 'RatePerSourceIp', Action: { Block: {} }, Statement: { RateBasedStatement: { Limit: 300, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } } })]),
    });
    const stage = Object.keys(dev.template.findResources('AWS::ApiGateway::Stage'))[0]!;
    dev.template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.objectLike({ Ref: stage })])] }),
      WebACLArn: { 'Fn::GetAtt': [logicalId(dev.stack.waf.webAcl), 'Arn'] },
    });
    dev.template.resourceCountIs('AWS::WAFv2::IPSet', 0);
  });

  it('blocks webhook calls from outside webhookAllowedCidrs when they are configured', () => {
    const listed = synth({ stage: 'dev', webhookAllowedCidrs: '203.0.113.0/24, 2001:db8::/32', wafRateLimit: '100' });
    listed.template.hasResourceProperties('AWS::WAFv2::IPSet', { IPAddressVersion: 'IPV4', Addresses: ['203.0.113.0/24'] });
    listed.template.hasResourceProperties('AWS::WAFv2::IPSet', { IPAddressVersion: 'IPV6', Addresses: ['2001:db8::/32'] });
    listed.template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'WebhookSourceAllowList',
          Action: { Block: {} },
          Statement: { AndStatement: { Statements: [Match.objectLike({ ByteMatchStatement: Match.objectLike({ SearchString: '/webhooks/', PositionalConstraint: 'CONTAINS' }) }), { NotStatement: { Statement: { OrStatement: Match.anyValue() } } }] } },
        }),
        Match.objectLike({ Name: 'RatePerSourceIp', Statement: { RateBasedStatement: Match.objectLike({ Limit: 100 }) } }),
      ]),
    });
    expect(() => synth({ stage: 'dev', webhookAllowedCidrs: 'saas.example.com' })).toThrow(/webhookAllowedCidrs/);
  });

  it("answers API Gateway's own rejections in the API's JSON error shape (unknown route → 404)", () => {
    dev.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
      StatusCode: '404',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"code":"not_found"') },
    });
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX', 'THROTTLED', 'REQUEST_TOO_LARGE']) {
      dev.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseTemplates: { 'application/json': Match.stringLikeRegexp('^\\{"error":\\{"code":') },
      });
    }
  });
});

describe('Lambda functions', () => {
  it('run Node.js 22 on arm64 with active tracing, source maps, their own log group, and the documented environment', () => {
    // Ours: ingest, admin, admin tools, admin preview, dispatch, sweep and the large-report ingest and authorizer (the CDK's own
    // bucket-notification handler and console-deployment copier aside; the copier is checked in console.test.ts).
    const functions = Object.fromEntries(Object.entries(dev.template.findResources('AWS::Lambda::Function')).filter(([id]) => !id.startsWith('BucketNotificationsHandler') && !id.startsWith('CustomCDKBucketDeployment')));
    expect(Object.keys(functions)).toHaveLength(8);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.any(String) as unknown } },
        Environment: {
          Variables: expect.objectContaining({
            TABLE_NAME: { Ref: logicalId(dev.stack.data.table) },
            TARGET_SECRET_PREFIX: 'UsageCertification-dev/targets/',
            LOG_LEVEL: 'INFO',
            POWERTOOLS_SERVICE_NAME: 'usage-certification-dev',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            NODE_OPTIONS: '--enable-source-maps',
          }) as unknown,
        },
      });
    }
  });

  it('gives each function the settings its trigger needs', () => {
    const LambdaFunction = z.object({ Properties: z.object({ Timeout: z.number(), MemorySize: z.number(), Environment: z.object({ Variables: z.record(z.string(), z.unknown()) }) }) });
    const props = (fn: FunctionName) => resourceOf(dev.template, logicalId(dev.stack.functions[fn]), LambdaFunction).Properties;
    // Behind API Gateway (29 s integration limit).
    for (const fn of ['ingest', 'admin', 'adminTools', 'adminPreview'] as const) expect(props(fn).Timeout).toBeLessThan(29);
    expect(props('ingest').Environment.Variables).toMatchObject({ WEBHOOK_SECRET_ARN: { Ref: logicalId(dev.stack.secrets.webhookSecret) } });
    for (const fn of ['admin', 'adminTools', 'adminPreview'] as const) expect(props(fn).Environment.Variables.WEBHOOK_SECRET_ARN).toBeUndefined();
    // The preview parses a report as large as the webhook's, with the same memory as ingest.
    expect(props('adminPreview').MemorySize).toBe(props('ingest').MemorySize);
    // The lease outlasts the dispatch function, so the sweeper never reclaims a batch still being sent.
    const dispatch = props('dispatch');
    // Dispatch outlasts a batch's sequential ISC calls (up to 5) plus the 30 s local rate-limiter wait.
    expect(dispatch.Timeout * 1000).toBeGreaterThan(5 * Number(dispatch.Environment.Variables.ISC_TIMEOUT_MS) + 30_000);
    expect(Number(dispatch.Environment.Variables.LEASE_SECONDS)).toBeGreaterThan(dispatch.Timeout);
    // The sweeper finishes before its next run and is not retried (the next run is the retry).
    expect(props('sweep').Timeout).toBeLessThan(60);
    dev.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: logicalId(dev.stack.functions.sweep) }, MaximumRetryAttempts: 0 });
  });

  it('refuses context that would let a dispatch outlive its lease or its timeout', () => {
    expect(() => synth({ stage: 'dev', leaseSeconds: '120' })).toThrow(/leaseSeconds/);
    expect(() => synth({ stage: 'dev', iscTimeoutSeconds: '18' })).toThrow(/iscTimeoutSeconds/);
  });

  it('passes optional tuning from context to the functions', () => {
    const tuned = synth({ stage: 'dev', maxAttempts: '3', batchMaxBytes: '65536', matchThresholdPercent: '40', productionWords: 'main', nonProductionWords: 'cert,perf' });
    tuned.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MAX_ATTEMPTS: '3', BATCH_MAX_BYTES: '65536', MATCH_THRESHOLD_PERCENT: '40', PRODUCTION_WORDS: 'main', NON_PRODUCTION_WORDS: 'cert,perf' }) },
    });
    expect(() => synth({ stage: 'dev', maxAttempts: 'many' })).toThrow(/maxAttempts/);
    expect(() => synth({ stage: 'dev', nonProductionWords: 'prod' })).toThrow(/NON_PRODUCTION_WORDS/);
  });

  it('gives the ISC host allow-list to the admin functions that call ISC, not to the preview', () => {
    const hosts = synth({ stage: 'dev', iscAllowedHosts: 'iam.acme.com' });
    const Env = z.object({ Properties: z.object({ Environment: z.object({ Variables: z.record(z.string(), z.unknown()) }) }) });
    const env = (fn: FunctionName) => resourceOf(hosts.template, logicalId(hosts.stack.functions[fn]), Env).Properties.Environment.Variables.ISC_ALLOWED_HOSTS;
    expect([env('admin'), env('adminTools'), env('adminPreview')]).toEqual(['iam.acme.com', 'iam.acme.com', undefined]);
  });

  it('runs the sweeper every minute', () => {
    dev.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(dev.stack.functions.sweep), 'Arn'] } })],
    });
  });
});

describe('DynamoDB', () => {
  it('keeps the audit trail in its own table that refuses every update and delete', () => {
    dev.template.resourceCountIs('AWS::DynamoDB::Table', 2);
    const audit = resourceOf(dev.template, logicalId(dev.stack.data.auditTable), z.object({ Properties: z.object({ StreamSpecification: z.optional(z.unknown()), ResourcePolicy: z.object({ PolicyDocument: z.object({ Statement: z.array(z.unknown()) }) }) }) })).Properties;
    expect(audit).toMatchObject({ BillingMode: 'PAY_PER_REQUEST', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
    expect(audit.StreamSpecification).toBeUndefined();
    expect(audit.ResourcePolicy.PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Principal: { AWS: '*' }, Action: expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) as unknown }),
    ]);
  });

  it('is one on-demand table with PITR, SSE, TTL, NEW_IMAGE streams and the two GSIs of TABLE_SCHEMA', () => {
    dev.template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [TABLE_SCHEMA.statusIndex, TABLE_SCHEMA.listIndex].map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    });
    const attributes = resourceOf(dev.template, logicalId(dev.stack.data.table), z.object({ Properties: z.object({ AttributeDefinitions: z.array(z.object({ AttributeType: z.string() })) }) })).Properties.AttributeDefinitions;
    expect(attributes.every((a) => a.AttributeType === 'S')).toBe(true);
  });

  it('feeds only PENDING batch items to dispatch, with bisect, bounded retries, partial failures and a DLQ', () => {
    dev.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    dev.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(dev.stack.data.table), 'StreamArn'] },
      FunctionName: { Ref: logicalId(dev.stack.functions.dispatch) },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 10,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: Match.anyValue(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(dev.stack.data.dispatchDlq), 'Arn'] } } },
      FilterCriteria: {
        Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { type: { S: ['BATCH'] }, status: { S: ['PENDING'] } } } }) }],
      },
    });
    // The pattern is the one the handler module documents, not a copy that could drift.
    expect(JSON.parse(JSON.stringify(PENDING_BATCH_FILTER))).toEqual({ eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { type: { S: ['BATCH'] }, status: { S: ['PENDING'] } } } });
    // Created after the role policy that lets Lambda read the stream and write the DLQ.
    const mapping = Object.values(dev.template.findResources('AWS::Lambda::EventSourceMapping'))[0]!;
    expect(mapping.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/DispatchRoleDefaultPolicy/)]));
  });

  it('encrypts the DLQ and refuses non-TLS access to it', () => {
    dev.template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    dev.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalId(dev.stack.data.dispatchDlq) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('IAM least privilege', () => {
  // The CDK's deployment-time copier of the console assets has its own scoped grants (console.test.ts).
  const copierRole = () => logicalId(dev.stack.console.deployment.handlerRole);
  const pipelineStatements = () => statements.filter((s) => s.source !== copierRole() && !s.roles.includes(copierRole()));
  it('has no "*" resource in any identity policy except for actions that cannot be scoped', () => {
    const offenders = pipelineStatements()
      .filter((s) => s.Effect === 'Allow' && s.Resource.includes('*'))
      .flatMap((s) => s.Action.filter((a) => !STAR_RESOURCE_ALLOWED.has(a)).map((a) => `${s.source}: ${a}`));
    expect(offenders).toEqual([]);
    // And no wildcard actions at all.
    expect(pipelineStatements().flatMap((s) => s.Action).filter((a) => a.includes('*') && !a.startsWith('kms:GenerateDataKey'))).toEqual([]);
  });

  it('scopes secretsmanager per function: ingest the webhook secret, dispatch and sweep read-only and admin read/write on the target prefix', () => {
    const prefixArn = Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':secret:UsageCertification-dev/targets/*'])] });
    const matches = (value: unknown, matcher: ReturnType<typeof Match.objectLike>) => !matcher.test(value).hasFailed();

    expect(actionsOn(roleOf('ingest'), 'secretsmanager:')).toEqual([
      { action: 'secretsmanager:DescribeSecret', resources: [{ Ref: logicalId(dev.stack.secrets.webhookSecret) }] },
      { action: 'secretsmanager:GetSecretValue', resources: [{ Ref: logicalId(dev.stack.secrets.webhookSecret) }] },
    ]);

    const dispatch = actionsOn(roleOf('dispatch'), 'secretsmanager:');
    expect(dispatch.map((d) => d.action)).toEqual(['secretsmanager:GetSecretValue']);
    expect(dispatch.every((d) => d.resources.length === 1 && matches(d.resources[0], prefixArn))).toBe(true);

    const admin = actionsOn(roleOf('admin'), 'secretsmanager:');
    expect(admin.map((d) => d.action).sort()).toEqual([
      'secretsmanager:CreateSecret',
      'secretsmanager:DeleteSecret',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:RestoreSecret',
    ]);
    expect(admin.every((d) => d.resources.length === 1 && matches(d.resources[0], prefixArn))).toBe(true);

    // Admin tools read API credentials and store the trigger credentials a workflow install gets; they never delete one.
    const tools = actionsOn(roleOf('adminTools'), 'secretsmanager:');
    expect(tools.map((d) => d.action).sort()).toEqual(['secretsmanager:CreateSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:RestoreSecret']);
    expect(tools.every((d) => d.resources.length === 1 && matches(d.resources[0], prefixArn))).toBe(true);
    // The preview reads no secret.
    expect(actionsOn(roleOf('adminPreview'), 'secretsmanager:')).toEqual([]);

    // The sweeper follows dispatched batches in ISC with the target's API credentials: read-only, same prefix.
    const sweep = actionsOn(roleOf('sweep'), 'secretsmanager:');
    expect(sweep.map((d) => d.action)).toEqual(['secretsmanager:GetSecretValue']);
    expect(sweep.every((d) => d.resources.length === 1 && matches(d.resources[0], prefixArn))).toBe(true);
  });

  it('gives each function only the table actions it uses, writes limited by partition-key prefix', () => {
    const table = JSON.stringify({ 'Fn::GetAtt': [logicalId(dev.stack.data.table), 'Arn'] });
    const audit = JSON.stringify({ 'Fn::GetAtt': [logicalId(dev.stack.data.auditTable), 'Arn'] });
    const PolicyStatement = z.object({
      Sid: z.optional(z.string()),
      Action: z.union([z.string(), z.array(z.string())]),
      Resource: z.unknown(),
      Condition: z.optional(z.record(z.string(), z.record(z.string(), z.unknown()))),
    });
    const policies = resourcesOf(dev.template, 'AWS::IAM::Policy', z.object({ Properties: z.object({ Roles: z.array(z.object({ Ref: z.string() })), PolicyDocument: z.object({ Statement: z.array(PolicyStatement) }) }) }));
    const tableStatements = (fn: FunctionName, arn: string) =>
      Object.values(policies)
        .filter((r) => r.Properties.Roles.some((x) => x.Ref === roleOf(fn)))
        .flatMap((r) => r.Properties.PolicyDocument.Statement)
        .filter((st) => [st.Resource].flat().some((x: unknown) => JSON.stringify(x) === arn) && [st.Action].flat().some((a: string) => a.startsWith('dynamodb:') && !a.includes('Stream') && a !== 'dynamodb:GetRecords' && a !== 'dynamodb:GetShardIterator'));
    const writes = (fn: FunctionName) => {
      const found = tableStatements(fn, table).filter((st) => st.Sid === 'WriteTable');
      return { actions: [found[0]!.Action].flat().sort(), leadingKeys: found[0]!.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] };
    };
    const reads = (fn: FunctionName) => [tableStatements(fn, table).find((st) => st.Sid === 'ReadTable')!.Action].flat().sort();

    for (const fn of ['ingest', 'admin', 'adminTools', 'adminPreview', 'dispatch', 'sweep'] as const) expect(reads(fn)).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    expect(writes('ingest')).toEqual({ actions: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], leadingKeys: ['DELIVERY#*', 'REJECTED#*', 'SEEN#*'] });
    expect(writes('dispatch')).toEqual({ actions: ['dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'], leadingKeys: ['DELIVERY#*', 'RATE#*', 'SENT#*', 'IDENTITY#*'] });
    expect(writes('sweep')).toEqual({ actions: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'], leadingKeys: ['DELIVERY#*', 'RATE#*'] });
    expect(writes('admin')).toEqual({ actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], leadingKeys: undefined });
    expect(writes('adminTools')).toEqual({ actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], leadingKeys: ['TARGET#*', 'SEEN#*', 'DELIVERY#*', 'RATE#*'] });
    // The preview stores nothing.
    expect(tableStatements('adminPreview', table).filter((st) => st.Sid !== 'ReadTable')).toEqual([]);
    // Nobody scans; only admin and admin tools reach the audit table: admin to append and read, the tools to append.
    expect(statements.flatMap((st) => st.Action).filter((a) => a === 'dynamodb:Scan')).toEqual([]);
    for (const fn of ['ingest', 'adminPreview', 'dispatch', 'sweep'] as const) expect(tableStatements(fn, audit)).toEqual([]);
    expect(tableStatements('admin', audit).flatMap((st) => [st.Action].flat()).sort()).toEqual(['dynamodb:PutItem', 'dynamodb:Query']);
    expect(tableStatements('adminTools', audit).flatMap((st) => [st.Action].flat())).toEqual(['dynamodb:PutItem']);
  });

  it('limits DynamoDB access to the tables, the main table\'s indexes and its stream', () => {
    const table = logicalId(dev.stack.data.table);
    const allowedResources = [
      { 'Fn::GetAtt': [logicalId(dev.stack.data.auditTable), 'Arn'] },
      { 'Fn::GetAtt': [table, 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, '/index/*']] },
      { 'Fn::GetAtt': [table, 'StreamArn'] },
    ].map((r) => JSON.stringify(r));
    const dynamo = statements.filter((s) => s.Action.some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.length).toBeGreaterThan(0);
    for (const s of dynamo) for (const r of s.Resource) expect(allowedResources).toContain(JSON.stringify(r));
    // Only dispatch reads the stream.
    const streamReaders = dynamo.filter((s) => s.Resource.some((r) => JSON.stringify(r).includes('StreamArn'))).flatMap((s) => s.roles);
    expect(streamReaders).toEqual([roleOf('dispatch')]);
  });

  it('uses no AWS managed policy on the function roles (log writes are granted on each function\'s own log group)', () => {
    for (const fn of ['ingest', 'admin', 'dispatch', 'sweep'] as const) {
      const role = resourceOf(dev.template, roleOf(fn), z.object({ Properties: z.object({ ManagedPolicyArns: z.optional(z.unknown()) }) }));
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const logs = actionsOn(roleOf(fn), 'logs:');
      expect(logs.map((l) => l.action).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      expect(logs[0]!.resources).toEqual([{ 'Fn::GetAtt': [logicalId(dev.stack.functions[fn].logGroup), 'Arn'] }]);
    }
  });
});

describe('alarms and outputs', () => {
  it('alarms on the DLQ, dispatch and admin function errors, API 5xx, ingest throttles and the sweeper metrics', () => {
    const Alarm = z.object({ Properties: z.object({ AlarmName: z.optional(z.string()), Dimensions: z.optional(z.unknown()), AlarmActions: z.optional(z.unknown()) }) });
    const alarms = Object.values(resourcesOf(dev.template, 'AWS::CloudWatch::Alarm', Alarm)).map((a) => a.Properties);

    const find = (name: string) => alarms.find((a) => a.AlarmName === `UsageCertification-dev-${name}`);
    expect(find('DlqNotEmpty')).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(find('DispatchErrors')).toMatchObject({ MetricName: 'Errors', Namespace: 'AWS/Lambda', Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(dev.stack.functions.dispatch) } }] });
    expect(find('Api5xx')).toMatchObject({ MetricName: '5XXError', Namespace: 'AWS/ApiGateway' });
    expect(find('Api4xx')).toMatchObject({ MetricName: '4XXError', Namespace: 'AWS/ApiGateway', Threshold: 50 });
    expect(find('WafBlocked')).toMatchObject({ MetricName: 'BlockedRequests', Namespace: 'AWS/WAFV2' });
    for (const [name, fn] of [['AdminErrors', 'admin'], ['AdminToolsErrors', 'adminTools'], ['AdminPreviewErrors', 'adminPreview']] as const) {
      expect(find(name)).toMatchObject({ MetricName: 'Errors', Namespace: 'AWS/Lambda', Threshold: 0, Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(dev.stack.functions[fn]) } }] });
    }
    expect(find('IngestThrottles')).toMatchObject({ MetricName: 'Throttles', Threshold: 0, Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(dev.stack.functions.ingest) } }] });
    expect(find('OldestUnsettledBatch')).toMatchObject({ MetricName: 'OldestUnsettledBatchAge', Namespace: 'UsageCertification', Threshold: 7200, ComparisonOperator: 'GreaterThanThreshold' });
    for (const metric of ['HeldBatches', 'StaleMappings', 'FailedBatches']) {
      expect(find(metric)).toMatchObject({ Namespace: 'UsageCertification', MetricName: metric, Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
      expect(find(metric)!.Dimensions).toBeUndefined();
    }
    // Without alarmEmail there is no topic and no action.
    dev.template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(alarms.every((a) => a.AlarmActions === undefined)).toBe(true);
  });

  it('outputs the API URL, the webhook URL and the webhook secret ARN', () => {
    dev.template.hasOutput('ApiUrl', { Value: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['/'])] }) });
    dev.template.hasOutput('WebhookUrl', { Value: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/webhooks/saas-management$')])] } });
    dev.template.hasOutput('WebhookSecretArn', { Value: { Ref: logicalId(dev.stack.secrets.webhookSecret) } });
    dev.template.hasOutput('TargetSecretPrefix', { Value: 'UsageCertification-dev/targets/' });
  });

  it('generates the webhook secret as {"current", "previous"} JSON', () => {
    dev.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { SecretStringTemplate: '{"previous":""}', GenerateStringKey: 'current', ExcludePunctuation: true, PasswordLength: 48 },
    });
  });

  it('hard-codes no account or region', () => {
    const text = JSON.stringify(dev.template.toJSON());
    expect(text).not.toMatch(/\b\d{12}\b/);
    expect(text).not.toMatch(/\b(us|eu|ap|sa|ca|me|af)-(east|west|north|south|central|northeast|southeast)-\d\b/);
  });
});
