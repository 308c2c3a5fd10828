/**
 * The Check result: the verdict against the float64 reference (worst error, share of the
 * tolerance, mismatches, where the worst one is), the kernels that ran, and pictures of the
 * image-shaped inputs and outputs.
 */
import type { KernelRow } from '../../engine/kernels.ts';
import type { CheckResult } from '../../lab/check.ts';
import { code, facts, h } from './dom.ts';
import { coords, err, pct } from './format.ts';
import { type Picture, renderPictures } from './featureMaps.ts';

/** One line for #result. */
export function checkSummary(r: CheckResult): string {
  return `${r.pass ? 'PASS' : 'FAIL'}: ${r.kernel}, worst error ${err(r.maxErr)} = ${pct(r.share)} of the tolerance` +
    (r.pass ? '' : `, ${r.bad} of ${r.output.data.length} outside it`);
}

/** The tensors worth a picture: image-shaped inputs (not weights), the output, and |output - reference|. */
function pictures(row: KernelRow, r: CheckResult): Picture[] {
  const out: Picture[] = [];
  for (const [name, t] of Object.entries(r.inputs)) if (name !== 'w') out.push({ label: `${name} (input)`, shape: t.shape, data: t.data });
  if (row.role !== 'weight-grad') {
    out.push({ label: 'output (GPU)', shape: r.output.shape, data: r.output.data });
    const diff = new Float64Array(r.output.data.length);
    for (let i = 0; i < diff.length; i++) diff[i] = Math.abs(r.output.data[i] - r.reference.data[i]);
    out.push({ label: '|GPU − reference|', shape: r.output.shape, data: diff });
  }
  return out;
}

/** Fills the check panel's result area. */
export function renderCheck(container: HTMLElement, row: KernelRow, r: CheckResult, seed: number): void {
  const worst = r.worstAt >= 0 ? coords(r.output.shape, r.worstAt) : [];
  const verdict = h('div', `verdict ${r.pass ? 'pass' : 'fail'}`, h('strong', '', r.pass ? 'PASS' : 'FAIL'), ' ', checkSummary(r).replace(/^\w+: /, ''));
  verdict.dataset.pass = String(r.pass);
  verdict.dataset.share = String(r.share);
  const dispatched = [...new Set(r.dispatched)];
  const maps = h('div', 'fmaps');
  container.replaceChildren(
    verdict,
    facts([
      ['worst |GPU − ref|', err(r.maxErr)],
      ['share of tolerance', h('span', '', h('strong', 'share', pct(r.share)), ` (1 = the edge; pass is ≤ 100% everywhere)`)],
      ['tolerance', h('span', '', code(`|gpu − ref| ≤ ${r.tol.atol} + ${r.tol.rtol}·|ref|`),
        ...(r.tol.rest ? [`; from value ${r.tol.rest.from.toLocaleString('en')} on `, code(`≤ ${r.tol.rest.atol} + ${r.tol.rest.rtol}·|ref|`)] : []))],
      ['outside tolerance', `${r.bad} of ${r.output.data.length.toLocaleString('en')} values`],
      ['worst at', worst.length ? `(${worst.join(', ')}) of [${r.output.shape.join(', ')}]: GPU ${err(r.output.data[r.worstAt])}, reference ${err(r.reference.data[r.worstAt])}` : '—'],
      ['kernels that ran', h('span', 'chips', ...dispatched.map((k) => h('span', k === r.kernel ? 'chip self' : 'chip', k)))],
      [`inputs (seed ${seed})`, Object.entries(r.inputs).map(([k, t]) => `${k} [${t.shape.join(', ')}]`).join(', ')],
    ]),
    maps,
  );
  renderPictures(maps, pictures(row, r));
}
