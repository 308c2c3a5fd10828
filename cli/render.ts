/**
 * What `npm run train` keeps of a session, rendered where the session ran (the headless page
 * or Node): the loss plot, the noisy | denoised | clean grid and the denoised PNGs, next to the
 * numbers. Both backends hand this to cli/report.ts, which writes runs/<name>/.
 */
import { gridPng } from '../src/app/grid.ts';
import { plotPng } from '../src/app/plot.ts';
import { encodePng } from '../src/data/png.ts';
import type { NoiseConfig, TrainConfig } from '../src/model/config.ts';
import type { EvalResult } from '../src/model/evaluate.ts';
import type { SessionResult } from '../src/model/session.ts';
import type { EpochRecord, StepEvent } from '../src/model/trainer.ts';

/** Progress, the same from both backends (the page sends it as JSON, bytes as base64). */
export type CliEvent =
  | ({ type: 'step' } & StepEvent)
  | { type: 'epoch'; record: EpochRecord; checkpoint: Uint8Array }
  | { type: 'stage'; stage: string; done?: number; total?: number }
  | { type: 'log'; message: string };

export interface RenderedTest {
  sigma: number | null;
  noise: NoiseConfig;
  mean: EvalResult['mean'];
  perImage: EvalResult['perImage'];
  /** grid-<tag>.png (the first kept images), or null when none were kept. */
  grid: Uint8Array | null;
  denoised: { name: string; png: Uint8Array }[];
}

/** A finished session with its pictures as PNG bytes. */
export interface RenderedRun {
  state: SessionResult['state'];
  error: string | null;
  config: TrainConfig;
  model: SessionResult['model'];
  data: SessionResult['data'];
  history: EpochRecord[];
  seconds: number;
  tests: RenderedTest[];
  /** loss.png */
  plot: Uint8Array;
  checkpoint: Uint8Array;
}

/** Draws the loss plot and the test grids and encodes the denoised images (needs an OffscreenCanvas). */
export async function renderRun(result: SessionResult): Promise<RenderedRun> {
  const h = result.history;
  // The training loss of every step, so that a short run is a curve and not one dot per epoch;
  // validation is measured once per epoch. The same series as the page's "Loss plot PNG".
  const plot = await plotPng(720, 360, [
    { label: 'training loss (per step)', color: '#1f77b4', points: result.steps },
    { label: 'validation loss (per epoch)', color: '#d62728', points: h.map((r) => [r.epoch, r.valLoss]), marker: true },
  ], { title: `MSE loss (${result.config.preset})`, xLabel: 'epoch' });
  const tests = await Promise.all(result.tests.map(async (t) => {
    const outs = t.result.outputs ?? [];
    const rows = outs.map((o, i) => ({ ...o, psnr: t.result.perImage[i].psnr, psnrNoisy: t.result.perImage[i].psnrNoisy }));
    return {
      sigma: t.sigma, noise: t.noise, mean: t.result.mean, perImage: t.result.perImage,
      grid: rows.length ? await gridPng(rows, 256) : null,
      denoised: outs.map((o) => ({ name: o.name, png: encodePng(o.denoised) })),
    };
  }));
  return {
    state: result.state, error: result.error, config: result.config, model: result.model, data: result.data,
    history: h, seconds: result.seconds, tests, plot, checkpoint: result.checkpoint,
  };
}
