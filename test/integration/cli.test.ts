/** The admin CLI as an admin runs it: a real process against the local stack's admin API. */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestAnswer, MappingValidation, MappingView, Paged } from '../../functions/http/responses.js';
import { ADMIN_TOKEN, productionTarget, startTestStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

const run = promisify(execFile);
const MIXED = new URL('../fixtures/mappings-mixed.csv', import.meta.url).pathname;
let stack: TestStack;

async function cli(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = run(process.execPath, ['bin/usage-cert.mjs', ...args], { env: { ...process.env, ADMIN_URL: stack.url, ADMIN_TOKEN }, timeout: 60_000 });
  if (stdin !== undefined) {
    child.child.stdin!.end(stdin);
  } else child.child.stdin!.end();
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  stack = await startTestStack();
  await stack.call('PUT', '/admin/targets/prod', { body: productionTarget });
});
afterAll(() => stack.close());

describe('CLI: usage-cert mappings import', () => {
  it('lists every bad row with its line and applies nothing when any row is bad', async () => {
    const result = await cli(['mappings', 'import', MIXED]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('line 3: policy.maxDaysActive:');
    expect(result.stderr).toContain('line 4: environment: Invalid option: expected one of "production"|"staging"');
    expect(result.stderr).toContain('nothing applied');
    expect((await stack.call('GET', '/admin/mappings')).read(Paged(MappingView)).items).toEqual([]);
  });

  it('prints a plan on --dry-run and applies the valid rows with --skip-invalid', async () => {
    const dry = await cli(['mappings', 'import', MIXED, '--skip-invalid', '--dry-run']);
    expect(dry.stdout).toMatch(/slack-production\s+create/);
    expect(dry.stdout).toContain('dry run: 2 change(s), nothing applied');
    expect((await stack.call('GET', '/admin/mappings')).read(Paged(MappingView)).items).toEqual([]);

    const applied = await cli(['mappings', 'import', MIXED, '--skip-invalid']);
    expect(applied.stdout).toContain('applied 2, unchanged 0, failed 0, skipped invalid 2');
    const slack = await stack.call('GET', '/admin/mappings/slack-production');
    expect(slack.body).toMatchObject({ environment: 'production', source: { id: 'src-1', name: 'Slack' }, policy: { maxDaysActive: 0, exclude: { domains: ['contractors.example.com'] } } });

    const again = await cli(['mappings', 'import', MIXED, '--skip-invalid']);
    expect(again.stdout).toContain('applied 0, unchanged 2');
  });

  it('round-trips an export through import', async () => {
    const exported = await cli(['mappings', 'export']);
    const file = join(stack.dir, 'export.json');
    await writeFile(file, exported.stdout);
    const result = await cli(['mappings', 'import', file, '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('dry run: 0 change(s)');
  });
});

describe('CLI: usage-cert mappings import is all-or-nothing on the server rules too', () => {
  const SERVER_REFUSED = [
    'Application,Instance,Environment,Target ID,Source ID,Max Days Active',
    'Asana,Asana-production,production,prod,src-a,0',
    'Jira,Jira-staging,staging,prod,src-j,0',
    'Miro,Miro-production,production,nowhere,src-m,0',
  ].join('\n');

  it('dry run checks every row on the server and prints a result per row; the import applies nothing while a row is refused', async () => {
    const file = join(stack.dir, 'server-refused.csv');
    await writeFile(file, SERVER_REFUSED);
    const dry = await cli(['mappings', 'import', file, '--dry-run']);
    expect(dry.code).toBe(2);
    expect(dry.stdout).toMatch(/2\s+asana-production\s+create/);
    expect(dry.stdout).toMatch(/3\s+jira-staging\s+INVALID/);
    expect(dry.stdout).toMatch(/4\s+miro-production\s+INVALID/);
    expect(dry.stderr).toContain('line 3: environment_mismatch: Environment mismatch');
    expect(dry.stderr).toContain('line 4: targetId: targetId "nowhere" does not exist');

    const refused = await cli(['mappings', 'import', file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('nothing applied');
    expect((await stack.call('GET', '/admin/mappings/asana-production')).status).toBe(404);

    const skipping = await cli(['mappings', 'import', file, '--skip-invalid']);
    expect(skipping.code).toBe(0);
    expect(skipping.stdout).toContain('applied 1, unchanged 0, failed 0, skipped invalid 2');
    expect((await stack.call('GET', '/admin/mappings/asana-production')).status).toBe(200);
    expect((await stack.call('GET', '/admin/mappings/jira-staging')).status).toBe(404);
  });

  it('POST /admin/mappings/validate answers one result per row and saves nothing', async () => {
    const good = { application: 'Figma', instance: 'Figma-production', environment: 'production', targetId: 'prod', source: { id: 's' }, policy: { maxDaysActive: 0 } };
    const response = await stack.call('POST', '/admin/mappings/validate', { body: { items: [good, { ...good, policy: { maxDaysActive: 'zero' } }, { ...good, environment: 'staging' }] } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ valid: 1, invalid: 2 });
    expect(response.read(MappingValidation).results[0]).toMatchObject({ index: 0, ok: true, instanceKey: 'figma-production' });
    expect(response.read(MappingValidation).results[1]).toMatchObject({ index: 1, ok: false, error: { code: 'validation_failed', details: [{ field: 'policy.maxDaysActive' }] } });
    expect(response.read(MappingValidation).results[2]).toMatchObject({ index: 2, ok: false, error: { code: 'environment_mismatch' } });
    expect((await stack.call('GET', '/admin/mappings/figma-production')).status).toBe(404);
    expect((await stack.call('POST', '/admin/mappings/validate', { body: { items: [] } })).status).toBe(422);
  });
});

describe('CLI: usage-cert targets', () => {
  it('reads the client secret from stdin, never from arguments, and never prints it', async () => {
    const result = await cli(['targets', 'set-credentials', 'prod', '--kind', 'trigger', '--client-id', 'cid-1'], 'cli-secret-value-9\n');
    expect(result.stdout).toContain('stored trigger credentials for target prod (client cid-1)');
    expect(result.stdout + result.stderr).not.toContain('cli-secret-value-9');
    expect(await stack.secrets.getCredentials('targets/prod/trigger')).toEqual({ clientId: 'cid-1', clientSecret: 'cli-secret-value-9' });
    const list = await cli(['targets', 'list']);
    expect(list.stdout).toMatch(/prod\s+production\s+acme\s+set/);
  });

  it('shows the API error in words for a bad request', async () => {
    const result = await cli(['targets', 'set-credentials', 'missing', '--kind', 'api', '--client-id', 'x'], 's\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: Target "missing" does not exist. (HTTP 404, not_found)');
  });
});

describe('CLI: usage-cert deliveries', () => {
  async function pendingDelivery(key: string): Promise<string> {
    await stack.call('PUT', '/admin/mappings/teams-production', { body: { application: 'Teams', instance: 'Teams-production', environment: 'production', targetId: 'prod', source: { id: 's' }, policy: { maxDaysActive: 0, cooldownDays: 0 }, enabled: true } });
    const rows = [{ Email: 'cli@example.com', 'Days Active': 0, Instance: 'Teams-production' }];
    const response = await stack.call('POST', '/webhooks/saas-management', { body: rows, headers: webhookHeaders({ 'idempotency-key': key }) });
    return response.read(IngestAnswer).deliveryId;
  }

  it('redrive re-drives PENDING batches and says what it did; replay names --force, not the API parameter', async () => {
    const id = await pendingDelivery('cli-redrive');
    const redrive = await cli(['deliveries', 'redrive', '--older-than', '0']);
    expect(redrive.code).toBe(0);
    expect(redrive.stdout).toMatch(new RegExp(`${id}\\s+0\\s+teams-production`));
    expect(redrive.stdout).toMatch(/re-drove [1-9]\d* batch\(es\)\. The dispatch DLQ/);

    const replay = await cli(['deliveries', 'replay', id]);
    expect(replay.stdout).toContain('left #0 (PENDING)');
    expect(replay.stdout).toContain('add --force');
    expect(replay.stdout).not.toContain('force=true');
    const forced = await cli(['deliveries', 'replay', id, '--force']);
    expect(forced.stdout).toContain('re-queued 0 batch(es); re-drove 1 PENDING batch(es)');
  });

  it('list takes a plain date and the SUSPECT_MAPPING alias, and exits quietly when the reader closes the pipe', async () => {
    const id = await pendingDelivery('cli-list');
    const byDate = await cli(['deliveries', 'list', '--since', new Date().toISOString().slice(0, 10), '--status', 'PENDING']);
    expect(byDate.code).toBe(0);
    expect(byDate.stdout).toContain(id);
    expect((await cli(['deliveries', 'list', '--status', 'SUSPECT_MAPPING'])).code).toBe(0);

    // `… | head`: the reader may close the pipe before the CLI writes (`true` never reads); no stack trace, exit 0.
    const piped = await run('bash', ['-o', 'pipefail', '-c', `node bin/usage-cert.mjs deliveries show ${id} | true`], { env: { ...process.env, ADMIN_URL: stack.url, ADMIN_TOKEN }, timeout: 60_000 });
    expect(piped.stderr).toBe('');
  });

  it('finds the local stack on PORT when ADMIN_URL is unset', async () => {
    const port = new URL(stack.url).port;
    const { ADMIN_URL: _unset, ...env } = process.env;
    const { stdout } = await run(process.execPath, ['bin/usage-cert.mjs', 'targets', 'list'], { env: { ...env, PORT: port, ADMIN_TOKEN }, timeout: 60_000 });
    expect(stdout).toMatch(/prod\s+production\s+acme/);
  });
});
