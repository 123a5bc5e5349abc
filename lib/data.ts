import { Duration, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AUDIT_TABLE_SCHEMA, TABLE_SCHEMA } from '../functions/adapters/dynamodb-table.js';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { StageConfig } from './config.js';

/**
 * The single table of design.md (keys and index names shared with the local engine through TABLE_SCHEMA)
 * and the dead-letter queue for stream records the dispatch function could not process.
 */
export class Data extends Construct {
  readonly table: Table;
  readonly auditTable: Table;
  readonly dispatchDlq: Queue;

  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id);
    const S = AttributeType.STRING;

    // Both tables: on demand, encrypted, PITR, and kept with deletion protection in prod.
    const durable = {
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: config.deletionProtection,
      removalPolicy: config.dataRemovalPolicy,
    };
    this.table = new Table(this, 'Table', {
      ...durable,
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: S },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: S },
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      // The dispatcher needs only the new image: a batch that became PENDING.
      stream: StreamViewType.NEW_IMAGE,
    });
    for (const index of [TABLE_SCHEMA.statusIndex, TABLE_SCHEMA.listIndex]) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: S },
        sortKey: { name: index.sortKey, type: S },
        projectionType: ProjectionType.ALL,
      });
    }

    // The audit trail, out of the runtime functions' reach: only the admin function may put (append) and
    // query (lib/functions.ts); the table's own policy refuses every update and delete, whoever asks.
    this.auditTable = new Table(this, 'AuditTable', {
      ...durable,
      partitionKey: { name: AUDIT_TABLE_SCHEMA.partitionKey, type: S },
      sortKey: { name: AUDIT_TABLE_SCHEMA.sortKey, type: S },
      resourcePolicy: new PolicyDocument({
        statements: [
          new PolicyStatement({
            sid: 'AppendOnly',
            effect: Effect.DENY,
            principals: [new AnyPrincipal()],
            actions: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:PartiQLUpdate', 'dynamodb:PartiQLDelete'],
            resources: ['*'],
          }),
        ],
      }),
    });

    // Receives the metadata of stream records that exhausted their retries (Lambda on-failure destination).
    this.dispatchDlq = new Queue(this, 'DispatchDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // In prod the records waiting for a replay outlive a `cdk destroy`, like the table they point into.
      removalPolicy: config.dataRemovalPolicy,
    });
    Validations.of(this.dispatchDlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter destination (on-failure destination of the DynamoDB stream event source mapping); cdk-nag only recognises SQS redrive and Lambda DeadLetterConfig as DLQ use. A DLQ for a DLQ adds nothing; the DlqNotEmpty alarm watches it.',
    });
  }
}
