import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PIPELINE_METRIC_NAMESPACE } from '../functions/adapters/pipeline-metrics.js';
import type { AdminFunctions } from './api.js';
import type { StageConfig } from './config.js';

/** Namespace of the metrics the functions publish as CloudWatch embedded-metric log lines (no dimensions). */
export const METRIC_NAMESPACE = PIPELINE_METRIC_NAMESPACE;

export interface AlarmsProps {
  config: StageConfig;
  dispatchDlq: Queue;
  dispatch: IFunction;
  ingest: IFunction;
  sweep: IFunction;
  admin: AdminFunctions;
  apiStage: Stage;
  webAcl: CfnWebACL;
}

/**
 * What an operator must hear about: records that fell out of the stream (DLQ), dispatch and admin function failures, API 5xx,
 * webhook throttling, and the sweeper's view of the pipeline (held and failed batches, mappings whose report
 * is overdue). With `-c alarmEmail=…` every alarm notifies a KMS-encrypted SNS topic with that subscription.
 */
export class Alarms extends Construct {
  readonly alarms: Alarm[] = [];
  readonly topic?: Topic;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const { config } = props;
    const fiveMinutes = Duration.minutes(5);
    const sum = { period: fiveMinutes, statistic: 'Sum' };
    const max = { period: fiveMinutes, statistic: 'Maximum' };
    const pipeline = (metricName: string) => new Metric({ namespace: METRIC_NAMESPACE, metricName, ...max });

    this.add('DlqNotEmpty', 'Stream records exhausted their retries and sit in the dispatch DLQ; the sweeper re-drives their PENDING batches after 15 minutes (or now: POST /admin/deliveries/redrive), then purge the queue.',
      props.dispatchDlq.metricApproximateNumberOfMessagesVisible(max), 0);
    this.add('OldestUnsettledBatch', `A batch has waited more than ${config.alarms.oldestUnsettledMinutes} minutes to reach ISC (PENDING, IN_FLIGHT or RETRY_WAIT): see GET /admin/deliveries?status=QUEUED.`,
      pipeline('OldestUnsettledBatchAge'), config.alarms.oldestUnsettledMinutes * 60);
    this.add('DispatchErrors', 'The dispatch function failed (store unreachable, crash or timeout).',
      props.dispatch.metricErrors(sum), config.alarms.dispatchErrors);
    this.add('Api5xx', 'The API answered 5xx (function error, timeout, or a body over the 6 MB Lambda limit).',
      props.apiStage.metricServerError(sum), config.alarms.api5xx);
    this.add('Api4xx', 'The API answered many 4xx, 429 (throttled) included: a flood, a sender with a wrong secret, or a broken client. See the access logs and the WAF metrics.',
      props.apiStage.metricClientError(sum), config.alarms.api4xx);
    this.add('WafBlocked', 'The WAF blocked requests (per-IP rate limit, IP reputation, or a sender outside webhookAllowedCidrs).',
      new Metric({ namespace: 'AWS/WAFV2', metricName: 'BlockedRequests', dimensionsMap: { WebACL: props.webAcl.name!, Rule: 'ALL', Region: Stack.of(this).region }, ...sum }), config.alarms.api4xx);
    this.add('IngestThrottles', 'The ingest function was throttled: webhook deliveries were refused.',
      props.ingest.metricThrottles(sum), 0);
    this.add('SweepErrors', 'The sweeper failed: retries are not requeued and the pipeline metrics below are not published.',
      props.sweep.metricErrors(sum), 0);
    for (const [name, fn] of Object.entries(props.admin)) {
      this.add(`${name.split('-').map((part) => part[0]!.toUpperCase() + part.slice(1)).join('')}Errors`, `The ${name} function failed (crash or timeout): its admin routes (functions/http/routes.ts) answered 5xx.`,
        fn.metricErrors(sum), 0);
    }
    this.add('HeldBatches', 'Batches held as SUSPECT_MAPPING (too few users matched in ISC): check the mapping, then replay with force.',
      pipeline('HeldBatches'), 0);
    this.add('StaleMappings', 'Enabled mappings overdue for a usage report: SaaS Management may have stopped sending.',
      pipeline('StaleMappings'), 0);
    this.add('FailedBatches', 'Batches FAILED (retries exhausted, credentials rejected, or environment_mismatch: the token belongs to a tenant that does not fit the target): see GET /admin/deliveries?status=FAILED, fix, replay.',
      pipeline('FailedBatches'), 0);

    if (config.alarmEmail) {
      // SNS has no service-managed encryption usable by CloudWatch (the aws/sns key's policy cannot admit it),
      // so the topic gets its own key that CloudWatch may use.
      const key = new Key(this, 'TopicKey', {
        description: `${config.stackName} alarm topic`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.DESTROY,
        pendingWindow: Duration.days(7),
      });
      // Only this account's alarms of this stack may use the key through CloudWatch (confused-deputy guard).
      const stack = Stack.of(this);
      key.addToResourcePolicy(
        new PolicyStatement({
          sid: 'CloudWatchAlarmsOfThisStack',
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account },
            ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: `${stack.stackName}-*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
          },
        }),
      );
      this.topic = new Topic(this, 'Topic', { displayName: `${config.stackName} alarms`, masterKey: key });
      this.topic.addSubscription(new EmailSubscription(config.alarmEmail));
      const action = new SnsAction(this.topic);
      for (const alarm of this.alarms) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
  }

  private add(id: string, description: string, metric: IMetric, threshold: number): void {
    this.alarms.push(
      new Alarm(this, id, {
        alarmName: `${Stack.of(this).stackName}-${id}`,
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // No data means nothing happened (no errors, no messages); the sweeper's own failures have SweepErrors.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}
