import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { acknowledgements, synth, type Synthesized } from './synth.js';

/** All AwsSolutions findings of an app, acknowledged or not (cdk-nag's acknowledgement lookup switched off). */
function allFindings(root: IConstruct): Array<{ id: string; path: string }> {
  const pack = new AwsSolutionsChecks();
  (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  return pack.validateScope(root).violations.flatMap((v) => v.violatingResources.map((r) => ({ id: v.ruleName, path: r.constructPath ?? '' })));
}

/**
 * vitest.config.mts sets CDK_VALIDATION=false (aws-cdk-lib's built-in CloudFormation validation costs ~3 s
 * per synth); the first configuration turns it back on for its synth, so the stack is validated exactly as
 * `npx cdk synth` does once. cdk-nag runs as a validation plugin in every synth regardless.
 */
function synthWithValidation(context: Record<string, string>, validation: boolean): Synthesized {
  const saved = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = validation ? 'true' : 'false';
  try {
    return synth(context);
  } finally {
    if (saved === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = saved;
  }
}

const configurations: Array<[string, Record<string, string>, boolean]> = [
  ['prod with alarm email (built-in validation on)', { stage: 'prod', alarmEmail: 'ops@example.com' }, true],
  ['dev', { stage: 'dev' }, false],
  ['prod without the API Gateway CloudWatch role', { stage: 'prod', apiGatewayCloudWatchRole: 'false' }, false],
];
const results = new Map<string, Synthesized>();

describe.each(configurations)('%s', (name, context, validation) => {
  let result: Synthesized;
  // A validation synth takes ~5 s here; the bound is for liveness on a loaded machine, not speed.
  beforeAll(() => {
    result = synthWithValidation(context, validation);
    results.set(name, result);
  }, 120_000);

  it('synthesizes with no validation violation and no error or warning annotation', () => {
    // app.synth() throws when a validation plugin (cdk-nag included) fails; the report lists the rest.
    const report = JSON.parse(readFileSync(join(result.assembly.directory, 'validation-report.json'), 'utf8')) as { pluginReports: Array<{ pluginName: string; violations: unknown[] }> };
    expect(report.pluginReports.flatMap((p) => p.violations.map((v) => ({ plugin: p.pluginName, v })))).toEqual([]);
    Annotations.fromStack(result.stack).hasNoError('*', Match.anyValue());
    Annotations.fromStack(result.stack).hasNoWarning('*', Match.anyValue());
  });

  it('leaves no AwsSolutions finding unacknowledged (errors and warnings)', () => {
    const report = new AwsSolutionsChecks().validateScope(result.app);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('gives every acknowledgement a specific reason and a finding it actually covers', () => {
    const acks = acknowledgements(result.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id, ack.path).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(ack.reason.trim().length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(60);
    }
    const findings = allFindings(result.app);
    const stale = acks.filter((ack) => !findings.some((f) => f.id === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`))));
    expect(stale.map((s) => `${s.id} at ${s.path}`)).toEqual([]);
  });
});

it('explains every acknowledged rule in docs/deploy.md', () => {
  const ids = new Set([...results.values()].flatMap((r) => acknowledgements(r.app).map((a) => a.id.replace(/\[.*\]$/, ''))));
  expect(ids.size).toBeGreaterThan(0);
  const documented = readFileSync(new URL('../../docs/deploy.md', import.meta.url), 'utf8');
  for (const id of ids) expect(documented, `${id} is acknowledged but not explained in docs/deploy.md`).toContain(id);
});
