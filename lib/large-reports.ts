import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { AuthorizationType, AwsIntegration, RequestAuthorizer, type CfnRestApi, type Method, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { BlockPublicAccess, Bucket, BucketEncryption, EventType, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import { LARGE_QUERY_FIELDS, LARGE_REPORT_PREFIX } from '../functions/adapters/object-keys.js';
import type { StageConfig } from './config.js';
import { WRITE_PREFIXES, grantTable, logicalIdOf, type Functions } from './functions.js';
import type { Secrets } from './secrets.js';

export interface LargeReportsProps {
  config: StageConfig;
  restApi: RestApi;
  functions: Functions;
  table: Table;
  secrets: Secrets;
}

export const LARGE_WEBHOOK_PATH = 'webhooks/saas-management/large';
/** Bodies the ingest has not deleted (it deletes each once it has an outcome) expire after this. */
export const LARGE_REPORT_TTL_DAYS = 7;

/**
 * The large-report path (reports over Lambda's 6 MB, up to API Gateway's 10 MB as sent, gzip allowed):
 * API Gateway checks the webhook secret with a Lambda REQUEST authorizer, writes the raw body to a private
 * bucket through an S3 service integration and answers 202 RECEIVED; the object-created event starts the
 * large ingest function, which streams the object through the same ingest code as the webhook.
 */
export class LargeReports extends Construct {
  readonly bucket: Bucket;
  readonly ingest: NodejsFunction;
  readonly authorizer: NodejsFunction;
  readonly integrationRole: Role;
  readonly method: Method;

  constructor(scope: Construct, id: string, props: LargeReportsProps) {
    super(scope, id);
    const { config, functions, table, secrets, restApi } = props;

    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireUnprocessedReports', prefix: LARGE_REPORT_PREFIX, expiration: Duration.days(LARGE_REPORT_TTL_DAYS), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: config.dataRemovalPolicy,
      autoDeleteObjects: false,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: `Objects are written only by this API's S3 integration (logged in the API access log with the request id that names the object) and read and deleted by the large ingest function; they live at most ${LARGE_REPORT_TTL_DAYS} days. A server access log bucket would record the same events again.`,
    });

    // Streaming keeps memory bounded by the rows kept for batching; 15 minutes covers a 1M-row report with room.
    this.ingest = functions.fn('LargeIngest', 'functions/large-ingest-handler.ts', 'S3 object created (large report) → streamed ingest', {
      memorySize: 1024,
      timeout: Duration.minutes(15),
      environment: { ...functions.environment, LARGE_REPORT_BUCKET: this.bucket.bucketName },
    }, config, table);
    grantTable(this.ingest, table, ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'], WRITE_PREFIXES.ingest);
    this.ingest.addToRolePolicy(new PolicyStatement({ sid: 'ReadAndDeleteLargeReports', actions: ['s3:GetObject', 's3:DeleteObject'], resources: [this.bucket.arnForObjects(`${LARGE_REPORT_PREFIX}*`)] }));
    this.bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(this.ingest), { prefix: LARGE_REPORT_PREFIX });
    // CDK configures bucket notifications with a stack-wide custom resource of its own.
    const notifications = Stack.of(this).node.children.find((child) => child.node.id.startsWith('BucketNotificationsHandler'));
    if (notifications) {
      Validations.of(notifications).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'CDK\'s own deployment-time handler that sets the bucket\'s notification configuration (aws-s3 addEventNotification); it runs only during deployments and its role is created by CDK.',
      });
    }

    this.authorizer = functions.fn('LargeAuthorizer', 'functions/large-authorizer-handler.ts', 'API Gateway REQUEST authorizer of POST /webhooks/saas-management/large: the webhook secret', {
      memorySize: 256,
      timeout: Duration.seconds(10),
      environment: { ...functions.environment, WEBHOOK_SECRET_ARN: secrets.webhookSecret.secretArn },
    }, config);
    secrets.webhookSecret.grantRead(this.authorizer);
    const authorizer = new RequestAuthorizer(this, 'WebhookSecret', {
      handler: this.authorizer,
      // No caching: every upload is checked (a rotation takes effect within the secret cache's 5 minutes).
      identitySources: [],
      resultsCacheTtl: Duration.seconds(0),
    });

    this.integrationRole = new Role(this, 'IntegrationRole', {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      description: `${config.stackName} API Gateway to S3: store large report bodies`,
    });
    this.integrationRole.addToPolicy(new PolicyStatement({ sid: 'PutLargeReports', actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects(`${LARGE_REPORT_PREFIX}*`)] }));

    const header = (name: string) => `method.request.header.${name}`;
    const queryMeta = Object.fromEntries(LARGE_QUERY_FIELDS.map((field) => [`integration.request.header.x-amz-meta-q-${field.toLowerCase()}`, `method.request.querystring.${field}`]));
    const integration = new AwsIntegration({
      service: 's3',
      integrationHttpMethod: 'PUT',
      path: `${this.bucket.bucketName}/${LARGE_REPORT_PREFIX}{key}`,
      options: {
        credentialsRole: this.integrationRole,
        requestParameters: {
          'integration.request.path.key': 'context.requestId',
          'integration.request.header.Content-Type': header('Content-Type'),
          'integration.request.header.Content-Encoding': header('Content-Encoding'),
          'integration.request.header.x-amz-meta-request-id': 'context.requestId',
          'integration.request.header.x-amz-meta-delivery-key': header('Idempotency-Key'),
          'integration.request.header.x-amz-meta-webhook-id': header('webhook-id'),
          ...queryMeta,
        },
        integrationResponses: [
          {
            statusCode: '202',
            selectionPattern: '2\\d{2}',
            // The same id the local route and the S3 adapter give (functions/adapters/object-keys.ts).
            responseTemplates: {
              'application/json': [
                "#set($key = $input.params('Idempotency-Key'))",
                "#if($key == '')#set($key = $input.params('webhook-id'))#end",
                "#if($key == '')#set($key = \"large-$context.requestId\")#end",
                '{"deliveryId":"$util.escapeJavaScript($key)","status":"RECEIVED"}',
              ].join('\n'),
            },
          },
          {
            statusCode: '503',
            selectionPattern: '(4|5)\\d{2}',
            responseTemplates: { 'application/json': '{"error":{"code":"store_unavailable","message":"The report could not be stored; retry shortly.","details":{"requestId":"$context.requestId"}}}' },
          },
        ],
      },
    });
    const [webhooks, saasManagement, large] = LARGE_WEBHOOK_PATH.split('/') as [string, string, string];
    const parent = restApi.root.getResource(webhooks)?.getResource(saasManagement) ?? restApi.root.resourceForPath(`${webhooks}/${saasManagement}`);
    this.method = parent.addResource(large).addMethod('POST', integration, {
      authorizationType: AuthorizationType.CUSTOM,
      authorizer,
      requestParameters: Object.fromEntries([...['Content-Type', 'Content-Encoding', 'Idempotency-Key', 'webhook-id'].map((name) => header(name)), ...LARGE_QUERY_FIELDS.map((f) => `method.request.querystring.${f}`)].map((p) => [p, false])),
      methodResponses: [{ statusCode: '202' }, { statusCode: '503' }],
    });
    // A gzip body must reach S3 byte for byte: every type is passed as binary (the Lambda proxy routes
    // then receive base64 bodies, which functions/http/api-gateway.ts decodes).
    (restApi.node.defaultChild as CfnRestApi).binaryMediaTypes = ['*/*'];

    Validations.of(this.method).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'SaaS Management can only send a static secret (its webhook "Secret" field); the Lambda REQUEST authorizer checks it against the Secrets Manager webhook secret (current or previous) in constant time.',
    });
    Validations.of(this.integrationRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(this.bucket)}.Arn>/${LARGE_REPORT_PREFIX}*]`,
      reason: 'Object keys are API Gateway request ids, unknown in advance: PutObject on the one incoming/ prefix of this bucket.',
    });
    Validations.of(this.ingest.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(this.bucket)}.Arn>/${LARGE_REPORT_PREFIX}*]`,
      reason: 'The large ingest reads and deletes whichever object the event names, all under the one incoming/ prefix of this bucket.',
    });
  }
}

