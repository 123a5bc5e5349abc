import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, EventSourceMapping, FilterCriteria, Runtime, StartingPosition, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogLevel, NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PENDING_BATCH_FILTER } from '../functions/aws/dispatch-stream.js';
import { DOCUMENT_PATHS } from '../functions/adapters/project-documents.js';
import { ESM_REQUIRE_BANNER, copyIntoPackage, externalModules } from './bundling.js';
import type { AdminFunctions } from './api.js';
import type { StageConfig } from './config.js';
import type { Secrets } from './secrets.js';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Same options as bench/packages.ts (which measured them): ESM for our ESM sources (+ the createRequire
 * banner for CommonJS dependencies), minified, node22, the AWS SDK v3 bundled but for lib/bundling.ts's
 * externals (module init about half that with the runtime's SDK; every bundle ≤ 400 KiB, bench/results/latest.md), local
 * esbuild only, source maps beside the bundle (sourcesContent left out to keep the zip small).
 */
const BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  forceDockerBundling: false,
  // esbuild's per-file size lines stay out of synth output (test/infra/bundle.test.ts reports sizes).
  logLevel: LogLevel.WARNING,
};

/**
 * Timeouts. API Gateway gives a REST integration 29 s, so the functions behind it stop at 25 s and still
 * answer (API Gateway would otherwise answer 504 while the function carried on). The dispatcher makes
 * about 3–5 sequential ISC calls per batch (token, identity search, trigger; a token refresh and one repeat
 * after a 401), each within 17 s with its in-call retries (every try capped by ISC_TIMEOUT_MS), plus ≤ 30 s waiting
 * for the shared rate limiter; 120 s covers
 * that for a stream batch of up to 10 records (4 in parallel per target). LEASE_SECONDS must outlast the whole invocation, or the sweeper
 * could hand a batch that is still being sent to another dispatcher.
 */
const API_TIMEOUT = Duration.seconds(25);
const DISPATCH_TIMEOUT = Duration.seconds(120);
const LIMITER_WAIT = Duration.seconds(30);

/** The table actions each function's code uses (functions/adapters/dynamodb-*.ts); nothing has Scan. */
const READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];

/**
 * Partition-key prefixes (dynamodb-table.ts `keys`) each runtime function may write. Ingest writes deliveries,
 * their batches, refused-report samples and the per-instance "seen" items (SEEN#, apart from the mappings); dispatch writes deliveries and batches, the ISC rate-limit items every dispatcher
 * shares (RATE#), the cooldown items of the batches it sends (SENT#) and the identity directory cache (IDENTITY#); sweep writes deliveries and batches, and the same RATE# items (it follows dispatched batches in ISC). Admin tools write
 * the target a workflow install gives trigger credentials (TARGET#), a match test's result (SEEN#), the deliveries and
 * batches an enabling install releases, and RATE#. Profiles and mappings are the admin function's alone.
 */
export const WRITE_PREFIXES = {
  ingest: ['DELIVERY#*', 'REJECTED#*', 'SEEN#*'],
  adminTools: ['TARGET#*', 'SEEN#*', 'DELIVERY#*', 'RATE#*'],
  dispatch: ['DELIVERY#*', 'RATE#*', 'SENT#*', 'IDENTITY#*'],
  sweep: ['DELIVERY#*', 'RATE#*'],
} as const;

export interface FunctionsProps {
  config: StageConfig;
  table: Table;
  auditTable: Table;
  dispatchDlq: Queue;
  secrets: Secrets;
}

export class Functions extends Construct {
  readonly ingest: NodejsFunction;
  readonly admin: NodejsFunction;
  readonly adminTools: NodejsFunction;
  readonly adminPreview: NodejsFunction;
  /** The functions behind the admin routes, by the names the route table uses (lib/api.ts). */
  readonly adminFunctions: Record<keyof AdminFunctions, NodejsFunction>;
  readonly dispatch: NodejsFunction;
  readonly sweep: NodejsFunction;
  readonly streamMapping: EventSourceMapping;
  /** What every function's environment starts with (lib/large-reports.ts adds its functions with it). */
  readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { config, table, auditTable, secrets } = props;
    if (config.iscTimeout.toSeconds() * 5 + LIMITER_WAIT.toSeconds() >= DISPATCH_TIMEOUT.toSeconds()) {
      throw new Error(`iscTimeoutSeconds=${config.iscTimeout.toSeconds()} leaves the dispatcher no room inside its ${DISPATCH_TIMEOUT.toSeconds()} s timeout.`);
    }
    if (config.leaseSeconds < DISPATCH_TIMEOUT.toSeconds() + 60) {
      throw new Error(`leaseSeconds=${config.leaseSeconds} must exceed the dispatch timeout (${DISPATCH_TIMEOUT.toSeconds()} s) by at least 60 s.`);
    }

    const common = {
      TABLE_NAME: table.tableName,
      AUDIT_TABLE_NAME: auditTable.tableName,
      TARGET_SECRET_PREFIX: secrets.targetSecretPrefix,
      LOG_LEVEL: config.logLevel,
      POWERTOOLS_SERVICE_NAME: `usage-certification-${config.stage}`,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      NODE_OPTIONS: '--enable-source-maps',
      LEASE_SECONDS: String(config.leaseSeconds),
      ISC_TIMEOUT_MS: String(config.iscTimeout.toMilliseconds()),
      ...config.tuning,
    };
    this.environment = common;
    // The admin functions that call ISC check target URLs against these hosts.
    const iscHosts: Record<string, string> = config.iscAllowedHosts ? { ISC_ALLOWED_HOSTS: config.iscAllowedHosts } : {};

    // Ingest: a report of up to 6 MB parsed, validated and planned in memory (bench: ~50 MiB extra for
    // 14 MiB of JSON); 1024 MB also buys the CPU share that keeps a large report well inside 25 s.
    this.ingest = this.fn('Ingest', 'functions/ingest-handler.ts', 'POST /webhooks/saas-management, GET /health', {
      memorySize: 1024,
      timeout: API_TIMEOUT,
      environment: { ...common, WEBHOOK_SECRET_ARN: secrets.webhookSecret.secretArn },
    }, config, table);
    secrets.webhookSecret.grantRead(this.ingest);
    grantTable(this.ingest, table, ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'], WRITE_PREFIXES.ingest);

    // Admin: the records, small JSON bodies; a mapping write checks its source in ISC (a token and a lookup or two).
    this.admin = this.fn('Admin', 'functions/admin-handler.ts', '/admin/* (IAM-authorized) and its console copy: targets, credentials, mappings, report profiles, deliveries, replay; GET /openapi.json', {
      memorySize: 512,
      timeout: API_TIMEOUT,
      environment: { ...common, ...iscHosts },
      // Served (GET /openapi.json) from a file: functions/adapters/project-documents.ts.
      packagedFiles: [DOCUMENT_PATHS.openApi],
    }, config, table);
    secrets.grantManageTargetCredentials(this.admin);
    // The configuration writer: every item, but still no Scan.
    grantTable(this.admin, table, ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']);
    // The audit trail: append (conditional put, functions/adapters/dynamodb-audit.ts) and read, no update or delete.
    this.admin.addToRolePolicy(new PolicyStatement({ sid: 'AppendAudit', actions: ['dynamodb:PutItem', 'dynamodb:Query'], resources: [auditTable.tableArn] }));

    // Admin tools: the operations that make several ISC calls in a row (adminToolRoutes in functions/http/routes.ts),
    // apart so that neither admin bundle outgrows its budget. Network-bound like dispatch: 512 MB for TLS and JSON work
    // on ARM. The API's 25 s: a connection check's up to six ISC calls are capped at 3 s each (functions/aws/admin.ts).
    this.adminTools = this.fn('AdminTools', 'functions/admin-tools-handler.ts', 'Admin operations calling ISC (IAM and console): connection check, workflow install/verify/test, match test', {
      memorySize: 512,
      timeout: API_TIMEOUT,
      environment: { ...common, ...iscHosts },
      // Sent (workflow install) from a file: functions/adapters/project-documents.ts.
      packagedFiles: [DOCUMENT_PATHS.workflow],
    }, config, table);
    // Reads API credentials; workflow install stores the trigger credentials ISC issued. Never deletes a secret.
    secrets.grantStoreTargetCredentials(this.adminTools);
    grantTable(this.adminTools, table, ['dynamodb:PutItem', 'dynamodb:UpdateItem'], WRITE_PREFIXES.adminTools);
    this.adminTools.addToRolePolicy(new PolicyStatement({ sid: 'AppendAudit', actions: ['dynamodb:PutItem'], resources: [auditTable.tableArn] }));

    // Admin preview: a report of up to 6 MB parsed and planned in memory, as ingest does (same 1024 MB); it stores and
    // sends nothing, so it may only read the table, and its root has no Secrets Manager or ISC client.
    this.adminPreview = this.fn('AdminPreview', 'functions/admin-preview-handler.ts', 'POST /admin/deliveries/preview (IAM and console): report dry run, reads only', {
      memorySize: 1024,
      timeout: API_TIMEOUT,
      environment: common,
    }, config, table);
    grantTableRead(this.adminPreview, table);
    this.adminFunctions = { admin: this.admin, 'admin-tools': this.adminTools, 'admin-preview': this.adminPreview };

    // Dispatch: network-bound (ISC); 512 MB for TLS and JSON work on ARM.
    this.dispatch = this.fn('Dispatch', 'functions/dispatch-handler.ts', 'DynamoDB stream (PENDING batches) → ISC workflow external trigger', {
      memorySize: 512,
      timeout: DISPATCH_TIMEOUT,
      environment: common,
    }, config, table);
    secrets.grantReadTargetCredentials(this.dispatch);
    grantTable(this.dispatch, table, ['dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'], WRITE_PREFIXES.dispatch);

    // Sweep: a few queries a minute; it must end before the next scheduled run.
    this.sweep = this.fn('Sweep', 'functions/sweep-handler.ts', 'Every minute: requeue due retries and expired leases, promote staged batches, follow dispatched batches in ISC, publish health metrics', {
      memorySize: 256,
      timeout: Duration.seconds(50),
      environment: common,
      // A failed run is simply repeated by the next one a minute later.
      retryAttempts: 0,
    }, config, table);
    // Following a dispatched batch reads its execution and campaign with the target's API credentials.
    secrets.grantReadTargetCredentials(this.sweep);
    grantTable(this.sweep, table, ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'], WRITE_PREFIXES.sweep);

    new Rule(this, 'SweepSchedule', {
      description: 'Runs the sweeper every minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.sweep, { retryAttempts: 2, maxEventAge: Duration.minutes(2) })],
    });

    // The stream → dispatch mapping, built by hand rather than with DynamoEventSource: that helper grants
    // dynamodb:ListStreams on "*", this grants the stream actions on this table's stream only.
    const streamPolicy = new PolicyStatement({
      sid: 'ReadTableStream',
      actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
      resources: [table.tableStreamArn!],
    });
    this.dispatch.addToRolePolicy(streamPolicy);
    this.streamMapping = new EventSourceMapping(this, 'DispatchStream', {
      target: this.dispatch,
      eventSourceArn: table.tableStreamArn!,
      startingPosition: StartingPosition.TRIM_HORIZON,
      // Only batch items that just became PENDING (released, requeued by the sweeper, replayed).
      filters: [FilterCriteria.filter(PENDING_BATCH_FILTER)],
      batchSize: 10,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      // Record failures here are store failures (ISC outcomes are settled on the batch by the dispatcher);
      // after 5 retries, or 6 h of backlog, the record's coordinates go to the DLQ and an alarm fires.
      retryAttempts: 5,
      maxRecordAge: Duration.hours(6),
      onFailure: new SqsDlq(props.dispatchDlq),
    });
    // The mapping is validated on creation: the role's policy (stream + DLQ) must exist first.
    this.streamMapping.node.addDependency(this.dispatch.role!);
  }

  fn(
    id: string,
    entry: string,
    description: string,
    options: { memorySize: number; timeout: Duration; environment: Record<string, string>; retryAttempts?: number; packagedFiles?: readonly string[] },
    config: StageConfig,
    /** The table the function reads (its indexes are acknowledged for cdk-nag); none for a function that does not. */
    table?: Table,
  ): NodejsFunction {
    // Own role and log group per function: log writes are granted on that group only, so no AWS managed
    // policy (AWSLambdaBasicExecutionRole would allow every log group in the account).
    const logGroup = new LogGroup(this, `${id}Logs`, { retention: config.logRetention, removalPolicy: config.dataRemovalPolicy });
    const role = new Role(this, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${config.stackName} ${id} function`,
    });
    logGroup.grantWrite(role);

    const fn = new NodejsFunction(this, id, {
      entry: join(PROJECT_ROOT, entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: options.memorySize,
      timeout: options.timeout,
      environment: options.environment,
      role,
      logGroup,
      tracing: Tracing.ACTIVE,
      bundling: {
        ...BUNDLING,
        externalModules: externalModules(entry),
        ...(options.packagedFiles ? { commandHooks: { beforeBundling: () => [], beforeInstall: () => [], afterBundling: copyIntoPackage(options.packagedFiles) } } : {}),
      },
      ...(options.retryAttempts === undefined ? {} : { retryAttempts: options.retryAttempts }),
    });

    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is pinned on purpose: the bundles are built for it (esbuild target node22, ESM + createRequire banner); adopting a newer runtime is a deliberate change made after testing the bundles on it, not an automatic upgrade.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only xray:PutTraceSegments and xray:PutTelemetryRecords (added by active tracing) use "*": X-Ray supports no resource-level permissions. test/infra checks that no other action has a "*" resource.',
    });
    if (table) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(table)}.Arn>/index/*]`,
        reason: 'The table\'s own global secondary indexes (byStatus, byList), which the store queries; no other table is reachable.',
      });
    }
    return fn;
  }
}

/**
 * Reads on the table and its indexes; writes on the table only, limited with dynamodb:LeadingKeys to the
 * given partition-key prefixes when there are any. LeadingKeys is multivalued, so ForAllValues; StringLike
 * takes the `*` wildcard (IAM condition operators: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
 */
export function grantTable(fn: NodejsFunction, table: Table, writes: string[], leadingKeys?: readonly string[]): void {
  grantTableRead(fn, table);
  fn.addToRolePolicy(
    new PolicyStatement({
      sid: 'WriteTable',
      actions: writes,
      resources: [table.tableArn],
      ...(leadingKeys ? { conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...leadingKeys] } } } : {}),
    }),
  );
}

export function grantTableRead(fn: NodejsFunction, table: Table): void {
  fn.addToRolePolicy(new PolicyStatement({ sid: 'ReadTable', actions: READ, resources: [table.tableArn, `${table.tableArn}/index/*`] }));
}

/** The logical id as cdk-nag prints it in finding ids such as `Resource::<Id.Arn>:*`. */
export function logicalIdOf(construct: Construct): string {
  const cfn = construct.node.defaultChild as CfnElement;
  return Stack.of(construct).resolve(cfn.logicalId) as string;
}
