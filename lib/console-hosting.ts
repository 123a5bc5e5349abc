import { copyFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { CfnOutput, DockerImage, Duration, Stack, Validations } from 'aws-cdk-lib';
import { AuthorizationType, CognitoUserPoolsAuthorizer, LambdaIntegration, type Method, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { buildSync } from 'esbuild';
import { Construct } from 'constructs';
import { CONSOLE_BUILD, CONSOLE_DIR, contentSecurityPolicy } from '../functions/http/console-route.js';
import { API_STAGE_NAME, addSeparateAdminMethods, type AdminFunctions } from './api.js';
import type { StageConfig } from './config.js';
import type { SignIn } from './sign-in.js';

/** API Gateway path of the console's JWT-authorized copy of /admin/*; CloudFront maps /admin/* onto it. */
export const CONSOLE_API_PATH = 'console-api';

export interface ConsoleHostingProps {
  config: StageConfig;
  restApi: RestApi;
  admin: Record<keyof AdminFunctions, LambdaFunction>;
  signIn: SignIn;
}

/**
 * The console on AWS, one origin for the browser: CloudFront serves the static page from a private S3 bucket
 * (origin access control) under /console/*, and forwards /admin/* to API Gateway's /console-api/admin/*, where a
 * Cognito authorizer refuses calls without a valid ID token before an admin function (which verifies the token
 * again for its role and audit name) is invoked. Same origin: no CORS, and a CSP of 'self' plus the sign-in domain.
 */
export class ConsoleHosting extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly consoleMethod: Method;
  /** The console's copies of the admin routes served by admin-tools and admin-preview. */
  readonly separateConsoleMethods: Method[];
  readonly deployment: BucketDeployment;
  readonly url: string;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    const { config, signIn } = props;

    this.bucket = new Bucket(this, 'Assets', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      removalPolicy: config.dataRemovalPolicy,
      autoDeleteObjects: false,
    });

    const responseHeaders = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Console: strict CSP and security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: contentSecurityPolicy(signIn.baseUrl), override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
      customHeadersBehavior: { customHeaders: [{ header: 'Cache-Control', value: 'no-store', override: true }] },
    });

    // The console's copy of the admin routes: same functions, Cognito-authorized instead of IAM.
    const authorizer = new CognitoUserPoolsAuthorizer(this, 'Authorizer', { cognitoUserPools: [signIn.userPool], resultsCacheTtl: Duration.minutes(5) });
    const consoleApi = props.restApi.root.addResource(CONSOLE_API_PATH);
    const cognito = { authorizationType: AuthorizationType.COGNITO, authorizer };
    this.consoleMethod = consoleApi.resourceForPath('admin/{proxy+}').addMethod('ANY', new LambdaIntegration(props.admin.admin, { allowTestInvoke: false }), cognito);
    this.separateConsoleMethods = addSeparateAdminMethods(consoleApi, props.admin, cognito);

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `${config.stackName} admin console`,
      priceClass: PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        responseHeadersPolicy: responseHeaders,
        // The sign-in redirect returns to /console/?code=…: S3 has objects, not directory indexes.
        functionAssociations: [{
          eventType: FunctionEventType.VIEWER_REQUEST,
          function: new CloudFrontFunction(this, 'Index', {
            runtime: FunctionRuntime.JS_2_0,
            code: FunctionCode.fromInline("function handler(event) { var r = event.request; if (r.uri === '/' || r.uri === '/console') r.uri = '/console/'; if (r.uri.endsWith('/')) r.uri += 'index.html'; return r; }"),
          }),
        }],
      },
      additionalBehaviors: {
        'admin/*': {
          // By host name, not restApi.url: that would make the distribution wait for the API's deployment, which
          // waits for the admin function, which needs the console client, which needs this distribution's URL.
          origin: new HttpOrigin(`${props.restApi.restApiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}`, { originPath: `/${API_STAGE_NAME}/${CONSOLE_API_PATH}`, protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          // Authorization and If-Match reach the API; Host must stay API Gateway's own.
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: responseHeaders,
        },
      },
    });
    this.url = `https://${this.distribution.distributionDomainName}/console/`;

    const client = signIn.addConsoleClient(this.url);
    const deployment = (this.deployment = new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'console',
      sources: [
        consoleAssets(),
        Source.jsonData('config.json', {
          signIn: 'oidc',
          clientId: client.userPoolClientId,
          authorizeUrl: `${signIn.baseUrl}/oauth2/authorize`,
          tokenUrl: `${signIn.baseUrl}/oauth2/token`,
          logoutUrl: `${signIn.baseUrl}/logout`,
          scope: 'openid email',
          groupsClaim: 'cognito:groups',
        }),
      ],
      distribution: this.distribution,
      distributionPaths: ['/console/*'],
      memoryLimit: 256,
      logGroup: new LogGroup(this, 'DeployLogs', { retention: config.logRetention, removalPolicy: config.dataRemovalPolicy }),
    }));

    // The admin functions verify console tokens themselves (role and audit name), against this pool and client.
    const issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${signIn.userPool.userPoolId}`;
    for (const fn of Object.values(props.admin)) {
      fn.addEnvironment('CONSOLE_ISSUER', issuer);
      fn.addEnvironment('CONSOLE_CLIENT_ID', client.userPoolClientId);
      fn.addEnvironment('CONSOLE_GROUPS_CLAIM', 'cognito:groups');
    }

    new CfnOutput(Stack.of(this), 'ConsoleUrl', { value: this.url, description: 'The admin console: sign in with a user of the ConsoleUserPoolId pool (docs/deploy.md)' });
    this.acknowledgeFindings(deployment);
  }

  private acknowledgeFindings(deployment: BucketDeployment): void {
    // BucketDeployment's copy function: one per stack, written and maintained by the CDK team.
    const copier = 'The CDK\'s BucketDeployment copy function (runs only during deployment)';
    Validations.of(deployment.handlerRole).acknowledge({ id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: `${copier} logs with the AWS-managed basic execution policy; it holds no other managed policy.` });
    for (const [finding, why] of [
      ['Action::s3:GetBucket*', 'reads the staged asset and the console bucket'],
      ['Action::s3:GetObject*', 'reads the staged asset zip'],
      ['Action::s3:List*', 'lists the console bucket to replace its objects'],
      ['Action::s3:Abort*', 'aborts its own multipart uploads to the console bucket'],
      ['Action::s3:DeleteObject*', 'removes console files that are no longer in the build'],
      ['Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*', 'reads the build from the CDK bootstrap asset bucket, whose object keys are content hashes'],
      ['Resource::<ConsoleAssets8400950A.Arn>/*', 'writes every object of the console bucket, and only that bucket'],
      ['Resource::*', 'creates the CloudFront invalidation for /console/*; CloudFront invalidation actions do not support resource-level scoping by distribution in the grant CDK generates'],
    ] as const) {
      Validations.of(deployment.handlerRole).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: `${copier} ${why}; these are the CDK's generated grants for that purpose only.` });
    }
    const copierFunction = Stack.of(this).node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (copierFunction) Validations.of(copierFunction).acknowledge({ id: 'AwsSolutions-L1', reason: `${copier}: the CDK pins its runtime and code together; upgrading aws-cdk-lib moves both.` });
    Validations.of(this.bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'The bucket holds only the console\'s public build output (no data); CloudFront is the only reader and its requests are in the distribution\'s metrics.' });
    Validations.of(this.bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'The bucket holds only the console\'s public build output (no data); CloudFront is the only reader and its requests are in the distribution\'s metrics.' });
    Validations.of(this.distribution).acknowledge({ id: 'AwsSolutions-CFR1', reason: 'Admins and reviewers sign in from wherever they work; access is decided by the sign-in, not by country.' });
    Validations.of(this.distribution).acknowledge({ id: 'AwsSolutions-CFR2', reason: 'The page is static and public by nature; the /admin/* calls it forwards pass the API stage\'s WAF web ACL (lib/waf.ts) and the Cognito authorizer.' });
    Validations.of(this.distribution).acknowledge({ id: 'AwsSolutions-CFR3', reason: 'API calls are logged in the API Gateway access log with the caller; the static assets carry no data worth a separate log bucket.' });
    Validations.of(this.distribution).acknowledge({ id: 'AwsSolutions-CFR4', reason: 'The default *.cloudfront.net certificate has a fixed security policy (CloudFront ignores minimumProtocolVersion without a custom certificate); an operator who attaches a custom domain sets TLS 1.2 with it.' });
  }
}

/**
 * The console built at synth with the same esbuild settings as the local server: no esbuild at request time.
 * Skipped, like the functions' bundling, when the stack is excluded from bundling (tests).
 */
function consoleAssets() {
  return Source.asset(CONSOLE_DIR, {
    bundling: {
      image: DockerImage.fromRegistry('unused-local-bundling-only'),
      local: {
        tryBundle(outputDir: string): boolean {
          buildSync({ ...CONSOLE_BUILD, target: [...CONSOLE_BUILD.target], outdir: outputDir });
          renameSync(join(outputDir, 'style.css'), join(outputDir, 'app.css'));
          copyFileSync(join(CONSOLE_DIR, 'index.html'), join(outputDir, 'index.html'));
          return true;
        },
      },
    },
  });
}
