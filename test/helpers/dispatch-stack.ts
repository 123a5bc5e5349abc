import { expect } from 'vitest';
import type { Clock } from '../../functions/core/ports.js';
import { IngestAnswer } from '../../functions/http/responses.js';
import { productionTarget, slackMapping, startTestStack, webhookHeaders, type TestStack } from './stack.js';

/**
 * The dispatcher suites' fixture on a controllable clock: target "prod" (trigger credentials only, so identities
 * are not resolved) with the Slack-production mapping, and target "prod-api" (also an API client, so a low match
 * share holds a batch) with Teams-production; both without cooldown. `more` adds mappings (key → body).
 */
export async function startDispatchStack(clock: Clock, more: Record<string, unknown> = {}): Promise<TestStack> {
  const stack = await startTestStack({ clock });
  await stack.call('PUT', '/admin/targets/prod', { body: productionTarget });
  await stack.call('PUT', '/admin/targets/prod/credentials/trigger', { body: { clientId: 'trigger', clientSecret: 'trigger-secret-xyz' } });
  await stack.call('PUT', '/admin/mappings/slack-production', { body: slackMapping({ policy: { maxDaysActive: 0, cooldownDays: 0 } }) });
  await stack.call('PUT', '/admin/targets/prod-api', { body: { ...productionTarget, tenant: 'acme-api', triggerUrl: 'https://acme-api.api.identitynow.com/beta/workflows/execute/external/wf-1' } });
  await stack.call('PUT', '/admin/targets/prod-api/credentials/trigger', { body: { clientId: 'trigger', clientSecret: 'trigger-secret-xyz' } });
  await stack.call('PUT', '/admin/targets/prod-api/credentials/api', { body: { clientId: 'api', clientSecret: 'api-secret-xyz' } });
  const mappings = { 'teams-production': slackMapping({ application: 'Teams', instance: 'Teams-production', targetId: 'prod-api', policy: { maxDaysActive: 0, cooldownDays: 0 } }), ...more };
  for (const [key, body] of Object.entries(mappings)) await stack.call('PUT', `/admin/mappings/${key}?skipSourceCheck=true`, { body });
  return stack;
}

/** Posts a report of inactive users (Days Active 0) for one instance and answers its delivery id. */
export function reportPoster(stack: () => TestStack, prefix: string): (emails: string[], instance?: string) => Promise<string> {
  let counter = 0;
  return async (emails, instance = 'Slack-production') => {
    const rows = emails.map((Email) => ({ Email, 'Days Active': 0, Instance: instance }));
    const response = await stack().call('POST', '/webhooks/saas-management', { body: rows, headers: webhookHeaders({ 'idempotency-key': `${prefix}-${++counter}` }) });
    expect(response.status).toBe(202);
    return response.read(IngestAnswer).deliveryId;
  };
}

/** A clock the test moves by hand: `clock.now()` for the stack, `advance(ms)` to let time pass. */
export function movableClock(startIso: string): { clock: Clock; advance: (ms: number) => void } {
  let now = new Date(startIso);
  return {
    clock: { now: () => now },
    advance: (ms) => {
      now = new Date(now.getTime() + ms);
    },
  };
}
