/**
 * What the page shows and hands out about a session: the table of epochs, the test metrics beside the published numbers, the noisy | denoised | clean grid,
 * and the downloadable files (PNG / zip, CSV, JSON).
 */
import { zipSync } from 'fflate';
import { encodePng } from '../data/png.ts';
import type { EvalResult } from '../model/evaluate.ts';
import type { NoiseConfig } from '../model/config.ts';
import type { EpochRecord } from '../model/trainer.ts';
import { type GridRow, drawGrid, gridSize } from './grid.ts';
import { el, fmtNum } from './ui.ts';

export interface TestRun { sigma: number | null; noise: NoiseConfig; result: EvalResult }

/**
 * Published PSNR (dB) for Gaussian noise, copied from data/README.md (Zhang et al., "Beyond a
 * Gaussian Denoiser", IEEE TIP 2017): BSD68 at sigma 15/25/50 and Set12 at 25, on the full sets.
 */
export const PUBLISHED: Record<string, Record<number, { bm3d: number; dncnn: number }>> = {
  bsd68: { 15: { bm3d: 31.07, dncnn: 31.73 }, 25: { bm3d: 28.57, dncnn: 29.23 }, 50: { bm3d: 25.62, dncnn: 26.23 } },
  set12: { 25: { bm3d: 29.97, dncnn: 30.44 } },
};

const noiseName = (n: NoiseConfig): string => {
  switch (n.kind) {
    case 'gaussian': return Array.isArray(n.sigma) ? `Gaussian sigma ${n.sigma[0]}–${n.sigma[1]}` : `Gaussian sigma ${n.sigma}`;
    case 'speckle': return `speckle sigma ${n.sigma}`;
    case 'saltPepper': return `salt & pepper ${n.amount}`;
    case 'poisson': return `Poisson peak ${n.peak}`;
  }
};
export const testLabel = (t: TestRun) => (t.sigma !== null ? `sigma ${t.sigma}` : noiseName(t.noise));

export function renderEpochs(tbody: HTMLElement, history: EpochRecord[]): void {
  tbody.replaceChildren(...history.map((r) => {
    const tr = el('tr');
    for (const v of [String(r.epoch), fmtNum(r.trainLoss), fmtNum(r.valLoss), Number.isFinite(r.valPsnr) ? r.valPsnr.toFixed(2) : '—', r.lr.toExponential(2), r.seconds.toFixed(1)]) {
      tr.append(el('td', v));
    }
    return tr;
  }));
}

/** One row per test noise level; the published numbers where the set and sigma match. */
export function renderTests(tbody: HTMLElement, tests: TestRun[], testSet: string): void {
  tbody.replaceChildren(...tests.map((t) => {
    const m = t.result.mean;
    const pub = t.sigma !== null ? PUBLISHED[testSet]?.[t.sigma] : undefined;
    const tr = el('tr');
    const cells = [testLabel(t), m.psnrNoisy.toFixed(2), m.psnr.toFixed(2), m.ssim.toFixed(4), fmtNum(m.mse), fmtNum(m.mae),
      pub ? pub.bm3d.toFixed(2) : '—', pub ? pub.dncnn.toFixed(2) : '—'];
    cells.forEach((v, i) => tr.append(el('td', v, i === 2 ? 'ours' : i >= 6 ? 'published' : '')));
    return tr;
  }));
}

export function gridRows(t: TestRun): GridRow[] {
  return (t.result.outputs ?? []).map((o, i) => ({ ...o, psnr: t.result.perImage[i].psnr, psnrNoisy: t.result.perImage[i].psnrNoisy }));
}

/** Draws the grid at a cell width that fits the canvas's container. */
export function renderGrid(canvas: HTMLCanvasElement, rows: GridRow[]): void {
  if (!rows.length) { canvas.width = canvas.height = 0; canvas.hidden = true; return; }
  canvas.hidden = false;
  const avail = canvas.parentElement?.clientWidth ?? 760;
  const cell = Math.max(120, Math.min(256, Math.floor((avail - 16) / 3)));
  const { width, height } = gridSize(rows, cell);
  canvas.width = width;
  canvas.height = height;
  drawGrid(canvas.getContext('2d')!, rows, cell);
}

const base = (name: string) => name.replace(/^.*\//, '').replace(/\.[^.]+$/, '');

/** The denoised test images of one noise level: one PNG, or a zip of several. */
export function denoisedFiles(t: TestRun): { name: string; bytes: Uint8Array; mime: string } | null {
  const outs = t.result.outputs ?? [];
  if (!outs.length) return null;
  const tag = t.sigma !== null ? `sigma${t.sigma}` : t.noise.kind;
  if (outs.length === 1) return { name: `${base(outs[0].name)}_denoised_${tag}.png`, bytes: encodePng(outs[0].denoised), mime: 'image/png' };
  const entries: Record<string, Uint8Array> = {};
  for (const o of outs) entries[`${base(o.name)}_denoised_${tag}.png`] = encodePng(o.denoised);
  return { name: `denoised_${tag}.zip`, bytes: zipSync(entries, { level: 0 }), mime: 'application/zip' };
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One table: a row per epoch, then per test image and per test mean (a `kind` column tells them apart). */
export function metricsCsv(history: EpochRecord[], tests: TestRun[], testSet: string): string {
  const cols = ['kind', 'epoch', 'train_loss', 'val_loss', 'val_psnr', 'lr', 'seconds', 'test_set', 'noise', 'image', 'psnr_noisy', 'psnr', 'ssim', 'mse', 'mae'];
  const rows: unknown[][] = [cols];
  for (const r of history) rows.push(['epoch', r.epoch, r.trainLoss, r.valLoss, r.valPsnr, r.lr, r.seconds]);
  for (const t of tests) {
    for (const m of t.result.perImage) rows.push(['test', '', '', '', '', '', '', testSet, testLabel(t), m.name, m.psnrNoisy, m.psnr, m.ssim, m.mse, m.mae]);
    const m = t.result.mean;
    rows.push(['test_mean', '', '', '', '', '', '', testSet, testLabel(t), '', m.psnrNoisy, m.psnr, m.ssim, m.mse, m.mae]);
  }
  return rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

export function metricsJson(o: { config: unknown; model: unknown; data: unknown; history: EpochRecord[]; tests: TestRun[]; testSet: string; seconds?: number }): string {
  return JSON.stringify({
    config: o.config, model: o.model, data: o.data, seconds: o.seconds, history: o.history,
    test: {
      set: o.testSet,
      results: o.tests.map((t) => ({ sigma: t.sigma, noise: t.noise, mean: t.result.mean, perImage: t.result.perImage })),
      published: PUBLISHED[o.testSet] ?? null,
    },
  }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
}
