/**
 * DOM helpers for the lab page: lookup by id, element building, tables.
 */

/** The element with this id; throws naming it when lab.html lacks it (a typo, not a user error). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`lab.html has no element #${id}`);
  return e as T;
}

type Child = Node | string | null | undefined | false;

/** An element with a class (optional) and children (strings become text). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** A table with a header row and body rows of cells (strings or nodes). */
export function table(head: string[], rows: Child[][], className = 'table'): HTMLTableElement {
  const t = h('table', className);
  t.append(h('thead', '', h('tr', '', ...head.map((c) => h('th', '', c)))));
  t.append(h('tbody', '', ...rows.map((r) => h('tr', '', ...r.map((c) => h('td', '', c))))));
  return t;
}

/** A definition list of [term, value] pairs. */
export function facts(pairs: [string, Child][]): HTMLDListElement {
  const dl = h('dl', 'facts');
  for (const [k, v] of pairs) dl.append(h('dt', '', k), h('dd', '', v));
  return dl;
}

/** Inline code. */
export const code = (text: string) => h('code', '', text);

/** The children that are there (drops null, undefined and false). */
export const present = (...children: Child[]): (Node | string)[] => children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false);
