import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { logicalId, resourceOf, resourcesOf, synth, type Synthesized } from './synth.js';

let dev: Synthesized;
let prod: Synthesized;

beforeAll(() => {
  dev = synth({ stage: 'dev' });
  prod = synth({ stage: 'prod', alarmEmail: 'ops@example.com' });
});

const resource = (s: Synthesized, id: string) => resourceOf(s.template, id, z.object({ DeletionPolicy: z.optional(z.string()), UpdateReplacePolicy: z.optional(z.string()), Properties: z.record(z.string(), z.unknown()) }));
const LogGroup = z.object({ DeletionPolicy: z.optional(z.string()), Properties: z.object({ RetentionInDays: z.number() }) });
const Alarm = z.object({ Properties: z.object({ AlarmName: z.optional(z.string()), Threshold: z.optional(z.number()), AlarmActions: z.optional(z.unknown()) }) });

describe('stages', () => {
  it('names the stack after the stage', () => {
    expect(dev.stack.stackName).toBe('UsageCertification-dev');
    expect(prod.stack.stackName).toBe('UsageCertification-prod');
    prod.template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ TARGET_SECRET_PREFIX: 'UsageCertification-prod/targets/', POWERTOOLS_SERVICE_NAME: 'usage-certification-prod' }) } });
  });

  it('keeps the prod table (RETAIN + deletion protection) and lets dev go (DESTROY)', () => {
    const prodTable = resource(prod, logicalId(prod.stack.data.table));
    expect(prodTable.DeletionPolicy).toBe('Retain');
    expect(prodTable.UpdateReplacePolicy).toBe('Retain');
    expect(prodTable.Properties.DeletionProtectionEnabled).toBe(true);
    expect(prodTable.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });

    const devTable = resource(dev, logicalId(dev.stack.data.table));
    expect(devTable.DeletionPolicy).toBe('Delete');
    expect(devTable.Properties.DeletionProtectionEnabled).toBe(false);
    expect(devTable.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it('retains the audit table, the webhook secret and the DLQ in prod and lets them go in dev', () => {
    for (const construct of [prod.stack.data.auditTable, prod.stack.secrets.webhookSecret, prod.stack.data.dispatchDlq]) {
      expect(resource(prod, logicalId(construct)).DeletionPolicy).toBe('Retain');
    }
    expect(resource(prod, logicalId(prod.stack.data.auditTable)).Properties.DeletionProtectionEnabled).toBe(true);
    for (const construct of [dev.stack.data.auditTable, dev.stack.secrets.webhookSecret, dev.stack.data.dispatchDlq]) {
      expect(resource(dev, logicalId(construct)).DeletionPolicy).toBe('Delete');
    }
  });

  it('keeps prod logs a year (retained) and dev logs a month', () => {
    for (const lg of Object.values(resourcesOf(prod.template, 'AWS::Logs::LogGroup', LogGroup))) {
      expect(lg.Properties.RetentionInDays).toBe(365);
      expect(lg.DeletionPolicy).toBe('Retain');
    }
    for (const lg of Object.values(resourcesOf(dev.template, 'AWS::Logs::LogGroup', LogGroup))) {
      expect(lg.Properties.RetentionInDays).toBe(30);
      expect(lg.DeletionPolicy).toBe('Delete');
    }
  });

  it('alarms on the first dispatch error / 5xx in prod, tolerates a few in dev', () => {
    const threshold = (s: Synthesized, name: string) =>
      Object.values(resourcesOf(s.template, 'AWS::CloudWatch::Alarm', Alarm)).find((a) => a.Properties.AlarmName === `${s.stack.stackName}-${name}`)!.Properties.Threshold;
    expect(threshold(prod, 'DispatchErrors')).toBe(0);
    expect(threshold(prod, 'Api5xx')).toBe(0);
    expect(threshold(dev, 'DispatchErrors')).toBeGreaterThan(0);
    expect(threshold(dev, 'Api5xx')).toBeGreaterThan(0);
    expect(threshold(dev, 'DlqNotEmpty')).toBe(0);
  });

  it('with alarmEmail, notifies an email subscription of a KMS-encrypted topic from every alarm', () => {
    prod.template.resourceCountIs('AWS::SNS::Topic', 1);
    const topic = logicalId(prod.stack.alarms.topic!);
    prod.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('TopicKey'), 'Arn'] } });
    prod.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: Match.arrayWith(['kms:Decrypt', 'kms:GenerateDataKey*']),
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    prod.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topic } });
    const alarms = Object.values(resourcesOf(prod.template, 'AWS::CloudWatch::Alarm', Alarm));
    expect(alarms.length).toBe(14);
    // No statement lets CloudWatch use the key without the source conditions.
    const KmsKey = z.object({ Properties: z.object({ KeyPolicy: z.object({ Statement: z.array(z.object({ Principal: z.optional(z.object({ Service: z.optional(z.unknown()) })), Condition: z.optional(z.unknown()) })) }) }) });
    const key = Object.values(resourcesOf(prod.template, 'AWS::KMS::Key', KmsKey))[0]!;
    const unconditioned = key.Properties.KeyPolicy.Statement.filter((st) => st.Principal?.Service === 'cloudwatch.amazonaws.com' && !st.Condition);

    expect(unconditioned).toEqual([]);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
  });

  it('rejects an unknown stage or a malformed alarm email', () => {
    expect(() => synth({ stage: 'staging' })).toThrow(/stage.*dev or prod/);
    expect(() => synth({ stage: 'dev', alarmEmail: 'not-an-email' })).toThrow(/alarmEmail/);
  });
});
