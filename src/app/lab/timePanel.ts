/**
 * The Time results: one row per timed shape (median, min–max spread, first run apart, GFLOP/s
 * and GB/s, the share of the adapter's measured peak, the method) and, with the TF.js switch on,
 * TF.js's median at the same shape, the ratio TF.js / ours and the largest output difference.
 */
import type { KernelRow } from '../../engine/kernels.ts';
import { h, present, table } from './dom.ts';
import { err, ms, pct, si } from './format.ts';
import type { KernelTiming, Peak } from './timingApi.ts';

export interface TimedRow {
  kernel: string;
  /** The shape's name (shapeName) and the offered label when it has one. */
  shape: string;
  label: string;
  t: KernelTiming;
  /** Whether TF.js was asked for (a null t.tfjs then means it has no counterpart). */
  tfjsAsked: boolean;
}

/** Throughput of a timing: FLOP/s and bytes/s at the median. */
export function rates(t: KernelTiming): { gflops: number; gbps: number } {
  const s = t.ours.median_ms / 1e3;
  return { gflops: t.flop / s / 1e9, gbps: t.bytes / s / 1e9 };
}

/**
 * The share of the measured peak: the larger of compute and bandwidth share (the roofline's bound
 * for this kernel), with which one it is.
 */
export function peakShare(t: KernelTiming, peak: Peak | null): { share: number; of: 'FLOP/s' | 'bandwidth' } | null {
  if (!peak) return null;
  const r = rates(t);
  const compute = peak.gflops > 0 ? r.gflops / peak.gflops : 0;
  const memory = peak.gbps > 0 ? r.gbps / peak.gbps : 0;
  return compute >= memory ? { share: compute, of: 'FLOP/s' } : { share: memory, of: 'bandwidth' };
}

/** One line for #result. */
export function timeSummary(r: TimedRow, peak: Peak | null): string {
  const { gflops, gbps } = rates(r.t);
  const s = peakShare(r.t, peak);
  const tf = r.t.tfjs ? `; TF.js ${ms(r.t.tfjs.median_ms)} (${(r.t.tfjs.median_ms / r.t.ours.median_ms).toFixed(2)}x ours)` : '';
  return `${r.kernel} at ${r.shape}: median ${ms(r.t.ours.median_ms)} (${ms(r.t.ours.min_ms)}–${ms(r.t.ours.max_ms)}), ` +
    `${r.t.flop ? `${gflops.toPrecision(3)} GFLOP/s` : `${gbps.toPrecision(3)} GB/s`}${s ? `, ${pct(s.share)} of peak ${s.of}` : ''}${tf}`;
}

/** The table of timed rows (newest first), and the TF.js note for kernels without a counterpart. */
export function renderTimes(container: HTMLElement, row: KernelRow, rows: TimedRow[], peak: Peak | null, noTfjs: string | undefined): void {
  if (!rows.length) {
    container.replaceChildren(h('p', 'note', `No timings of ${row.name} yet: pick a shape and press Time.`));
    return;
  }
  const anyTf = rows.some((r) => r.tfjsAsked);
  const head = ['shape', 'median (min–max)', 'first run', 'GFLOP/s · GB/s', 'of peak', 'method',
    ...(anyTf ? ['TF.js median', 'TF.js / ours', 'max |Δ| vs TF.js'] : [])];
  const body = rows.map((r) => {
    const { gflops, gbps } = rates(r.t);
    const s = peakShare(r.t, peak);
    const o = r.t.ours;
    const samples = o.batch && o.batch > 1 ? `${o.samples_ms.length} × ${o.batch} calls` : `${o.samples_ms.length}`;
    const cells = [
      h('span', '', r.shape, r.label && r.label !== r.shape ? h('span', 'sub block', r.label) : null),
      h('span', '', h('strong', 'median', ms(o.median_ms)), h('span', 'sub block', `${ms(o.min_ms)} – ${ms(o.max_ms)}`)),
      ms(o.first_ms),
      `${r.t.flop ? gflops.toPrecision(3) : '—'} · ${gbps.toPrecision(3)}`,
      s ? h('span', '', pct(s.share), h('span', 'sub block', s.of)) : h('span', 'sub', 'peak not measured'),
      h('span', '', o.method === 'timestamp' ? 'timestamps' : 'queue', h('span', 'sub block', samples)),
    ];
    if (anyTf) {
      const tf = r.t.tfjs;
      if (tf) cells.push(ms(tf.median_ms), `${(tf.median_ms / o.median_ms).toFixed(2)}x`, r.t.maxDiffVsTfjs === null ? '—' : err(r.t.maxDiffVsTfjs));
      else cells.push(r.tfjsAsked ? noCounterpart(r.t.noTfjs ?? noTfjs) : '—', '—', '—');
    }
    return cells;
  });
  const t = table(head, body, 'table times-table');
  rows.forEach((r, i) => { t.tBodies[0].rows[i].dataset.median = String(r.t.ours.median_ms); });
  const flops = rows[0].t.flop;
  container.replaceChildren(...present(
    h('div', 'table-scroll', t),
    h('p', 'note', `At ${rows[0].shape}: ${si(flops, 'FLOP')}, ${si(rows[0].t.bytes, 'B')} of compulsory traffic per run. ` +
      'Median and min–max over the repeated runs; the first run (pipeline compile, warm-up) is apart. ' +
      '"of peak" is the larger of the compute and bandwidth shares of the adapter\'s measured peak.'),
    anyTf && (rows[0].t.noTfjs ?? noTfjs) ? h('p', 'note', `TF.js: ${rows[0].t.noTfjs ?? noTfjs}.`) : null,
  ));
}

/** The TF.js cell of a kernel without a TF.js counterpart (the reason on hover). */
function noCounterpart(why: string | undefined): HTMLElement {
  const e = h('span', 'sub', 'no counterpart');
  if (why) e.title = why;
  return e;
}
