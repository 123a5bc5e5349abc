#!/usr/bin/env -S npx tsx
/** usage-cert: the admin CLI over the admin API (locally or through an API URL). `usage-cert --help`. */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { Command, Option } from 'commander';
import * as z from 'zod/mini';
import { AdminClient, CliError } from '../functions/cli/admin-client.js';
import { readMappingRows } from '../functions/cli/mapping-rows.js';
import { vocabularyFromEnv } from '../functions/adapters/config.js';
import { applyImport, planImport, validateImport } from '../functions/cli/mapping-import.js';
import { printJson, table } from '../functions/cli/output.js';
import { readSecret } from '../functions/cli/read-secret.js';
import { apiGatewayRegion, sigV4Signer } from '../functions/cli/sigv4.js';
import { AuditList, CheckAnswer, DeliverySchema, MappingSchema, MappingView, MatchTestResult, Paged, PreviewAnswer, RedriveAnswer, ReplayAnswer, TargetList, TargetView, WorkflowInstallAnswer, WorkflowTestAnswer, WorkflowVerifyAnswer } from '../functions/http/responses.js';

const program = new Command('usage-cert')
  .description('Administer the SaaS usage → ISC certification pipeline: targets (ISC tenants), mappings (app instance → source), deliveries.')
  .option('--url <url>', 'admin API base URL (env ADMIN_URL; else the local stack on env PORT, default 3000)', process.env.ADMIN_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`)
  .option('--token-file <path>', 'file holding the admin token (default: env ADMIN_TOKEN, else DATA_DIR/local-credentials.json of the local stack)')
  .option('--sigv4', 'sign requests with your AWS credentials (automatic for an execute-api URL)')
  .showHelpAfterError('(run with --help for usage)');

async function client(): Promise<AdminClient> {
  const { url, tokenFile, sigv4 } = program.opts<{ url: string; tokenFile?: string; sigv4?: boolean }>();
  const region = apiGatewayRegion(url) ?? (sigv4 ? process.env.AWS_REGION : undefined);
  if (sigv4 && !region) throw new CliError('--sigv4 needs an execute-api URL or AWS_REGION.');
  return new AdminClient(url, region ? { sign: sigV4Signer(region) } : { token: await adminToken(tokenFile) });
}

/** The token comes from a file or the environment, never from argv (process lists and history show argv). */
async function adminToken(tokenFile?: string): Promise<string> {
  if (tokenFile) return (await readFile(tokenFile, 'utf8')).trim();
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
  const local = join(process.env.DATA_DIR ?? '.data', 'local-credentials.json');
  try {
    return (JSON.parse(await readFile(local, 'utf8')) as { adminToken: string }).adminToken;
  } catch {
    throw new CliError(`No admin token: set ADMIN_TOKEN, pass --token-file, or run next to a local stack (${local} not found).`);
  }
}

async function readJsonFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CliError(`Cannot read JSON from ${path}: ${(error as Error).message}`);
  }
}

/** Export keeps every field the API gives, so the pages are read as loose items. */
const MappingPage = Paged(z.record(z.string(), z.unknown()));

async function allMappings(api: AdminClient): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let cursor: string | null = null;
  do {
    const { body }: { body: z.output<typeof MappingPage> } = await api.read(MappingPage, 'GET', `/admin/mappings?limit=250${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...body.items);
    cursor = body.next;
  } while (cursor);
  return items;
}

const path = (...parts: string[]) => parts.map(encodeURIComponent).join('/');

// ---- targets -----------------------------------------------------------------------------------
const targets = program.command('targets').description('ISC tenants and their workflow External Triggers');
targets.command('list').description('list targets').action(async () => {
  const { body } = await (await client()).read(TargetList, 'GET', '/admin/targets');
  console.log(table(body.items.map((t) => ({ ...t, trigger: t.credentials.trigger.set ? 'set' : 'MISSING', api: t.credentials.api.set ? 'set' : '-' })), ['id', 'environment', 'tenant', 'trigger', 'api', 'triggerUrl']));
});
targets.command('get <id>').description('show one target').action(async (id: string) => printJson((await (await client()).call('GET', `/admin/targets/${path(id)}`)).body));
targets
  .command('put <id>')
  .description('create or update a target from a JSON file: {"environment","tenant","triggerUrl"?,"tokenUrl"?,"apiBaseUrl"?,"mode"?} (a workflow target without triggerUrl gets it from `workflow install`)')
  .requiredOption('-f, --file <target.json>', 'the target body')
  .action(async (id: string, options: { file: string }) => {
    const api = await client();
    const current = await api.call('GET', `/admin/targets/${path(id)}`, { expect: [200, 404] });
    const headers = current.status === 200 && current.etag ? { 'if-match': current.etag } : undefined;
    const { status, body } = await api.read(TargetView, 'PUT', `/admin/targets/${path(id)}`, { json: await readJsonFile(options.file), headers });
    console.log(`${status === 201 ? 'created' : 'updated'} target ${body.id} (version ${body.version})`);
  });
targets.command('delete <id>').description('delete a target no mapping uses').action(async (id: string) => {
  await (await client()).call('DELETE', `/admin/targets/${path(id)}`);
  console.log(`deleted target ${id}`);
});
targets
  .command('check <id>')
  .description('connection check: tenant, trigger token and echo, API token and scopes, source access; what to fix, in order')
  .action(async (id: string) => {
    const { body } = await (await client()).read(CheckAnswer, 'POST', `/admin/targets/${path(id)}/check`);
    for (const step of body.steps) console.log(`${step.ok ? 'ok  ' : 'FAIL'}  ${step.step.padEnd(18)} ${step.detail}`);
    if (!body.ok) {
      console.log('\nTroubleshooting, most likely first:');
      body.troubleshooting.forEach((hint, i) => console.log(`  ${i + 1}. ${hint}`));
      process.exitCode = 1;
    }
    console.log(`\n${body.advice}`);
  });
targets
  .command('set-credentials <id>')
  .description('store client credentials; the secret is read from stdin or a hidden prompt, never from arguments')
  .addOption(new Option('--kind <kind>', 'trigger = External Trigger client; api = API client / PAT for lookups').choices(['trigger', 'api']).makeOptionMandatory())
  .requiredOption('--client-id <id>', 'the client id (not secret)')
  .action(async (id: string, options: { kind: string; clientId: string }) => {
    const clientSecret = await readSecret(`client secret for ${options.clientId}: `);
    if (!clientSecret) throw new CliError('No client secret given on stdin or at the prompt.');
    await (await client()).call('PUT', `/admin/targets/${path(id, 'credentials', options.kind)}`, { json: { clientId: options.clientId, clientSecret } });
    console.log(`stored ${options.kind} credentials for target ${id} (client ${options.clientId})`);
  });

// ---- mappings ----------------------------------------------------------------------------------
const workflow = program.command('workflow').description("the importable ISC workflow (workflows/inactive-users-certification.json) on a target's tenant");
workflow
  .command('install <targetId>')
  .description("create or update the workflow in the tenant, create its External Trigger client and store the trigger URL and credentials on the target; the HTTP steps' client secret is read from stdin or a hidden prompt")
  .requiredOption('--owner-email <email>', "receives the workflow's failure emails")
  .requiredOption('--http-client-id <id>', "the client (PAT) the workflow's own HTTP steps use: replay check and source owner look-up")
  .option('--owner-id <identityId>', 'the identity that owns the workflow (default: the owner of the target API credentials)')
  .option('--enable', 'enable the workflow so its trigger runs it (run workflow test first)')
  .action(async (id: string, options: { ownerEmail: string; httpClientId: string; ownerId?: string; enable?: boolean }) => {
    const clientSecret = await readSecret(`client secret for ${options.httpClientId}: `);
    if (!clientSecret) throw new CliError('No client secret given on stdin or at the prompt.');
    const json = { ownerEmail: options.ownerEmail, httpClient: { clientId: options.httpClientId, clientSecret }, ...(options.ownerId ? { ownerId: options.ownerId } : {}), enable: options.enable === true };
    const { body } = await (await client()).read(WorkflowInstallAnswer, 'POST', `/admin/targets/${path(id, 'workflow', 'install')}`, { json });
    console.log(`${body.workflow.created ? 'created' : 'updated'} workflow ${body.workflow.id} (${body.workflow.enabled ? 'enabled' : 'disabled'}) in tenant "${body.tenant}"`);
    console.log(`stored on target ${id}: trigger URL ${body.triggerUrl} and trigger client ${body.credentials.trigger.clientId}`);
    if (body.released > 0) console.log(`${body.released} batch(es) held until the install (AWAITING_INSTALL) queued again`);
    if (!body.workflow.enabled) console.log(`\nNext: usage-cert workflow test ${id} --identity <id> --reviewer <id>, then install again with --enable.`);
  });

workflow
  .command('test <targetId>')
  .description('run the installed workflow once for one or two identities (a real campaign is created) and report the campaign or ISC\'s error; exit 1 unless the campaign was created')
  .requiredOption('--identity <identityId...>', 'one or two ISC identity ids to certify')
  .requiredOption('--reviewer <identityId>', "the test campaign's reviewer")
  .action(async (id: string, options: { identity: string[]; reviewer: string }) => {
    const { body } = await (await client()).read(WorkflowTestAnswer, 'POST', `/admin/targets/${path(id, 'workflow', 'test')}`, { json: { identityIds: options.identity, reviewerId: options.reviewer } });
    console.log(`execution ${body.executionId}: ${body.status}`);
    if (body.ok && body.campaign) console.log(`campaign created: "${body.campaign.name}" (${body.campaign.id}), ${body.campaign.status}`);
    else {
      console.log(`FAIL  no campaign "${body.campaignName}": ${body.error ?? body.status}`);
      process.exitCode = 1;
    }
  });

workflow
  .command('verify <targetId>')
  .description("compare every attribute the workflow's action steps set with the tenant's own workflow library; exit 1 on any mismatch")
  .action(async (id: string) => {
    const { body } = await (await client()).read(WorkflowVerifyAnswer, 'POST', `/admin/targets/${path(id, 'workflow', 'verify')}`);
    for (const action of body.actions) console.log(`${action.fields ? 'ok  ' : 'FAIL'}  ${action.id.padEnd(20)} ${action.fields ? `${action.fields.length} form fields in tenant "${body.tenant}"` : 'not in the tenant library'}`);
    for (const finding of body.findings) console.log(`FAIL  ${finding.message}`);
    if (body.ok) console.log('\nEvery attribute the workflow sets exists in the tenant library.');
    else process.exitCode = 1;
  });

const mappings = program.command('mappings').description('which SaaS Management app instance feeds which ISC source and workflow');
/** "production", "non-production MISMATCH:uat", "ambiguous confirmed:prod,uat": the kind, then any disagreement and its words. */
function nameSays(name: { kind: string; status: string; production: string[]; nonProduction: string[] }): string {
  const words = [...name.production, ...name.nonProduction].join(',');
  return name.status === 'consistent' ? name.kind : `${name.kind} ${name.status === 'mismatch' ? 'MISMATCH' : 'confirmed'}:${words}`;
}
mappings.command('list').description('list mappings with last report, stale flag and what the instance name says about its environment').action(async () => {
  const { items } = z.parse(z.object({ items: z.array(MappingView) }), { items: await allMappings(await client()) });
  const every = (m: z.output<typeof MappingView>) => (m.expectedInterval ? `${m.expectedInterval.days}d${m.expectedInterval.learned ? ' (learned)' : ''}` : '');
  console.log(table(items.map((m) => ({ ...m, nameSays: nameSays(m.nameEnvironment), source: m.source.name ?? m.source.id, maxDays: m.policy.maxDaysActive, expectEvery: every(m), stale: m.stale ? 'STALE' : '' })), ['instanceKey', 'application', 'environment', 'nameSays', 'targetId', 'source', 'maxDays', 'enabled', 'lastReportAt', 'expectEvery', 'stale', 'version']));
});
mappings.command('get <instanceKey>').description('show one mapping').action(async (key: string) => printJson((await (await client()).call('GET', `/admin/mappings/${path(key.trim().toLowerCase())}`)).body));
mappings
  .command('put <instanceKey>')
  .description('create or update a mapping from a JSON file (the current version is sent as If-Match)')
  .requiredOption('-f, --file <mapping.json>', 'the mapping body')
  .action(async (key: string, options: { file: string }) => {
    const api = await client();
    const target = `/admin/mappings/${path(key.trim().toLowerCase())}`;
    const current = await api.call('GET', target, { expect: [200, 404] });
    const headers = current.status === 200 ? { 'if-match': `"${z.parse(MappingView, current.body).version}"` } : undefined;
    const { status, body } = await api.read(MappingSchema, 'PUT', target, { json: await readJsonFile(options.file), headers });
    console.log(`${status === 201 ? 'created' : 'updated'} mapping ${body.instanceKey} (version ${body.version})`);
  });
mappings.command('delete <instanceKey>').description('delete a mapping').action(async (key: string) => {
  await (await client()).call('DELETE', `/admin/mappings/${path(key.trim().toLowerCase())}`);
  console.log(`deleted mapping ${key}`);
});
mappings.command('audit <instanceKey>').description('who changed a mapping, newest first').action(async (key: string) => {
  const { body } = await (await client()).read(AuditList, 'GET', `/admin/mappings/${path(key.trim().toLowerCase())}/audit`);
  const versionOf = (after: unknown) => z.safeParse(z.object({ version: z.int() }), after).data?.version ?? '-';
  console.log(table(body.items.map((a) => ({ ...a, version: versionOf(a.after) })), ['at', 'actor', 'action', 'version', 'note']));
});
mappings
  .command('match-test <instanceKey>')
  .description('look up to 50 users of the latest report in the tenant, as the hold rule does (SUCCESS: would be sent / FAILURE: would be held), and on the mapped source')
  .action(async (key: string) => {
    const { body } = await (await client()).read(MatchTestResult, 'POST', `/admin/mappings/${path(key.trim().toLowerCase())}/match-test`);
    console.log(`${body.status}: ${body.found} of ${body.checked} users (${Math.round(body.share * 100)} %) exist as identities in tenant ${body.tenant} (measure: identities, as the hold rule; held below ${Math.round(body.holdBelow * 100)} %)`);
    console.log(`${body.onSource} of them have an account on source ${body.sourceId}`);
    if (body.status !== 'SUCCESS') process.exitCode = 1;
  });
mappings
  .command('export')
  .description('write all mappings as JSON (importable with `mappings import`)')
  .action(async () => {
    printJson({ items: await allMappings(await client()) });
  });
mappings
  .command('import <file>')
  .description('create/update mappings from CSV or JSON: every row is validated first and all errors are listed with line numbers; nothing is applied while any row is bad')
  .option('--dry-run', 'check every row on the server as a real import would (target, environment, source) and print the per-row result; change nothing')
  .option('--skip-invalid', 'apply the valid rows even when others are bad')
  .action(async (file: string, options: { dryRun?: boolean; skipInvalid?: boolean }) => {
    const text = await readFile(file, 'utf8').catch((error: Error) => {
      throw new CliError(`Cannot read ${file}: ${error.message}`);
    });
    const { rows, problems: local } = readMappingRows(text, extname(file).toLowerCase() === '.json' ? 'json' : 'csv', vocabularyFromEnv(process.env));
    const api = await client();
    const plan = await planImport(api, rows);
    const problems = [...local, ...(await validateImport(api, plan))].sort((a, b) => a.line - b.line);
    const invalid = new Set(problems.map((p) => p.line));
    for (const p of problems) console.error(`line ${p.line}: ${p.field}: ${p.message}`);
    const results = [
      ...plan.map((p) => ({ line: p.row.line, instanceKey: p.row.instanceKey, result: invalid.has(p.row.line) ? 'INVALID' : p.action, targetId: p.row.input.targetId, environment: p.row.input.environment })),
      ...[...invalid].filter((line) => !plan.some((p) => p.row.line === line)).map((line) => ({ line, result: 'INVALID' })),
    ].sort((a, b) => a.line - b.line);
    console.log(table(results, ['line', 'instanceKey', 'result', 'targetId', 'environment']));
    const valid = plan.filter((p) => !invalid.has(p.row.line));
    if (invalid.size > 0 && !options.skipInvalid) {
      throw new CliError(`${problems.length} problem(s) in ${invalid.size} row(s); nothing applied. Fix them, or use --skip-invalid to apply the ${valid.length} valid row(s).`, 2);
    }
    if (options.dryRun) {
      console.log(`dry run: ${valid.filter((p) => p.action !== 'unchanged').length} change(s), nothing applied`);
      return;
    }
    const { applied, failed } = await applyImport(api, valid);
    for (const f of failed) console.error(`line ${f.line}: ${f.field}: ${f.message}`);
    console.log(`applied ${applied}, unchanged ${valid.filter((p) => p.action === 'unchanged').length}, failed ${failed.length}, skipped invalid ${invalid.size}`);
    if (failed.length > 0) process.exitCode = 1;
  });

// ---- deliveries --------------------------------------------------------------------------------
const deliveries = program.command('deliveries').description('reports received and what happened to them');
deliveries
  .command('list')
  .description('newest first')
  .option('--status <status>', 'QUEUED | COMPLETE | DISPATCHED | PARTIAL | FAILED | HELD (batch statuses work too: SUSPECT_MAPPING, AWAITING_INSTALL = HELD; PENDING, IN_FLIGHT, RETRY_WAIT = QUEUED)')
  .option('--since <date>', 'only deliveries received since a date (2026-11-01, UTC) or time (2026-11-01T08:00:00Z)')
  .action(async (options: { status?: string; since?: string }) => {
    const query = new URLSearchParams({ limit: '100', ...(options.status ? { status: options.status } : {}), ...(options.since ? { since: options.since } : {}) });
    const { body } = await (await client()).read(Paged(DeliverySchema), 'GET', `/admin/deliveries?${query}`);
    console.log(table(body.items.map((d) => ({ ...d, rows: d.report.rows, rejected: d.rejectedCount, instances: d.instances.map((i) => `${i.instanceKey}:${i.status}`).join(' ') })), ['id', 'receivedAt', 'status', 'rows', 'rejected', 'batchCount', 'instances']));
  });
deliveries.command('show <id>').description('one delivery with its batches').action(async (id: string) => printJson((await (await client()).call('GET', `/admin/deliveries/${path(id)}`)).body));
deliveries
  .command('replay <id>')
  .description('re-queue FAILED batches')
  .option('--force', 'also re-send DISPATCHED and SUSPECT_MAPPING batches (a held batch goes out with the users ISC knows) and re-drive PENDING ones')
  .action(async (id: string, options: { force?: boolean }) => {
    const { body } = await (await client()).read(ReplayAnswer, 'POST', `/admin/deliveries/${path(id)}/replay${options.force ? '?force=true' : ''}`);
    const redriven = body.redriven.length ? `; re-drove ${body.redriven.length} PENDING batch(es)` : '';
    console.log(`re-queued ${body.requeued.length} batch(es)${redriven}${body.skipped.length ? `; left ${body.skipped.map((s) => `#${s.index} (${s.status})`).join(', ')}` : ''}`);
    for (const left of body.leftOut) console.log(`batch #${left.index}: ${left.count} user(s) not found in ISC are left out: ${left.users.join(', ')}`);
    if (body.hint) console.log('add --force to also re-send DISPATCHED and SUSPECT_MAPPING batches and re-drive PENDING ones');
  });
deliveries
  .command('redrive')
  .description('re-drive batches stuck PENDING (their stream records went to the dispatch DLQ); the sweeper does this by itself after 15 minutes')
  .option('--older-than <minutes>', 'only batches PENDING at least this long', '5')
  .action(async (options: { olderThan: string }) => {
    const { body } = await (await client()).read(RedriveAnswer, 'POST', `/admin/deliveries/redrive?olderThanMinutes=${encodeURIComponent(options.olderThan)}`);
    console.log(table(body.redriven, ['deliveryId', 'index', 'instanceKey', 'pendingSince']));
    console.log(`re-drove ${body.redriven.length} batch(es). ${body.hint}`);
  });

program
  .command('preview <report>')
  .description('dry-run a report file (CSV or JSON): who would be certified and how many trigger calls; nothing stored or sent')
  .option('--mapping <instanceKey>', 'bind the report to this mapping (for reports without an Instance column)')
  .action(async (report: string, options: { mapping?: string }) => {
    const raw = await readFile(report, 'utf8').catch((error: Error) => {
      throw new CliError(`Cannot read ${report}: ${error.message}`);
    });
    const query = options.mapping ? `?mapping=${encodeURIComponent(options.mapping)}` : '';
    const { body } = await (await client()).read(PreviewAnswer, 'POST', `/admin/deliveries/preview${query}`, { raw, contentType: extname(report).toLowerCase() === '.json' ? 'application/json' : 'text/csv' });
    console.log(table(body.instances.map((i) => ({ ...i, source: i.source?.name ?? i.source?.id })), ['instanceKey', 'status', 'environment', 'source', 'users', 'inactiveUsers', 'excluded', 'cooledDown', 'triggerCalls']));
    console.log(`rows ${body.report.rows}, rejected ${body.rejectedCount}, trigger calls ${body.triggerCalls}`);
    for (const i of body.instances) if (i.sampleInput) console.log(`\n${i.instanceKey}: first users of the workflow input\n${table(i.sampleInput.users, ['email', 'name', 'daysActive', 'lastActive'])}`);
  });

// `usage-cert … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

program.parseAsync().catch((error: unknown) => {
  if (error instanceof CliError) {
    console.error(`error: ${error.message}`);
    process.exit(error.exitCode);
  }
  console.error(`error: ${(error as Error).message}`);
  process.exit(1);
});
