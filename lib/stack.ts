import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Alarms } from './alarms.js';
import { Api, WEBHOOK_PATH } from './api.js';
import type { StageConfig } from './config.js';
import { Data } from './data.js';
import { Functions } from './functions.js';
import { LARGE_WEBHOOK_PATH, LargeReports } from './large-reports.js';
import { Secrets } from './secrets.js';
import { Waf } from './waf.js';
import { SignIn, consoleIdp } from './sign-in.js';
import { ConsoleHosting } from './console-hosting.js';
import { PipelineDashboard } from './dashboard.js';

export interface UsageCertificationStackProps extends StackProps {
  config: StageConfig;
}

/** The whole pipeline on AWS (design.md): API Gateway → ingest → DynamoDB → stream → dispatch → ISC. */
export class UsageCertificationStack extends Stack {
  readonly config: StageConfig;
  readonly data: Data;
  readonly secrets: Secrets;
  readonly functions: Functions;
  readonly api: Api;
  readonly largeReports: LargeReports;
  readonly waf: Waf;
  readonly alarms: Alarms;
  readonly signIn: SignIn;
  readonly console: ConsoleHosting;
  readonly dashboard: PipelineDashboard;

  constructor(scope: Construct, id: string, props: UsageCertificationStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;
    this.data = new Data(this, 'Data', config);
    this.secrets = new Secrets(this, 'Secrets', config);
    this.functions = new Functions(this, 'Functions', { config, table: this.data.table, auditTable: this.data.auditTable, dispatchDlq: this.data.dispatchDlq, secrets: this.secrets });
    this.api = new Api(this, 'Api', { config, ingest: this.functions.ingest, admin: this.functions.adminFunctions });
    this.largeReports = new LargeReports(this, 'LargeReports', { config, restApi: this.api.restApi, functions: this.functions, table: this.data.table, secrets: this.secrets });
    this.signIn = new SignIn(this, 'SignIn', { config, idp: consoleIdp(this.node) });
    this.console = new ConsoleHosting(this, 'Console', { config, restApi: this.api.restApi, admin: this.functions.adminFunctions, signIn: this.signIn });
    this.waf = new Waf(this, 'Waf', { config, stage: this.api.restApi.deploymentStage, webhookPathPart: `/${WEBHOOK_PATH.split('/')[0]}/` });
    this.alarms = new Alarms(this, 'Alarms', {
      config,
      dispatchDlq: this.data.dispatchDlq,
      dispatch: this.functions.dispatch,
      ingest: this.functions.ingest,
      sweep: this.functions.sweep,
      admin: this.functions.adminFunctions,
      apiStage: this.api.restApi.deploymentStage,
      webAcl: this.waf.webAcl,
    });

    this.dashboard = new PipelineDashboard(this, 'Dashboard', { config, dispatchDlq: this.data.dispatchDlq, ingest: this.functions.ingest, dispatch: this.functions.dispatch, admin: this.functions.adminFunctions, apiStage: this.api.restApi.deploymentStage });

    const url = this.api.restApi.url; // ends with "/"
    new CfnOutput(this, 'ApiUrl', { value: url, description: 'Base URL of the API (admin routes under admin/, SigV4-signed)' });
    new CfnOutput(this, 'WebhookUrl', { value: `${url}${WEBHOOK_PATH}`, description: 'Paste into SaaS Management as the webhook URL' });
    new CfnOutput(this, 'LargeWebhookUrl', { value: `${url}${LARGE_WEBHOOK_PATH}`, description: 'For reports over 6 MB (up to 10 MB as sent, gzip allowed): answers 202 RECEIVED, ingest follows' });
    new CfnOutput(this, 'WebhookSecretArn', { value: this.secrets.webhookSecret.secretArn, description: 'Secrets Manager secret {"current","previous"}; paste "current" into the webhook Secret field' });
    new CfnOutput(this, 'TargetSecretPrefix', { value: this.secrets.targetSecretPrefix, description: 'Target credentials live at <prefix><targetId>/trigger and <prefix><targetId>/api' });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'AuditTableName', { value: this.data.auditTable.tableName, description: 'Append-only audit trail of admin changes' });
    new CfnOutput(this, 'DispatchDlqUrl', { value: this.data.dispatchDlq.queueUrl });
    if (this.alarms.topic) new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
  }
}
