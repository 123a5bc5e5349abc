import { readFileSync } from 'node:fs';
import { App, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import * as z from 'zod/mini';
import { readAs } from '../helpers/answer.js';
import { configureApp } from '../../lib/app.js';
import type { UsageCertificationStack } from '../../lib/stack.js';

/** The feature flags of cdk.json, so tests synthesize what `npx cdk synth` does. */
const CDK_JSON = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

export interface Synthesized {
  app: App;
  stack: UsageCertificationStack;
  template: Template;
  assembly: CloudAssembly;
}

/**
 * Build the app exactly as bin/cdk-app.ts does (stack + cdk-nag plugin) and synthesize it. A synth with an
 * unacknowledged cdk-nag error throws, so every successful call is also a cdk-nag pass. Bundling is skipped
 * (`aws:cdk:bundling-stacks: []`, the CLI's `--exclusively`-style switch) unless `bundle` is set.
 */
export function synth(context: Record<string, unknown> = {}, options: { bundle?: boolean; outdir?: string } = {}): Synthesized {
  const app = new App({
    context: { ...CDK_JSON.context, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const stack = configureApp(app);
  const assembly = app.synth();
  return { app, stack, template: Template.fromStack(stack), assembly };
}

/** A template's resources of `type` by logical id, each checked against `schema` (CDK types templates as `any`). */
export function resourcesOf<S extends z.ZodMiniType>(template: Template, type: string, schema: S, props?: unknown): Record<string, z.output<S>> {
  return Object.fromEntries(Object.entries(template.findResources(type, props)).map(([id, resource]) => [id, readAs(schema, resource)]));
}

/** One resource of the template, checked against `schema`. */
export function resourceOf<S extends z.ZodMiniType>(template: Template, id: string, schema: S): z.output<S> {
  return readAs(schema, readAs(z.record(z.string(), z.unknown()), template.toJSON().Resources)[id]);
}

const DashboardBody = z.object({ widgets: z.array(z.object({ properties: z.object({ title: z.string(), metrics: z.array(z.array(z.unknown())) }) })) });

/** The template's one dashboard body, parsed, with the tokens (names resolved at deploy time) as "TOKEN". */
export function dashboardBody(template: Template, stack: Stack): z.output<typeof DashboardBody> {
  const [dashboard] = Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard', z.object({ Properties: z.object({ DashboardBody: z.unknown() }) })));
  const parts = readAs(z.object({ 'Fn::Join': z.tuple([z.string(), z.array(z.unknown())]) }), stack.resolve(dashboard!.Properties.DashboardBody))['Fn::Join'][1];
  return readAs(DashboardBody, JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('')));
}

export function logicalId(construct: IConstruct): string {

  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).resolve(element.logicalId) as string;
}

export interface Statement {
  /** Logical id of the policy resource (or role, for inline policies). */
  source: string;
  Effect: string;
  Action: string[];
  Resource: unknown[];
  roles: string[];
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

const oneOrMany = <T extends z.ZodMiniType>(item: T) => z.union([item, z.array(item)]);
const PolicyDocument = z.object({ Statement: oneOrMany(z.object({ Effect: z.string(), Action: oneOrMany(z.string()), Resource: z.optional(z.unknown()) })) });
/** What iamStatements reads of a policy or role: its policy documents, and a policy's roles. */
const IamProperties = z.object({
  PolicyDocument: z.optional(PolicyDocument),
  Roles: z.optional(oneOrMany(z.object({ Ref: z.string() }))),
  Policies: z.optional(oneOrMany(z.object({ PolicyDocument: PolicyDocument }))),
});

/** Every identity-policy statement in the template: AWS::IAM::Policy, ManagedPolicy, and roles' inline policies. */
export function iamStatements(template: Template): Statement[] {
  const out: Statement[] = [];
  const resources = readAs(z.record(z.string(), z.object({ Type: z.string(), Properties: z.optional(z.unknown()) })), template.toJSON().Resources);
  for (const [id, resource] of Object.entries(resources)) {
    if (!['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role'].includes(resource.Type)) continue;
    const props = readAs(IamProperties, resource.Properties ?? {});
    const documents: Array<{ doc: z.output<typeof PolicyDocument> | undefined; roles: string[] }> = [];
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      documents.push({ doc: props.PolicyDocument, roles: asArray(props.Roles).map((r) => r.Ref) });
    }
    if (resource.Type === 'AWS::IAM::Role') for (const p of asArray(props.Policies)) documents.push({ doc: p.PolicyDocument, roles: [id] });
    for (const { doc, roles } of documents) {
      for (const s of asArray(doc?.Statement)) out.push({ source: id, Effect: s.Effect, Action: asArray(s.Action), Resource: asArray(s.Resource), roles });
    }
  }
  return out;
}

/** The acknowledgements recorded with Validations.of(x).acknowledge(): construct path, rule id, reason. */
export function acknowledgements(root: IConstruct): Array<{ path: string; id: string; reason: string }> {
  const out: Array<{ path: string; id: string; reason: string }> = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.push({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return out;
}
