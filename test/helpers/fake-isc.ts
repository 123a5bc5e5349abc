import { afterAll, beforeAll } from 'vitest';
import type { Target } from '../../functions/core/target.js';
import { batchInput, WorkflowInputSchema, type WorkflowInput } from '../../functions/core/workflow-input.js';
import { startIscSimulator, type IscSimulator, type IscSimulatorOptions, type RecordedExecution, type SimulatedIdentity } from '../../functions/local/isc-simulator.js';
import { readAs } from './answer.js';

/** Seeded credentials: the workflow's External Trigger client and the API client used for lookups. */
export const TRIGGER_CLIENT = { clientId: 'trigger-client', clientSecret: 'trigger-secret-Zq7' };
export const API_CLIENT = { clientId: 'api-client', clientSecret: 'api-secret-K4p' };
export const WORKFLOW_ID = '6b9c1f2e-0d4a-4c5e-9a7b-2f1e3d4c5b6a';

/** The manager of the seeded identities: a MANAGER batch of them becomes one campaign. */
export const SEEDED_MANAGER = { id: '2c9180835d2e5168015d32f890ca1500', name: 'Maria Manager' };

/** `count` identities user0@example.com … with ids id-0 …, all managed by SEEDED_MANAGER. */
export function seedIdentities(count: number, domain = 'example.com'): SimulatedIdentity[] {
  return Array.from({ length: count }, (_, i) => ({ id: `id-${i}`, name: `User ${i}`, email: `user${i}@${domain}`, manager: SEEDED_MANAGER }));
}

export const DEFAULT_IDENTITIES: SimulatedIdentity[] = [
  { id: '2c9180835d2e5168015d32f890ca1581', name: 'Alice Anders', email: 'alice@example.com', manager: SEEDED_MANAGER },
  { id: '2c9180835d2e5168015d32f890ca1582', name: 'Bob Brown', email: 'Bob.Brown@Example.com', manager: SEEDED_MANAGER },
  { id: '2c9180835d2e5168015d32f890ca1583', name: 'Carol Chen', email: 'carol@example.com', manager: SEEDED_MANAGER },
];

export function startFakeIsc(options: IscSimulatorOptions = {}): Promise<IscSimulator> {
  return startIscSimulator({
    port: 0,
    tenantName: 'acme-sim',
    clients: [TRIGGER_CLIENT, API_CLIENT],
    identities: DEFAULT_IDENTITIES,
    sources: [{ id: '2c91808a7813090a017814121e121518', name: 'Slack', type: 'SaaS' }],
    ...options,
  });
}

/** A Target pointing at a running simulator. */
export function simulatorTarget(url: string, overrides: Partial<Target> = {}): Target {
  return {
    id: 'sim',
    environment: 'production',
    tenant: 'acme-sim',
    triggerUrl: `${url}/v3/workflows/execute/external/${WORKFLOW_ID}`,
    tokenUrl: `${url}/oauth/token`,
    apiBaseUrl: url,
    credentials: {},
    version: 1,
    updatedAt: '2025-01-01T00:00:00.000Z',
    updatedBy: 'test',
    ...overrides,
  };
}

/**
 * Starts a simulator for the enclosing describe/file and closes it afterwards. Read `fake.isc` / `fake.target`
 * inside tests (they are set in beforeAll).
 */
export function useFakeIsc(options: IscSimulatorOptions = {}): { isc: IscSimulator; target: Target } {
  const fake = {} as { isc: IscSimulator; target: Target };
  beforeAll(async () => {
    fake.isc = await startFakeIsc(options);
    fake.target = simulatorTarget(fake.isc.url);
  });
  afterAll(async () => {
    await fake.isc?.close();
  });
  return fake;
}

/** The input a recorded workflow execution received, checked against the pipeline's workflow input schema. */
export function executionInput(execution: RecordedExecution): WorkflowInput {
  return readAs(WorkflowInputSchema, execution.input);
}

/** A small valid workflow input
 for batch `index` of a delivery. */
export function workflowInput(deliveryId: string, index: number): WorkflowInput {
  const envelope = {
    deliveryId,
    instance: { application: 'Slack', name: 'Slack-production', environment: 'production' as const },
    source: { id: '2c91808a7813090a017814121e121518', name: 'Slack' },
    period: { start: '2025-01-01', end: '2025-01-31' },
    policy: { maxDaysActive: 0 },
    campaign: { name: 'Slack inactive users', description: 'Review unused access', deadline: '2025-02-28T00:00:00Z', duration: '14d', reviewer: { type: 'MANAGER' as const } },
  };
  const users = [{ identityId: 'id-1', email: 'user1@example.com', daysActive: 0 }];
  return { ...batchInput(envelope, { index, count: 20 }, users), identityIds: ['id-1'], unmatchedCount: 0 };
}
