/**
 * What the kernel table says about a kernel: the title bar (op, role, variant, launcher, links to
 * its backward kernels) and the facts card (workgroup, outputs per invocation, `when`, the FLOP
 * and byte formulas with their values at the chosen shape, the reference it is checked against),
 * plus the file's header comment as documentation.
 */
import type { Dims, KernelRow } from '../../engine/kernels.ts';
import { code, facts, h, present } from './dom.ts';
import { formulaText, helpersIn, si } from './format.ts';

/** A link to another kernel of the lab (a plain click is handed to onPick). */
export function kernelLink(name: string, onPick: (name: string) => void): HTMLAnchorElement {
  const a = h('a', 'klink', name);
  a.href = `?kernel=${encodeURIComponent(name)}`;
  a.addEventListener('click', (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
    ev.preventDefault();
    onPick(name);
  });
  return a;
}

/** The title bar: name, badges, launcher, also-serves and backward links. */
export function renderTitle(container: HTMLElement, row: KernelRow, onPick: (name: string) => void): void {
  const badges = h('span', 'badges', h('span', `badge role-${row.role}`, row.role), row.variant !== 'only' && h('span', 'badge', row.variant));
  const back = row.backward.length
    ? row.backward.flatMap((b, i) => [i ? ' ' : '', kernelLink(b, onPick)])
    : [h('span', 'note', row.role === 'forward' ? 'none' : 'none (it is itself a gradient, optimizer, metric or data kernel)')];
  container.replaceChildren(
    h('h2', 'kernel-title', row.name, ' ', badges),
    h('div', 'kernel-meta',
      h('span', '', 'op ', code(row.op), ', launched by ', code(row.launcher)),
      row.alsoServes && h('span', '', 'also serves ', h('strong', '', row.alsoServes)),
      h('span', 'backward', 'backward: ', ...back)),
  );
}

/** Evaluates a formula, turning a throw or NaN into a dash (a half-typed shape must not break the card). */
function value(f: (d: Dims) => number, d: Dims | null, unit: string): string {
  if (!d) return '—';
  try {
    const v = f(d);
    return Number.isFinite(v) ? `${si(v, unit)}${v >= 1000 ? ` (${v.toLocaleString('en')})` : ''}` : '—';
  } catch {
    return '—';
  }
}

/** The facts card: launch geometry and cost at `dims` (null when the shape is invalid). */
export function renderFacts(container: HTMLElement, row: KernelRow, dims: Dims | null): void {
  const flopText = formulaText(row, row.flops);
  const byteText = formulaText(row, row.bytes);
  const invText = formulaText(row, row.invocations);
  const helpers = helpersIn(`${flopText} ${byteText} ${invText}`);
  const perInv = row.perInvocationText ?? (row.perInvocation === 0 ? 'a workgroup-cooperative reduction' : `${row.perInvocation} output${row.perInvocation === 1 ? '' : 's'}`);
  container.replaceChildren(...present(
    h('h2', '', 'About ', h('span', 'sub', dims ? 'values at the chosen shape' : 'fix the shape to see values')),
    facts([
      ['workgroup size', `${row.wg} (override WG)`],
      ['per invocation', perInv],
      ['runs when', row.when ? code(row.when.text) : 'always (the only variant of its role)'],
      ['dims', code(row.dims.join(', '))],
      ['invocations', h('span', '', code(invText), ' = ', value(row.invocations, dims, ''))],
      ['workgroups', value(row.workgroups, dims, '')],
      ['FLOP', h('span', '', code(flopText), ' = ', h('strong', '', value(row.flops, dims, 'FLOP')))],
      ['bytes', h('span', '', code(byteText), ' = ', h('strong', '', value(row.bytes, dims, 'B')))],
      ['reference', h('span', '', code(row.reference), ' (float64, src/engine/reference.ts, referenceData.ts or referenceWinograd.ts)')],
    ]),
    helpers.length ? h('p', 'note', 'where ', ...helpers.flatMap(([k, v], i) => [i ? '; ' : '', code(k), ' = ', code(v)])) : null,
  ));
}

/** The documentation card: the file's header comment as written (#doc). */
export function renderDoc(container: HTMLElement, name: string, doc: string): void {
  container.replaceChildren(
    h('h2', '', 'Documentation ', h('span', 'sub', `the header comment of ${name}.wgsl`)),
    h('pre', 'doc-text', doc || '(this file has no header comment)'),
  );
}
