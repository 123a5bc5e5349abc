/**
 * core/non-employees.ts: when the NERM look-up runs, its bounds (emails per batch, time budget), and that a failure
 * is recorded instead of thrown. The NERM port is an in-process directory here; the HTTP client is tested against
 * the simulator (test/integration/non-employees.test.ts, test/contract/nerm-contract.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { IscError } from '../../../functions/core/errors.js';
import { MAX_NERM_LOOKUPS, NERM_LOOKUP_BUDGET_MS, lookUpNonEmployees, type NonEmployee, type NonEmployeeDirectory } from '../../../functions/core/non-employees.js';
import type { SecretStore } from '../../../functions/core/ports.js';
import type { Credentials, Target } from '../../../functions/core/target.js';
import { captureLog } from '../../helpers/capture-log.js';

const API = { clientId: 'pat', clientSecret: 'pat-secret' };
const target: Target = {
  id: 't', environment: 'production', tenant: 'acme', tokenUrl: 'https://acme.api.identitynow.com/oauth/token', apiBaseUrl: 'https://acme.api.identitynow.com',
  nermUrl: 'https://acme.nonemployee.com', credentials: { api: { secretId: 'targets/t/api', clientId: API.clientId, updatedAt: '2026-01-01T00:00:00Z' } },
  version: 1, updatedAt: '2026-01-01T00:00:00Z', updatedBy: 'test',
};
const secrets: SecretStore = {
  getCredentials: (secretId) => (secretId === 'targets/t/api' ? Promise.resolve(API) : Promise.reject(new Error('unknown secret'))),
  putCredentials: () => Promise.resolve(),
  deleteCredentials: () => Promise.resolve(),
};

/** A NERM that knows the emails starting with "ne", counts the look-ups and may fail one or advance the clock. */
class Directory implements NonEmployeeDirectory {
  readonly asked: string[] = [];
  constructor(readonly options: { failAt?: number; tick?: () => void } = {}) {}

  findNonEmployee = (_target: Target, credentials: Credentials, email: string): Promise<NonEmployee | undefined> => {
    this.asked.push(email);
    this.options.tick?.();
    if (credentials.clientSecret !== API.clientSecret) return Promise.reject(new Error('wrong credentials'));
    if (this.asked.length === this.options.failAt) return Promise.reject(new IscError('isc_unavailable', 'ISC answered GET /api/users with HTTP 503.', true));
    return Promise.resolve(email.startsWith('ne') ? { email, nermId: `n-${email}`, status: 'Active' } : undefined);
  };
}

let now = Date.parse('2026-12-01T00:00:00Z');
const clock = { now: () => new Date(now) };
const deps = (nerm: NonEmployeeDirectory | undefined) => ({ nerm, secrets, clock, log: captureLog() });
const emails = (count: number, prefix = 'x') => Array.from({ length: count }, (_, i) => `${prefix}${i}@example.com`);

describe('Function: lookUpNonEmployees', () => {
  it('records what NERM found among the unmatched users, with the credentials of the target', async () => {
    const nerm = new Directory();
    const { nonEmployees } = await lookUpNonEmployees(target, ['ne1@example.com', 'x@example.com'], deps(nerm));
    expect(nonEmployees).toEqual({ at: new Date(now).toISOString(), checked: 2, skipped: 0, found: [{ email: 'ne1@example.com', nermId: 'n-ne1@example.com', status: 'Active' }] });
  });

  it('is off, with no call and nothing recorded, without a nermUrl, a NERM client or unmatched users', async () => {
    const nerm = new Directory();
    expect(await lookUpNonEmployees({ ...target, nermUrl: undefined }, ['ne1@example.com'], deps(nerm))).toEqual({});
    expect(await lookUpNonEmployees(target, [], deps(nerm))).toEqual({});
    expect(await lookUpNonEmployees(target, ['ne1@example.com'], deps(undefined))).toEqual({});
    expect(nerm.asked).toEqual([]);
  });

  it(`looks up at most ${MAX_NERM_LOOKUPS} emails per attempt and counts the rest as skipped`, async () => {
    const nerm = new Directory();
    const { nonEmployees } = await lookUpNonEmployees(target, emails(MAX_NERM_LOOKUPS + 7, 'ne'), deps(nerm));
    expect(nerm.asked).toHaveLength(MAX_NERM_LOOKUPS);
    expect(nonEmployees).toMatchObject({ checked: MAX_NERM_LOOKUPS, skipped: 7 });
    expect(nonEmployees?.found).toHaveLength(MAX_NERM_LOOKUPS);
  });

  it('starts no new call once the time budget is spent', async () => {
    // Each look-up takes 3 s of the (fake) clock: the budget allows ceil(budget / 3 s) of them.
    const nerm = new Directory({ tick: () => (now += 3_000) });
    const { nonEmployees } = await lookUpNonEmployees(target, emails(20), deps(nerm));
    const expected = Math.ceil(NERM_LOOKUP_BUDGET_MS / 3_000);
    expect(nerm.asked).toHaveLength(expected);
    expect(nonEmployees).toMatchObject({ checked: expected, skipped: 20 - expected, found: [] });
  });

  it('stops at the first failure and records it instead of throwing', async () => {
    const log = captureLog();
    const nerm = new Directory({ failAt: 2 });
    const { nonEmployees } = await lookUpNonEmployees(target, ['ne1@example.com', 'ne2@example.com', 'ne3@example.com'], { ...deps(nerm), log });
    expect(nerm.asked).toEqual(['ne1@example.com', 'ne2@example.com']);
    expect(nonEmployees).toMatchObject({ checked: 1, skipped: 2, found: [{ email: 'ne1@example.com' }], error: { code: 'isc_unavailable', message: 'NERM look-up stopped: ISC answered GET /api/users with HTTP 503.' } });
    expect(log.lines.join('\n')).toContain('NERM look-up stopped');
  });

  it('records missing API credentials, and an unexpected error without its message', async () => {
    const noApi = await lookUpNonEmployees({ ...target, credentials: {} }, ['ne1@example.com'], deps(new Directory()));
    expect(noApi.nonEmployees?.error).toMatchObject({ code: 'credentials_missing' });
    const broken = await lookUpNonEmployees({ ...target, credentials: { api: { ...target.credentials.api!, secretId: 'elsewhere' } } }, ['ne1@example.com'], deps(new Directory()));
    expect(broken.nonEmployees?.error).toEqual({ code: 'internal_error', message: 'NERM look-up stopped: unexpected Error.' });
  });
});
