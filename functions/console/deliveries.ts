/// <reference lib="dom" />
import { DELIVERY_STATUSES } from '../core/delivery.js';
import { outcomeText } from '../core/follow-up-text.js';
import { api, errorText } from './api.js';
import { announce, clear, day, field, h, plural, statusBadge, table, time, type Child } from './dom.js';
import { nonEmployeesSection } from './non-employees.js';
import type { BatchView, Delivery, DeliveryDetail, Page, ReplayResult } from './types.js';

export interface ViewContext {
  root: HTMLElement;
  /** False once the admin navigated elsewhere: timers stop and late answers are dropped. */
  alive(): boolean;
}

const UNSETTLED = new Set(['STAGED', 'PENDING', 'IN_FLIGHT', 'RETRY_WAIT']);
const REFRESH_MS = 1000;
const MAX_REFRESHES = 120;

const shortId = (id: string): string => (id.length > 20 ? `${id.slice(0, 12)}…` : id);
export const deliveryHash = (id: string): string => `#/deliveries/${encodeURIComponent(id)}`;

/** Re-render a region, keeping keyboard focus on the "same" control (matched by data-key) if it was inside. */
function replaceKeepingFocus(region: HTMLElement, ...content: Child[]): void {
  const active = document.activeElement;
  const key = active instanceof HTMLElement && region.contains(active) ? active.dataset.key : undefined;
  clear(region, ...content);
  if (key) region.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

const DETAIL_TITLE = 'delivery-detail-title';
/** data-key lets the refresh that re-renders the detail keep focus on its title. */
const detailTitle = (...content: Child[]): HTMLElement => h('h3', { id: DETAIL_TITLE, tabindex: '-1', 'data-key': DETAIL_TITLE }, ...content);

function instanceCounts(delivery: Delivery): HTMLElement {
  if (delivery.instances.length === 0) return h('span', { class: 'hint' }, 'no instances');
  return h('ul', { class: 'counts' }, delivery.instances.map((i) =>
    h('li', {}, h('span', { class: 'mono key' }, i.instanceKey), ' ', statusBadge(i.status), ' ',
      h('span', { class: 'nums' }, `rows ${i.rows} · inactive ${i.inactiveUsers} · excluded ${i.excluded} · batches ${i.batches}`))));
}

/** The batch's last error; once a later attempt succeeded it is shown as history, not as the current state. */
function errorCell(b: BatchView): HTMLElement {
  const error = b.lastError!;
  const past = b.status !== 'FAILED' && b.status !== 'SUSPECT_MAPPING' && b.status !== 'AWAITING_INSTALL';
  return h('div', { class: past ? 'error-cell past' : 'error-cell' },
    past ? h('span', { class: 'hint' }, `earlier attempt (${day(error.at)}): `) : null,
    h('strong', {}, error.code), `: ${error.message}`,
    error.hints?.length ? h('ul', {}, error.hints.map((hint) => h('li', {}, hint))) : null);
}

/** The deliveries table, or what to do when there are none. */
function deliveryList(items: Delivery[], status: string, selectedId: string | undefined): HTMLElement {
  if (items.length === 0) return h('p', { class: 'empty' }, status ? `No ${status} deliveries.` : 'No deliveries yet. Post a report to the webhook (see the README) or try Preview.');
  return table('Deliveries, newest first', ['Delivery', 'Status', 'Received', 'Report', 'Per instance', 'Rejected rows'], items.map((d) => [
    h('a', { href: deliveryHash(d.id), class: 'mono key', 'aria-label': `Open delivery ${d.id}`, 'data-key': `open-${d.id}`, 'aria-current': d.id === selectedId ? 'true' : undefined, title: d.id }, shortId(d.id)),
    statusBadge(d.status),
    time(d.receivedAt),
    `${d.report.name ?? '(unnamed)'} · ${d.report.format.toUpperCase()} · ${plural(d.report.rows, 'row')}`,
    instanceCounts(d),
    String(d.rejectedCount),
  ]), { captionHidden: true });
}

/** The detail of one delivery: outcome per instance, every batch, rejected rows, and the replay action. */
function detailView(d: DeliveryDetail, reload: () => Promise<void>): Child[] {
  const { dialog, replay } = replayDialog(d, reload);
  const settled = d.settled ? `${d.settled.dispatched} dispatched, ${d.settled.failed} failed, ${d.settled.held} held` : '—';
  return [
    detailTitle('Delivery ', h('span', { class: 'mono' }, d.id)),
    h('dl', { class: 'summary' },
      h('dt', {}, 'Status'), h('dd', {}, statusBadge(d.status)),
      h('dt', {}, 'Received'), h('dd', {}, time(d.receivedAt)),
      h('dt', {}, 'Report'), h('dd', {}, `${d.report.name ?? '(unnamed)'} · ${d.report.format.toUpperCase()} · ${d.report.validRows} of ${plural(d.report.rows, 'row')} valid`),
      h('dt', {}, 'Period'), h('dd', {}, `${day(d.report.period.start)} → ${day(d.report.period.end)}`),
      h('dt', {}, 'Batches'), h('dd', {}, `${d.batchCount} (settled: ${settled})`),
      h('dt', {}, 'Rejected rows'), h('dd', {}, String(d.rejectedCount))),
    h('div', { class: 'actions' }, replay, h('a', { href: '#/deliveries', class: 'button-link' }, 'Close')),
    dialog,
    h('h4', {}, 'Instances'),
    table(`Instances of delivery ${d.id}`, ['Instance', 'Outcome', 'Rows', 'Users', 'Inactive', 'Excluded', 'Cooled down', 'Batches', 'Reason'], d.instances.map((i) => [
      h('span', { class: 'mono key' }, i.instanceKey), statusBadge(i.status), String(i.rows), String(i.users), String(i.inactiveUsers), String(i.excluded), String(i.cooledDown), String(i.batches), i.reason ?? '',
    ]), { captionHidden: true }),
    h('h4', {}, 'Batches'),
    d.batches.length === 0 ? h('p', { class: 'empty' }, 'No batches: nothing to send for this delivery.') :
      table(`Batches of delivery ${d.id}`, ['#', 'Instance', 'Part', 'Status', 'Attempts', 'Users', 'Execution id', 'In ISC', 'Last error', 'Unmatched'], d.batches.map((b) => [
        String(b.index), h('span', { class: 'mono key' }, b.instanceKey), h('span', { class: 'key' }, `${b.part.index} of ${b.part.count}`), statusBadge(b.status), String(b.attempts), String(b.users),
        b.executionId ? h('span', { class: 'mono' }, b.executionId) : '—',
        outcomeText(b) || '—',
        b.lastError ? errorCell(b) : '—',
        b.unmatched.length === 0 ? '—' : h('details', {}, h('summary', {}, plural(b.unmatched.length, 'user')), h('ul', {}, b.unmatched.map((u) => h('li', { class: 'mono' }, u)))),
      ]), { captionHidden: true }),
    nonEmployeesSection(d),
    d.rejected.length > 0 ? h('details', { class: 'rejected' }, h('summary', {}, `Rejected rows (${d.rejectedCount})`),
      h('ul', {}, d.rejected.slice(0, 50).map((r) => h('li', {}, `row ${r.row}, ${r.field}: ${r.reason}`)))) : null,
  ];
}

/** The replay action: a confirming dialog (force is opt-in) and the button that opens it. */
function replayDialog(d: DeliveryDetail, reload: () => Promise<void>): { dialog: HTMLDialogElement; replay: HTMLButtonElement } {
  const force = h('input', { type: 'checkbox', id: 'replay-force' });
  const dialogError = h('p', { class: 'form-error', role: 'alert' });
  const confirm = h('button', { type: 'button', class: 'danger' }, 'Replay');
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const dialog = h('dialog', { 'aria-labelledby': 'replay-title', 'aria-describedby': 'replay-text', class: 'dialog' },
    h('h3', { id: 'replay-title' }, 'Replay this delivery?'),
    h('p', { id: 'replay-text' }, `Re-queues the FAILED batches of ${d.id} so the dispatcher sends them to ISC again.`),
    field('Also re-send DISPATCHED and held (SUSPECT_MAPPING) batches and re-drive stuck PENDING ones (force)', force, 'Forced replays can start a second campaign for the same users: use it only when ISC lost the first one.'),
    dialogError,
    h('div', { class: 'actions' }, confirm, cancel));
  const replay = h('button', { type: 'button', class: 'primary', 'data-key': 'replay', onclick: () => { clear(dialogError); force.checked = false; dialog.showModal(); } }, 'Replay…');
  cancel.addEventListener('click', () => dialog.close());
  confirm.addEventListener('click', () => {
    confirm.disabled = true;
    void api<ReplayResult>('POST', `/admin/deliveries/${encodeURIComponent(d.id)}/replay${force.checked ? '?force=true' : ''}`).then(({ body }) => {
      dialog.close();
      const skipped = body.skipped.length > 0 ? `; skipped ${body.skipped.map((s) => `#${s.index} (${s.status})`).join(', ')}` : '';
      const redriven = body.redriven.length > 0 ? `; re-drove ${plural(body.redriven.length, 'PENDING batch', 'PENDING batches')}` : '';
      const leftOut = body.leftOut.map((l) => `; #${l.index} leaves out ${plural(l.count, 'user')} not in ISC (${l.users.join(', ')})`).join('');
      announce(`Replay: re-queued ${plural(body.requeued.length, 'batch', 'batches')}${redriven}${skipped}${leftOut}${body.hint ? ` — tick force to also re-send DISPATCHED and held batches and re-drive PENDING ones` : ''}.`);
      return reload();
    }).catch((error: unknown) => {
      confirm.disabled = false;
      dialogError.textContent = errorText(error);
    });
  });
  return { dialog, replay };
}

/** Resolves to the id of the element that takes focus, looked up when focusing: a refresh may have re-rendered it. */
export async function renderDeliveries(ctx: ViewContext, selectedId: string | undefined): Promise<string | undefined> {
  const status = h('select', { id: 'delivery-status' }, h('option', { value: '' }, 'All'), DELIVERY_STATUSES.map((s) => h('option', { value: s }, s)));
  const refresh = h('button', { type: 'button', 'data-key': 'refresh' }, 'Refresh');
  const listRegion = h('div', { class: 'table-wrap', id: 'delivery-list' });
  const detailRegion = h('section', { class: 'panel detail', 'aria-labelledby': 'delivery-detail-title', hidden: !selectedId });
  let items: Delivery[] = [];
  let next: string | null = null;
  let refreshes = 0;
  let timer: number | undefined;
  let detailBusy = false;

  const loadList = async (more = false): Promise<void> => {
    const query = new URLSearchParams({ limit: '25' });
    if (status.value) query.set('status', status.value);
    if (more && next) query.set('cursor', next);
    const { body } = await api<Page<Delivery>>('GET', `/admin/deliveries?${query}`);
    if (!ctx.alive()) return;
    items = more ? [...items, ...body.items] : body.items;
    next = body.next;
    replaceKeepingFocus(listRegion, deliveryList(items, status.value, selectedId), next ? h('button', { type: 'button', 'data-key': 'more', onclick: () => void loadList(true).catch(showError) }, 'Load more') : null);
  };

  const loadDetail = async (): Promise<boolean> => {
    if (!selectedId) return false;
    try {
      const { body } = await api<DeliveryDetail>('GET', `/admin/deliveries/${encodeURIComponent(selectedId)}`);
      if (!ctx.alive()) return false;
      replaceKeepingFocus(detailRegion, ...detailView(body, reload));
      return body.status === 'QUEUED' || body.batches.some((b) => UNSETTLED.has(b.status));
    } catch (error) {
      replaceKeepingFocus(detailRegion, detailTitle(`Delivery ${selectedId}`), h('p', { class: 'form-error', role: 'alert' }, errorText(error)));
      return false;
    }
  };

  /** Keep watching while anything is still on its way to ISC; stop when settled, after a bound, or on leaving. */
  const watch = (): void => {
    window.clearTimeout(timer);
    const busy = items.some((d) => d.status === 'QUEUED') || detailBusy;
    if (!busy || refreshes >= MAX_REFRESHES || !ctx.alive()) return;
    timer = window.setTimeout(() => {
      if (!ctx.alive()) return;
      refreshes++;
      void Promise.all([loadList(), loadDetail()]).then(([, busyNow]) => {
        detailBusy = busyNow;
        watch();
      }, showError);
    }, REFRESH_MS);
  };
  const reload = async (): Promise<void> => {
    refreshes = 0;
    const [, busy] = await Promise.all([loadList(), loadDetail()]);
    detailBusy = busy;
    watch();
  };
  const showError = (error: unknown) => announce(errorText(error), 'error');

  refresh.addEventListener('click', () => void reload().then(() => announce('Deliveries refreshed.'), showError));
  status.addEventListener('change', () => void reload().catch(showError));

  clear(ctx.root,
    h('h2', { tabindex: '-1' }, 'Deliveries'),
    h('p', { class: 'lede' }, 'Every usage report received, what became of each instance, and each batch sent to ISC.'),
    h('div', { class: 'toolbar' }, field('Status', status), refresh),
    listRegion,
    detailRegion);
  await reload();
  return selectedId ? DETAIL_TITLE : undefined;
}
