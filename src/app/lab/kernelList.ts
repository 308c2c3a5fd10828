/**
 * The sidebar (#kernel-list): every kernel of the table, grouped by the op that launches it, in
 * table order, with a filter box. Each entry is a real link (`?kernel=name`) so it can be opened
 * in a new tab; a plain click is handed to `onPick` instead of reloading the page.
 */
import { KERNELS, type KernelRow } from '../../engine/kernels.ts';
import { h } from './dom.ts';

/** Kernels grouped by op, in the table's order. */
export function kernelsByOp(): [string, KernelRow[]][] {
  const groups = new Map<string, KernelRow[]>();
  for (const row of Object.values(KERNELS)) {
    const g = groups.get(row.op) ?? [];
    g.push(row);
    groups.set(row.op, g);
  }
  return [...groups];
}

/** A short tag for an entry: its role, and its variant when there are several. */
const tagOf = (row: KernelRow) => [row.role, row.variant === 'only' ? '' : row.variant].filter(Boolean).join(' · ');

/** A long snake_case name with line-break opportunities after its underscores. */
const breakable = (name: string): (string | Node)[] =>
  name.split(/(?<=_)/).flatMap((part, i) => (i ? [document.createElement('wbr'), part] : [part]));

/** Builds the list into `container`; returns a function that marks the selected kernel. */
export function buildKernelList(container: HTMLElement, onPick: (name: string) => void): (selected: string) => void {
  const filter = h('input', 'filter');
  filter.type = 'search';
  filter.placeholder = `Filter ${Object.keys(KERNELS).length} kernels…`;
  filter.setAttribute('aria-label', 'filter kernels');
  const nav = h('nav', 'kernel-groups');
  const links = new Map<string, HTMLAnchorElement>();
  for (const [op, rows] of kernelsByOp()) {
    const list = h('ul');
    for (const row of rows) {
      const a = h('a', '', h('span', 'kname', ...breakable(row.name)), h('span', 'ktag', tagOf(row)));
      a.href = `?kernel=${encodeURIComponent(row.name)}`;
      a.dataset.kernel = row.name;
      a.addEventListener('click', (ev) => {
        if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return; // new tab: let the browser do it
        ev.preventDefault();
        onPick(row.name);
      });
      links.set(row.name, a);
      list.append(h('li', '', a));
    }
    nav.append(h('section', 'kernel-group', h('h3', '', op), list));
  }
  filter.addEventListener('input', () => {
    const q = filter.value.trim().toLowerCase();
    for (const section of nav.querySelectorAll('section')) {
      let shown = 0;
      for (const li of section.querySelectorAll('li')) {
        const name = li.querySelector('a')?.dataset.kernel ?? '';
        const op = section.querySelector('h3')?.textContent ?? '';
        const hit = !q || name.includes(q) || op.toLowerCase().includes(q) || KERNELS[name].role.includes(q);
        li.hidden = !hit;
        if (hit) shown++;
      }
      section.hidden = shown === 0;
    }
  });
  container.replaceChildren(filter, nav);
  return (selected) => {
    for (const [name, a] of links) {
      a.classList.toggle('selected', name === selected);
      if (name === selected) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  };
}
