/**
 * The importable ISC workflow (workflows/inactive-users-certification.json) against the contract it reads
 * (WorkflowInputSchema → workflows/workflow-input.schema.json): the committed schema cannot drift from zod, every
 * `$.trigger.input.…` the workflow uses exists in the schema, and the step graph has the shape the design needs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { WorkflowInputSchema, batchInput, type BatchEnvelope } from '../../../functions/core/workflow-input.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}
interface Step {
  type: string;
  actionId?: string;
  attributes?: Record<string, Json>;
  nextStep?: string;
  defaultStep?: string;
  choiceList?: { comparator: string; nextStep: string; 'variableA.$'?: string; variableB?: Json }[];
}
interface Workflow {
  name: string;
  description: string;
  definition: { start: string; steps: Record<string, Step> };
  trigger: { type: string; attributes: Record<string, Json> };
}

const readJson = (path: string): unknown => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const committedSchema = readJson('../../../workflows/workflow-input.schema.json') as JsonSchema;
const workflow = readJson('../../../workflows/inactive-users-certification.json') as Workflow;
const steps = workflow.definition.steps;

// ── the checker ─────────────────────────────────────────────────────────────────────────────────────────────
/** `$.trigger…` references anywhere in a string, including inline templates such as `{{$.trigger.input.x}}`. */
const TRIGGER_REF = /\$\.trigger((?:\.[A-Za-z_][A-Za-z0-9_]*(?:\(\))?|\[(?:\*|\d+)\])*)/g;
const SEGMENT = /\.([A-Za-z_][A-Za-z0-9_]*)(\(\))?|\[(\*|\d+)\]/g;

/** Every string value in a JSON document (object keys are names, not references, so they are skipped). */
function stringsIn(value: unknown, at = '$'): { at: string; text: string }[] {
  if (typeof value === 'string') return [{ at, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, i) => stringsIn(item, `${at}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => stringsIn(item, `${at}.${key}`));
  return [];
}

const typesOf = (schema: JsonSchema): string[] => (Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []);

/** Follows `.name`, `[*]`, `[n]` and `.length()` from the input schema; returns why it fails, or undefined. */
function resolve(schema: JsonSchema, path: string): string | undefined {
  let node: JsonSchema = schema;
  let walked = '$.trigger.input';
  for (const [segment, name, call, index] of path.matchAll(SEGMENT)) {
    if (call) {
      if (name !== 'length' || !typesOf(node).some((t) => t === 'array' || t === 'string')) return `${walked}${segment} is not an array or string length`;
      return undefined; // a number: nothing can follow it in our JSONPath
    }
    if (index !== undefined) {
      if (!typesOf(node).includes('array') || !node.items) return `${walked} is not an array`;
      node = node.items;
    } else {
      const next = node.properties?.[name!];
      if (!next) return `${walked} has no property "${name}"`;
      node = next;
    }
    walked += segment;
  }
  return undefined;
}

/** Every `$.trigger…` reference in `document` that the workflow input schema does not define. */
function unknownTriggerReferences(document: unknown, schema: JsonSchema): { at: string; reference: string; reason: string }[] {
  const problems: { at: string; reference: string; reason: string }[] = [];
  for (const { at, text } of stringsIn(document)) {
    for (const [reference, rest] of text.matchAll(TRIGGER_REF)) {
      // The dispatcher posts {"input": WorkflowInput}, so everything the workflow reads lives under $.trigger.input.
      if (!rest!.startsWith('.input')) {
        problems.push({ at, reference, reason: 'the trigger payload only has "input"' });
        continue;
      }
      const reason = resolve(schema, rest!.slice('.input'.length));
      if (reason) problems.push({ at, reference, reason });
    }
  }
  return problems;
}

// ── the step graph ──────────────────────────────────────────────────────────────────────────────────────────
const successors = (step: Step): string[] => [
  ...(step.nextStep ? [step.nextStep] : []),
  ...(step.choiceList ?? []).map((choice) => choice.nextStep),
  ...(step.defaultStep ? [step.defaultStep] : []),
];

/** Step names reachable from `from`, never entering `blocked`. */
function reachable(from: string, blocked: ReadonlySet<string> = new Set()): Set<string> {
  const seen = new Set<string>();
  const queue = blocked.has(from) ? [] : [from];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const next of successors(steps[name]!)) if (!blocked.has(next)) queue.push(next);
  }
  return seen;
}

/** ISC keys a step's output by its name in lower camel case ("HTTP Request" → $.hTTPRequest, "Get Source" → $.getSource). */
const outputKey = (stepName: string): string => {
  const joined = stepName.replace(/[^A-Za-z0-9]/g, '');
  return joined.charAt(0).toLowerCase() + joined.slice(1);
};

const stepsWith = (actionId: string) => Object.entries(steps).filter(([, step]) => step.actionId === actionId);
const campaignLookups = stepsWith('sp:http').filter(([, step]) => (typeof step.attributes?.url === 'string' && step.attributes.url.endsWith('/v3/campaigns')));
const creates = stepsWith('sp:create-campaign');

describe('workflows/workflow-input.schema.json', () => {
  it('equals z.toJSONSchema(WorkflowInputSchema) (run `npx tsx bin/generate-workflow-schema.ts` after changing the contract)', () => {
    expect(committedSchema).toEqual(z.toJSONSchema(WorkflowInputSchema));
  });
});

describe('Function: unknownTriggerReferences', () => {
  it('finds every $.trigger.input reference of the workflow in the input schema', () => {
    const references = stringsIn(workflow).flatMap(({ text }) => [...text.matchAll(TRIGGER_REF)].map((m) => m[0]));
    // The walk sees templates, .$ values, choice operands and array paths alike.
    expect(references).toEqual(expect.arrayContaining([
      '$.trigger.input.campaign.name',
      '$.trigger.input.batch.index',
      '$.trigger.input.identityIds',
      '$.trigger.input.users.length()',
      '$.trigger.input.campaign.reviewer.type',
      '$.trigger.input.source.id',
    ]));
    expect(unknownTriggerReferences(workflow, committedSchema)).toEqual([]);
  });

  it('reports references the schema does not define (negative control)', () => {
    const synthetic = {
      a: '$.trigger.input.nope',
      b: { nested: ['Hello {{$.trigger.input.campaign.nope}}'] },
      c: '$.trigger.input.users[*].nope',
      d: '$.trigger.input.batch.length()',
      e: '$.trigger.deliveryId',
      f: '$.trigger.input.batch[0]',
      ok: ['$.trigger.input.users[*].email', '$.trigger.input.users[0].lastActive', '{{$.trigger.input.identityIds[3]}}', '$.trigger.input.period.start'],
    };
    expect(unknownTriggerReferences(synthetic, committedSchema)).toEqual([
      { at: '$.a', reference: '$.trigger.input.nope', reason: '$.trigger.input has no property "nope"' },
      { at: '$.b.nested[0]', reference: '$.trigger.input.campaign.nope', reason: '$.trigger.input.campaign has no property "nope"' },
      { at: '$.c', reference: '$.trigger.input.users[*].nope', reason: '$.trigger.input.users[*] has no property "nope"' },
      { at: '$.d', reference: '$.trigger.input.batch.length()', reason: '$.trigger.input.batch.length() is not an array or string length' },
      { at: '$.e', reference: '$.trigger.deliveryId', reason: 'the trigger payload only has "input"' },
      { at: '$.f', reference: '$.trigger.input.batch[0]', reason: '$.trigger.input.batch is not an array' },
    ]);
  });
});

describe('workflows/inactive-users-certification.json', () => {
  it('is an importable workflow with an External Trigger and an existing start step', () => {
    expect(workflow.name).toBeTruthy();
    expect(workflow.trigger.type).toBe('EXTERNAL');
    expect(steps[workflow.definition.start]).toBeDefined();
  });

  it('has no dangling or unreachable steps, and every path ends in a success or failure step', () => {
    const names = Object.keys(steps);
    const dangling = Object.entries(steps).flatMap(([name, step]) => successors(step).filter((next) => !steps[next]).map((next) => `${name} → ${next}`));
    expect(dangling).toEqual([]);
    expect([...reachable(workflow.definition.start)].sort()).toEqual(names.sort());
    for (const [name, step] of Object.entries(steps)) {
      if (step.type === 'success' || step.type === 'failure') expect(successors(step), name).toEqual([]);
      else expect(successors(step).length, name).toBeGreaterThan(0);
    }
  });

  it('reads step outputs only from steps that exist ($.<stepName in camel case>)', () => {
    const outputs = new Set(Object.keys(steps).map(outputKey));
    const roots = stringsIn(workflow).flatMap(({ text }) => [...text.matchAll(/\$\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
    expect(roots.filter((root) => root !== 'trigger' && !outputs.has(root))).toEqual([]);
  });

  it('ends successfully, creating nothing, when the batch has no users', () => {
    const [name, check] = Object.entries(steps).find(([, step]) => step.choiceList?.some((c) => c['variableA.$'] === '$.trigger.input.users.length()'))!;
    expect(workflow.definition.start).toBe(name);
    const choice = check.choiceList![0]!;
    expect(choice).toMatchObject({ comparator: 'NumericEquals', variableB: 0 });
    expect(steps[choice.nextStep]!.type).toBe('success');
  });

  it('looks the campaign up by name (GET /v3/campaigns, OAuth client credentials) before any create step', () => {
    expect(campaignLookups).toHaveLength(1);
    const [lookupName, lookup] = campaignLookups[0]!;
    expect(lookup.attributes).toMatchObject({ method: 'get', authenticationType: 'OAuth' });
    // Replay safety: the filter is the pipeline's `name eq "<campaign.name>"` and every create step uses that same name.
    expect(lookup.attributes!.urlParams).toEqual({ 'filters.$': '$.trigger.input.campaign.nameFilter', limit: '1' });
    expect(creates.length).toBeGreaterThan(0);
    for (const [createName, create] of creates) {
      expect(create.attributes, createName).toMatchObject({
        'name.$': '$.trigger.input.campaign.name',
        reviewerCertificationType: 'IDENTITY',
        'reviewerIdentitiesToCertify.$': '$.trigger.input.identityIds',
        activateUponCreation: true,
        emailNotificationEnabled: true,
        'description.$': '$.trigger.input.campaign.description',
        'duration.$': '$.trigger.input.campaign.duration',
      });
      expect(create.attributes, createName).not.toHaveProperty('name');
    }
    // … and no create step can be reached without passing the lookup.
    const withoutLookup = reachable(workflow.definition.start, new Set([lookupName]));
    expect(creates.map(([name]) => name).filter((name) => withoutLookup.has(name))).toEqual([]);
    // A campaign that already exists ends the run as a success.
    const existing = Object.values(steps).find((step) => step.choiceList?.some((c) => c['variableA.$'] === `$.${outputKey(lookupName)}.body.length()`))!;
    expect(steps[existing.choiceList![0]!.nextStep]!.type).toBe('success');
  });

  it('passes only whole values into HTTP requests: no {{…}} template in a URL, filter or token URL', () => {
    const templated = stepsWith('sp:http').flatMap(([name, step]) => stringsIn(step.attributes).filter(({ text }) => text.includes('{{')).map(({ at }) => `${name} ${at}`));
    expect(templated).toEqual([]);
  });

  it('branches on every reviewer type of the contract but MANAGER, which the pipeline sends as one IDENTITY reviewer per manager', () => {
    const compared = Object.values(steps)
      .flatMap((step) => step.choiceList ?? [])
      .filter((c) => c['variableA.$'] === '$.trigger.input.campaign.reviewer.type')
      .map((c) => c.variableB);
    const reviewerTypes = (committedSchema.properties!.campaign!.properties!.reviewer!.properties!.type as { enum: string[] }).enum;
    expect([...compared].sort()).toEqual(reviewerTypes.filter((type) => type !== 'MANAGER').sort());
    // A v3 MANAGER campaign reviews every identity in the tenant: no step may create one.
    const created = Object.values(steps).filter((step) => step.actionId === 'sp:create-campaign').map((step) => step.attributes?.type);
    expect(created.length).toBeGreaterThan(0);
    expect(created).not.toContain('MANAGER');
  });

  it('emails a configurable owner and ends in a failure step whenever it cannot create the campaign', () => {
    const failures = Object.entries(steps).filter(([, step]) => step.type === 'failure').map(([name]) => name);
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      const before = Object.entries(steps).filter(([, step]) => successors(step).includes(failure));
      expect(before.length, failure).toBeGreaterThan(0);
      for (const [name, step] of before) {
        expect(step.actionId, `${name} → ${failure}`).toBe('sp:send-email');
        expect(step.attributes!.recipientEmailList, name).toEqual(['%%OWNER_EMAIL%%']);
      }
    }
  });

  it('documents every placeholder it leaves for the tenant admin in docs/isc-setup.md, each spelled %%NAME%%', () => {
    // Any run of % around a name counts, so a `%API_URL%` typo (which the setup's sed would leave in place) fails here.
    const tokens = stringsIn(workflow).flatMap(({ text }) => text.match(/%+[A-Z_]+%+/g) ?? []);
    expect(tokens.filter((token) => !/^%%[A-Z_]+%%$/.test(token))).toEqual([]);
    const placeholders = new Set(tokens);
    expect([...placeholders].sort()).toEqual(['%%API_URL%%', '%%OWNER_EMAIL%%', '%%WORKFLOW_CLIENT_ID%%']);
    const setup = readFileSync(new URL('../../../docs/isc-setup.md', import.meta.url), 'utf8');
    expect([...placeholders].filter((p) => !setup.includes(p))).toEqual([]);
  });
});

describe('Function: batchInput', () => {
  const envelope: BatchEnvelope = {
    deliveryId: 'delivery-42',
    instance: { application: 'Slack', name: 'Slack-production', environment: 'production' },
    source: { id: '2c91808a7813090a017814121e121518' },
    period: { start: null, end: '2026-11-25T00:00:00.000Z' },
    policy: { maxDaysActive: 0 },
    campaign: { name: 'Inactive Slack users "prod" - 2026-11-25 [delivery-42]', description: 'd', deadline: '2026-12-09T00:00:00.000Z', duration: '14d', reviewer: { type: 'MANAGER' } },
  };

  it('gives each batch its final campaign name and the exact filters the workflow passes to ISC', () => {
    const input = batchInput(envelope, { index: 2, count: 3 }, []);
    expect(input.campaign.name).toBe('Inactive Slack users "prod" - 2026-11-25 [delivery-42] (part 2 of 3)');
    expect(input.campaign.nameFilter).toBe('name eq "Inactive Slack users \\"prod\\" - 2026-11-25 [delivery-42] (part 2 of 3)"');
    expect(input.source.idFilter).toBe('id eq "2c91808a7813090a017814121e121518"');
    expect(z.safeParse(WorkflowInputSchema, { ...input, identityIds: [], unmatchedCount: 0 }).success).toBe(true);
  });
});
