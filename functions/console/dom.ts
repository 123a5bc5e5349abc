/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/** A few DOM helpers: elements are built with textContent only, so API data never becomes markup. */

export type Child = Node | string | number | null | undefined | false | Child[];
type AttrValue = string | number | boolean | null | undefined | ((event: Event) => void);

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, AttrValue> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (name === 'class') element.className = String(value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

export function clear(element: Element, ...children: Child[]): void {
  element.replaceChildren();
  append(element, children);
}

let ids = 0;
/** A unique id for label/for and aria-* pairs. */
export const uid = (prefix: string): string => `${prefix}-${++ids}`;

/** A labelled form field: the label is always a real <label for>. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  control.id ||= uid('f');
  const hintId = hint ? `${control.id}-hint` : undefined;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h('div', { class: control instanceof HTMLInputElement && control.type === 'checkbox' ? 'field check' : 'field' },
    control instanceof HTMLInputElement && control.type === 'checkbox' ? [control, h('label', { for: control.id }, label)] : [h('label', { for: control.id }, label), control],
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null);
}

const statusRegion = (): HTMLElement => document.getElementById('status')!;

/** Polite announcement in the page's aria-live region (also shown as a banner). */
export function announce(text: string, kind: 'info' | 'error' = 'info'): void {
  const region = statusRegion();
  region.className = `status ${kind}`;
  region.textContent = text;
}

export function badge(text: string, tone: string): HTMLElement {
  return h('span', { class: `badge ${tone}` }, text);
}

const TONES: Record<string, string> = {
  production: 'prod', staging: 'stage',
  DISPATCHED: 'ok', COMPLETE: 'ok', mapped: 'ok',
  FAILED: 'bad', environment_mismatch: 'bad', target_missing: 'bad',
  PARTIAL: 'warn', HELD: 'warn', SUSPECT_MAPPING: 'warn', AWAITING_INSTALL: 'warn', unmapped: 'warn', disabled: 'muted',
  QUEUED: 'busy', PENDING: 'busy', STAGED: 'busy', IN_FLIGHT: 'busy', RETRY_WAIT: 'busy',
};
export const statusBadge = (status: string): HTMLElement => badge(status, TONES[status] ?? 'muted');

/** ISO timestamp as "2026-11-25 10:03:12 UTC" in a <time> element. */
export function time(iso: string | null | undefined): Node {
  if (!iso) return document.createTextNode('—');
  const date = new Date(iso);
  const text = Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return h('time', { datetime: iso }, text);
}

/** A report date: midnight UTC shows as the day alone ("2026-11-25"); other instants as time() does. */
export function day(iso: string | null | undefined): string {
  if (!iso) return '(not given)';
  if (/^\d{4}-\d{2}-\d{2}(T00:00:00(\.0+)?Z)?$/.test(iso)) return iso.slice(0, 10);
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

/** A table with a caption and header row; rows are arrays of cells. */
export function table(caption: string, headers: string[], rows: Child[][], options: { class?: string; captionHidden?: boolean } = {}): HTMLTableElement {
  return h('table', { class: options.class ?? 'grid' },
    h('caption', { class: options.captionHidden ? 'sr-only' : undefined }, caption),
    h('thead', {}, h('tr', {}, headers.map((text) => h('th', { scope: 'col' }, text)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell) => h('td', {}, cell))))));
}

/** Split "a@x.com, b@x.com\nc@x.com" into a list; empty → undefined. */
export function list(text: string): string[] | undefined {
  const items = text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
  return items.length > 0 ? items : undefined;
}

/** A whole number from a number input; empty → undefined (the API validates the rest). */
export function int(input: HTMLInputElement): number | undefined {
  const raw = input.value.trim();
  return raw === '' ? undefined : Number(raw);
}
