/**
 * Contract tests: what we send to ISC and what we read back, held against SailPoint's published models rather
 * than our simulator. Two independent checks of the same facts:
 *  - type level (tsc, part of npm test): our request builders are assignable to sailpoint-api-client's
 *    generated v3 types and every response field we read exists there; a misspelt field does not compile;
 *  - runtime: every exchange the real HttpIscClient makes with the simulator, and every HTTP step of the
 *    workflow, is checked against the v3 OpenAPI excerpt (github.com/sailpoint-oss/api-specs, commit in the file):
 *    path, status code, request body (no unknown field), response body, the filter fields and the fields we read.
 */
import { readFileSync } from 'node:fs';
import type {
  ActivateCampaignOptions,
  Account,
  Campaign,
  CreateExternalExecuteWorkflow200Response,
  CreateWorkflowRequest,
  ExternalAttributes,
  CreateExternalExecuteWorkflowRequest,
  IdentityCertDecisionSummary,
  IdentityCertificationDto,
  IdentityDocument,
  Search,
  SlimCampaign,
  Source,
  TestExternalExecuteWorkflowRequest,
  TestWorkflow200Response,
  TestWorkflowRequest,
  Workflow,
  WorkflowBody,
  WorkflowExecution,
  WorkflowExecutionEvent,
  WorkflowLibraryAction,
  WorkflowOAuthClient,
  WorkflowTrigger,
} from 'sailpoint-api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import { ACTIVATE_CAMPAIGN_REQUEST, campaignRequest, DECISION_KINDS, identityManagerSearchRequest, identitySearchRequest } from '../../functions/adapters/isc-requests.js';
import { batchInput, type BatchEnvelope, type WorkflowInput } from '../../functions/core/workflow-input.js';
import { installableWorkflow } from '../../functions/core/workflow-install.js';
import workflowFile from '../../workflows/inactive-users-certification.json' with { type: 'json' };
import { startIscSimulator, type IscSimulator } from '../../functions/local/isc-simulator.js';
import { API_CLIENT, TRIGGER_CLIENT, simulatorTarget } from '../helpers/fake-isc.js';
import { defines, excerpt, filterFields, operationOf, operations, problems, recordingFetch, type Exchange, type Operation } from './openapi-check.js';

const envelope: BatchEnvelope = {
  deliveryId: 'contract-1',
  instance: { application: 'Slack', name: 'Slack-production', environment: 'production' },
  source: { id: '2c91808a7813090a017814121e121518', name: 'Slack' },
  period: { start: null, end: '2026-11-25T00:00:00.000Z' },
  policy: { maxDaysActive: 0 },
  campaign: { name: 'Inactive Slack users [contract-1]', description: 'Review unused access', deadline: '2026-12-09T00:00:00.000Z', duration: '14d', reviewer: { type: 'IDENTITY', id: 'id-reviewer' } },
};
const input: WorkflowInput = { ...batchInput(envelope, { index: 1, count: 1 }, [{ email: 'alice@example.com', identityId: 'id-alice' }]), identityIds: ['id-alice'], unmatchedCount: 0 };

// ── type level: compiled by `tsc --noEmit` in npm test ──────────────────────────────────────────────────────
// Our builders' results must be assignable to the generated v3 request models …
const campaignBody: Campaign = campaignRequest(input, '2026-12-09T00:00:00.000Z');
const activateBody: ActivateCampaignOptions = ACTIVATE_CAMPAIGN_REQUEST;
const searchBody: Search = identitySearchRequest(['alice@example.com']);
const managerSearchBody: Search = identityManagerSearchRequest(['id-alice']);
const triggerBody: CreateExternalExecuteWorkflowRequest = { input };
const triggerTestBody: TestExternalExecuteWorkflowRequest = { input: { test: true } };
const installed = installableWorkflow(workflowFile, 'https://acme.api.identitynow.com', { ownerEmail: 'iam@example.com', ownerId: 'id-owner', httpClient: { clientId: 'http-pat', clientSecret: 'http-pat-secret' } });
// The generated WorkflowTriggerAttributes merges the spec's oneOf into one type (an EXTERNAL trigger "needing" a
// schedule's frequency), so the trigger is checked against ExternalAttributes here and against the spec at runtime.
type WithExternalTrigger<T> = Omit<T, 'trigger'> & { trigger: Omit<WorkflowTrigger, 'attributes'> & { attributes: ExternalAttributes } };
const createWorkflowBody: WithExternalTrigger<CreateWorkflowRequest> = installed;
const putWorkflowBody: WithExternalTrigger<WorkflowBody> = installed;
const testWorkflowBody: TestWorkflowRequest = { input };
// … every response field the client or the workflow reads must exist in the v3 response models …
type ReadFields = [
  Pick<CreateExternalExecuteWorkflow200Response, 'workflowExecutionId' | 'message'>,
  Pick<IdentityDocument, 'id' | 'email' | 'attributes' | 'manager'>,
  Pick<NonNullable<IdentityDocument['manager']>, 'id' | 'name'>,
  Pick<SlimCampaign, 'id' | 'status' | 'name'>,
  Pick<Source, 'id' | 'name' | 'owner'>,
  Pick<NonNullable<Source['owner']>, 'id'>,
  Pick<Account, 'identityId'>,
  Pick<WorkflowLibraryAction, 'id' | 'formFields'>,
  Pick<WorkflowExecution, 'status' | 'closeTime'>,
  Pick<Workflow, 'id' | 'name'>,
  Pick<WorkflowOAuthClient, 'id' | 'secret' | 'url'>,
  Pick<TestWorkflow200Response, 'workflowExecutionId'>,
  Pick<WorkflowExecutionEvent, 'type' | 'timestamp' | 'attributes'>,
  Pick<IdentityCertificationDto, 'id'>,
  Pick<IdentityCertDecisionSummary, (typeof DECISION_KINDS)[number][keyof (typeof DECISION_KINDS)[number]]>,
];
// … and a misspelt field does not compile (negative control: tsc fails if this stops being an error).
const misspelt = {
  name: 'n',
  description: 'd',
  type: 'SEARCH',
  // @ts-expect-error identityID is not a field of the v3 searchCampaignInfo model (identityIds is)
  searchCampaignInfo: { type: 'IDENTITY', identityID: ['id-alice'] },
} satisfies Campaign;
const misspeltWorkflow = {
  name: 'n',
  // @ts-expect-error triggers is not a field of the v3 CreateWorkflowRequest model (trigger is)
  triggers: { type: 'EXTERNAL', attributes: {} },
  trigger: { type: 'EXTERNAL', attributes: {} },
} satisfies WithExternalTrigger<CreateWorkflowRequest>;
const typeLevel: { bodies: unknown[]; reads?: ReadFields } = {
  bodies: [campaignBody, activateBody, searchBody, managerSearchBody, triggerBody, triggerTestBody, misspelt, createWorkflowBody, putWorkflowBody, testWorkflowBody, misspeltWorkflow],
};

// ── runtime: the real client against the simulator, every exchange recorded ────────────────────────────────
const exchanges: Exchange[] = [];

const PAT = { clientId: 'cert-admin-pat', clientSecret: 'cert-admin-pat-secret' };
let isc: IscSimulator;
/** The simulated workflow runs' time: 0 keeps the first trigger's campaign unborn until direct mode has made its own. */
let runAt = 0;
const followed = (name: string, at: number): WorkflowInput => ({ ...input, campaign: { ...input.campaign, name, nameFilter: `name eq "${name}"` }, deliveryId: `contract-${at}` });

beforeAll(async () => {
  isc = await startIscSimulator({
    tenantName: 'acme-sim',
    clients: [TRIGGER_CLIENT, API_CLIENT, { ...PAT, userContext: true }],
    identities: [{ id: 'id-alice', name: 'Alice Anders', email: 'alice@example.com', manager: { id: 'id-manager', name: 'Maria Manager' } }],
    // A v3 Source as ISC lists it: name, owner and connector are required by the model.
    sources: [{ id: envelope.source.id, name: 'Slack', owner: { type: 'IDENTITY', id: 'id-owner', name: 'Olga Owner' }, connector: 'slack' }],
    accounts: [{ id: 'acc-1', identityId: 'id-alice', sourceId: envelope.source.id, name: 'alice' }],
    runClock: () => runAt,
  });
  const client = new HttpIscClient({ fetchImpl: recordingFetch(exchanges), timeoutMs: 5000 });
  const target = simulatorTarget(isc.url);
  await client.tenantInfo(target);
  await client.issueToken(target, API_CLIENT);
  await client.resolveIdentities(target, API_CLIENT, ['alice@example.com', 'nobody@example.com']);
  managers = await client.identityManagers(target, API_CLIENT, ['id-alice', 'id-unknown']);
  await client.triggerWorkflow(target, TRIGGER_CLIENT, input);
  await client.testTrigger(target, TRIGGER_CLIENT);
  await client.getSource(target, API_CLIENT, envelope.source.id);
  await client.listSources(target, API_CLIENT);
  await client.identitiesWithAccount(target, API_CLIENT, envelope.source.id, ['id-alice']);
  await client.createCampaign(simulatorTarget(isc.url, { mode: 'direct', triggerUrl: undefined }), PAT, input);
  await client.listWorkflowLibraryActions(target, PAT);
  // The follow-through: a completed run with its campaign and decisions, and a failed run.
  const completed = await client.triggerWorkflow(target, TRIGGER_CLIENT, followed('Followed campaign (part 1 of 1)', 2));
  isc.state.runs.failNextExecutions();
  const failed = await client.triggerWorkflow(target, TRIGGER_CLIENT, followed('Failed run (part 1 of 1)', 3));
  runAt = 1e12;
  await client.workflowExecution(target, PAT, completed.executionId);
  await client.workflowExecution(target, PAT, failed.executionId);
  const campaign = await client.campaignByName(target, PAT, 'Followed campaign (part 1 of 1)');
  decisions = await client.campaignDecisions(target, PAT, campaign!.id);
  // workflow install and test: create, update (same name), trigger client, test run and its history.
  const { workflowId } = await client.installWorkflow(target, PAT, installed);
  await client.installWorkflow(target, PAT, { ...installed, enabled: true });
  await client.createWorkflowTrigger(target, PAT, workflowId);
  isc.state.runs.failNextExecutions(1, 'Reviewer not found');
  const tested = await client.testWorkflow(target, PAT, workflowId, input);
  runAt = 2e12;
  history = await client.workflowExecutionHistory(target, PAT, tested.executionId);
});
let history: Awaited<ReturnType<HttpIscClient['workflowExecutionHistory']>> = [];
let managers: Awaited<ReturnType<HttpIscClient['identityManagers']>> | undefined;
let decisions: Awaited<ReturnType<HttpIscClient['campaignDecisions']>> | undefined;
afterAll(async () => {
  await isc?.close();
});

/** Response fields the client reads, per operation ('[]' = each item of the list). */
const READS: Record<string, string[]> = {
  searchPost: ['[].id', '[].email', '[].attributes.email', '[].manager.id', '[].manager.name'],
  getActiveCampaigns: ['[].id', '[].status', '[].name'],
  createCampaign: ['id', 'status'],
  getCampaign: ['id', 'status'],
  listSources: ['[].id', '[].name'],
  getSource: ['id', 'name'],
  listAccounts: ['[].identityId'],
  createExternalExecuteWorkflow: ['workflowExecutionId', 'message'],
  listWorkflowLibraryActions: ['[].id', '[].formFields.[].name', '[].formFields.[].required'],
  listWorkflows: ['[].id', '[].name'],
  createWorkflow: ['id'],
  putWorkflow: ['id'],
  createWorkflowExternalTrigger: ['id', 'secret', 'url'],
  testWorkflow: ['workflowExecutionId'],
  getWorkflowExecutionHistory: ['[].type', '[].timestamp', '[].attributes'],
  listIdentityCertifications: ['[].id'],
  getIdentityDecisionSummary: DECISION_KINDS.flatMap((kind) => Object.values(kind)),
};

const apiExchanges = () => exchanges.filter((exchange) => !exchange.url.pathname.startsWith('/oauth/'));

describe('ISC calls the client makes, against the published v3 models', () => {
  it('compiles the typed request bodies (see the type-level block above)', () => {
    expect(typeLevel.bodies).toHaveLength(11);
    expect(campaignBody.searchCampaignInfo?.identityIds).toEqual(['id-alice']);
  });

  it('learns each identity’s manager from the identity search documents (IdentityDocument.manager), one search by id', () => {
    expect(managers).toEqual(new Map([['id-alice', { id: 'id-manager', name: 'Maria Manager' }]]));
    const byId = apiExchanges().filter((exchange) => (exchange.request as { query?: { query?: string } } | undefined)?.query?.query?.startsWith('id:'));
    expect(byId.map((exchange) => exchange.request)).toEqual([identityManagerSearchRequest(['id-alice', 'id-unknown'])]);
  });

  it('reads a failed test run’s reason from the v2025 execution history', () => {
    expect(history.map((event) => event.type)).toEqual(['WorkflowExecutionStarted', 'ActivityTaskFailed', 'WorkflowExecutionFailed']);
    expect(history[1]!.attributes.error).toBe('Reviewer not found');
  });

  it('goes only to documented, non-deprecated v3 operations, and uses every operation in the excerpt', () => {
    const used = apiExchanges().map((exchange) => ({ exchange, op: operationOf(exchange.method, exchange.url.pathname) }));
    expect(used.filter(({ op }) => !op).map(({ exchange }) => `${exchange.method} ${exchange.url.pathname}`)).toEqual([]);
    expect(used.filter(({ op }) => op!.deprecated).map(({ op }) => op!.operationId)).toEqual([]);
    const ids = new Set(used.map(({ op }) => op!.operationId));
    expect(operations.map((op) => op.operationId).filter((id) => !ids.has(id))).toEqual([]);
  });

  it('sends request bodies with only fields the model defines, of the right types', () => {
    const found = apiExchanges().flatMap((exchange) => {
      const op = operationOf(exchange.method, exchange.url.pathname)!;
      if (exchange.request === undefined) return [];
      return op.requestBody ? problems(op.requestBody, exchange.request).map((p) => `${op.operationId} request ${p}`) : [`${op.operationId} takes no body`];
    });
    expect(found).toEqual([]);
  });

  it('is answered with the status codes and body shapes the spec documents (202 for createCampaign and startCampaign)', () => {
    const found = apiExchanges().flatMap((exchange) => {
      const op = operationOf(exchange.method, exchange.url.pathname)!;
      if (!op.successStatus.includes(exchange.status)) return [`${op.operationId} answered ${exchange.status}, the spec says ${op.successStatus.join('/')}`];
      const schema = op.responses[String(exchange.status)];
      return schema ? problems(schema, exchange.response).map((p) => `${op.operationId} response ${p}`) : [];
    });
    expect(found).toEqual([]);
    const statuses = Object.fromEntries(apiExchanges().map((exchange) => [operationOf(exchange.method, exchange.url.pathname)!.operationId, exchange.status]));
    expect(statuses).toMatchObject({ createCampaign: 202, startCampaign: 202, searchPost: 200 });
  });

  it('reads only response fields the model defines', () => {
    const byId = new Map(operations.map((op) => [op.operationId, op]));
    const missing = Object.entries(READS).flatMap(([id, paths]) => paths.filter((path) => !defines(successSchema(byId.get(id)!), path)).map((path) => `${id}: ${path}`));
    expect(missing).toEqual([]);
  });

  it('reads a workflow execution’s status and closeTime from the model the spec names (its 200 schema is `items:` without `type: array`)', () => {
    const op = operations.find((candidate) => candidate.operationId === 'getWorkflowExecution')!;
    expect(op.responses['200']?.type).toBeUndefined();
    expect(['status', 'closeTime'].filter((path) => !defines(op.responses['200']!.items, path))).toEqual([]);
    expect(op.responses['200']!.items!.properties!.status!.enum).toEqual(expect.arrayContaining(['Running', 'Completed', 'Failed', 'Canceled']));
  });

  it('counts decisions from the decision summaries of the campaign’s certifications (simulated: the first identity revoked)', () => {
    expect(decisions).toEqual({ approved: 0, revoked: 1, pending: 0 });
    const ids = new Set(apiExchanges().map((exchange) => operationOf(exchange.method, exchange.url.pathname)?.operationId));
    expect(['getWorkflowExecution', 'listIdentityCertifications', 'getIdentityDecisionSummary'].filter((id) => !ids.has(id))).toEqual([]);
  });

  it('filters only on fields and operators the spec lists for that operation', () => {
    const found = apiExchanges().flatMap((exchange) => {
      const filter = exchange.url.searchParams.get('filters');
      if (!filter) return [];
      const op = operationOf(exchange.method, exchange.url.pathname)!;
      return unsupportedFilterTerms(op, filter).map((term) => `${op.operationId}: ${term}`);
    });
    expect(found).toEqual([]);
    expect(apiExchanges().some((exchange) => exchange.url.searchParams.get('filters')?.includes('identityId in'))).toBe(true);
  });

  it('asks only the user levels ISC allows: sources and accounts are not open to CERT_ADMIN, campaigns are', () => {
    const levels = Object.fromEntries(operations.map((op) => [op.operationId, op.userLevels ?? []]));
    expect(levels.listSources).not.toContain('CERT_ADMIN');
    expect(levels.listAccounts).not.toContain('CERT_ADMIN');
    expect(levels.createCampaign).toContain('CERT_ADMIN');
    expect(excerpt._source.commit).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('Function: problems (negative controls)', () => {
  const op = (id: string) => operations.find((candidate) => candidate.operationId === id)!;

  it('reports a wrong field name in a request body, and a wrong enum value', () => {
    const body = { ...campaignRequest(input, '2026-12-09T00:00:00.000Z'), searchCampaignInfo: { type: 'IDENTITIES', identityID: ['id-alice'] } };
    expect(problems(op('createCampaign').requestBody!, body)).toEqual([
      '$.searchCampaignInfo.type: "IDENTITIES" is not one of IDENTITY, ACCESS',
      '$.searchCampaignInfo.identityID: not in the model',
    ]);
  });

  it('reports a read field the model does not define, and a filter field the spec does not list', () => {
    expect(defines(successSchema(op('createExternalExecuteWorkflow')), 'workflowExecutionID')).toBe(false);
    expect(defines(successSchema(op('createWorkflowExternalTrigger')), 'clientSecret')).toBe(false);
    expect(problems(op('createWorkflow').requestBody!, { ...installed, triggers: installed.trigger })).toEqual(['$.triggers: not in the model']);
    expect(defines(successSchema(op('searchPost')), '[].attributes.anything')).toBe(true);
    expect(unsupportedFilterTerms(op('getActiveCampaigns'), 'title eq "x"')).toEqual(['title eq']);
    expect(unsupportedFilterTerms(op('getActiveCampaigns'), 'name co "x"')).toEqual(['name co']);
  });
});

// ── the workflow's HTTP steps ──────────────────────────────────────────────────────────────────────────────
interface Step {
  actionId?: string;
  attributes?: Record<string, unknown>;
  choiceList?: { 'variableA.$'?: string }[];
}
const workflow = JSON.parse(readFileSync(new URL('../../workflows/inactive-users-certification.json', import.meta.url), 'utf8')) as { definition: { steps: Record<string, Step> } };
const steps = Object.entries(workflow.definition.steps);
const outputKey = (name: string) => name.replace(/[^A-Za-z0-9]/g, '').replace(/^./, (c) => c.toLowerCase());

describe('The workflow’s HTTP steps, against the published v3 models', () => {
  const httpSteps = steps.filter(([, step]) => step.actionId === 'sp:http');

  it('call documented, non-deprecated v3 operations with filters the spec supports, built exactly as the pipeline builds them', () => {
    expect(httpSteps.length).toBeGreaterThan(0);
    for (const [name, step] of httpSteps) {
      const url = String(step.attributes!.url);
      expect(url, name).toMatch(/^%%API_URL%%\/v3\//);
      const op = operationOf(String(step.attributes!.method).toUpperCase(), url.replace('%%API_URL%%', ''));
      expect(op, name).toBeDefined();
      expect(op!.deprecated, name).toBeUndefined();
      const params = step.attributes!.urlParams as Record<string, string>;
      // The filter is a whole value from the input; resolve it the way ISC will and check it against the spec.
      const filter = resolveInput(params['filters.$']!);
      expect(unsupportedFilterTerms(op!, filter), name).toEqual([]);
    }
  });

  it('read only fields the v3 response models define from each HTTP step’s body', () => {
    const missing: string[] = [];
    for (const [name, step] of httpSteps) {
      const op = operationOf(String(step.attributes!.method).toUpperCase(), String(step.attributes!.url).replace('%%API_URL%%', ''))!;
      const prefix = `$.${outputKey(name)}.body`;
      const reads = JSON.stringify(workflow).match(new RegExp(`${prefix.replace(/[$.]/g, '\\$&')}[\\w.\\[\\]()]*`, 'g')) ?? [];
      expect(reads.length, name).toBeGreaterThan(0);
      for (const read of reads) {
        const path = read.slice(prefix.length).replace(/\.length\(\)$/, '').replace(/\[\d+\]/g, '.[]').replace(/^\./, '');
        if (!defines(successSchema(op), path)) missing.push(`${name}: ${read}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

function successSchema(op: Operation) {
  return op.responses[String(op.successStatus[0])];
}

/** `field op` terms of a filter expression that the spec does not list for the operation. */
function unsupportedFilterTerms(op: Operation, filter: string): string[] {
  const supported = filterFields(op);
  const terms = [...filter.replace(/"(?:[^"\\]|\\.)*"/g, '""').matchAll(/([\w.]+)\s+(eq|ne|co|sw|in|ge|gt|le|lt|ca|isnull)\b/g)];
  expect(terms.length).toBeGreaterThan(0);
  return terms.filter(([, field, operator]) => !supported.get(field!)?.includes(operator!)).map(([, field, operator]) => `${field} ${operator}`);
}

/** `$.trigger.input.x.y` → the value in our test input. */
function resolveInput(path: string): string {
  expect(path).toMatch(/^\$\.trigger\.input\./);
  return String(path.slice('$.trigger.input.'.length).split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], input));
}
