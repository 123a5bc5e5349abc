/// <reference lib="dom" />
import { h, plural, table, type Child } from './dom.js';
import type { DeliveryDetail } from './types.js';

/**
 * Users ISC did not know that the target's NERM did (core/non-employees.ts): who they are in NERM and whom to ask,
 * so an admin can have the sponsor review or end their access. Nothing when no batch looked anyone up.
 */
export function nonEmployeesSection(d: DeliveryDetail): Child {
  const looked = d.batches.flatMap((b) => (b.nonEmployees ? [{ index: b.index, lookup: b.nonEmployees }] : []));
  if (looked.length === 0) return null;
  const rows = looked.flatMap(({ index, lookup }) => lookup.found.map((n) => [
    String(index),
    h('span', { class: 'mono' }, n.email),
    n.type ?? '—',
    n.status ?? '—',
    n.manager ? [n.manager.name ?? '', n.manager.email ? h('span', { class: 'mono' }, ` ${n.manager.email}`) : null] : '—',
    h('span', { class: 'mono' }, n.nermId),
  ]));
  const notes = looked.flatMap(({ index, lookup }) => [
    h('li', {}, `Batch #${index}: ${plural(lookup.checked, 'unmatched user')} looked up, ${lookup.found.length} found${lookup.skipped > 0 ? `, ${lookup.skipped} not looked up` : ''}.`),
    lookup.error ? h('li', { class: 'error-cell' }, h('strong', {}, lookup.error.code), `: ${lookup.error.message} The batch was sent regardless.`) : null,
  ]);
  return [
    h('h4', {}, 'Non-employees (NERM)'),
    h('ul', { class: 'hint' }, notes),
    rows.length === 0 ? h('p', { class: 'empty' }, 'None of the unmatched users is known to NERM.') :
      table(`Unmatched users of delivery ${d.id} found in NERM`, ['#', 'Email', 'NERM user type', 'NERM status', 'Sponsor / manager', 'NERM user id'], rows, { captionHidden: true }),
  ];
}
