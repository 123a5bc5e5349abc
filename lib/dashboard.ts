import { Duration } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { Dashboard as CloudWatchDashboard, GraphWidget, Metric, SingleValueWidget, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { PipelineMetric } from '../functions/adapters/pipeline-metrics.js';
import { METRIC_NAMESPACE } from './alarms.js';
import type { AdminFunctions } from './api.js';
import type { StageConfig } from './config.js';

export interface DashboardProps {
  config: StageConfig;
  dispatchDlq: Queue;
  ingest: IFunction;
  dispatch: IFunction;
  admin: AdminFunctions;
  apiStage: Stage;
}

/**
 * The pipeline on one page: what came in, what went out and how long it took, what ISC pushed back with, and
 * what is stuck. Custom metrics are the ones the functions publish under METRIC_NAMESPACE (no dimensions),
 * named in PIPELINE_METRICS. A suspected mis-mapping shows as its held batches (HeldBatches): the dispatcher
 * holds a batch, not the mapping, so there is no per-mapping count to graph.
 */
export const DASHBOARD_METRICS = {
  deliveries: ['Deliveries'],
  batches: ['DispatchedBatches', 'FailedBatches', 'HeldBatches', 'RequeuedBatches', 'RedrivenBatches'],
  timeToDispatch: ['TimeToDispatch', 'OldestUnsettledBatchAge'],
  isc: ['Isc429', 'Isc5xx', 'TokenRequests'],
  mappings: ['StaleMappings', 'HeldBatches'],
} as const satisfies Record<string, readonly PipelineMetric[]>;

export class PipelineDashboard extends Construct {
  readonly dashboard: CloudWatchDashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const custom = (metricName: string, statistic = 'Sum'): IMetric => new Metric({ namespace: METRIC_NAMESPACE, metricName, statistic, period });
    const graph = (title: string, left: IMetric[], width = 8) => new GraphWidget({ title, left, width, height: 6 });

    this.dashboard = new CloudWatchDashboard(this, 'Dashboard', {
      dashboardName: `${props.config.stackName}-pipeline`,
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(
      graph('Deliveries received', [...DASHBOARD_METRICS.deliveries.map((m) => custom(m)), props.ingest.metricInvocations({ period })]),
      graph('Batches by status', DASHBOARD_METRICS.batches.map((m) => custom(m, m === 'HeldBatches' ? 'Maximum' : 'Sum'))),
      graph('Time to dispatch (seconds)', DASHBOARD_METRICS.timeToDispatch.map((m) => custom(m, m === 'TimeToDispatch' ? 'p90' : 'Maximum'))),
    );
    this.dashboard.addWidgets(
      graph('ISC 429 / 5xx and token requests', DASHBOARD_METRICS.isc.map((m) => custom(m))),
      graph('Stale and suspect mappings', DASHBOARD_METRICS.mappings.map((m) => custom(m, 'Maximum'))),
      new SingleValueWidget({ title: 'Dispatch DLQ depth', metrics: [props.dispatchDlq.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' })], width: 8, height: 6 }),
    );
    this.dashboard.addWidgets(
      graph('API 4xx / 5xx', [props.apiStage.metricClientError({ period, statistic: 'Sum' }), props.apiStage.metricServerError({ period, statistic: 'Sum' })], 12),
      graph('Dispatch errors and duration', [props.dispatch.metricErrors({ period }), props.dispatch.metricDuration({ period, statistic: 'p90' })], 12),
    );
    // The admin API's functions side by side: a tool's ISC calls or a preview's report near the 25 s timeout shows here.
    const admin = Object.values(props.admin);
    this.dashboard.addWidgets(
      graph('Admin functions: errors', admin.map((fn) => fn.metricErrors({ period })), 12),
      graph('Admin functions: duration (p90)', admin.map((fn) => fn.metricDuration({ period, statistic: 'p90' })), 12),
    );
  }
}
