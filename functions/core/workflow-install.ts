import * as z from 'zod/mini';
import { CredentialsSchema } from './target.js';
import type { WorkflowDefinition } from './workflow-verify.js';
import { batchInput, type WorkflowInput } from './workflow-input.js';

/**
 * `workflow install` and `workflow test`: the importable workflow made ready for one tenant (the placeholders the
 * manual setup has admins replace by hand), the synthetic input a test run gets, and what an execution's history
 * says about why it failed.
 */

export const WorkflowInstallSchema = z.strictObject({
  /** Receives the workflow's failure emails (%%OWNER_EMAIL%%). */
  ownerEmail: z.email(),
  /** The identity that owns the workflow in ISC; ISC's default when omitted is the caller. */
  ownerId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  /** The client the workflow's own HTTP steps use (replay check, source owner); ISC stores its secret encrypted. */
  httpClient: CredentialsSchema,
  /** Enable the workflow so its External Trigger runs it. Default false: test first, then install again with enable. */
  enable: z.optional(z.boolean()),
});
export type WorkflowInstall = z.infer<typeof WorkflowInstallSchema>;

export const WorkflowTestSchema = z.strictObject({
  /** One or two identities the test campaign certifies (a real campaign is created: pick test identities). */
  identityIds: z.array(z.string().check(z.minLength(1), z.maxLength(128))).check(z.minLength(1), z.maxLength(2)),
  /** The individual reviewer of the test campaign. */
  reviewerId: z.string().check(z.minLength(1), z.maxLength(128)),
});
export type WorkflowTest = z.infer<typeof WorkflowTestSchema>;

/** The body of POST /v3/workflows (createWorkflow) and PUT /v3/workflows/{id} (putWorkflow). */
export interface WorkflowRequest {
  name: string;
  description: string;
  owner?: { type: 'IDENTITY'; id: string };
  definition: WorkflowDefinition['definition'] & { start?: string };
  enabled: boolean;
  /** An External Trigger's attributes (v3 ExternalAttributes); ISC adds the clientId and url. */
  trigger: { type: 'EXTERNAL'; attributes: { name?: string; description?: string } };
}

export interface WorkflowFile extends WorkflowDefinition {
  name: string;
  description: string;
  trigger: { type: string; attributes?: { name?: string; description?: string } };
}

/** The workflow file with its placeholders filled for one tenant; the HTTP steps get the client secret too. */
export function installableWorkflow(file: WorkflowFile, apiUrl: string, install: WorkflowInstall): WorkflowRequest {
  const values: Record<string, string> = { '%%API_URL%%': apiUrl.replace(/\/+$/, ''), '%%WORKFLOW_CLIENT_ID%%': install.httpClient.clientId, '%%OWNER_EMAIL%%': install.ownerEmail };
  const fill = (value: unknown, key?: string): unknown => {
    if (typeof value === 'string') return value.replace(/%%[A-Z_]+%%/g, (placeholder) => values[placeholder] ?? placeholder);
    if (key === 'oAuthClientSecret') return install.httpClient.clientSecret;
    if (Array.isArray(value)) return value.map((item) => fill(item));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, k)]));
    return value;
  };
  return {
    name: file.name,
    description: file.description,
    ...(install.ownerId ? { owner: { type: 'IDENTITY' as const, id: install.ownerId } } : {}),
    definition: fill(file.definition) as WorkflowRequest['definition'],
    enabled: install.enable === true,
    trigger: { type: 'EXTERNAL', attributes: file.trigger.attributes ?? {} },
  };
}

/** The workflow id in an External Trigger URL (…/workflows/execute/external/{id}). */
export function workflowIdOf(triggerUrl: string | undefined): string | undefined {
  const match = triggerUrl ? /\/workflows\/execute\/external\/([^/?#]+)\/?$/.exec(triggerUrl) : null;
  return match ? decodeURIComponent(match[1]!) : undefined;
}

/**
 * The trigger URL to store: ISC has issued it under /beta, where the External Trigger path is deprecated; the same
 * operation (createExternalExecuteWorkflow) is documented under /v3, so that is where the pipeline calls it.
 */
export function currentTriggerUrl(url: string): string {
  return url.replace(/\/beta(\/workflows\/execute\/external\/)/, '/v3$1');
}

/** A test input: one batch, the named identities, an individual reviewer, a name no real delivery uses. */
export function testInput(test: WorkflowTest, environment: WorkflowInput['instance']['environment'], now: Date, duration = '7d'): WorkflowInput {
  const stamp = now.toISOString();
  const deadline = new Date(now.getTime() + Number(duration.slice(0, -1)) * 86_400_000).toISOString();
  const input = batchInput(
    {
      deliveryId: `workflow-test-${stamp}`,
      instance: { application: 'usage-cert workflow test', name: 'workflow-test', environment },
      source: { id: 'workflow-test' },
      period: { start: null, end: stamp },
      policy: { maxDaysActive: 0 },
      campaign: { name: `usage-cert workflow test ${stamp}`, description: 'A test campaign from usage-cert workflow test; delete it after checking.', deadline, duration, reviewer: { type: 'IDENTITY', id: test.reviewerId } },
    },
    { index: 1, count: 1 },
    test.identityIds.map((identityId) => ({ identityId, email: `${identityId}@workflow-test.invalid` })),
  );
  return { ...input, identityIds: test.identityIds, unmatchedCount: 0 };
}

/** A v3/v2025 WorkflowExecutionEvent: type, timestamp and free-form attributes. */
export interface ExecutionEvent {
  type: string;
  timestamp?: string;
  attributes: Record<string, unknown>;
}

/** What ISC's execution history says went wrong: each failed event's step and error, in order. */
export function executionFailures(history: readonly ExecutionEvent[]): string[] {
  return history.flatMap(({ type, attributes }) => {
    if (!type.endsWith('Failed')) return [];
    const text = (name: string) => (typeof attributes[name] === 'string' && attributes[name] ? attributes[name] : undefined);
    const step = text('displayName') ?? text('stepName');
    const reason = text('error') ?? text('failureReason') ?? text('reason') ?? text('message');
    return reason || step ? [`${step ? `${step}: ` : ''}${reason ?? type}`] : [];
  });
}

