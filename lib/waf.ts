import { Stack } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { CfnIPSet, CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { StageConfig } from './config.js';

export interface WafProps {
  config: StageConfig;
  stage: Stage;
  /** Path segment that only the webhook routes contain (e.g. "/webhooks/"). */
  webhookPathPart: string;
}

/**
 * A regional web ACL on the API stage. The webhook is public, so stage throttling alone would let one
 * anonymous sender keep SaaS Management's real deliveries at 429: here each source IP has its own rate
 * limit, known-bad addresses are dropped, and with `-c webhookAllowedCidrs=…` only SaaS Management's egress
 * ranges reach the webhook at all. No body-inspecting managed rule group: reports are up to 6 MB of JSON/CSV.
 */
export class Waf extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: WafProps) {
    super(scope, id);
    const { config } = props;
    const name = `${config.stackName}-api`;
    const visibility = (metricName: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
    const rules: CfnWebACL.RuleProperty[] = [];

    const allowSets = (['ipv4', 'ipv6'] as const).flatMap((version) => {
      const addresses = config.webhookAllowedCidrs[version];
      if (addresses.length === 0) return [];
      return [new CfnIPSet(this, `WebhookSenders${version.toUpperCase()}`, { scope: 'REGIONAL', ipAddressVersion: version.toUpperCase(), addresses, description: `${name}: who may call the webhook` })];
    });
    if (allowSets.length > 0) {
      const fromAllowed: CfnWebACL.StatementProperty[] = allowSets.map((set) => ({ ipSetReferenceStatement: { arn: set.attrArn } }));
      rules.push({
        name: 'WebhookSourceAllowList',
        priority: 0,
        action: { block: {} },
        visibilityConfig: visibility(`${name}-webhook-allow-list`),
        statement: {
          andStatement: {
            statements: [
              { byteMatchStatement: { fieldToMatch: { uriPath: {} }, positionalConstraint: 'CONTAINS', searchString: props.webhookPathPart, textTransformations: [{ priority: 0, type: 'LOWERCASE' }] } },
              { notStatement: { statement: fromAllowed.length === 1 ? fromAllowed[0]! : { orStatement: { statements: fromAllowed } } } },
            ],
          },
        },
      });
    }
    rules.push({
      name: 'RatePerSourceIp',
      priority: 1,
      action: { block: {} },
      visibilityConfig: visibility(`${name}-rate`),
      statement: { rateBasedStatement: { limit: config.wafRateLimit, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
    });
    rules.push({
      name: 'AmazonIpReputation',
      priority: 2,
      overrideAction: { none: {} },
      visibilityConfig: visibility(`${name}-ip-reputation`),
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesAmazonIpReputationList' } },
    });

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      description: `${Stack.of(this).stackName}: per-IP rate limit and optional webhook sender allow-list`,
      visibilityConfig: visibility(name),
      rules,
    });
    new CfnWebACLAssociation(this, 'StageAssociation', { resourceArn: props.stage.stageArn, webAclArn: this.webAcl.attrArn });
  }
}
