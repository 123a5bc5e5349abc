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
  const form = mappingForm(targets, () => renderMappings(root));
  const list = mappingsTable(mappings, form.edit);
  clear(root,
    h('h2', { tabindex: '-1' }, 'Mappings'),
    h('p', { class: 'lede' }, 'Which SaaS app instance feeds which ISC tenant and source, and when its users count as inactive.'),
    list.toolbar,
    list.table,
    unmappedPanel(unmappedInstances(recent, new Set(mappings.map((m) => m.instanceKey))), form.edit),
    h('section', { class: 'panel' }, form.element));
}

interface MappingForm {
  element: HTMLFormElement;
  /** Load a mapping (or a prefill, or nothing) into the form and move focus to it. */
  edit: (mapping: Partial<MappingView> | undefined) => void;
}

type Fields = ReturnType<typeof formFields>;

/** The form's controls, one per mapping field it shows. */
function formFields(targets: TargetView[]) {
  const input = (attrs: Record<string, string | boolean> = {}) => h('input', { type: 'text', autocomplete: 'off', ...attrs });
  const number = (name: string, required = false) => h('input', { type: 'number', min: '0', step: '1', inputmode: 'numeric', name, required });
  return {
    application: input({ required: true, name: 'application' }),
    instance: input({ required: true, name: 'instance', id: 'mapping-instance' }),
    environment: h('select', { name: 'environment' }, ENVIRONMENTS.map((env) => h('option', { value: env }, env))),
    target: h('select', { name: 'targetId', required: true },
      targets.length === 0 ? h('option', { value: '' }, 'No targets yet — create one with the CLI') : targets.map((t) => h('option', { value: t.id }, `${t.id} — ${t.environment} (${t.tenant})`))),
    sourceId: input({ required: true, name: 'sourceId' }),
    sourceName: input({ name: 'sourceName' }),
    maxDaysActive: number('maxDaysActive', true),
    inactiveForDays: number('inactiveForDays'),
    cooldownDays: number('cooldownDays'),
    expectEveryDays: number('expectEveryDays'),
    excludeEmails: h('textarea', { rows: '2', name: 'excludeEmails' }),
    excludeDomains: h('textarea', { rows: '2', name: 'excludeDomains' }),
    enabled: h('input', { type: 'checkbox', name: 'enabled', checked: true }),
    allowNameMismatch: h('input', { type: 'checkbox', name: 'allowNameMismatch' }),
    mismatchReason: input({ name: 'mismatchReason' }),
  };
}

function fillFields(f: Fields, mapping: Partial<MappingView> | undefined): void {
  f.application.value = mapping?.application ?? '';
  f.instance.value = mapping?.instance ?? '';
  f.environment.value = mapping?.environment ?? 'production';
  if (mapping?.targetId) {
    // A mapping whose target was deleted still shows (and saves) its targetId; the API then names the problem.
    if (![...f.target.options].some((o) => o.value === mapping.targetId)) f.target.append(h('option', { value: mapping.targetId }, `${mapping.targetId} — missing target`));
    f.target.value = mapping.targetId;
  }
  f.sourceId.value = mapping?.source?.id ?? '';
  f.sourceName.value = mapping?.source?.name ?? '';
  const policy = mapping?.policy;
  f.maxDaysActive.value = policy ? String(policy.maxDaysActive) : '0';
  f.inactiveForDays.value = policy?.inactiveForDays?.toString() ?? '';
  f.cooldownDays.value = policy?.cooldownDays?.toString() ?? '';
  f.expectEveryDays.value = mapping?.expectEveryDays?.toString() ?? '';
  f.excludeEmails.value = policy?.exclude?.emails?.join(', ') ?? '';
  f.excludeDomains.value = policy?.exclude?.domains?.join(', ') ?? '';
  f.enabled.checked = mapping?.enabled ?? true;
  f.allowNameMismatch.checked = mapping?.allowNameMismatch ?? false;
  f.mismatchReason.value = mapping?.mismatchReason ?? '';
}

function readFields(f: Fields, editing: MappingView | undefined): MappingInput {
  const exclude = { emails: list(f.excludeEmails.value), domains: list(f.excludeDomains.value) };
  return {
    application: f.application.value.trim(),
    instance: f.instance.value.trim(),
    environment: f.environment.value as MappingInput['environment'],
    targetId: f.target.value,
    source: { id: f.sourceId.value.trim(), name: f.sourceName.value.trim() || undefined },
    policy: {
      maxDaysActive: int(f.maxDaysActive) ?? 0,
      inactiveForDays: int(f.inactiveForDays),
      cooldownDays: int(f.cooldownDays),
      exclude: exclude.emails || exclude.domains ? exclude : undefined,
    },
    // Settings the form does not show are kept as they are.
    campaign: editing?.campaign,
    enabled: f.enabled.checked,
    allowNameMismatch: f.allowNameMismatch.checked || undefined,
    mismatchReason: f.mismatchReason.value.trim() || undefined,
    expectEveryDays: int(f.expectEveryDays),
  };
}

function fieldsLayout(f: Fields, keyHint: HTMLElement): HTMLElement[] {
  return [
    h('div', { class: 'cols' },
      field('Application', f.application),
      h('div', { class: 'field' }, h('label', { for: f.instance.id }, 'Instance'), f.instance, keyHint),
      field('Environment', f.environment, 'Must match the target’s environment and the environment words in the instance name (prod, staging, uat, …).'),
      field('Target (ISC tenant + workflow trigger)', f.target),
      field('ISC source id', f.sourceId),
      field('ISC source name', f.sourceName),
      field('Max days active', f.maxDaysActive, 'Inactive when Days Active in the period is at most this.'),
      field('Inactive for days', f.inactiveForDays, 'Optional: also inactive when last active is older than this.'),
      field('Cooldown days', f.cooldownDays, 'Optional (default 30): skip users sent within this many days.'),
      field('Expect a report every (days)', f.expectEveryDays, 'Optional: flags the mapping as stale when reports stop.'),
      field('Exclude emails', f.excludeEmails, 'Comma or newline separated.'),
      field('Exclude domains', f.excludeDomains, 'Comma or newline separated; subdomains included.'),
    ),
    h('div', { class: 'cols' },
      field('Enabled', f.enabled),
      field('Allow name mismatch', f.allowNameMismatch),
      field('Mismatch reason', f.mismatchReason, 'Required with “Allow name mismatch”.'),
    ),
  ];
}

/** Create or edit one mapping; a save sends If-Match, and a 409 offers the version someone else saved. */
function mappingForm(targets: TargetView[], onSaved: () => Promise<void>): MappingForm {
  const f = formFields(targets);
  let editing: MappingView | undefined;
  const formTitle = h('h3', { id: 'mapping-form-title', tabindex: '-1' }, 'New mapping');
  const formError = h('div', { class: 'form-error', role: 'alert', id: 'mapping-form-error' });
  const keyHint = h('p', { class: 'hint', id: 'instance-key-hint', 'aria-live': 'polite' });
  f.instance.setAttribute('aria-describedby', keyHint.id);
  const save = h('button', { type: 'submit', class: 'primary' }, 'Create mapping');
  const reset = h('button', { type: 'button', onclick: () => fill(undefined) }, 'Clear form');

  const showKey = () => {
    keyHint.textContent = f.instance.value.trim() ? `Instance key: ${instanceKey(f.instance.value)}` : 'The key is the instance name, trimmed and lower-cased.';
  };
  f.instance.addEventListener('input', showKey);

  function fill(mapping: Partial<MappingView> | undefined): void {
    editing = mapping?.version !== undefined ? (mapping as MappingView) : undefined;
    fillFields(f, mapping);
    f.instance.readOnly = editing !== undefined;
    formTitle.textContent = editing ? `Edit mapping “${editing.instanceKey}” (version ${editing.version})` : 'New mapping';
    save.textContent = editing ? 'Save changes' : 'Create mapping';
    clear(formError);
    showKey();
  }

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    clear(formError);
    const mapping = readFields(f, editing);
    const key = instanceKey(mapping.instance);
    if (!key) {
      formError.textContent = 'Instance is required.';
      f.instance.focus();
      return;
    }
    save.disabled = true;
    try {
      const { body: saved } = await api<MappingView>('PUT', `/admin/mappings/${encodeURIComponent(key)}`, { json: mapping, ifMatch: editing?.version });
      announce(`Saved mapping “${saved.instanceKey}” (version ${saved.version}).`);
      await onSaved();
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

  fill(undefined);
  const element = h('form', { class: 'mapping-form', 'aria-labelledby': formTitle.id, onsubmit: (e) => void submit(e) },
    formTitle, ...fieldsLayout(f, keyHint), formError, h('div', { class: 'actions' }, save, reset));
  return { element, edit: (mapping) => { fill(mapping); formTitle.focus(); } };
}

/** The mappings with a filter over their names, target and source. */
function mappingsTable(mappings: MappingView[], edit: MappingForm['edit']): { toolbar: HTMLElement; table: HTMLElement } {
  const filter = h('input', { type: 'search', id: 'mapping-filter', placeholder: 'application, instance, target, source…', autocomplete: 'off' });
  const count = h('p', { class: 'hint', id: 'mapping-count' });
  const holder = h('div', { class: 'table-wrap' });
  const render = () => {
    const needle = filter.value.trim().toLowerCase();
    const shown = mappings.filter((m) => !needle || [m.application, m.instance, m.environment, m.targetId, m.source.id, m.source.name ?? ''].some((v) => v.toLowerCase().includes(needle)));
    count.textContent = `Showing ${shown.length} of ${mappings.length} mappings.`;
    clear(holder, shown.length === 0 ? h('p', { class: 'empty' }, mappings.length === 0 ? 'No mappings yet: create one below, or map an instance seen in a report.' : 'No mapping matches the filter.') :
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
        h('button', { type: 'button', 'aria-label': `Edit ${m.instance}`, onclick: () => edit(m) }, 'Edit'),
      ]), { captionHidden: true }));
  };
  filter.addEventListener('input', render);
  render();
  return { toolbar: h('div', { class: 'toolbar' }, field('Filter mappings', filter), count), table: holder };
}

/** Instances reports mention that no mapping covers, each with a button that prefills the form for it. */
function unmappedPanel(unmapped: Unmapped[], edit: MappingForm['edit']): HTMLElement {
  return h('section', { 'aria-labelledby': 'unmapped-title', class: 'panel' },
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
          edit({ application: u.application ?? '', instance: u.instance, environment: namedEnvironment(classifyName(u.instance, { application: u.application })) ?? 'production' });
          announce(`Form prefilled for ${u.instance}: choose the target and ISC source, then create.`);
        } }, 'Map it'),
      ]), { captionHidden: true }));
}
