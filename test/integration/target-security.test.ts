/**
 * Target URLs and credentials (issue 15, item 1; issue 19, item 6): a target's URLs receive its client
 * secrets and bearer tokens, so they are pinned to ISC hosts, moving them clears the credentials, and a
 * credentials write takes effect at the next call. Real HTTP: local stack on dynalite, the ISC simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpIscClient } from '../../functions/adapters/isc-client.js';
import { FileSecretStore } from '../../functions/adapters/file-secret-store.js';
import { documentClient } from '../../functions/adapters/dynamodb-table.js';
import type { IscSimulator } from '../../functions/local/isc-simulator.js';
import { DeliverySchema, IngestAnswer, Paged, ReplayAnswer, TargetView } from '../../functions/http/responses.js';
import { TRIGGER_CLIENT, WORKFLOW_ID, startFakeIsc } from '../helpers/fake-isc.js';

import { productionTarget, slackMapping, startMappedStack, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

let isc: IscSimulator;
let stack: TestStack;

const simTarget = () => ({
  environment: 'production',
  tenant: 'acme-sim',
  triggerUrl: `${isc.url}/beta/workflows/execute/external/${WORKFLOW_ID}`,
  tokenUrl: `${isc.url}/oauth/token`,
  apiBaseUrl: isc.url,
});

beforeAll(async () => {
  isc = await startFakeIsc({ tokenTtlSeconds: 3600 });
  stack = await startTestStack({ isc: new HttpIscClient({ timeoutMs: 2000 }), env: { ISC_ALLOWED_HOSTS: 'iam.acme.com' } });
});
afterAll(async () => {
  await stack.close();
  await isc.close();
});

describe('Route: PUT /admin/targets/{id} (ISC hosts)', () => {
  it.each([
    ['tokenUrl', 'https://169.254.169.254/latest/meta-data/iam/security-credentials/'],
    ['tokenUrl', 'http://169.254.169.254/latest/meta-data/'],
    ['apiBaseUrl', 'http://127.evil.example/'],
    ['triggerUrl', 'https://listener.evil.example/collect'],
    ['apiBaseUrl', 'https://other-tenant.api.identitynow.com'],
  ])('refuses %s %s with a 422 naming the field', async (field, url) => {
    const response = await stack.call('PUT', '/admin/targets/evil', { body: { ...productionTarget, tokenUrl: 'https://acme.api.identitynow.com/oauth/token', apiBaseUrl: 'https://acme.api.identitynow.com', [field]: url } });
    expect(response.status).toBe(422);
    expect(response.error()).toMatchObject({ code: 'isc_host_not_allowed', details: { field } });
    expect((await stack.call('GET', '/admin/targets/evil')).status).toBe(404);
  });

  it('accepts the tenant’s own ISC hosts, an allow-listed vanity host and loopback http on the local stack', async () => {
    const vanity = { environment: 'production', tenant: 'iam.acme.com', triggerUrl: 'https://iam.acme.com/beta/workflows/execute/external/x', tokenUrl: 'https://iam.acme.com/oauth/token', apiBaseUrl: 'https://iam.acme.com' };
    for (const [id, body] of [['ok-default', productionTarget], ['ok-vanity', vanity], ['ok-loopback', simTarget()]] as const) {
      expect((await stack.call('PUT', `/admin/targets/${id}`, { body })).status).toBe(201);
    }
  });
});

describe('Route: PUT /admin/targets/{id} (credentials follow the URLs)', () => {
  it('clears stored credentials, deletes the secrets and writes an audit entry when a URL changes', async () => {
    await stack.call('PUT', '/admin/targets/moving', { body: simTarget() });
    await stack.call('PUT', '/admin/targets/moving/credentials/trigger', { body: TRIGGER_CLIENT });
    const secrets = new FileSecretStore(`${stack.dir}/secrets.json`);
    await expect(secrets.getCredentials('targets/moving/trigger')).resolves.toEqual(TRIGGER_CLIENT);

    const moved = await stack.call('PUT', '/admin/targets/moving', { body: { ...simTarget(), tokenUrl: `${isc.url}/oauth/token?moved=1` } });

    expect(moved.status).toBe(200);
    expect(moved.read(TargetView).credentials.trigger).toEqual({ set: false });
    await expect(secrets.getCredentials('targets/moving/trigger')).rejects.toThrow();
    const [entry] = await stack.store.listAudit('target', 'moving', 1);
    expect(entry).toMatchObject({ action: 'update', note: expect.stringContaining('trigger credentials cleared') as unknown });
    // The check has no secret left to send to the new URL.
    const tokensBefore = isc.state.count('token');
    await stack.call('POST', '/admin/targets/moving/check');
    expect(isc.state.count('token')).toBe(tokensBefore);
  });

  it('keeps credentials when only the description changes', async () => {
    await stack.call('PUT', '/admin/targets/steady', { body: simTarget() });
    await stack.call('PUT', '/admin/targets/steady/credentials/trigger', { body: TRIGGER_CLIENT });
    const updated = await stack.call('PUT', '/admin/targets/steady', { body: { ...simTarget(), description: 'renamed' } });
    expect(updated.read(TargetView).credentials.trigger).toMatchObject({ set: true });
  });

  it('deletes a deleted target’s secrets', async () => {
    await stack.call('PUT', '/admin/targets/gone', { body: simTarget() });
    await stack.call('PUT', '/admin/targets/gone/credentials/trigger', { body: TRIGGER_CLIENT });
    expect((await stack.call('DELETE', '/admin/targets/gone')).status).toBe(200);
    await expect(new FileSecretStore(`${stack.dir}/secrets.json`).getCredentials('targets/gone/trigger')).rejects.toThrow();
  });
});

describe('Credential writes take effect at once', () => {
  const mapTo = async (targetId: string, instance: string) =>
    stack.call('PUT', `/admin/mappings/${instance.toLowerCase()}?skipSourceCheck=true`, { body: slackMapping({ instance, targetId, policy: { maxDaysActive: 0, cooldownDays: 0 } }) });
  const postFor = async (instance: string, key: string) => {
    const response = await stack.call('POST', '/webhooks/saas-management', { body: [{ Email: `${key}@example.com`, 'Days Active': 0, Instance: instance }], headers: webhookHeaders({ 'idempotency-key': key }) });
    expect(response.status).toBe(202);
    return response.read(IngestAnswer).deliveryId;
  };
  const firstBatch = async (id: string) => (await stack.store.deliveryBatches((await stack.store.getDelivery(id))!))[0]!;

  it('never lends one target\'s cached token to another target with the same token URL and client id but a wrong secret', async () => {
    for (const [id, secret] of [['twin-a', TRIGGER_CLIENT.clientSecret], ['twin-b', 'not-the-secret']] as const) {
      await stack.call('PUT', `/admin/targets/${id}`, { body: simTarget() });
      await stack.call('PUT', `/admin/targets/${id}/credentials/trigger`, { body: { ...TRIGGER_CLIENT, clientSecret: secret } });
      await mapTo(id, `Twin-${id}`);
    }
    const a = await postFor('Twin-twin-a', 'twin-a-1');
    await stack.poller.runOnce();
    expect((await firstBatch(a)).status).toBe('DISPATCHED');
    const b = await postFor('Twin-twin-b', 'twin-b-1');
    await stack.poller.runOnce();
    expect(await firstBatch(b)).toMatchObject({ status: 'FAILED', lastError: { code: 'isc_credentials_rejected' } });
  });

  it('the next dispatch after a credentials rewrite mints a token with the new secret instead of reusing the cached one', async () => {
    await stack.call('PUT', '/admin/targets/rotating', { body: simTarget() });
    await stack.call('PUT', '/admin/targets/rotating/credentials/trigger', { body: TRIGGER_CLIENT });
    await mapTo('rotating', 'Rotating-production');

    const first = await postFor('Rotating-production', 'rotate-1');
    await stack.poller.runOnce();
    expect((await firstBatch(first)).status).toBe('DISPATCHED');

    await stack.call('PUT', '/admin/targets/rotating/credentials/trigger', { body: { ...TRIGGER_CLIENT, clientSecret: 'wrong-secret' } });
    const second = await postFor('Rotating-production', 'rotate-2');
    await stack.poller.runOnce();

    expect(await firstBatch(second)).toMatchObject({ status: 'FAILED', lastError: { code: 'isc_credentials_rejected' } });
  });
});

describe('Audit trail (its own append-only table)', () => {
  it('records deleting a report profile and replaying a delivery; nothing lands in the main table', async () => {
    await stack.call('PUT', '/admin/report-profiles/short-lived', { body: { rowPath: 'items', columns: { email: 'Mail', daysActive: 'Days' } } });
    expect((await stack.call('DELETE', '/admin/report-profiles/short-lived')).status).toBe(200);
    const [deleted] = await stack.store.listAudit('report-profile', 'short-lived', 1);
    expect(deleted).toMatchObject({ action: 'delete', actor: expect.any(String) as unknown, before: { rowPath: 'items' } });

    const failed = (await stack.call('GET', '/admin/deliveries?status=FAILED')).read(Paged(DeliverySchema)).items[0];
    expect(failed).toBeDefined();
    expect((await stack.call('POST', `/admin/deliveries/${failed!.id}/replay`)).read(ReplayAnswer).requeued).toEqual([0]);
    const [replayed] = await stack.store.listAudit('delivery', failed!.id, 1);
    expect(replayed).toMatchObject({ action: 'replay', after: { requeued: [0], forced: false } });

    const mainTableAudit = await rawQuery('test-table', 'TARGET#moving');
    expect(mainTableAudit).toEqual([]);
    expect((await rawQuery('test-table-audit', 'TARGET#moving')).length).toBeGreaterThan(0);
  });
});

async function rawQuery(table: string, pk: string): Promise<unknown[]> {
  const { QueryCommand } = await import('@aws-sdk/lib-dynamodb');
  const client = documentClient({ endpoint: stack.dynamoEndpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const { Items } = await client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)', ExpressionAttributeValues: { ':pk': pk, ':a': 'AUDIT#' } }));
    return Items ?? [];
  } finally {
    client.destroy();
  }
}

describe('Replays after a day', () => {
  it('answers the same body again as a duplicate 25 h and 29 days later (default DEDUPE_WINDOW_HOURS: 30 days)', async () => {
    let now = new Date('2026-11-01T08:00:00Z');
    const dated = await startMappedStack({ clock: { now: () => now } });
    try {
      const body = [{ Email: 'replayed@example.com', 'Days Active': 0, Instance: 'Slack-production' }];
      const first = await dated.call('POST', '/webhooks/saas-management', { body, headers: webhookHeaders() });
      expect(first.status).toBe(202);
      for (const laterMs of [25 * 3_600_000, 29 * 86_400_000]) {
        now = new Date(Date.parse('2026-11-01T08:00:00Z') + laterMs);
        const again = await dated.call('POST', '/webhooks/saas-management', { body, headers: webhookHeaders() });
        expect(again.status).toBe(200);
        expect(again.body).toMatchObject({ duplicate: true, deliveryId: first.read(IngestAnswer).deliveryId });
      }
    } finally {
      await dated.close();
    }
  });
});
