/**
 * Evaluation with the standard protocol: noise drawn per image and added to the [0,1] image
 * without clipping, the denoised output clipped to [0,1], metrics per image on the GPU and
 * averaged over images. Fully convolutional models denoise whole images at full resolution.
 *
 * A whole image can be seconds of GPU work on a slow adapter (a 481x321 BSD68 image through
 * the small preset is ~17 GFLOP), so fully convolutional models denoise in horizontal strips,
 * one submit each, sized to about half a second of work but at least 4x the halo deep: between
 * strips the caller's AbortSignal is checked and progress reported (within a longer strip,
 * between layers). Each strip carries a halo of rows as deep as the model's receptive field, so
 * the stitched output is what one pass over the image gives.
 */
import {
  DeviceLostError, EngineError, type Tensor, clamp01, empty, maePerImage, msePerImage, noGrad, psnrPerImage, runtime, ssimPerImage, tensor, tidy,
} from '../engine/index.ts';
import type { Image } from '../data/images.ts';
import type { NamedImage } from '../data/dataset.ts';
import type { NoiseConfig } from './config.ts';
import { type Model, traceModel } from './layers.ts';
import { addNoiseFor } from './pipeline.ts';
import { DISPATCH_FLOP_BUDGET, costliestLayerFlops, receptiveRadius } from './tiles.ts';
import { type InferenceTuning, tuneInference } from './tuneInference.ts';

export interface ImageMetrics { name: string; psnrNoisy: number; psnr: number; ssim: number; mse: number; mae: number }

export interface EvalResult {
  perImage: ImageMetrics[];
  mean: { psnrNoisy: number; psnr: number; ssim: number; mse: number; mae: number };
  /** Noisy, denoised (clipped) and clean images of the first `keepOutputs` images. */
  outputs?: { name: string; noisy: Image; denoised: Image; clean: Image }[];
}

/** A long task stopped by its AbortSignal. */
export class CancelledError extends EngineError {}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new CancelledError(`${what} cancelled`);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);

/** Measured FLOP/s of strip passes on this runtime (starts low: the first strip is small). */
const stripRate = new WeakMap<object, number>();
const STRIP_SECONDS = 0.5;
/** A strip's rows are at least this many times the halo: its halo's work at most (1 + 2 / HALO_ROWS)x. */
const HALO_ROWS = 4;

/**
 * Output rows per strip: about STRIP_SECONDS of work at `rate` FLOP/s, but at least HALO_ROWS x
 * the halo (below that the halo's rows, computed twice, dominate: 8 rows of a depth-17 DnCNN read
 * 42, and its Set12 test took 2.5x the tiled time), at most `budgetRows` (the rows whose costliest
 * layer stays within DISPATCH_FLOP_BUDGET, halo excluded), and never under 8.
 */
export function stripRowsFor(rate: number, flopsPerRow: number, halo: number, budgetRows: number): number {
  const byTime = Math.floor((rate * STRIP_SECONDS) / flopsPerRow);
  return Math.max(8, Math.min(Math.max(byTime, HALO_ROWS * halo), budgetRows));
}

export interface DenoiseOptions {
  signal?: AbortSignal;
  /** Share of the image done, in (0, 1]. */
  onProgress?(fraction: number): void;
  /** What to call the task in a cancellation message. */
  what?: string;
  /** Rows per strip (default: about half a second of work at the rate measured so far). */
  stripRows?: number;
  /** Measure the conv kernels at the first strip's size (or the whole image's) first, where not measured near it (src/model/tuneInference.ts). */
  tune?: InferenceTuning;
}

/**
 * The model on noisy [1, H, W, C]: a new tensor [1, H', W', C] (not clipped), computed strip by
 * strip (see the module comment) with a submit and an abort check after each; models that are
 * not fully convolutional run in one pass.
 */
export async function denoiseImage(model: Model, noisy: Tensor, o: DenoiseOptions = {}): Promise<Tensor> {
  const what = o.what ?? 'denoising';
  throwIfAborted(o.signal, what);
  const rt = runtime();
  const [N, H, W, C] = noisy.shape;
  const halo = receptiveRadius(model.spec); // rows of context a strip needs on each side (null: run whole)
  const whole = async () => {
    await tuneInference(model.spec, N, H, W, o.tune, o.signal);
    const y = noGrad(() => model.forward(noisy));
    await waitForGpu();
    o.onProgress?.(1);
    return y;
  };
  // Before sizing strips: a model with strides or pooling has no strips, and one row (or pixel) of
  // it would not even trace (the seed autoencoder halves an image five times).
  if (halo === null || N !== 1) return whole();
  const flopsPerRow = traceModel(model.spec, 1, W).reduce((a, l) => a + l.flops, 0);
  const budgetRows = Math.floor(DISPATCH_FLOP_BUDGET / (W * costliestLayerFlops(model.spec))) - 2 * halo;
  const stripRows = (rate: number) => o.stripRows ?? stripRowsFor(rate, flopsPerRow, halo, budgetRows);
  let rows = stripRows(stripRate.get(rt) ?? 2e9); // FLOP/s: about SwiftShader on two cores
  if (rows >= H) return whole();
  await tuneInference(model.spec, 1, Math.min(H, rows + 2 * halo), W, o.tune, o.signal); // an inner strip's size
  const rowBytes = W * C * 4;
  const src = noisy.view('denoiseImage');
  const out = empty([1, H, W, C], 'denoised');
  try {
    for (let r0 = 0, r1 = 0; r0 < H; r0 = r1) {
      r1 = Math.min(H, r0 + rows);
      const a = Math.max(0, r0 - halo);
      const b = Math.min(H, r1 + halo);
      const t0 = performance.now();
      const strip = empty([1, b - a, W, C], 'strip');
      let y: Tensor | null = null;
      try {
        const sv = strip.view('denoiseImage');
        rt.commandEncoder().copyBufferToBuffer(src.buffer, src.offset + a * rowBytes, sv.buffer, sv.offset, (b - a) * rowBytes);
        // A strip longer than STRIP_SECONDS runs layer by layer with a signal, so that a cancel stops within one layer.
        const long = (flopsPerRow * (b - a)) / (stripRate.get(rt) ?? 2e9) > STRIP_SECONDS;
        y = o.signal && long ? await model.forwardStepwise(strip, () => throwIfAborted(o.signal, what)) : tidy(() => noGrad(() => model.forward(strip)));
        const yv = y.view('denoiseImage');
        const ov = out.view('denoiseImage');
        rt.commandEncoder().copyBufferToBuffer(yv.buffer, yv.offset + (r0 - a) * rowBytes, ov.buffer, ov.offset + r0 * rowBytes, (r1 - r0) * rowBytes);
        await waitForGpu();
      } catch (e) {
        if (!(e instanceof DeviceLostError)) { y?.dispose(); strip.dispose(); }
        throw e;
      }
      y.dispose();
      strip.dispose();
      const sec = (performance.now() - t0) / 1000;
      // Size the next strips from the rate just measured.
      const measured = (flopsPerRow * (b - a)) / Math.max(sec, 1e-3);
      stripRate.set(rt, measured);
      rows = stripRows(measured);
      o.onProgress?.(r1 / H);
      if (r1 < H) throwIfAborted(o.signal, what);
    }
  } catch (e) {
    if (!(e instanceof DeviceLostError)) out.dispose();
    throw e;
  }
  return out;
}

/** Submits the pending work and waits for the GPU (a lost device rejects). */
async function waitForGpu(): Promise<void> {
  const rt = runtime();
  rt.flush();
  const lost = rt.ctx.lost.then((e) => { throw e; });
  lost.catch(() => {});
  await Promise.race([rt.device.queue.onSubmittedWorkDone(), lost]);
}

export interface EvaluateOptions {
  noise: NoiseConfig;
  seed: number;
  keepOutputs?: number;
  /** After each image. */
  onProgress?: (done: number, total: number) => void;
  /** Finer progress, within images: images done as a fraction (e.g. 3.4 of 12). */
  onPartial?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Measure the conv kernels before each image where its shapes are not measured near its size (denoiseImage). */
  tune?: InferenceTuning;
}

export async function evaluate(model: Model, images: NamedImage[], o: EvaluateOptions): Promise<EvalResult> {
  const perImage: ImageMetrics[] = [];
  const outputs: NonNullable<EvalResult['outputs']> = [];
  for (let i = 0; i < images.length; i++) {
    throwIfAborted(o.signal, 'evaluation');
    const { name, image } = images[i];
    const x = tensor(image.data, [1, image.height, image.width, image.channels], name);
    // A different noise draw per image, reproducible from (seed, image index).
    const noisy = noGrad(() => addNoiseFor(x, o.noise, o.seed, i));
    let y: Tensor;
    try {
      y = await denoiseImage(model, noisy, { signal: o.signal, what: 'evaluation', tune: o.tune, onProgress: (f) => o.onPartial?.(i + f, images.length) });
    } catch (e) {
      if (!(e instanceof DeviceLostError)) { noisy.dispose(); x.dispose(); }
      throw e;
    }
    const r = tidy(() => noGrad(() => {
      const denoised = clamp01(y);
      return {
        denoised,
        psnrNoisy: psnrPerImage(noisy, x), // unclipped, as the published 'noisy input' figures
        psnr: psnrPerImage(denoised, x), ssim: ssimPerImage(denoised, x),
        mse: msePerImage(denoised, x), mae: maePerImage(denoised, x),
      };
    }));
    y.dispose();
    const m: ImageMetrics = {
      name,
      psnrNoisy: (await r.psnrNoisy.read())[0],
      psnr: (await r.psnr.read())[0],
      ssim: (await r.ssim.read())[0],
      mse: (await r.mse.read())[0],
      mae: (await r.mae.read())[0],
    };
    perImage.push(m);
    if (i < (o.keepOutputs ?? 0)) {
      const shape = { width: image.width, height: image.height, channels: image.channels };
      outputs.push({ name, clean: image, noisy: { ...shape, data: await noisy.read() }, denoised: { ...shape, data: await r.denoised.read() } });
    }
    for (const t of Object.values(r)) t.dispose();
    noisy.dispose();
    x.dispose();
    o.onProgress?.(i + 1, images.length);
  }
  return {
    perImage,
    mean: {
      psnrNoisy: mean(perImage.map((m) => m.psnrNoisy)), psnr: mean(perImage.map((m) => m.psnr)),
      ssim: mean(perImage.map((m) => m.ssim)), mse: mean(perImage.map((m) => m.mse)), mae: mean(perImage.map((m) => m.mae)),
    },
    outputs: o.keepOutputs ? outputs : undefined,
  };
}
