import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { StageConfig } from './config.js';

/**
 * The webhook secret (created here) and the namespace of the per-target ISC credentials (created at run time
 * by the admin API as `${targetSecretPrefix}${targetId}/trigger` and `/api`; they are not stack resources,
 * so they survive `cdk destroy`).
 */
export class Secrets extends Construct {
  readonly webhookSecret: Secret;
  /** `UsageCertification-<stage>/targets/` — TARGET_SECRET_PREFIX of the functions. */
  readonly targetSecretPrefix: string;
  /** IAM resource pattern for every secret under the prefix (the random 6-character suffix included). */
  readonly targetSecretArnPattern: string;

  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id);
    const stack = Stack.of(this);
    this.targetSecretPrefix = `${stack.stackName}/targets/`;
    this.targetSecretArnPattern = stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${this.targetSecretPrefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    // JSON {"current": "...", "previous": ""}: during a rotation both values are accepted (docs/deploy.md).
    this.webhookSecret = new Secret(this, 'WebhookSecret', {
      description: `${stack.stackName}: shared secret SaaS Management sends to POST /webhooks/saas-management ({"current","previous"}).`,
      generateSecretString: {
        secretStringTemplate: '{"previous":""}',
        generateStringKey: 'current',
        excludePunctuation: true,
        passwordLength: 48,
      },
      // In prod a `cdk destroy` must not silently break SaaS Management's deliveries on a redeploy.
      removalPolicy: config.dataRemovalPolicy,
    });
    Validations.of(this.webhookSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'SaaS Management can only send a static secret pasted into its webhook "Secret" field, so rotation needs a person on both sides; a Lambda rotation schedule would break deliveries. Rotation is manual with an overlap (current/previous), documented in docs/deploy.md.',
    });
  }

  /** Dispatch: read target credentials, nothing else. */
  grantReadTargetCredentials(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'ReadTargetCredentials', actions: ['secretsmanager:GetSecretValue'], resources: [this.targetSecretArnPattern] }),
    );
    this.acknowledgePrefix(grantee, 'The dispatcher reads the ISC client credentials of whichever target a batch names; targets are created at run time, so the grant is the target-credentials prefix of this stack (GetSecretValue only).');
  }

  /** Admin: create, replace, read, describe, delete (scheduled) and restore target credentials under the prefix only. */
  grantManageTargetCredentials(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ManageTargetCredentials',
        actions: [
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:CreateSecret',
          'secretsmanager:DescribeSecret',
          'secretsmanager:DeleteSecret',
          'secretsmanager:RestoreSecret',
        ],
        resources: [this.targetSecretArnPattern],
      }),
    );
    this.acknowledgePrefix(grantee, 'PUT /admin/targets/{id}/credentials/{kind} creates or replaces (and DELETE /admin/targets/{id} or a URL change schedules the deletion of) the secret of a target that exists only at run time, so the grant is the target-credentials prefix of this stack; other secrets (the webhook secret included) stay out of reach.');
  }

  /** Admin tools: read target credentials and store new ones (workflow install's trigger client); never delete them. */
  grantStoreTargetCredentials(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'StoreTargetCredentials',
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:CreateSecret', 'secretsmanager:RestoreSecret'],
        resources: [this.targetSecretArnPattern],
      }),
    );
    this.acknowledgePrefix(grantee, 'Workflow install stores the trigger credentials ISC issues for a target that exists only at run time (create, or replace, or restore a secret scheduled for deletion), and the ISC operations read its API credentials, so the grant is the target-credentials prefix of this stack; no delete, and other secrets (the webhook secret included) stay out of reach.');
  }

  private acknowledgePrefix(grantee: IGrantable, reason: string): void {
    const principal = grantee.grantPrincipal;
    if (!(principal instanceof Construct)) throw new Error('Target-credential grants are made to roles defined in this stack.');
    Validations.of(principal).acknowledge({ id: this.targetSecretFindingId, reason });
  }

  /** The IAM5 finding id cdk-nag reports for a policy that uses the target prefix pattern. */
  get targetSecretFindingId(): string {
    return `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${this.targetSecretPrefix}*]`;
  }
}
