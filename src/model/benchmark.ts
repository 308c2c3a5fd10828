/**
 * A denoiser on a standard test set with the standard protocol: Gaussian noise drawn per image
 * and not clipped, output clipped to [0, 1], PSNR and SSIM averaged over images. What
 * `npm run bench:dncnn` runs for each (model, set, sigma), in Node or in its headless page.
 *
 * It runs exactly what `npm run denoise` runs (src/model/denoise.ts denoisePhoto, tiles at the
 * device's default size) so that the benchmark vouches for that path. The noise is the host twin
 * of the GPU draw that `evaluate()` uses (image i gets Philox key (seed, i): the same values to
 * ~1e-6), and the metrics are the engine's definitions in float64 (src/model/imageQuality.ts).
 */
import { loadBuiltin } from '../data/builtin.ts';
import { decodeAll } from '../data/dataset.ts';
import { type Denoiser, denoisePhoto } from './denoise.ts';
import { throwIfAborted } from './evaluate.ts';
import { addGaussianNoise, psnr, ssim } from './imageQuality.ts';
import type { StandardSet } from './pretrained.ts';
import type { InferenceTuning } from './tuneInference.ts';

export interface BenchmarkImage { name: string; psnrNoisy: number; psnr: number; ssim: number; seconds: number }

export interface BenchmarkResult {
  model: string;
  set: StandardSet;
  sigma: number;
  seed: number;
  images: number;
  /** Tile side used (output pixels). */
  tile: number;
  mean: { psnrNoisy: number; psnr: number; ssim: number };
  perImage: BenchmarkImage[];
  seconds: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);

/**
 * Evaluates `d` on the first `limit` images of `set` (in file-name order) at Gaussian `sigma`.
 * onProgress: images done, fractional within an image (by tiles).
 */
export async function benchmarkDenoiser(
  d: Denoiser, set: StandardSet, sigma: number,
  o: { seed: number; limit?: number; tile?: number; signal?: AbortSignal; onProgress?(done: number, total: number): void; tune?: InferenceTuning },
): Promise<BenchmarkResult> {
  const t0 = performance.now();
  const { images } = await decodeAll(await loadBuiltin(set, o.limit ?? Infinity), { channels: d.info.channels });
  const perImage: BenchmarkImage[] = [];
  let tile = 0;
  for (const [i, { name, image }] of images.entries()) {
    throwIfAborted(o.signal, 'the benchmark');
    const t1 = performance.now();
    const noisy = addGaussianNoise(image, sigma, o.seed, i);
    const r = await denoisePhoto(d, noisy, { tile: o.tile, signal: o.signal, tune: o.tune, onProgress: (p) => o.onProgress?.(i + p.fraction, images.length) });
    tile = r.tile;
    perImage.push({ name, psnrNoisy: psnr(noisy, image), psnr: psnr(r.image, image), ssim: ssim(r.image, image), seconds: (performance.now() - t1) / 1000 });
  }
  return {
    model: d.info.name, set, sigma, seed: o.seed, images: images.length, tile,
    mean: { psnrNoisy: mean(perImage.map((m) => m.psnrNoisy)), psnr: mean(perImage.map((m) => m.psnr)), ssim: mean(perImage.map((m) => m.ssim)) },
    perImage, seconds: (performance.now() - t0) / 1000,
  };
}
