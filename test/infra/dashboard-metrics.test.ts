/**
 * The dashboard graphs only metrics a function publishes: every custom metric in its widgets is in
 * PIPELINE_METRICS, the list the handler tests check each function against (test/integration/aws-handlers.test.ts).
 * Built in a bare stack: the dashboard construct alone, no bundling.
 */
import { App, Stack } from 'aws-cdk-lib';
import { MockIntegration, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PIPELINE_METRICS } from '../../functions/adapters/pipeline-metrics.js';
import { METRIC_NAMESPACE } from '../../lib/alarms.js';
import type { StageConfig } from '../../lib/config.js';
import { DASHBOARD_METRICS, PipelineDashboard } from '../../lib/dashboard.js';
import { dashboardBody } from './synth.js';


function dashboardMetricNames(): string[] {
  const stack = new Stack(new App(), 'DashboardOnly', { env: { account: '123456789012', region: 'eu-west-1' } });
  const api = new RestApi(stack, 'Api');
  api.root.addMethod('GET', new MockIntegration());
  const fn = (name: string) => LambdaFunction.fromFunctionArn(stack, name, `arn:aws:lambda:eu-west-1:123456789012:function:${name}`);
  new PipelineDashboard(stack, 'Dashboard', { config: { stackName: 'DashboardOnly' } as StageConfig, dispatchDlq: new Queue(stack, 'Dlq'), ingest: fn('ingest'), dispatch: fn('dispatch'), admin: { admin: fn('admin'), 'admin-tools': fn('admin-tools'), 'admin-preview': fn('admin-preview') }, apiStage: api.deploymentStage });
  const body = dashboardBody(Template.fromStack(stack), stack);
  return body.widgets.flatMap((w) => w.properties.metrics.filter((m) => m[0] === METRIC_NAMESPACE).map((m) => String(m[1])));
}

describe('Dashboard metrics', () => {
  it('graphs every metric of DASHBOARD_METRICS, and only ones some function publishes', () => {
    const emitted = new Set<string>(Object.values(PIPELINE_METRICS).flat());
    const graphed = dashboardMetricNames();
    expect(new Set(graphed)).toEqual(new Set(Object.values(DASHBOARD_METRICS).flat()));
    for (const name of graphed) expect(emitted, `${name} is graphed but no function publishes it`).toContain(name);
    // Everything the functions publish has a place on the dashboard.
    expect(new Set(graphed)).toEqual(emitted);
  });
});
