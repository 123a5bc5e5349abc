import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageConfig } from './config.js';
import { UsageCertificationStack } from './stack.js';

/**
 * The CDK app's composition, shared by bin/cdk-app.ts and test/infra: the stage's stack (context `stage`,
 * default dev) with cdk-nag's AwsSolutions pack as a validation plugin, so any unacknowledged finding fails
 * the synth. Acknowledgements sit next to the resources they concern, each with its reason.
 */
export function configureApp(app: App): UsageCertificationStack {
  const config = stageConfig(app.node);
  const stack = new UsageCertificationStack(app, config.stackName, {
    config,
    description: `SaaS Management usage reports → ISC certification campaigns (${config.stage})`,
    tags: { application: 'usage-certification', stage: config.stage },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
