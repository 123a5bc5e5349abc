/// <reference lib="dom" />
/**
 * The deliveries page's last 30 days, hand-drawn in SVG: one row of daily bars per measure (reports received,
 * users sent for review, campaigns started, failures), plus campaigns per instance. A few dozen lines instead of
 * a chart library (the smallest well-kept ones add 40-200 KiB to a 30 KiB page); only attributes, no inline
 * styles, so the page's CSP stays `style-src 'self'`.
 */
import { api, type ApiResponse } from './api.js';
import { h } from './dom.js';
import type { Delivery } from './types.js';

const DAYS = 30;
const DAY_MS = 86_400_000;
/** 30 days of deliveries fit in a few pages; the bound keeps a flood from turning the chart into a scan. */
const MAX_PAGES = 8;

export interface DailyPoint {
  date: string;
  reports: number;
  usersSent: number;
  campaigns: number;
  failures: number;
}

/** Days (UTC) ending today, oldest first; deliveries outside the window are ignored. */
export function dailySeries(deliveries: readonly Delivery[], today: Date): DailyPoint[] {
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const days: DailyPoint[] = Array.from({ length: DAYS }, (_, i) => ({ date: new Date(end - (DAYS - 1 - i) * DAY_MS).toISOString().slice(0, 10), reports: 0, usersSent: 0, campaigns: 0, failures: 0 }));
  const byDate = new Map(days.map((d) => [d.date, d]));
  for (const delivery of deliveries) {
    const day = byDate.get(delivery.receivedAt.slice(0, 10));
    if (!day) continue;
    day.reports += 1;
    day.usersSent += delivery.instances.reduce((sum, i) => sum + i.inactiveUsers, 0);
    day.campaigns += delivery.settled?.dispatched ?? 0;
    day.failures += delivery.settled?.failed ?? 0;
  }
  return days;
}

/** Campaigns (dispatched batches) per instance over the window, most first. */
export function campaignsPerInstance(deliveries: readonly Delivery[], since: string): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const delivery of deliveries) {
    if (delivery.receivedAt < since || !delivery.settled?.dispatched) continue;
    for (const instance of delivery.instances) if (instance.batches > 0) counts.set(instance.instanceKey, (counts.get(instance.instanceKey) ?? 0) + instance.batches);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag: string, attributes: Record<string, string | number>, ...children: Node[]): SVGElement {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

const MEASURES: Array<{ key: keyof Omit<DailyPoint, 'date'>; label: string }> = [
  { key: 'reports', label: 'Reports received' },
  { key: 'usersSent', label: 'Users sent for review' },
  { key: 'campaigns', label: 'Campaigns started' },
  { key: 'failures', label: 'Failed batches' },
];

function barRow(points: DailyPoint[], key: keyof Omit<DailyPoint, 'date'>, label: string): SVGElement {
  const width = 600;
  const height = 48;
  const slot = width / points.length;
  const max = Math.max(1, ...points.map((p) => p[key]));
  const total = points.reduce((sum, p) => sum + p[key], 0);
  const bars = points.map((p) => {
    const barHeight = p[key] === 0 ? 0 : Math.max(2, (p[key] / max) * (height - 4));
    return svg('rect', { x: (slot * points.indexOf(p) + 1).toFixed(1), y: (height - barHeight).toFixed(1), width: (slot - 2).toFixed(1), height: barHeight.toFixed(1), class: `bar bar-${key}` },
      svg('title', {}, document.createTextNode(`${p.date}: ${p[key]}`)));
  });
  return svg('svg', { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', class: 'chart-row', role: 'img', 'aria-label': `${label}: ${total} in ${points.length} days, at most ${max} a day` },
    svg('line', { x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5, class: 'axis' }), ...bars);
}

async function recentDeliveries(since: string): Promise<Delivery[]> {
  const items: Delivery[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query: URLSearchParams = new URLSearchParams({ since, limit: '250', ...(cursor ? { cursor } : {}) });
    const { body }: ApiResponse<{ items: Delivery[]; next: string | null }> = await api('GET', `/admin/deliveries?${query}`);
    items.push(...body.items);
    cursor = body.next;
    if (!cursor) break;
  }
  return items;
}

export async function renderDeliveryChart(today = new Date()): Promise<HTMLElement> {
  const points = dailySeries([], today);
  const since = `${points[0]!.date}T00:00:00Z`;
  const deliveries = await recentDeliveries(since);
  const series = dailySeries(deliveries, today);
  const perInstance = campaignsPerInstance(deliveries, since);
  return h('section', { class: 'panel chart', 'aria-labelledby': 'chart-title', id: 'delivery-chart' },
    h('h3', { id: 'chart-title' }, `Last ${DAYS} days (${series[0]!.date} → ${series.at(-1)!.date}, UTC)`),
    h('dl', { class: 'chart-rows' }, MEASURES.flatMap(({ key, label }) => [
      h('dt', {}, `${label} `, h('span', { class: 'hint' }, String(series.reduce((sum, p) => sum + p[key], 0)))),
      h('dd', {}, barRow(series, key, label) as unknown as HTMLElement),
    ])),
    perInstance.length === 0 ? h('p', { class: 'hint' }, 'No campaigns started in this window.') :
      h('p', { class: 'hint', id: 'campaigns-per-instance' }, `Campaigns per instance: ${perInstance.map(([key, n]) => `${key} ${n}`).join(' · ')}`));
}
