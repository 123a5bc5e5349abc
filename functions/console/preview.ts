/// <reference lib="dom" />
import { api, errorText } from './api.js';
import { announce, clear, day, field, h, plural, statusBadge, table, type Child } from './dom.js';
import type { MappingView, Page, PreviewResult } from './types.js';

const MAX_FILE_BYTES = 6 * 1024 * 1024;

/** "auto" looks at the first character: `{` or `[` is JSON, anything else CSV (as the webhook decides by type). */
export function contentTypeFor(format: string, text: string): string {
  if (format === 'csv') return 'text/csv';
  if (format === 'json') return 'application/json';
  return /^\s*[[{]/.test(text) ? 'application/json' : 'text/csv';
}

export async function renderPreview(root: HTMLElement): Promise<void> {
  const { body: mappings } = await api<Page<MappingView>>('GET', '/admin/mappings?limit=250');
  const report = h('textarea', { id: 'preview-report', rows: '10', spellcheck: 'false', class: 'mono', required: true });
  const file = h('input', { type: 'file', id: 'preview-file', accept: '.csv,.json,text/csv,application/json' });
  const format = h('select', { id: 'preview-format' },
    h('option', { value: 'auto' }, 'Detect from the content'), h('option', { value: 'csv' }, 'CSV (text/csv)'), h('option', { value: 'json' }, 'JSON (application/json)'));
  const mapping = h('select', { id: 'preview-mapping' },
    h('option', { value: '' }, 'Every instance in the report'), mappings.items.map((m) => h('option', { value: m.instanceKey }, `${m.instanceKey} (${m.application})`)));
  const formError = h('div', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Preview');
  const result = h('section', { class: 'panel', 'aria-labelledby': 'preview-result-title', hidden: true });

  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    if (chosen.size > MAX_FILE_BYTES) {
      formError.textContent = `${chosen.name} is ${chosen.size} bytes; reports are limited to ${MAX_FILE_BYTES} bytes.`;
      return;
    }
    void chosen.text().then((text) => {
      report.value = text;
      if (/\.csv$/i.test(chosen.name)) format.value = 'csv';
      else if (/\.json$/i.test(chosen.name)) format.value = 'json';
      announce(`Loaded ${chosen.name} (${plural(text.length, 'character')}).`);
    });
  });

  const form = h('form', { 'aria-labelledby': 'preview-form-title', onsubmit: (event) => {
    event.preventDefault();
    clear(formError);
    const text = report.value;
    if (!text.trim()) {
      formError.textContent = 'Paste a report or load a file first.';
      report.focus();
      return;
    }
    submit.disabled = true;
    const query = mapping.value ? `?mapping=${encodeURIComponent(mapping.value)}` : '';
    void api<PreviewResult>('POST', `/admin/deliveries/preview${query}`, { text, contentType: contentTypeFor(format.value, text) })
      .then(({ body }) => {
        clear(result, ...resultView(body));
        result.hidden = false;
        announce(`Preview ready: ${plural(body.triggerCalls, 'trigger call')} across ${plural(body.instances.length, 'instance')}.`);
        result.querySelector<HTMLElement>('h3')?.focus();
      })
      .catch((error: unknown) => {
        formError.textContent = errorText(error);
      })
      .finally(() => {
        submit.disabled = false;
      });
  } },
    h('h3', { id: 'preview-form-title' }, 'Report'),
    field('Report text (CSV or JSON, as SaaS Management sends it)', report),
    h('div', { class: 'cols' },
      field('Or load a file', file),
      field('Format', format),
      field('Only this mapping', mapping, 'Binds a report without an Instance column to this mapping’s instance.')),
    formError,
    h('div', { class: 'actions' }, submit));

  clear(root,
    h('h2', { tabindex: '-1' }, 'Preview'),
    h('p', { class: 'lede' }, 'A dry run of the ingest pipeline: who would be certified and how many workflow trigger calls it would take. Nothing is stored or sent.'),
    h('section', { class: 'panel' }, form),
    result);
}

function resultView(p: PreviewResult): Child[] {
  return [
    h('h3', { id: 'preview-result-title', tabindex: '-1' }, 'What would be sent'),
    h('dl', { class: 'summary' },
      h('dt', {}, 'Report'), h('dd', {}, `${p.report.name ?? '(unnamed)'} · ${p.report.format.toUpperCase()} · ${p.report.validRows} of ${plural(p.report.rows, 'row')} valid`),
      h('dt', {}, 'Period'), h('dd', {}, `${day(p.report.period.start)} → ${day(p.report.period.end)}`),
      h('dt', {}, 'Trigger calls'), h('dd', {}, String(p.triggerCalls)),
      h('dt', {}, 'Rejected rows'), h('dd', {}, String(p.rejectedCount))),
    p.rejectedRows.length > 0 ? h('details', { class: 'rejected' }, h('summary', {}, `Rejected rows (${p.rejectedCount})`), h('ul', {}, p.rejectedRows.slice(0, 50).map((r) => h('li', {}, `row ${r.row}, ${r.field}: ${r.reason}`)))) : null,
    p.instances.length === 0 ? h('p', { class: 'empty' }, 'No instance of this report matches.') :
      table('Per instance', ['Instance', 'Outcome', 'Users', 'Inactive', 'Excluded', 'Cooled down', 'Trigger calls', 'Reason'], p.instances.map((i) => [
        h('span', { class: 'mono key' }, i.instanceKey), statusBadge(i.status), String(i.users), String(i.inactiveUsers), String(i.excluded), String(i.cooledDown), String(i.triggerCalls), i.reason ?? '',
      ])),
    ...p.instances.filter((i) => i.sampleInput).map((i) => {
      const sample = i.sampleInput!;
      return h('div', { class: 'sample' },
        h('h4', {}, `Sample users — ${i.instanceKey}`),
        h('p', { class: 'hint' }, `First ${plural(sample.usersShown, 'user')} of ${sample.usersInBatch} in the first workflow input${sample.campaign ? `; campaign “${sample.campaign.name}”` : ''}.`),
        table(`Sample users of ${i.instanceKey}`, ['Email', 'Name', 'Days active', 'Last active'], sample.users.map((u) => [
          h('span', { class: 'mono' }, u.email), u.name ?? '—', u.daysActive === undefined ? '—' : String(u.daysActive), u.lastActive ? day(u.lastActive) : '—',
        ]), { captionHidden: true }));
    }),
  ];
}
