/**
 * Reliability: generated malformed and hostile webhook and admin input over real HTTP. Whatever arrives, the
 * answer is a JSON 4xx with a message (or an acceptance), never a 5xx, and the server keeps serving.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import type { Answer } from '../helpers/answer.js';
import { PREVIOUS_SECRET, WEBHOOK_SECRET, startMappedStack, startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startMappedStack();
});
afterAll(() => stack.close());

const ACCEPTED = [200, 202];
const CALLER_ERRORS = [400, 401, 404, 405, 409, 413, 415, 422, 428];

function expectHandled(response: Answer) {
  expect(response.status).toBeLessThan(500);
  if (!ACCEPTED.includes(response.status) && response.status !== 201) {
    expect(CALLER_ERRORS).toContain(response.status);
    expect(typeof response.error().code).toBe('string');
    expect(response.error().message.length).toBeGreaterThan(5);
    expect(JSON.stringify(response.body)).not.toMatch(/at .+\.(ts|js):\d+/); // no stack traces
  }
}

const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'Email', 'Days Active', 'Instance', 'rows', 'input', 'data', '');
const hostileValue = fc.oneof(fc.jsonValue(), fc.string({ maxLength: 2000 }), fc.constantFrom(-1, 0, 1.5, 1e308, 'NaN', '0', '', null, 'x'.repeat(100_000)));
const row = fc.dictionary(hostileKey, hostileValue, { maxKeys: 6 });
const jsonBody = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.array(row, { maxLength: 20 }).map((rows) => JSON.stringify(rows)),
  fc.record({ rows: fc.array(row, { maxLength: 10 }), instance: fc.string() }).map((v) => JSON.stringify({ input: v })),
  fc.array(row, { minLength: 1, maxLength: 10 }).map((rows) => JSON.stringify(rows)).chain((s) => fc.nat({ max: s.length }).map((n) => s.slice(0, n))), // truncated
  fc.constant('{"__proto__":{"polluted":true},"rows":[{"Email":"a@example.com","Days Active":0,"Instance":"Slack-production"}]}'),
);
const csvCell = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('"quoted, cell"', '"multi\nline"', 'a;b', '\uFEFF', '-3', 'x@y.com', '"unterminated'));
const csvBody = fc
  .tuple(fc.constantFrom('Email,Days Active,Instance', 'Name;E-mail;Active Days', '\uFEFFEmail,Last Active', 'nothing,useful'), fc.array(fc.array(csvCell, { maxLength: 5 }), { maxLength: 10 }), fc.constantFrom(',', ';'))
  .map(([header, lines, sep]) => [header, ...lines.map((cells) => cells.join(sep))].join('\n'));

describe('Reliability: hostile webhook input', () => {
  it('answers every generated JSON or CSV body with an acceptance or a precise 4xx, never a 5xx', async () => {
    const before = process.memoryUsage().heapUsed;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(jsonBody.map((b) => ({ body: b, type: 'application/json' })), csvBody.map((b) => ({ body: b, type: 'text/csv' }))),
        fc.constantFrom('application/json', 'text/csv', 'text/plain', 'application/xml', '', 'application/json; charset=utf-16', 'multipart/form-data'),
        fc.boolean(),
        async ({ body, type }, otherType, useOther) => {
          const response = await stack.call('POST', '/webhooks/saas-management?instance=Slack-production', {
            raw: body,
            headers: { authorization: WEBHOOK_SECRET, 'content-type': useOther ? otherType : type },
          });
          expectHandled(response);
        },
      ),
      { numRuns: 250 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(300 * 1024 * 1024);
    expect((await stack.call('GET', '/health')).status).toBe(200);
  });

  it('answers broken encodings, bad delivery keys and stray headers with a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'GZIP'),
        fc.oneof(fc.string({ maxLength: 300 }), fc.constant(undefined)),
        fc.uint8Array({ maxLength: 200 }),
        async (encoding, key, bytes) => {
          const headers: Record<string, string> = { authorization: `Bearer ${WEBHOOK_SECRET}`, 'content-type': 'application/json', 'content-encoding': encoding };
          if (key !== undefined && !/[\r\n\0]/.test(key)) headers['idempotency-key'] = key;
          expectHandled(await stack.call('POST', '/webhooks/saas-management', { raw: Buffer.from(bytes), headers }));
        },
      ),
      { numRuns: 100 },
    );
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20));
    const response = await stack.call('POST', '/webhooks/saas-management', { raw: bomb, headers: { authorization: WEBHOOK_SECRET, 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    expect(response.status).toBe(413);
  });

  it('answers any other secret with the same 401', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 100 }).filter((s) => !/[\r\n\0]/.test(s) && s.trim() !== WEBHOOK_SECRET), async (secret) => {
        const response = await stack.call('POST', '/webhooks/saas-management', { raw: '[]', headers: { authorization: secret, 'content-type': 'application/json' } });
        expect(response).toMatchObject({ status: 401, body: { error: { code: 'unauthorized', message: 'Missing or invalid webhook secret.' } } });
      }),
      { numRuns: 100 },
    );
  });
});

describe('Reliability: deeply nested JSON', () => {
  const ROW = '{"Email":"deep@example.com","Days Active":0,"Instance":"Slack-production"}';
  const nest = (kind: 'arrays' | 'objects', depth: number) =>
    kind === 'arrays' ? '['.repeat(depth) + ']'.repeat(depth) : '{"n":'.repeat(depth) + 'null' + '}'.repeat(depth);
  // Where the deep value sits, and the path the 422 must name for it.
  const placements = {
    'top level': { wrap: (deep: string) => deep, path: (kind: string) => (kind === 'arrays' ? '$[0][0]' : '$.n.n') },
    'inside a row field': { wrap: (deep: string) => `[${ROW.replace('{', `{"Name":${deep},`)}]`, path: (kind: string) => `$[0].Name${kind === 'arrays' ? '[0]' : '.n'}` },
    'under rows, inside input': { wrap: (deep: string) => `{"input":{"rows":${deep}}}`, path: (kind: string) => `$.input.rows${kind === 'arrays' ? '[0]' : '.n'}` },
    'after a valid row': { wrap: (deep: string) => `{"rows":[${ROW},{"Email":"x@example.com","Last Active":${deep}}]}`, path: () => '$.rows[1]["Last Active"]' },
  };
  const routes = {
    webhook: (raw: string) => stack.call('POST', '/webhooks/saas-management', { raw, headers: { authorization: WEBHOOK_SECRET, 'content-type': 'application/json' } }),
    preview: (raw: string) => stack.call('POST', '/admin/deliveries/preview', { raw, headers: { 'content-type': 'application/json' } }),
    mapping: (raw: string) => stack.call('PUT', '/admin/mappings/deep', { raw, headers: { 'content-type': 'application/json' } }),
    target: (raw: string) => stack.call('PUT', '/admin/targets/deep', { raw, headers: { 'content-type': 'application/json' } }),
    'report profile': (raw: string) => stack.call('PUT', '/admin/report-profiles/deep', { raw, headers: { 'content-type': 'application/json' } }),
  };

  it('answers 10^5 nested arrays at the top level of the webhook with a 422 naming the depth and where (was a 500)', async () => {
    const response = await stack.call('POST', '/webhooks/saas-management', { raw: nest('arrays', 100_000), headers: { authorization: WEBHOOK_SECRET, 'content-type': 'application/json' } });
    expect(response).toMatchObject({ status: 422, body: { error: { code: 'nesting_too_deep', details: { maxDepth: 64, path: '$[0][0][0][0][0][0][0][0]…' } } } });
    expect(response.error().message).toMatch(/deeper than 64 levels.*at \$\[0\]/);
  });

  it('answers deep arrays and objects anywhere in a webhook, preview or admin body with the same 422, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(placements) as Array<keyof typeof placements>)),
        fc.constantFrom('arrays' as const, 'objects' as const),
        fc.constantFrom(65, 1_000, 100_000),
        fc.constantFrom(...(Object.keys(routes) as Array<keyof typeof routes>)),
        async (placement, kind, depth, route) => {
          const { wrap, path } = placements[placement];
          const response = await routes[route](wrap(nest(kind, depth)));
          expect(response.status).toBe(422);
          expect(response.error().code).toBe('nesting_too_deep');
          expect(response.error(z.object({ path: z.string() })).details.path.startsWith(path(kind))).toBe(true);

        },
      ),
      { numRuns: 60 },
    );
    expect(stack.logs.filter((line) => line.includes('RangeError'))).toEqual([]);
    expect((await stack.call('GET', '/health')).status).toBe(200);
  });
});

describe('Reliability: hostile admin input', () => {
  it('answers generated target and mapping bodies with a precise 4xx (or a save), never a 5xx', async () => {
    const mappingish = fc.record(
      {
        application: hostileValue,
        instance: fc.oneof(fc.constant('Fuzz'), hostileValue),
        environment: fc.constantFrom('production', 'staging', 'prod', 1),
        targetId: fc.constantFrom('prod', 'nope', ''),
        source: fc.oneof(fc.record({ id: fc.string() }), hostileValue),
        policy: fc.oneof(fc.record({ maxDaysActive: fc.integer({ min: -3, max: 5000 }) }), hostileValue),
        extra: hostileValue,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(mappingish, fc.jsonValue()), fc.constantFrom('/admin/mappings/fuzz', '/admin/targets/fuzz', '/admin/targets/fuzz/credentials/api', '/admin/mappings/%E0%A4%A'), async (body, path) => {
        expectHandled(await stack.call('PUT', path, { body }));
      }),
      { numRuns: 200 },
    );
  });

  it('answers generated path segments with a 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/admin/mappings/', '/admin/targets/', '/admin/deliveries/', '/admin/mappings/x/audit?', '/admin/deliveries/x/replay?force='), fc.string({ maxLength: 3000 }), fc.constantFrom('GET', 'DELETE', 'POST'), async (prefix, segment, method) => {
        expectHandled(await stack.call(method, `${prefix}${encodeURIComponent(segment)}`));
      }),
      { numRuns: 150 },
    );
  });

  it('answers generated query strings with a 4xx naming the parameter', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('limit', 'status', 'since', 'cursor', 'force'), fc.string({ maxLength: 40 }), async (name, value) => {
        expectHandled(await stack.call('GET', `/admin/deliveries?${name}=${encodeURIComponent(value)}`));
      }),
      { numRuns: 100 },
    );
  });
});

describe('Security: secret rotation', () => {
  it('refuses the previous webhook secret once the rotation window has closed', async () => {
    // The window closes when WEBHOOK_SECRET_PREVIOUS (or `previous` on AWS) is cleared: only the current one is left.
    const after = await startTestStack({ webhookSecrets: [WEBHOOK_SECRET] });
    try {
      const body = JSON.stringify([{ Email: 'a@example.com', 'Days Active': 0, Instance: 'X' }]);
      const old = await after.call('POST', '/webhooks/saas-management', { raw: body, headers: { authorization: `Bearer ${PREVIOUS_SECRET}`, 'content-type': 'application/json' } });
      const current = await after.call('POST', '/webhooks/saas-management', { raw: body, headers: { authorization: `Bearer ${WEBHOOK_SECRET}`, 'content-type': 'application/json' } });
      expect(old.status).toBe(401);
      expect(current.status).toBe(202);
    } finally {
      await after.close();
    }
  });
});
