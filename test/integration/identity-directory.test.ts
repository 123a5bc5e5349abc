/**
 * The identity directory cache in dispatch, on the real store (dynalite over HTTP) with a controllable clock: only
 * missing or expired emails are searched, entries are per tenant, the match share counts cached hits and searched
 * misses alike, and an id ISC refuses is forgotten and searched again. ISC is the in-process port fake.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DISPATCH_SETTINGS, dispatchBatch, sweep, type DispatcherDeps } from '../../functions/core/dispatcher.js';
import { IscError } from '../../functions/core/errors.js';
import { captureLog } from '../helpers/capture-log.js';
import { ScriptedIsc } from '../helpers/scripted-isc.js';
import { movableClock, startDispatchStack, reportPoster } from '../helpers/dispatch-stack.js';
import { productionTarget, slackMapping, type TestStack } from '../helpers/stack.js';

const DAY = 86_400_000;
let stack: TestStack;
const { clock, advance } = movableClock('2026-11-26T10:00:00Z');

beforeAll(async () => {
  stack = await startDispatchStack(clock);
  // A second production tenant: its identity ids are its own.
  await stack.call('PUT', '/admin/targets/other-api', { body: { ...productionTarget, tenant: 'other', triggerUrl: 'https://other.api.identitynow.com/beta/workflows/execute/external/wf-2' } });
  await stack.call('PUT', '/admin/targets/other-api/credentials/trigger', { body: { clientId: 'trigger', clientSecret: 'trigger-secret-xyz' } });
  await stack.call('PUT', '/admin/targets/other-api/credentials/api', { body: { clientId: 'api', clientSecret: 'api-secret-xyz' } });
  const zoom = await stack.call('PUT', '/admin/mappings/zoom-production?skipSourceCheck=true', { body: slackMapping({ application: 'Zoom', instance: 'Zoom-production', targetId: 'other-api', policy: { maxDaysActive: 0, cooldownDays: 0 } }) });
  expect(zoom.status).toBe(201);
});
afterAll(() => stack.close());
beforeEach(() => advance(60_000));

const postReport = reportPoster(() => stack, 'directory');
const deps = (isc: ScriptedIsc): DispatcherDeps => ({ store: stack.store, isc, secrets: stack.secrets, clock, log: captureLog(), settings: { ...DEFAULT_DISPATCH_SETTINGS, identityCacheMs: 2 * DAY } });

async function dispatchOnly(isc: ScriptedIsc, emails: string[], instance = 'Teams-production') {
  const id = await postReport(emails, instance);
  const delivery = (await stack.store.getDelivery(id))!;
  const [batch] = await stack.store.deliveryBatches(delivery);
  return { key: batch!, outcome: await dispatchBatch(batch!, deps(isc)), batch: async () => (await stack.store.deliveryBatches(delivery))[0]! };
}

describe('Identity directory cache', () => {
  it('searches only emails not found before; another tenant searches its own; expired entries are searched again', async () => {
    const isc = new ScriptedIsc(new Map([['p1@example.com', 'id-p1'], ['p2@example.com', 'id-p2'], ['p3@example.com', 'id-p3']]));
    expect((await dispatchOnly(isc, ['p1@example.com', 'p2@example.com'])).outcome).toBe('dispatched');
    expect((await dispatchOnly(isc, ['p1@example.com', 'p2@example.com', 'p3@example.com'])).outcome).toBe('dispatched');
    expect(isc.searches).toEqual([['p1@example.com', 'p2@example.com'], ['p3@example.com']]);
    expect(isc.triggers[1]!.identityIds).toEqual(['id-p1', 'id-p2', 'id-p3']);

    expect((await dispatchOnly(isc, ['p1@example.com'], 'Zoom-production')).outcome).toBe('dispatched');
    expect(isc.searches[2]).toEqual(['p1@example.com']);

    advance(2 * DAY);
    expect((await dispatchOnly(isc, ['p1@example.com', 'p2@example.com'])).outcome).toBe('dispatched');
    expect(isc.searches[3]).toEqual(['p1@example.com', 'p2@example.com']);
  });

  it('counts cached hits and searched misses alike in the match share (SUSPECT_MAPPING)', async () => {
    const isc = new ScriptedIsc(new Map([['h1@example.com', 'id-h1']]));
    expect((await dispatchOnly(isc, ['h1@example.com'])).outcome).toBe('dispatched');
    // 1 of 4 known (from the cache): 25 % < 50 %, held; the misses were searched, the hit was not.
    const held = await dispatchOnly(isc, ['h1@example.com', 'm1@example.com', 'm2@example.com', 'm3@example.com']);
    expect(held.outcome).toBe('held');
    expect(await held.batch()).toMatchObject({ status: 'SUSPECT_MAPPING', unmatched: ['m1@example.com', 'm2@example.com', 'm3@example.com'] });
    expect((await held.batch()).lastError!.message).toContain('Only 1 of 4 users (25%)');
    expect(isc.searches).toEqual([['h1@example.com'], ['m1@example.com', 'm2@example.com', 'm3@example.com']]);
    // Misses are not cached: 1 hit + 1 miss searched again, 50 % is enough.
    expect((await dispatchOnly(isc, ['h1@example.com', 'm1@example.com'])).outcome).toBe('dispatched');
    expect(isc.searches[2]).toEqual(['m1@example.com']);
  });

  it('forgets an id ISC refuses and retries the batch with a fresh search', async () => {
    const people = new Map([['s1@example.com', 'id-old'], ['s2@example.com', 'id-s2']]);
    const isc = new ScriptedIsc(people);
    expect((await dispatchOnly(isc, ['s1@example.com'])).outcome).toBe('dispatched');
    people.set('s1@example.com', 'id-new'); // the identity was re-created in ISC
    isc.failNext(new IscError('isc_request_rejected', 'ISC refused the request (400).', false, { status: 400, isc: { messages: [{ text: 'Identity id-old was not found' }] } }));
    const sent = await dispatchOnly(isc, ['s1@example.com', 's2@example.com']);
    expect(sent.outcome).toBe('retry');
    expect(await sent.batch()).toMatchObject({ status: 'RETRY_WAIT', lastError: { code: 'stale_identity' }, identities: { 's2@example.com': 'id-s2' } });
    advance(1_000);
    await sweep(deps(isc));
    expect(await dispatchBatch(sent.key, deps(isc))).toBe('dispatched');
    expect(isc.searches.slice(-2)).toEqual([['s2@example.com'], ['s1@example.com']]);
    expect(isc.triggers.at(-1)!.identityIds.sort()).toEqual(['id-new', 'id-s2']);
    // The fresh id is what the cache holds now.
    expect(await stack.store.cachedIdentities('production#acme-api.api.identitynow.com', ['s1@example.com'], clock.now().toISOString())).toEqual(new Map([['s1@example.com', 'id-new']]));
  });

  it('fails as before when the refused id came from this attempt’s own search', async () => {
    const isc = new ScriptedIsc(new Map([['f1@example.com', 'id-f1']]));
    isc.failNext(new IscError('isc_request_rejected', 'ISC refused the request (400).', false, { status: 400, isc: { messages: [{ text: 'Identity id-f1 was not found' }] } }));
    expect((await dispatchOnly(isc, ['f1@example.com'])).outcome).toBe('failed');
  });
});
