/**
 * docs/openapi.json against the running code: every route of the table is called on the local stack (dynalite,
 * the ISC simulator over loopback HTTP), and each real answer — status, body, ETag — must be one the document
 * declares, checked by an independent validator (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses it) on the
 * dereferenced document. The same document passes redocly's recommended rules.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';

import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import { AuditList, CheckAnswer, DeliveryDetail, DeliverySchema, IngestAnswer, MappingView, MatchTestResult, Paged, PreviewAnswer, RejectedReportList, ReplayAnswer, ReportProfileList, TargetList, WorkflowTestAnswer } from '../../functions/http/responses.js';
import type { IscSimulator } from '../../functions/local/isc-simulator.js';
import { readAs } from '../helpers/answer.js';
import { API_CLIENT, TRIGGER_CLIENT, WORKFLOW_ID, seedIdentities, startFakeIsc } from '../helpers/fake-isc.js';
import { settleDelivery, slackMapping, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

const source = readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8');

/** The document with every local $ref replaced by what it points at. */
function dereference(node: unknown, root: unknown = node): unknown {
  if (Array.isArray(node)) return node.map((item) => dereference(item, root));
  if (typeof node !== 'object' || node === null) return node;
  const ref = (node as { $ref?: unknown }).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/')) return dereference(ref.slice(2).split('/').reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], root), root);
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, dereference(value, root)]));
}

/** The parts of the document this test reads: per path and method, the declared responses with their schema and ETag pattern. */
const OpenApiPaths = z.object({
  paths: z.record(
    z.string(),
    z.record(
      z.string(),
      z.object({
        responses: z.record(
          z.string(),
          z.object({
            content: z.object({ 'application/json': z.object({ schema: z.record(z.string(), z.unknown()) }) }),
            headers: z.optional(z.object({ ETag: z.optional(z.object({ schema: z.object({ pattern: z.string() }) })) })),
          }),
        ),
      }),
    ),
  ),
});

const document = readAs(OpenApiPaths, dereference(JSON.parse(source)));
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);

/** "METHOD /template" → the statuses seen for it. */
const seen = new Map<string, Set<number>>();

function templateOf(path: string): string {
  const bare = path.split('?')[0]!;
  const template = Object.keys(document.paths).find((candidate) => new RegExp(`^${candidate.replace(/\{\w+\}/g, '[^/]+')}$`).test(bare) && candidate.split('/').length === bare.split('/').length && !literalWins(candidate, bare));
  if (!template) throw new Error(`no documented path for ${bare}`);
  return template;
}

/** /admin/deliveries/redrive is its own path, not /admin/deliveries/{id}. */
function literalWins(candidate: string, bare: string): boolean {
  return candidate.includes('{') && Object.keys(document.paths).includes(bare);
}

let stack: TestStack;
let isc: IscSimulator;

/** Call a route and hold its answer against the document; returns the answer for the test's own checks. */
async function conforming(method: string, path: string, options: Parameters<TestStack['call']>[2] = {}) {
  const response = await stack.call(method, path, options);
  const template = templateOf(path);
  const operation = document.paths[template]?.[method.toLowerCase()];
  expect(operation, `${method} ${template} is documented`).toBeDefined();
  const declared = operation?.responses[String(response.status)];
  expect(declared, `${method} ${path} answered ${response.status}, which the document does not declare: ${JSON.stringify(response.body).slice(0, 300)}`).toBeDefined();
  const schema = declared!.content['application/json'].schema;
  const validate = ajv.compile(schema);
  expect(validate(response.body) ? [] : validate.errors, `${method} ${path} → ${response.status} body`).toEqual([]);
  if (declared!.headers?.ETag) expect(response.headers.etag).toMatch(new RegExp(declared!.headers.ETag.schema.pattern));
  const key = `${method} ${template}`;
  seen.set(key, (seen.get(key) ?? new Set()).add(response.status));
  return response;
}

const PAT = { clientId: 'workflow-reader-pat', clientSecret: 'workflow-reader-secret' };
const identities = seedIdentities(6);
const rows = identities.map((identity, i) => ({ Email: identity.email, 'Days Active': i % 2, Application: 'Slack', Instance: 'Slack-production' }));
const report = { reportName: 'Slack usage', periodStart: '2026-10-01', periodEnd: '2026-10-31', rows };

beforeAll(async () => {
  isc = await startFakeIsc({
    identities,
    sources: [{ id: 'src-slack', name: 'Slack' }],
    accounts: identities.map((identity, i) => ({ id: `acc-${i}`, identityId: identity.id, sourceId: 'src-slack', name: identity.email })),
    clients: [TRIGGER_CLIENT, { ...API_CLIENT, scope: ['sp:search:read', 'idn:sources:read', 'idn:accounts:read'] }, { ...PAT, userContext: true }],
  });
  stack = await startTestStack({ isc: new HttpIscClient({ timeoutMs: 2000 }) });
});
afterAll(async () => {
  await stack?.close();
  await isc?.close();
});

const target = () => ({ environment: 'production', tenant: 'acme-sim', triggerUrl: `${isc.url}/v3/workflows/execute/external/${WORKFLOW_ID}`, tokenUrl: `${isc.url}/oauth/token`, apiBaseUrl: isc.url });

describe('docs/openapi.json: every route answers as documented', () => {
  it('public routes: health, the document itself, the webhook (JSON, CSV, gzip, repeat, refusals)', async () => {
    await conforming('GET', '/health');
    expect((await conforming('GET', '/openapi.json')).body).toEqual(JSON.parse(source));
    await conforming('POST', '/webhooks/saas-management', { raw: 'x', headers: { 'content-type': 'application/json' } }); // 401
    await conforming('POST', '/webhooks/saas-management', { raw: '{', headers: webhookHeaders() }); // 400
    await conforming('POST', '/webhooks/saas-management', { raw: JSON.stringify({ rows: [] }), headers: webhookHeaders() }); // 422
    await conforming('POST', '/webhooks/saas-management', { raw: JSON.stringify(report), headers: webhookHeaders({ 'content-encoding': 'br' }) }); // 415
    await conforming('POST', '/webhooks/saas-management', { raw: JSON.stringify(report), headers: webhookHeaders({ 'idempotency-key': 'has spaces' }) }); // 400
    await conforming('POST', '/webhooks/saas-management/large', { raw: JSON.stringify(report), headers: webhookHeaders({ 'idempotency-key': 'large-conformance-1' }) }); // 202
    await conforming('POST', '/webhooks/saas-management/large', { raw: JSON.stringify(report), headers: webhookHeaders({ 'content-encoding': 'br' }) }); // 415
  });

  it('targets, credentials, connection check and workflow verify', async () => {
    expect((await conforming('PUT', '/admin/targets/sim', { body: target() })).status).toBe(201);
    expect((await conforming('PUT', '/admin/targets/sim', { body: target(), headers: { 'if-match': '"1"' } })).status).toBe(200);
    expect((await conforming('PUT', '/admin/targets/sim', { body: target(), headers: { 'if-match': '"1"' } })).status).toBe(409);
    expect((await conforming('PUT', '/admin/targets/sim', { body: { ...target(), triggerUrl: 'ftp://x' } })).status).toBe(422);
    expect((await conforming('PUT', '/admin/targets/sim', { body: target(), headers: { 'if-match': 'nope' } })).status).toBe(400);
    expect((await conforming('PUT', '/admin/targets/sim', { raw: 'a=b', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await conforming('PUT', '/admin/targets/sim/credentials/trigger', { body: TRIGGER_CLIENT })).status).toBe(200);
    expect((await conforming('PUT', '/admin/targets/sim/credentials/api', { body: API_CLIENT })).status).toBe(200);
    expect((await conforming('PUT', '/admin/targets/sim/credentials/other', { body: API_CLIENT })).status).toBe(404);
    expect((await conforming('GET', '/admin/targets/sim')).status).toBe(200);
    expect((await conforming('GET', '/admin/targets/missing')).status).toBe(404);
    expect((await conforming('GET', '/admin/targets', { admin: false })).status).toBe(401);
    expect((await conforming('GET', '/admin/targets')).read(TargetList).items).toHaveLength(1);
    expect((await conforming('POST', '/admin/targets/sim/check')).read(CheckAnswer).ok).toBe(true);

    await conforming('PUT', '/admin/targets/pat', { body: target() });
    await conforming('PUT', '/admin/targets/pat/credentials/api', { body: PAT });
    expect((await conforming('POST', '/admin/targets/pat/workflow/verify')).status).toBe(200);
    expect((await conforming('POST', '/admin/targets/sim/workflow/verify')).status).toBe(422);
    const install = { ownerEmail: 'iam@example.com', httpClient: PAT };
    expect((await conforming('POST', '/admin/targets/pat/workflow/install', { body: install })).status).toBe(200);
    expect((await conforming('POST', '/admin/targets/pat/workflow/install', { body: { ...install, ownerEmail: 'x' } })).status).toBe(422);
    expect((await conforming('POST', '/admin/targets/pat/workflow/test', { body: { identityIds: [identities[0]!.id], reviewerId: identities[1]!.id } })).read(WorkflowTestAnswer).ok).toBe(true);
    expect((await conforming('POST', '/admin/targets/pat/workflow/test', { body: { identityIds: [], reviewerId: 'r' } })).status).toBe(422);
    expect((await conforming('DELETE', '/admin/targets/pat')).status).toBe(200);
  });

  it('mappings, validation, audit, match test and the target still in use', async () => {
    const mapping = slackMapping({ targetId: 'sim' });
    expect((await conforming('PUT', '/admin/mappings/slack-production', { body: mapping })).status).toBe(201);
    expect((await conforming('PUT', '/admin/mappings/slack-production', { body: mapping })).status).toBe(428);
    expect((await conforming('PUT', '/admin/mappings/slack-production', { body: mapping, headers: { 'if-match': '"1"' } })).status).toBe(200);
    expect((await conforming('PUT', '/admin/mappings/slack-production', { body: { ...mapping, source: { id: 'src-none' } }, headers: { 'if-match': '"2"' } })).status).toBe(422);
    expect((await conforming('PUT', '/admin/mappings/other', { body: { ...mapping, instance: 'Other' } })).status).toBe(201);
    expect((await conforming('GET', '/admin/mappings/slack-production')).status).toBe(200);
    expect((await conforming('GET', '/admin/mappings?limit=1')).read(Paged(MappingView)).next).not.toBeNull();
    expect((await conforming('GET', '/admin/mappings?limit=251')).status).toBe(400);
    expect((await conforming('POST', '/admin/mappings/validate?skipSourceCheck=true', { body: { items: [mapping, { instance: 1 }] } })).body).toMatchObject({ valid: 1, invalid: 1 });
    expect((await conforming('GET', '/admin/mappings/slack-production/audit')).read(AuditList).items.length).toBeGreaterThan(0);
    expect((await conforming('POST', '/admin/mappings/slack-production/match-test')).status).toBe(422); // no report yet
    expect((await conforming('DELETE', '/admin/targets/sim')).status).toBe(409);
    expect((await conforming('DELETE', '/admin/mappings/other', { headers: { 'if-match': '"7"' } })).status).toBe(409);
    expect((await conforming('DELETE', '/admin/mappings/other')).status).toBe(200);
    expect((await conforming('GET', '/admin/mappings/other')).status).toBe(404);
  });

  it('reports: accepted, repeated, previewed, dispatched, listed, replayed and re-driven', async () => {
    const accepted = await conforming('POST', '/webhooks/saas-management?instance=Slack-production', { raw: JSON.stringify(report), headers: webhookHeaders({ 'idempotency-key': 'conformance-1' }) });
    expect(accepted.status).toBe(202);
    expect((await conforming('POST', '/webhooks/saas-management?instance=Slack-production', { raw: JSON.stringify(report), headers: webhookHeaders({ 'idempotency-key': 'conformance-1' }) })).status).toBe(200);
    const csv = ['Email,Days Active,Application,Instance', ...rows.map((r) => `${r.Email},${r['Days Active']},Slack,Slack-production`)].join('\n');
    expect((await conforming('POST', '/webhooks/saas-management?periodEnd=2026-11-30', { raw: gzipSync(csv), headers: webhookHeaders({ 'content-type': 'text/csv', 'content-encoding': 'gzip' }) })).status).toBe(202);
    expect((await conforming('POST', '/admin/deliveries/preview?mapping=slack-production', { raw: JSON.stringify(report), headers: { 'content-type': 'application/json' } })).read(PreviewAnswer).preview).toBe(true);
    expect((await conforming('POST', '/admin/deliveries/preview?mapping=nobody', { raw: JSON.stringify(report), headers: { 'content-type': 'application/json' } })).status).toBe(404);

    const id = accepted.read(IngestAnswer).deliveryId;
    expect(await settleDelivery(stack, id)).toBe('DISPATCHED');
    const detail = await conforming('GET', `/admin/deliveries/${id}`);
    expect(detail.read(DeliveryDetail).batches.length).toBeGreaterThan(0);
    expect((await conforming('GET', '/admin/deliveries/missing')).status).toBe(404);
    expect((await conforming('GET', '/admin/deliveries?limit=1&status=DISPATCHED&since=2020-01-01')).read(Paged(DeliverySchema)).items).toHaveLength(1);
    expect((await conforming('GET', '/admin/deliveries?status=LOST')).status).toBe(400);
    expect((await conforming('POST', `/admin/deliveries/${id}/replay`)).read(ReplayAnswer).skipped.length).toBeGreaterThan(0);
    expect((await conforming('POST', `/admin/deliveries/${id}/replay?force=true`)).read(ReplayAnswer).requeued.length).toBeGreaterThan(0);
    expect((await conforming('POST', '/admin/deliveries/redrive?olderThanMinutes=0')).status).toBe(200);
    expect((await conforming('POST', '/admin/deliveries/redrive?olderThanMinutes=99999')).status).toBe(400);
    expect((await conforming('POST', '/admin/mappings/slack-production/match-test')).read(MatchTestResult).status).toBe('SUCCESS');
  });

  it('report profiles and refused reports', async () => {
    expect((await conforming('PUT', '/admin/report-profiles/acme', { body: { rowPath: 'payload.items', columns: { email: 'Mail' } } })).status).toBe(200);
    expect((await conforming('PUT', '/admin/report-profiles/-bad', { body: { columns: { email: 'Mail' } } })).status).toBe(422);
    expect((await conforming('GET', '/admin/report-profiles')).read(ReportProfileList).items).toHaveLength(1);
    expect((await conforming('DELETE', '/admin/report-profiles/acme')).status).toBe(200);
    expect((await conforming('DELETE', '/admin/report-profiles/acme')).status).toBe(404);
    expect((await conforming('GET', '/admin/rejected-reports?limit=5')).read(RejectedReportList).items.length).toBeGreaterThan(0);
  });

  it('called every documented operation with a success answer', () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    const succeeded = operations.filter((op) => [...(seen.get(op) ?? [])].some((status) => status < 300));
    expect(operations.filter((op) => !succeeded.includes(op))).toEqual([]);
    expect(operations.length).toBeGreaterThan(25);
  });
});

describe('docs/openapi.json: redocly recommended rules', () => {
  it('has no findings', async () => {
    const problems = await lintFromString({ source, absoluteRef: 'docs/openapi.json', config: await createConfig({ extends: ['recommended'] }) });
    expect(problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
  });
});
