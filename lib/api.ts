import { Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  ResponseType,
  RestApi,
  type IResource,
  type Method,
  type MethodOptions,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { separateAdminRoutes } from '../functions/http/routes.js';
import type { StageConfig } from './config.js';

/** The functions behind the admin routes: admin takes /admin/{proxy+}, the others the routes the route table gives them. */
export type AdminFunctions = Record<'admin' | 'admin-tools' | 'admin-preview', IFunction>;

export interface ApiProps {
  config: StageConfig;
  ingest: IFunction;
  admin: AdminFunctions;
}

/**
 * Under `base` (the API root for /admin/*, /console-api for the console's copy), one method per admin route that has a
 * function of its own (separateAdminRoutes), integrated with that function. API Gateway routes on the pair of
 * resource and method: these take exactly their method and path, and every other request under /admin (another
 * method on the same path, a sibling path) still falls through to /admin/{proxy+}, the admin function.
 */
export function addSeparateAdminMethods(base: IResource, functions: AdminFunctions, options: MethodOptions): Method[] {
  return Object.entries(separateAdminRoutes()).flatMap(([fn, routes]) => {
    const integration = new LambdaIntegration(functions[fn as keyof AdminFunctions], { allowTestInvoke: false });
    return routes.map((route) => base.resourceForPath(route.path.slice(1)).addMethod(route.method, integration, options));
  });
}

/** Stage name in every URL: https://{id}.execute-api.{region}.amazonaws.com/v1/… */
export const API_STAGE_NAME = 'v1';
export const WEBHOOK_PATH = 'webhooks/saas-management';

/**
 * Regional REST API. Public routes (authenticated by the handler, or public by nature) go to the ingest
 * function; /admin/{proxy+} (the admin function, and the admin-tools and admin-preview functions for their routes) is
 * SigV4 (AWS_IAM) only. Request size: API Gateway accepts up to 10 MB, Lambda's
 * synchronous payload is 6 MB and the handler answers 413 above 6 MB itself, so nothing is configured here
 * for size: bodies between the Lambda limit and 10 MB get API Gateway's JSON 5xx from the gateway responses.
 */
export class Api extends Construct {
  readonly restApi: RestApi;
  readonly webhookMethod: Method;
  readonly publicMethods: Method[];
  readonly adminMethod: Method;
  /** The IAM-authorized methods of the admin routes served by admin-tools and admin-preview. */
  readonly separateAdminMethods: Method[];

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { config } = props;

    const adminThrottle = { throttlingRateLimit: config.adminThrottle.rateLimit, throttlingBurstLimit: config.adminThrottle.burstLimit };
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: config.logRetention, removalPolicy: config.dataRemovalPolicy });
    this.restApi = new RestApi(this, 'Api', {
      restApiName: config.stackName,
      description: 'SaaS Management usage-report webhook and the admin API of the usage-certification pipeline',
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // Access and execution logs need API Gateway's account-level CloudWatch role (one per account and
      // region); `-c apiGatewayCloudWatchRole=false` when the account already has one.
      cloudWatchRole: config.apiGatewayCloudWatchRole,
      deployOptions: {
        stageName: API_STAGE_NAME,
        throttlingRateLimit: config.apiRateLimit,
        throttlingBurstLimit: config.apiBurstLimit,
        // Separate buckets: a webhook flood (also rate-limited per IP by the WAF, lib/waf.ts) leaves the admin API usable.
        methodOptions: {
          [`/${WEBHOOK_PATH}/POST`]: { throttlingRateLimit: config.webhookThrottle.rateLimit, throttlingBurstLimit: config.webhookThrottle.burstLimit },
          '/admin/{proxy+}/*': adminThrottle,
          // The admin routes with functions of their own are methods of their own, in the same bucket as the rest of /admin.
          ...Object.fromEntries(Object.values(separateAdminRoutes()).flat().map((route) => [`${route.path}/${route.method}`, adminThrottle])),
        },
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        // No headers or bodies: the webhook secret travels in the Authorization header.
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: AccessLogField.contextRequestId(),
            extendedRequestId: AccessLogField.contextExtendedRequestId(),
            requestTime: AccessLogField.contextRequestTime(),
            ip: AccessLogField.contextIdentitySourceIp(),
            userAgent: AccessLogField.contextIdentityUserAgent(),
            userArn: AccessLogField.contextIdentityUserArn(),
            httpMethod: AccessLogField.contextHttpMethod(),
            resourcePath: AccessLogField.contextResourcePath(),
            path: AccessLogField.contextPath(),
            status: AccessLogField.contextStatus(),
            responseLength: AccessLogField.contextResponseLength(),
            responseLatency: AccessLogField.contextResponseLatency(),
            integrationStatus: AccessLogField.contextIntegrationStatus(),
            integrationLatency: AccessLogField.contextIntegrationLatency(),
            errorType: AccessLogField.contextErrorResponseType(),
            errorMessage: AccessLogField.contextErrorMessage(),
            xrayTraceId: AccessLogField.contextXrayTraceId(),
          }),
        ),
        // Execution logs for errors only, never request/response data (it would contain the secret).
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
      },
    });
    if (config.apiGatewayCloudWatchRole) {
      Validations.of(this.restApi.node.findChild('CloudWatchRole')).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'This is the account-level role API Gateway uses to write access and execution logs for every API in the account and region; AWS documents this managed policy for it, and scoping it to this stack\'s log group would break other APIs\' logging.',
      });
    }
    // RestApi adds an "Endpoint" output of its own; the stack outputs ApiUrl and WebhookUrl instead.
    this.restApi.node.tryRemoveChild('Endpoint');
    this.addJsonGatewayResponses();

    const ingest = new LambdaIntegration(props.ingest, { allowTestInvoke: false });
    const none = { authorizationType: AuthorizationType.NONE };
    const [webhooks, saasManagement] = WEBHOOK_PATH.split('/') as [string, string];
    this.webhookMethod = this.restApi.root.addResource(webhooks).addResource(saasManagement).addMethod('POST', ingest, none);
    const health = this.restApi.root.addResource('health').addMethod('GET', ingest, none);
    const admin = new LambdaIntegration(props.admin.admin, { allowTestInvoke: false });
    // The admin function serves the committed docs/openapi.json, which its package carries (lib/functions.ts).
    const openApi = this.restApi.root.addResource('openapi.json').addMethod('GET', admin, none);
    this.publicMethods = [this.webhookMethod, health, openApi];

    this.adminMethod = this.restApi.root
      .addResource('admin')
      .addResource('{proxy+}')
      .addMethod('ANY', admin, { authorizationType: AuthorizationType.IAM });
    this.separateAdminMethods = addSeparateAdminMethods(this.restApi.root, props.admin, { authorizationType: AuthorizationType.IAM });

    this.acknowledgeFindings();
  }

  /**
   * API Gateway's own rejections (unknown route, throttling, IAM failures, oversized or undecodable bodies,
   * integration failures) in the API's error shape `{error:{code, message, details}}`.
   */
  private addJsonGatewayResponses(): void {
    const body = (code: string, message = '$context.error.messageString') =>
      `{"error":{"code":"${code}","message":${message},"details":{"requestId":"$context.requestId"}}}`;
    const responses: Array<[string, ResponseType, string, string?, string?]> = [
      ['Default4xx', ResponseType.DEFAULT_4XX, body('request_rejected')],
      ['Default5xx', ResponseType.DEFAULT_5XX, body('gateway_error')],
      // API Gateway answers 403 "Missing Authentication Token" for a route it does not have, and also for an
      // unsigned call to an IAM route; 404 + a message naming both cases matches the local server better.
      [
        'NotFound',
        ResponseType.MISSING_AUTHENTICATION_TOKEN,
        body('not_found', '"No route for this method and path. /admin/* routes also answer this to requests that are not SigV4-signed."'),
        '404',
      ],
      ['AccessDenied', ResponseType.ACCESS_DENIED, body('forbidden')],
      ['InvalidSignature', ResponseType.INVALID_SIGNATURE, body('invalid_signature')],
      ['ExpiredToken', ResponseType.EXPIRED_TOKEN, body('expired_token')],
      ['Throttled', ResponseType.THROTTLED, body('throttled')],
      ['TooLarge', ResponseType.REQUEST_TOO_LARGE, body('payload_too_large')],
      ['UnsupportedMediaType', ResponseType.UNSUPPORTED_MEDIA_TYPE, body('unsupported_encoding')],
      ['IntegrationTimeout', ResponseType.INTEGRATION_TIMEOUT, body('timeout')],
    ];
    for (const [id, type, template, statusCode] of responses) {
      this.restApi.addGatewayResponse(id, {
        type,
        ...(statusCode ? { statusCode } : {}),
        templates: { 'application/json': template },
      });
    }
  }

  private acknowledgeFindings(): void {
    const publicReasons: Record<string, string> = {
      [this.webhookMethod.node.path]:
        'SaaS Management can only send a static secret (its webhook "Secret" field) and cannot sign requests or obtain Cognito/IAM credentials; the ingest handler authenticates every call against the Secrets Manager webhook secret (current or previous) in constant time before the report is parsed.',
    };
    for (const method of this.publicMethods) {
      const reason =
        publicReasons[method.node.path] ??
        `${method.httpMethod} ${method.resource.path} is public by design: it returns a liveness status or the published OpenAPI document, no data and no secrets.`;
      Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason });
      Validations.of(method).acknowledge({ id: 'AwsSolutions-COG4', reason: `No user pool exists for this caller: ${reason}` });
    }
    for (const method of [this.adminMethod, ...this.separateAdminMethods]) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason: 'The admin API is authorized with AWS_IAM (SigV4): operators use their IAM identities, whose ARN becomes the audit actor; a Cognito user pool would add a second identity store for the same people.',
      });
    }
    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Bodies are JSON or CSV (optionally gzip) and are validated by the handlers, which answer 400/413/415/422 with field- and row-level details in the API\'s error shape; API Gateway models can only express JSON Schema and would reject CSV reports or answer in a different shape.',
    });
  }
}
