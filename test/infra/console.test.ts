/**
 * The console on AWS: Cognito user pool and hosted sign-in, the public PKCE app client, the Cognito authorizer on
 * the console's copy of the admin routes (IAM stays on /admin), CloudFront with OAC in front of a private bucket
 * with security headers, the admin function's token settings, federation from context, and the dashboard.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_METRICS } from '../../lib/dashboard.js';
import * as z from 'zod/mini';
import { dashboardBody, iamStatements, logicalId, resourceOf, resourcesOf, synth, type Synthesized } from './synth.js';

let dev: Synthesized;
beforeAll(() => {
  dev = synth({ stage: 'dev' });
}, 120_000);

const resources = <S extends z.ZodMiniType>(type: string, schema: S) => Object.values(resourcesOf(dev.template, type, schema));
const UserPoolClient = z.object({ Properties: z.object({ CallbackURLs: z.array(z.unknown()), LogoutURLs: z.array(z.unknown()), SupportedIdentityProviders: z.array(z.unknown()) }) });
const json = (value: unknown) => JSON.stringify(dev.stack.resolve(value));

describe('Sign-in (Cognito)', () => {
  it('has a user pool without self sign-up, with MFA and a strong password policy, and admin + viewer groups', () => {
    dev.template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 14, RequireSymbols: true }) },
    });
    expect(resources('AWS::Cognito::UserPoolGroup', z.object({ Properties: z.object({ GroupName: z.string() }) })).map((g) => g.Properties.GroupName).sort()).toEqual(['admin', 'viewer']);
    dev.template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
  });

  it('has a public app client: authorization code only, no secret, callback and logout URL = the console URL', () => {
    const [client] = resources('AWS::Cognito::UserPoolClient', UserPoolClient);
    expect(client!.Properties).toMatchObject({ GenerateSecret: false, AllowedOAuthFlows: ['code'], AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes: ['openid', 'email'], SupportedIdentityProviders: ['COGNITO'] });
    const consoleUrl = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(dev.stack.console.distribution), 'DomainName'] }, '/console/']] };
    expect(client!.Properties.CallbackURLs).toEqual([consoleUrl]);
    expect(client!.Properties.LogoutURLs).toEqual([consoleUrl]);
    dev.template.hasOutput('ConsoleUrl', { Value: consoleUrl });
    dev.template.hasOutput('ConsoleUserPoolId', Match.anyValue());
  });

  it('federates to an external IdP given in context, with its client secret as a deploy-time reference only', () => {
    const federated = synth({ stage: 'dev', consoleIdp: JSON.stringify({ type: 'oidc', name: 'Okta', issuer: 'https://acme.okta.com', clientId: 'okta-client', clientSecretName: 'console/okta' }) });
    federated.template.hasResourceProperties('AWS::Cognito::UserPoolIdentityProvider', { ProviderName: 'Okta', ProviderType: 'OIDC', ProviderDetails: Match.objectLike({ oidc_issuer: 'https://acme.okta.com', client_id: 'okta-client' }) });
    const [client] = Object.values(resourcesOf(federated.template, 'AWS::Cognito::UserPoolClient', UserPoolClient));
    const [idp] = Object.keys(federated.template.findResources('AWS::Cognito::UserPoolIdentityProvider'));
    expect(client!.Properties.SupportedIdentityProviders).toEqual(['COGNITO', { Ref: idp }]);
    expect(JSON.stringify(federated.template.toJSON())).toContain('{{resolve:secretsmanager:console/okta:SecretString:::}}');
    expect(() => synth({ stage: 'dev', consoleIdp: '{"type":"ldap","name":"x"}' })).toThrow(/consoleIdp/);
  });
});

describe('Console API authorization', () => {
  it('puts a Cognito authorizer on /console-api/admin/{proxy+} and keeps IAM on /admin/{proxy+}, both to the admin function', () => {
    const Method = z.object({ Properties: z.object({ AuthorizationType: z.string(), ResourceId: z.unknown(), Integration: z.object({ Uri: z.unknown() }) }) });
    const methods = resourcesOf(dev.template, 'AWS::ApiGateway::Method', Method, { Properties: { HttpMethod: 'ANY' } });
    const byAuth = Object.fromEntries(Object.values(methods).map((m) => [m.Properties.AuthorizationType, m.Properties]));
    expect(byAuth.AWS_IAM?.ResourceId).toEqual({ Ref: logicalId(dev.stack.api.adminMethod.resource) });
    expect(byAuth.COGNITO_USER_POOLS?.ResourceId).toEqual({ Ref: logicalId(dev.stack.console.consoleMethod.resource) });
    expect(dev.stack.console.consoleMethod.resource.path).toBe('/console-api/admin/{proxy+}');
    dev.template.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'COGNITO_USER_POOLS', IdentitySource: 'method.request.header.Authorization', ProviderARNs: [{ 'Fn::GetAtt': [logicalId(dev.stack.signIn.userPool), 'Arn'] }] });
    for (const m of [byAuth.AWS_IAM, byAuth.COGNITO_USER_POOLS]) expect(json(m!.Integration.Uri)).toContain(logicalId(dev.stack.functions.admin));
  });

  it('tells the admin function which issuer, client and groups claim to verify console tokens against', () => {
    const LambdaFunction = z.object({ Type: z.literal('AWS::Lambda::Function'), Properties: z.object({ Environment: z.object({ Variables: z.record(z.string(), z.unknown()) }) }) });
    const env = resourceOf(dev.template, logicalId(dev.stack.functions.admin), LambdaFunction).Properties.Environment.Variables;
    expect(env.CONSOLE_GROUPS_CLAIM).toBe('cognito:groups');
    expect(env.CONSOLE_CLIENT_ID).toEqual({ Ref: logicalId(dev.stack.signIn.userPool.node.findChild('Console')) });
    expect(json(env.CONSOLE_ISSUER)).toContain('cognito-idp.');
  });
});

describe('Console hosting (S3 + CloudFront)', () => {
  it('keeps the bucket private, encrypted and SSL-only', () => {
    dev.template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: Match.objectLike({ ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } })] }),
    });
    const bucket = logicalId(dev.stack.console.bucket);
    const BucketPolicy = z.object({ Properties: z.object({ Bucket: z.object({ Ref: z.optional(z.string()) }), PolicyDocument: z.object({ Statement: z.array(z.record(z.string(), z.unknown())) }) }) });
    const policy = resources('AWS::S3::BucketPolicy', BucketPolicy).find((p) => p.Properties.Bucket.Ref === bucket)!.Properties.PolicyDocument.Statement;
    expect(policy).toEqual(expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]));
    // Only CloudFront, and only this distribution, may read.
    const reads = policy.filter((s) => s.Effect === 'Allow');
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' });
    expect(json(reads[0]!.Condition)).toContain(logicalId(dev.stack.console.distribution));
  });

  it('serves it through CloudFront with origin access control, HTTPS only, and /admin/* to the console API path', () => {
    dev.template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    dev.template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }) });
    const Origin = z.object({
      Id: z.string(),
      OriginPath: z.optional(z.string()),
      OriginAccessControlId: z.optional(z.unknown()),
      S3OriginConfig: z.optional(z.object({ OriginAccessIdentity: z.string() })),
      CustomOriginConfig: z.optional(z.object({ OriginProtocolPolicy: z.string() })),
    });
    const Distribution = z.object({
      Properties: z.object({ DistributionConfig: z.object({ DefaultCacheBehavior: z.object({ ViewerProtocolPolicy: z.string() }), Origins: z.array(Origin), CacheBehaviors: z.array(z.unknown()) }) }),
    });
    const config = resources('AWS::CloudFront::Distribution', Distribution)[0]!.Properties.DistributionConfig;
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    const s3 = config.Origins.find((o) => o.S3OriginConfig)!;
    expect(s3.OriginAccessControlId).toBeDefined();
    expect(s3.S3OriginConfig!.OriginAccessIdentity).toBe('');
    const api = config.Origins.find((o) => o.CustomOriginConfig)!;
    expect(api.OriginPath).toBe('/v1/console-api');
    expect(api.CustomOriginConfig!.OriginProtocolPolicy).toBe('https-only');
    expect(config.CacheBehaviors).toEqual([expect.objectContaining({ PathPattern: 'admin/*', ViewerProtocolPolicy: 'https-only', TargetOriginId: api.Id })]);
  });

  it('adds a strict CSP and the security headers to every response', () => {
    const HeadersPolicy = z.object({ Properties: z.object({ ResponseHeadersPolicyConfig: z.object({ SecurityHeadersConfig: z.object({ ContentSecurityPolicy: z.object({ ContentSecurityPolicy: z.unknown() }) }) }) }) });
    const policy = resources('AWS::CloudFront::ResponseHeadersPolicy', HeadersPolicy)[0]!.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const csp = json(policy.ContentSecurityPolicy.ContentSecurityPolicy);
    for (const directive of ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'none'", 'amazoncognito.com']) expect(csp).toContain(directive);
    expect(csp).not.toContain('unsafe');
    expect(policy).toMatchObject({
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
      StrictTransportSecurity: { AccessControlMaxAgeSec: 31_536_000, IncludeSubdomains: true, Override: true },
    });
  });

  it('deploys the built console and its sign-in config; the copier may touch only the console bucket and its invalidation', () => {
    const [deployment] = resources('Custom::CDKBucketDeployment', z.object({ Properties: z.object({ DestinationBucketKeyPrefix: z.string(), DistributionPaths: z.array(z.string()) }) }));
    expect(deployment!.Properties.DestinationBucketKeyPrefix).toBe('console');
    expect(deployment!.Properties.DistributionPaths).toEqual(['/console/*']);
    const copier = logicalId(dev.stack.console.deployment.handlerRole);
    const writes = iamStatements(dev.template).filter((s) => s.roles.includes(copier) && s.Action.some((a) => a.startsWith('s3:Put') || a.startsWith('s3:DeleteObject')));
    expect(writes.length).toBeGreaterThan(0);
    for (const s of writes) expect(json(s.Resource)).toContain(logicalId(dev.stack.console.bucket));
  });
});

describe('Dashboard', () => {
  it('shows deliveries, batches by status, time to dispatch, ISC 429/5xx, token requests, stale and suspect mappings and DLQ depth', () => {
    const body = dashboardBody(dev.template, dev.stack);

    const titles = body.widgets.map((w) => w.properties.title);
    expect(titles).toEqual(expect.arrayContaining(['Deliveries received', 'Batches by status', 'Time to dispatch (seconds)', 'ISC 429 / 5xx and token requests', 'Stale and suspect mappings', 'Dispatch DLQ depth']));
    const named = body.widgets.flatMap((w) => w.properties.metrics.map((m) => `${String(m[0])}/${String(m[1])}`));
    for (const metric of Object.values(DASHBOARD_METRICS).flat()) expect(named).toContain(`UsageCertification/${metric}`);
    expect(named).toContain('AWS/SQS/ApproximateNumberOfMessagesVisible');
  });

  it('graphs the errors and duration of each admin function', () => {
    const body = dashboardBody(dev.template, dev.stack);
    const widget = (title: string) => body.widgets.find((w) => w.properties.title === title)!.properties.metrics;
    for (const [title, metric] of [['Admin functions: errors', 'Errors'], ['Admin functions: duration (p90)', 'Duration']]) {
      // [namespace, metric, "FunctionName", the function's name (a token here)] per function.
      expect(widget(title!).map((m) => m.slice(0, 3))).toEqual(Array.from({ length: 3 }, () => ['AWS/Lambda', metric, 'FunctionName']));
    }
  });
});
