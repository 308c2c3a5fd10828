/**
 * The live loss plot of the training page, drawn by uPlot (a small, maintained chart library,
 * loaded by this page only, on first use): the training loss of every step (raw, and smoothed by
 * an exponential moving average), the validation loss of every epoch as points, a log or linear
 * y axis, and a tooltip with the values under the cursor. The PNG download and the CLI's
 * loss.png are drawn by plot.ts (no DOM needed).
 */
import type uPlotType from 'uplot';
import { tickLabels } from './plot.ts';
import { fmtNum } from './ui.ts';

type UPlot = typeof uPlotType;
/** Points drawn per training series at most (redrawn every frame while training). */
const MAX_POINTS = 5000;
type AlignedData = uPlotType.AlignedData;

let lib: Promise<UPlot> | null = null;
function load(): Promise<UPlot> {
  lib ??= Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([m]) => m.default);
  return lib;
}

/** Exponential moving average with bias correction (as TensorBoard's smoothing), weight 0.9. */
export function smooth(values: number[], weight = 0.9): number[] {
  let m = 0;
  return values.map((v, i) => {
    m = weight * m + (1 - weight) * v;
    return m / (1 - weight ** (i + 1));
  });
}

/**
 * One x axis for uPlot: the steps' fractional epochs and the epochs merged; each series is null
 * where it has no value. Non-positive values are dropped on a log axis.
 */
export function alignLoss(steps: [number, number][], val: [number, number][], logY: boolean): AlignedData {
  const ok = (y: number) => Number.isFinite(y) && (!logY || y > 0);
  const all = steps.filter((p) => ok(p[1]));
  const allSmooth = smooth(all.map((p) => p[1]));
  // A long run keeps every k-th step (the smoothed line is computed over all of them first).
  const k = Math.ceil(all.length / MAX_POINTS);
  const keep = k > 1 ? all.map((_, i) => i).filter((i) => i % k === k - 1 || i === all.length - 1) : all.map((_, i) => i);
  const finite = keep.map((i) => all[i]);
  const s = keep.map((i) => allSmooth[i]);
  const xs = [...new Set([...finite.map((p) => p[0]), ...val.filter((p) => ok(p[1])).map((p) => p[0])])].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const raw: (number | null)[] = xs.map(() => null);
  const sm: (number | null)[] = xs.map(() => null);
  const v: (number | null)[] = xs.map(() => null);
  finite.forEach((p, i) => { raw[at.get(p[0])!] = p[1]; sm[at.get(p[0])!] = s[i]; });
  for (const p of val) if (ok(p[1])) v[at.get(p[0])!] = p[1];
  return [xs, raw, sm, v];
}

export class LossChart {
  private plot: uPlotType | null = null;
  private logY = true;
  private data: AlignedData = [[], [], [], []];
  private title = '';
  /** The x axis spans at least [0, xMax] (the planned epochs), so progress has room to grow. */
  private xMax = 1;
  private readonly tip: HTMLDivElement;

  constructor(private readonly el: HTMLElement) {
    this.tip = document.createElement('div');
    this.tip.className = 'plot-tip';
    this.tip.hidden = true;
    void load(); // fetched while the engine starts, so the first step is drawn at once
  }

  /** Replaces the data (steps as [fractional epoch, loss], validation as [epoch, loss]). */
  update(steps: [number, number][], val: [number, number][], title: string, xMax = 1): void {
    this.data = alignLoss(steps, val, this.logY);
    this.xMax = xMax;
    this.el.dataset.points = String(steps.length);
    this.el.dataset.valPoints = String(val.filter((p) => Number.isFinite(p[1])).length);
    this.title = title;
    const empty = !this.data[0].length;
    this.el.querySelector<HTMLElement>('.plot-empty')?.toggleAttribute('hidden', !empty);
    if (empty) { this.plot?.destroy(); this.plot = null; return; }
    if (this.plot) this.plot.setData(this.data);
    else void this.create();
  }

  setLog(logY: boolean): void {
    if (logY === this.logY) return;
    this.logY = logY;
    this.plot?.destroy();
    this.plot = null;
    if (this.data[0].length) void this.create();
  }

  resize(): void {
    this.plot?.setSize({ width: this.width(), height: this.height() });
  }

  private width(): number { return Math.max(300, this.el.clientWidth || 760); }
  private height(): number { return Math.max(160, (this.el.clientHeight || 250) - 30); } // room for the legend

  private creating = false;
  private async create(): Promise<void> {
    if (this.creating) return;
    this.creating = true;
    try {
      const uPlot = await load();
      if (this.plot) return;
      const logY = this.logY;
      const tip = this.tip;
      const sparse = (u: uPlotType) => (u.data[1] as (number | null)[]).filter((v) => v !== null).length < 40;
      const fmt = (v: number | null) => (v === null || v === undefined ? '—' : fmtNum(v));
      this.plot = new uPlot({
        width: this.width(),
        height: this.height(),
        title: undefined,
        scales: {
          x: { time: false, range: (_u, lo, hi) => [Math.min(0, lo), Math.max(hi, this.xMax)] },
          y: logY ? { distr: 3, log: 10 } : { auto: true },
        },
        axes: [
          { label: 'epoch', labelSize: 18, size: 36, grid: { stroke: '#eef0f2' }, values: (_u, ticks) => tickLabels(ticks) },
          { size: 64, grid: { stroke: '#eef0f2' }, values: (_u, ticks) => tickLabels(ticks) },
        ],
        legend: { live: false }, // the tooltip shows the values; a static legend keeps the layout still
        cursor: { points: { size: 6 }, drag: { x: true, y: false } },
        series: [
          { label: 'epoch', value: (_u, v) => (v === null ? '—' : v.toFixed(2)) },
          // Sparse (a first epoch, a short run): a dot per step, so one step is already visible.
          { label: 'training (per step)', stroke: 'rgba(31, 119, 180, 0.35)', width: 1, spanGaps: true, points: { show: sparse, size: 5, stroke: '#1f77b4', fill: '#1f77b4' }, value: (_u, v) => fmt(v) },
          { label: 'training (smoothed)', stroke: '#1f77b4', width: 2, spanGaps: true, points: { show: false }, value: (_u, v) => fmt(v) },
          { label: 'validation (epoch)', stroke: '#d62728', width: 2, spanGaps: true, points: { show: true, size: 7, fill: '#d62728' }, value: (_u, v) => fmt(v) },
        ],
        hooks: {
          setCursor: [(u) => {
            const i = u.cursor.idx;
            if (i === null || i === undefined || u.cursor.left === undefined || u.cursor.left < 0) { tip.hidden = true; return; }
            const [x, raw, sm, val] = u.data;
            const lines = [`epoch ${(x[i] as number).toFixed(2)}`];
            if (raw[i] !== null && raw[i] !== undefined) lines.push(`training ${fmt(raw[i] as number)} (smoothed ${fmt(sm[i] as number)})`);
            if (val[i] !== null && val[i] !== undefined) lines.push(`validation ${fmt(val[i] as number)}`);
            tip.textContent = lines.join('\n');
            tip.style.whiteSpace = 'pre';
            tip.hidden = false;
            const left = u.cursor.left + u.bbox.left / devicePixelRatio;
            const top = (u.cursor.top ?? 0) + u.bbox.top / devicePixelRatio;
            // Right of the cursor, or left of it near the right edge.
            tip.style.left = `${left + 12 + tip.offsetWidth > this.width() ? Math.max(0, left - 12 - tip.offsetWidth) : left + 12}px`;
            tip.style.top = `${Math.max(0, top - 40)}px`;
          }],
        },
      }, this.data, this.el);
      this.el.append(tip);
      this.el.title = this.title;
    } finally {
      this.creating = false;
    }
  }
}
