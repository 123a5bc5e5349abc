/// <reference lib="dom" />
import { api, errorText } from './api.js';
import { announce, clear, field, h, list } from './dom.js';

interface TargetItem {
  id: string;
  tenant: string;
  triggerUrl?: string;
}

/**
 * #/workflow: install, verify and test the importable workflow on a target's tenant (the same admin routes as
 * `usage-cert workflow install|verify|test`). The HTTP client secret goes into a password field and is sent once.
 */
export async function renderWorkflow(root: HTMLElement): Promise<void> {
  const { body } = await api<{ items: TargetItem[] }>('GET', '/admin/targets');
  const target = h('select', { id: 'workflow-target', required: true }, body.items.map((t) => h('option', { value: t.id }, `${t.id} (${t.tenant})`)));
  const output = h('div', { class: 'panel', role: 'region', 'aria-live': 'polite', 'aria-label': 'Workflow result' });
  const show = (...lines: string[]) => clear(output, ...lines.map((line) => h('p', { class: line.startsWith('FAIL') ? 'form-error' : '' }, line)));
  const run = async (button: HTMLButtonElement, action: () => Promise<string[]>) => {
    button.disabled = true;
    try {
      show(...(await action()));
    } catch (error) {
      show(`FAIL ${errorText(error)}`);
    } finally {
      button.disabled = false;
      announce('Workflow action finished.');
    }
  };
  const path = (action: string) => `/admin/targets/${encodeURIComponent(target.value)}/workflow/${action}`;

  const ownerEmail = h('input', { type: 'email', id: 'workflow-owner-email', required: true });
  const clientId = h('input', { type: 'text', id: 'workflow-http-client-id', required: true, autocomplete: 'off' });
  const clientSecret = h('input', { type: 'password', id: 'workflow-http-client-secret', required: true, autocomplete: 'off' });
  const enable = h('input', { type: 'checkbox', id: 'workflow-enable' });
  const install: HTMLButtonElement = h('button', { type: 'button', class: 'primary', onclick: () => void run(install, async () => {
    const json = { ownerEmail: ownerEmail.value.trim(), httpClient: { clientId: clientId.value.trim(), clientSecret: clientSecret.value }, enable: enable.checked };
    const { body: done } = await api<{ workflow: { id: string; created: boolean; enabled: boolean }; triggerUrl: string }>('POST', path('install'), { json });
    clientSecret.value = '';
    return [`${done.workflow.created ? 'Created' : 'Updated'} workflow ${done.workflow.id} (${done.workflow.enabled ? 'enabled' : 'disabled'}).`, `Trigger URL and trigger credentials stored on the target: ${done.triggerUrl}`];
  }) }, 'Install');
  const verify: HTMLButtonElement = h('button', { type: 'button', onclick: () => void run(verify, async () => {
    const { body: found } = await api<{ ok: boolean; findings: { message: string }[] }>('POST', path('verify'));
    return found.ok ? ['Every attribute the workflow sets exists in the tenant library.'] : found.findings.map((finding) => `FAIL ${finding.message}`);
  }) }, 'Verify');
  const identities = h('input', { type: 'text', id: 'workflow-test-identities', required: true });
  const reviewer = h('input', { type: 'text', id: 'workflow-test-reviewer', required: true });
  const test: HTMLButtonElement = h('button', { type: 'button', onclick: () => void run(test, async () => {
    const { body: result } = await api<{ ok: boolean; status: string; executionId: string; campaignName: string; campaign?: { id: string; status: string }; error?: string }>('POST', path('test'), {
      json: { identityIds: list(identities.value) ?? [], reviewerId: reviewer.value.trim() },
    });
    return [`Execution ${result.executionId}: ${result.status}.`, result.ok ? `Campaign created: “${result.campaignName}” (${result.campaign!.id}), ${result.campaign!.status}.` : `FAIL No campaign “${result.campaignName}”: ${result.error}`];
  }) }, 'Run test');

  clear(root,
    h('h2', { tabindex: '-1' }, 'Workflow'),
    h('p', { class: 'lede' }, 'Install the certification workflow on a target’s tenant, check it against the tenant’s own workflow library, and run it once for one or two test identities. The target’s API credentials must be an ORG_ADMIN personal access token.'),
    field('Target', target),
    h('section', { class: 'panel', 'aria-label': 'Install' }, h('h3', {}, 'Install'), field('Owner email (failure emails)', ownerEmail), field('HTTP steps client id', clientId), field('HTTP steps client secret', clientSecret), field('Enable the workflow', enable, 'Leave off until a test run has created the campaign you expect.'), h('div', { class: 'actions' }, install, verify)),
    h('section', { class: 'panel', 'aria-label': 'Test' }, h('h3', {}, 'Test'), field('Identity ids (one or two, comma-separated)', identities), field('Reviewer identity id', reviewer), h('p', { class: 'hint' }, 'A real campaign is created in the tenant.'), h('div', { class: 'actions' }, test)),
    output);
}
