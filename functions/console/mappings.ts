/// <reference lib="dom" />
import { ENVIRONMENTS, instanceKey } from '../core/instance.js';
import { classifyName, describeWords, namedEnvironment } from '../core/environment-names.js';
import { ApiError, api, errorText } from './api.js';
import { announce, badge, clear, field, h, int, list, table, time } from './dom.js';
import type { Delivery, MappingInput, MappingView, Page, TargetView } from './types.js';

interface Unmapped {
  instanceKey: string;
  instance: string;
  application?: string;
  rows: number;
  lastSeen: string;
  deliveries: number;
}

/** Every page of a paged list, bounded (the console is for a few hundred mappings, not a bulk tool). */
async function all<T>(path: string, maxPages = 20): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const query: string = `${path.includes('?') ? '&' : '?'}limit=250${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const { body } = await api<Page<T>>('GET', path + query);
    items.push(...body.items);
    cursor = body.next;
    if (!cursor) break;
  }
  return items;
}

/** Instances that reports mention but no mapping covers, newest first (from the most recent deliveries). */
function unmappedInstances(deliveries: Delivery[], mapped: Set<string>): Unmapped[] {
  const found = new Map<string, Unmapped>();
  for (const delivery of deliveries) {
    for (const outcome of delivery.instances) {
      if (outcome.status !== 'unmapped' || mapped.has(outcome.instanceKey)) continue;
      const seen = found.get(outcome.instanceKey);
      if (seen) seen.deliveries++;
      else found.set(outcome.instanceKey, { instanceKey: outcome.instanceKey, instance: outcome.instance, application: outcome.application, rows: outcome.rows, lastSeen: delivery.receivedAt, deliveries: 1 });
    }
  }
  return [...found.values()];
}

const NAME_TONES = { consistent: 'ok', confirmed: 'warn', mismatch: 'bad' } as const;

/** The instance name's own environment words next to the mapping's environment: agrees, confirmed by an admin, or not. */
function nameSays(m: MappingView): HTMLElement {
  const name = m.nameEnvironment;
  const label = name.kind === 'neutral' ? 'neutral' : `${name.kind}${name.status === 'consistent' ? '' : ` (${name.status})`}`;
  const words = [...name.production, ...name.nonProduction].map((w) => `“${w}”`).join(' ');
  const cell = h('span', { class: 'name-env' }, badge(label, name.kind === 'neutral' ? 'muted' : NAME_TONES[name.status]), words ? ` ${words}` : '');
  cell.title = `${describeWords(name)}${name.status === 'confirmed' ? ` — confirmed: ${m.mismatchReason ?? ''}` : ''}`;
  return cell;
}

export async function renderMappings(root: HTMLElement): Promise<void> {
  const [mappings, targets, recent] = await Promise.all([
    all<MappingView>('/admin/mappings'),
    api<{ items: TargetView[] }>('GET', '/admin/targets').then((r) => r.body.items),
    api<Page<Delivery>>('GET', '/admin/deliveries?limit=50').then((r) => r.body.items),
  ]);

  // ---- the form -------------------------------------------------------------------------------------
  let editing: MappingView | undefined;
  const input = (attrs: Record<string, string | boolean> = {}) => h('input', { type: 'text', autocomplete: 'off', ...attrs });
  const application = input({ required: true, name: 'application' });
  const instance = input({ required: true, name: 'instance', id: 'mapping-instance' });
  const environment = h('select', { name: 'environment' }, ENVIRONMENTS.map((env) => h('option', { value: env }, env)));
  const target = h('select', { name: 'targetId', required: true },
    targets.length === 0 ? h('option', { value: '' }, 'No targets yet — create one with the CLI') : targets.map((t) => h('option', { value: t.id }, `${t.id} — ${t.environment} (${t.tenant})`)));
  const sourceId = input({ required: true, name: 'sourceId' });
  const sourceName = input({ name: 'sourceName' });
  const number = (name: string, required = false) => h('input', { type: 'number', min: '0', step: '1', inputmode: 'numeric', name, required });
  const maxDaysActive = number('maxDaysActive', true);
  const inactiveForDays = number('inactiveForDays');
  const cooldownDays = number('cooldownDays');
  const expectEveryDays = number('expectEveryDays');
  const excludeEmails = h('textarea', { rows: '2', name: 'excludeEmails' });
  const excludeDomains = h('textarea', { rows: '2', name: 'excludeDomains' });
  const enabled = h('input', { type: 'checkbox', name: 'enabled', checked: true });
  const allowNameMismatch = h('input', { type: 'checkbox', name: 'allowNameMismatch' });
  const mismatchReason = input({ name: 'mismatchReason' });
  const formTitle = h('h3', { id: 'mapping-form-title', tabindex: '-1' }, 'New mapping');
  const formError = h('div', { class: 'form-error', role: 'alert', id: 'mapping-form-error' });
  const keyHint = h('p', { class: 'hint', id: 'instance-key-hint', 'aria-live': 'polite' });
  instance.setAttribute('aria-describedby', keyHint.id);
  const save = h('button', { type: 'submit', class: 'primary' }, 'Create mapping');
  const reset = h('button', { type: 'button', onclick: () => fill(undefined) }, 'Clear form');

  const showKey = () => {
    keyHint.textContent = instance.value.trim() ? `Instance key: ${instanceKey(instance.value)}` : 'The key is the instance name, trimmed and lower-cased.';
  };
  instance.addEventListener('input', showKey);

  function fill(mapping: Partial<MappingView> | undefined): void {
    editing = mapping?.version !== undefined ? (mapping as MappingView) : undefined;
    application.value = mapping?.application ?? '';
    instance.value = mapping?.instance ?? '';
    instance.readOnly = editing !== undefined;
    environment.value = mapping?.environment ?? 'production';
    if (mapping?.targetId) {
      // A mapping whose target was deleted still shows (and saves) its targetId; the API then names the problem.
      if (![...target.options].some((o) => o.value === mapping.targetId)) target.append(h('option', { value: mapping.targetId }, `${mapping.targetId} — missing target`));
      target.value = mapping.targetId;
    }
    sourceId.value = mapping?.source?.id ?? '';
    sourceName.value = mapping?.source?.name ?? '';
    const policy = mapping?.policy;
    maxDaysActive.value = policy ? String(policy.maxDaysActive) : '0';
    inactiveForDays.value = policy?.inactiveForDays?.toString() ?? '';
    cooldownDays.value = policy?.cooldownDays?.toString() ?? '';
    expectEveryDays.value = mapping?.expectEveryDays?.toString() ?? '';
    excludeEmails.value = policy?.exclude?.emails?.join(', ') ?? '';
    excludeDomains.value = policy?.exclude?.domains?.join(', ') ?? '';
    enabled.checked = mapping?.enabled ?? true;
    allowNameMismatch.checked = mapping?.allowNameMismatch ?? false;
    mismatchReason.value = mapping?.mismatchReason ?? '';
    formTitle.textContent = editing ? `Edit mapping “${editing.instanceKey}” (version ${editing.version})` : 'New mapping';
    save.textContent = editing ? 'Save changes' : 'Create mapping';
    clear(formError);
    showKey();
  }

  function body(): MappingInput {
    const exclude = { emails: list(excludeEmails.value), domains: list(excludeDomains.value) };
    return {
      application: application.value.trim(),
      instance: instance.value.trim(),
      environment: environment.value as MappingInput['environment'],
      targetId: target.value,
      source: { id: sourceId.value.trim(), name: sourceName.value.trim() || undefined },
      policy: {
        maxDaysActive: int(maxDaysActive) ?? 0,
        inactiveForDays: int(inactiveForDays),
        cooldownDays: int(cooldownDays),
        exclude: exclude.emails || exclude.domains ? exclude : undefined,
      },
      // Settings the form does not show are kept as they are.
      campaign: editing?.campaign,
      enabled: enabled.checked,
      allowNameMismatch: allowNameMismatch.checked || undefined,
      mismatchReason: mismatchReason.value.trim() || undefined,
      expectEveryDays: int(expectEveryDays),
    };
  }

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    clear(formError);
    const mapping = body();
    const key = instanceKey(mapping.instance);
    if (!key) {
      formError.textContent = 'Instance is required.';
      instance.focus();
      return;
    }
    save.disabled = true;
    try {
      const { body: saved } = await api<MappingView>('PUT', `/admin/mappings/${encodeURIComponent(key)}`, { json: mapping, ifMatch: editing?.version });
      announce(`Saved mapping “${saved.instanceKey}” (version ${saved.version}).`);
      await renderMappings(root);
    } catch (error) {
      save.disabled = false;
      if (error instanceof ApiError && error.status === 409) await showConflict(key);
      else formError.textContent = errorText(error);
    }
  }

  /** Someone else saved (or deleted) this mapping since it was loaded: say who and when, offer a reload. */
  async function showConflict(key: string): Promise<void> {
    try {
      const { body: current } = await api<MappingView>('GET', `/admin/mappings/${encodeURIComponent(key)}`);
      clear(formError,
        h('p', {}, `Mapping “${key}” was changed by ${current.updatedBy} at ${current.updatedAt} — reload.`),
        h('button', { type: 'button', onclick: () => { fill(current); formTitle.focus(); } }, 'Reload the current version'));
    } catch (error) {
      formError.textContent = errorText(error);
    }
  }

  const form = h('form', { class: 'mapping-form', 'aria-labelledby': formTitle.id, onsubmit: (e) => void submit(e) },
    formTitle,
    h('div', { class: 'cols' },
      field('Application', application),
      h('div', { class: 'field' }, h('label', { for: instance.id }, 'Instance'), instance, keyHint),
      field('Environment', environment, 'Must match the target’s environment and the environment words in the instance name (prod, staging, uat, …).'),
      field('Target (ISC tenant + workflow trigger)', target),
      field('ISC source id', sourceId),
      field('ISC source name', sourceName),
      field('Max days active', maxDaysActive, 'Inactive when Days Active in the period is at most this.'),
      field('Inactive for days', inactiveForDays, 'Optional: also inactive when last active is older than this.'),
      field('Cooldown days', cooldownDays, 'Optional (default 30): skip users sent within this many days.'),
      field('Expect a report every (days)', expectEveryDays, 'Optional: flags the mapping as stale when reports stop.'),
      field('Exclude emails', excludeEmails, 'Comma or newline separated.'),
      field('Exclude domains', excludeDomains, 'Comma or newline separated; subdomains included.'),
    ),
    h('div', { class: 'cols' },
      field('Enabled', enabled),
      field('Allow name mismatch', allowNameMismatch),
      field('Mismatch reason', mismatchReason, 'Required with “Allow name mismatch”.'),
    ),
    formError,
    h('div', { class: 'actions' }, save, reset));

  // ---- the table ------------------------------------------------------------------------------------
  const filter = h('input', { type: 'search', id: 'mapping-filter', placeholder: 'application, instance, target, source…', autocomplete: 'off' });
  const count = h('p', { class: 'hint', id: 'mapping-count' });
  const tableHolder = h('div', { class: 'table-wrap' });
  const renderTable = () => {
    const needle = filter.value.trim().toLowerCase();
    const shown = mappings.filter((m) => !needle || [m.application, m.instance, m.environment, m.targetId, m.source.id, m.source.name ?? ''].some((v) => v.toLowerCase().includes(needle)));
    count.textContent = `Showing ${shown.length} of ${mappings.length} mappings.`;
    clear(tableHolder, shown.length === 0 ? h('p', { class: 'empty' }, mappings.length === 0 ? 'No mappings yet: create one below, or map an instance seen in a report.' : 'No mapping matches the filter.') :
      table('Mappings', ['Application', 'Instance', 'Environment', 'Name says', 'Target', 'Source', 'Max days active', 'Enabled', 'Last report', 'Stale', ''], shown.map((m) => [
        m.application,
        h('span', { class: 'mono key' }, m.instance),
        badge(m.environment, m.environment === 'production' ? 'prod' : 'stage'),
        nameSays(m),
        m.targetId,
        m.source.name ? `${m.source.name} (${m.source.id})` : m.source.id,
        String(m.policy.maxDaysActive),
        m.enabled ? 'yes' : badge('disabled', 'muted'),
        time(m.lastReportAt),
        m.stale ? badge('overdue', 'bad') : 'no',
        h('button', { type: 'button', 'aria-label': `Edit ${m.instance}`, onclick: () => { fill(m); formTitle.focus(); } }, 'Edit'),
      ]), { captionHidden: true }));
  };
  filter.addEventListener('input', renderTable);
  renderTable();

  const unmapped = unmappedInstances(recent, new Set(mappings.map((m) => m.instanceKey)));
  const unmappedSection = h('section', { 'aria-labelledby': 'unmapped-title', class: 'panel' },
    h('h3', { id: 'unmapped-title' }, 'Unmapped instances in recent deliveries'),
    unmapped.length === 0 ? h('p', { class: 'empty' }, 'None: every instance in the last 50 deliveries has a mapping.') :
      table('Unmapped instances', ['Instance', 'Application', 'Rows (latest)', 'Last seen', 'Deliveries', ''], unmapped.map((u) => [
        h('span', { class: 'mono key' }, u.instance),
        u.application ?? '—',
        String(u.rows),
        time(u.lastSeen),
        String(u.deliveries),
        h('button', { type: 'button', 'aria-label': `Map ${u.instance}`, onclick: () => {
          // A guess from the built-in vocabulary; the API checks with the deployment's own words on save.
          fill({ application: u.application ?? '', instance: u.instance, environment: namedEnvironment(classifyName(u.instance, { application: u.application })) ?? 'production' });
          formTitle.focus();
          announce(`Form prefilled for ${u.instance}: choose the target and ISC source, then create.`);
        } }, 'Map it'),
      ]), { captionHidden: true }));

  fill(undefined);
  clear(root,
    h('h2', { tabindex: '-1' }, 'Mappings'),
    h('p', { class: 'lede' }, 'Which SaaS app instance feeds which ISC tenant and source, and when its users count as inactive.'),
    h('div', { class: 'toolbar' }, field('Filter mappings', filter), count),
    tableHolder,
    unmappedSection,
    h('section', { class: 'panel' }, form));
}
