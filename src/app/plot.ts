/**
 * Loss curves drawn with the 2D canvas API, for pictures: the CLI's loss.png and the page's
 * "Loss plot PNG" download (it works on an OffscreenCanvas, in the page and in Node through
 * src/node/canvas.ts, where a chart library is not available). The live plot on the page is
 * uPlot (chart.ts). Only what src/node/canvas.ts draws is used: fillRect, strokeRect, polylines
 * of 1-2 px, fillText and measureText (no arcs, alpha, or text alignment).
 *
 * Ticks are "nice" numbers (1, 2, 5 times a power of ten; on a log axis the decades, with 2 and
 * 5 between when the range is short) and every label is distinct. A series with many points is
 * a thin raw line plus a smoothed line; sparse series get markers, so a one-epoch run still
 * shows its validation point and every training step.
 */
export interface Series {
  label: string;
  color: string;
  points: [number, number][];
  /** Draw a dot at every point (default: when the series has fewer than 40 points). */
  marker?: boolean;
}

export interface PlotOptions { title?: string; xLabel?: string; logY?: boolean }

type Ctx = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** About `target` nice ticks covering [lo, hi] on a linear axis. */
export function linearTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const ticks = (step: number) => {
    const out: number[] = [];
    for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) out.push(Number((k * step).toPrecision(12)));
    return out;
  };
  // The 1-2-5 step whose tick count is nearest the target (the smaller step on a tie).
  const p = 10 ** Math.floor(Math.log10((hi - lo) / target));
  let best: number[] = [];
  for (const step of [p / 2, p, 2 * p, 5 * p, 10 * p, 20 * p]) {
    const t = ticks(step);
    if (t.length >= 2 && (!best.length || Math.abs(t.length - target) < Math.abs(best.length - target))) best = t;
  }
  return best.length ? best : [lo, hi];
}

/** Nice ticks for [lo, hi] (lo > 0) on a log axis: decades, or 1-2-5 steps, or 1..9 within a short range. */
export function logTicks(lo: number, hi: number): number[] {
  const e0 = Math.floor(Math.log10(lo));
  const e1 = Math.ceil(Math.log10(hi));
  const pick = (ms: number[]) => {
    const out: number[] = [];
    for (let e = e0; e <= e1; e++) for (const m of ms) { const v = Number((m * 10 ** e).toPrecision(12)); if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v); }
    return out;
  };
  for (const ms of [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const t = pick(ms);
    if (t.length >= 3 && t.length <= 9) return t;
    if (t.length > 9) return ms.length === 1 ? t.filter((_, i) => i % Math.ceil(t.length / 8) === 0) : pick([1]);
  }
  // Under one step of 1..9 between ticks: linear ticks inside the range.
  return linearTicks(lo, hi, 4).filter((v) => v > 0);
}

/**
 * Labels with the fewest significant digits that keep neighbouring ticks apart. A null tick (uPlot
 * hands the ticks it filters out of a crowded log axis as null) gets an empty label.
 */
export function tickLabels(ticks: readonly (number | null)[]): string[] {
  const shown = ticks.filter((v): v is number => v !== null);
  let k = 0;
  const labels = digitsApart(shown);
  return ticks.map((v) => (v === null ? '' : labels[k++]));
}

function digitsApart(ticks: number[]): string[] {
  for (let d = 1; d <= 8; d++) {
    const f = ticks.map((v) => (v === 0 ? '0' : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? String(Number(v.toPrecision(d))) : v.toExponential(Math.max(0, d - 1))));
    if (new Set(f).size === f.length && ticks.every((v, i) => Math.abs(Number(f[i]) - v) <= Math.abs(v) * 1e-6 + 1e-15)) return f;
  }
  return ticks.map((v) => v.toPrecision(8));
}

/** A colour mixed with white (`t` = share of the colour): the raw line under the smoothed one. */
function lighten(hex: string, t: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return hex;
  const c = [m[1], m[2], m[3]].map((h) => Math.round(255 - (255 - parseInt(h, 16)) * t));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

function smoothPoints(points: [number, number][], weight: number): [number, number][] {
  let m = 0;
  return points.map(([x, y], i) => { m = weight * m + (1 - weight) * y; return [x, m / (1 - weight ** (i + 1))]; });
}

/** Draws series on a log-scale (default) or linear y axis. */
export function drawPlot(ctx: Ctx, width: number, height: number, series: Series[], o: PlotOptions = {}): void {
  const logY = o.logY ?? true;
  const m = { l: 70, r: 18, t: 30, b: 44 };
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  const ok = (y: number) => Number.isFinite(y) && (!logY || y > 0);
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && ok(y));
  ctx.fillStyle = '#222';
  ctx.font = '14px sans-serif';
  if (o.title) ctx.fillText(o.title, m.l, 19);
  if (!pts.length) { ctx.font = '13px sans-serif'; ctx.fillText('no data yet', width / 2 - 30, height / 2); return; }
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  // Epoch axes start at 0 when the data starts within the first epoch.
  if (x0 > 0 && x0 <= 1) x0 = 0;
  if (x1 === x0) x1 = x0 + 1;
  if (logY) {
    if (y1 / y0 < 1.2) { y0 /= 1.1; y1 *= 1.1; }
    const pad = (Math.log10(y1) - Math.log10(y0)) * 0.05;
    y0 = 10 ** (Math.log10(y0) - pad); y1 = 10 ** (Math.log10(y1) + pad);
  } else {
    if (y1 - y0 < 1e-12) { y0 -= 0.5; y1 += 0.5; }
    const pad = (y1 - y0) * 0.05;
    y0 -= pad; y1 += pad;
  }
  const fy = (y: number) => (logY ? Math.log10(y) : y);
  const pw = width - m.l - m.r;
  const ph = height - m.t - m.b;
  const X = (x: number) => m.l + ((x - x0) / (x1 - x0)) * pw;
  const Y = (y: number) => m.t + ph - ((fy(y) - fy(y0)) / (fy(y1) - fy(y0))) * ph;

  // Grid, ticks and labels.
  const yt = logY ? logTicks(y0, y1) : linearTicks(y0, y1);
  const xt = linearTicks(x0, x1, Math.max(2, Math.min(8, Math.round(pw / 90))));
  ctx.lineWidth = 1;
  ctx.strokeStyle = '#eceff2';
  ctx.fillStyle = '#444';
  ctx.font = '12px sans-serif';
  tickLabels(yt).forEach((label, i) => {
    const py = Math.round(Y(yt[i]));
    ctx.beginPath(); ctx.moveTo(m.l, py); ctx.lineTo(m.l + pw, py); ctx.stroke();
    ctx.fillText(label, m.l - 6 - ctx.measureText(label).width, py + 4);
  });
  tickLabels(xt).forEach((label, i) => {
    const px = Math.round(X(xt[i]));
    ctx.beginPath(); ctx.moveTo(px, m.t); ctx.lineTo(px, m.t + ph); ctx.stroke();
    ctx.fillText(label, px - ctx.measureText(label).width / 2, m.t + ph + 16);
  });
  ctx.strokeStyle = '#9aa3ab';
  ctx.strokeRect(m.l, m.t, pw, ph);
  if (o.xLabel) ctx.fillText(o.xLabel, m.l + pw / 2 - ctx.measureText(o.xLabel).width / 2, height - 8);

  // Series: many points are a light raw line plus a smoothed one; few get markers.
  const line = (points: [number, number][], color: string, w: number) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = w;
    ctx.beginPath();
    let started = false;
    for (const [x, y] of points) {
      if (!ok(y)) { started = false; continue; }
      if (started) ctx.lineTo(X(x), Y(y)); else { ctx.moveTo(X(x), Y(y)); started = true; }
    }
    ctx.stroke();
  };
  const legend: { label: string; color: string; dot: boolean }[] = [];
  for (const s of series) {
    const good = s.points.filter(([x, y]) => Number.isFinite(x) && ok(y));
    if (!good.length) continue;
    const dots = s.marker ?? good.length < 40;
    if (good.length >= 40) {
      line(good, lighten(s.color, 0.35), 1);
      line(smoothPoints(good, 0.9), s.color, 2);
    } else {
      line(good, s.color, 2);
    }
    if (dots) {
      ctx.fillStyle = s.color;
      for (const [x, y] of good) ctx.fillRect(Math.round(X(x)) - 3, Math.round(Y(y)) - 3, 7, 7);
    }
    legend.push({ label: good.length >= 40 ? `${s.label} (light: raw, dark: smoothed)` : s.label, color: s.color, dot: dots });
  }
  ctx.font = '12px sans-serif';
  const lw = Math.max(...legend.map((l) => ctx.measureText(l.label).width)) + 36;
  const lx = m.l + pw - lw - 6;
  ctx.fillStyle = '#fff';
  ctx.fillRect(lx, m.t + 6, lw, legend.length * 18 + 6);
  legend.forEach((l, i) => {
    const ly = m.t + 18 + i * 18;
    ctx.fillStyle = l.color;
    ctx.fillRect(lx + 6, ly - 4, 18, 3);
    if (l.dot) ctx.fillRect(lx + 12, ly - 6, 7, 7);
    ctx.fillStyle = '#222';
    ctx.fillText(l.label, lx + 30, ly);
  });
}

/** Renders a plot to PNG bytes (OffscreenCanvas). */
export async function plotPng(width: number, height: number, series: Series[], o: PlotOptions = {}): Promise<Uint8Array> {
  const canvas = new OffscreenCanvas(width, height);
  drawPlot(canvas.getContext('2d')!, width, height, series, o);
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  return new Uint8Array(await blob.arrayBuffer());
}
