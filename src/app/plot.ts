/**
 * Loss curves drawn with the 2D canvas API (works on an OffscreenCanvas, so the CLI's headless
 * page renders the same PNG the training page shows).
 */
export interface Series { label: string; color: string; points: [number, number][] }

type Ctx = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** Draws series on a log-scale y axis (losses span decades). */
export function drawPlot(ctx: Ctx, width: number, height: number, series: Series[], o: { title?: string; xLabel?: string; logY?: boolean } = {}): void {
  const logY = o.logY ?? true;
  const m = { l: 64, r: 16, t: 28, b: 40 };
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  const pts = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y) && (!logY || y > 0));
  ctx.fillStyle = '#222';
  ctx.font = '13px sans-serif';
  if (o.title) ctx.fillText(o.title, m.l, 18);
  if (!pts.length) { ctx.fillText('no data yet', width / 2 - 30, height / 2); return; }
  const fy = (y: number) => (logY ? Math.log10(y) : y);
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...pts.map((p) => fy(p[1]))), Math.max(...pts.map((p) => fy(p[1])))];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 - y0 < 1e-9) { y0 -= 0.5; y1 += 0.5; }
  const pad = (y1 - y0) * 0.05;
  y0 -= pad; y1 += pad;
  const X = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (width - m.l - m.r);
  const Y = (y: number) => height - m.b - ((fy(y) - y0) / (y1 - y0)) * (height - m.t - m.b);

  // Axes and ticks.
  ctx.strokeStyle = '#999';
  ctx.lineWidth = 1;
  ctx.strokeRect(m.l, m.t, width - m.l - m.r, height - m.t - m.b);
  ctx.fillStyle = '#444';
  ctx.font = '11px sans-serif';
  for (let i = 0; i <= 4; i++) {
    const yv = y0 + ((y1 - y0) * i) / 4;
    const py = height - m.b - ((yv - y0) / (y1 - y0)) * (height - m.t - m.b);
    ctx.fillText((logY ? 10 ** yv : yv).toPrecision(3), 4, py + 4);
    const xv = x0 + ((x1 - x0) * i) / 4;
    ctx.fillText(xv.toFixed(x1 - x0 < 8 ? 1 : 0), X(xv) - 8, height - m.b + 16);
  }
  if (o.xLabel) ctx.fillText(o.xLabel, width / 2 - 20, height - 6);

  // Series and legend.
  series.forEach((s, i) => {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    let started = false;
    for (const [x, y] of s.points) {
      if (!Number.isFinite(y) || (logY && y <= 0)) continue;
      if (started) ctx.lineTo(X(x), Y(y)); else { ctx.moveTo(X(x), Y(y)); started = true; }
    }
    ctx.stroke();
    if (s.points.length === 1) { ctx.fillStyle = s.color; ctx.fillRect(X(s.points[0][0]) - 2, Y(s.points[0][1]) - 2, 5, 5); }
    ctx.fillStyle = s.color;
    ctx.fillRect(width - m.r - 130, m.t + 8 + i * 16, 12, 3);
    ctx.fillStyle = '#222';
    ctx.fillText(s.label, width - m.r - 112, m.t + 12 + i * 16);
  });
}

/** Renders a plot to PNG bytes (OffscreenCanvas). */
export async function plotPng(width: number, height: number, series: Series[], o: { title?: string; xLabel?: string; logY?: boolean } = {}): Promise<Uint8Array> {
  const canvas = new OffscreenCanvas(width, height);
  drawPlot(canvas.getContext('2d')!, width, height, series, o);
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  return new Uint8Array(await blob.arrayBuffer());
}
