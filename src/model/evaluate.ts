/**
 * Evaluation with the standard protocol: noise drawn per image and added to the [0,1] image
 * without clipping, the denoised output clipped to [0,1], metrics per image on the GPU and
 * averaged over images. Fully convolutional models denoise whole images at full resolution.
 */
import { clamp01, maePerImage, msePerImage, noGrad, psnrPerImage, ssimPerImage, tensor, tidy } from '../engine/index.ts';
import type { Image } from '../data/images.ts';
import type { NamedImage } from '../data/dataset.ts';
import type { NoiseConfig } from './config.ts';
import type { Model } from './layers.ts';
import { addNoiseFor } from './pipeline.ts';

export interface ImageMetrics { name: string; psnrNoisy: number; psnr: number; ssim: number; mse: number; mae: number }

export interface EvalResult {
  perImage: ImageMetrics[];
  mean: { psnrNoisy: number; psnr: number; ssim: number; mse: number; mae: number };
  /** Noisy, denoised (clipped) and clean images of the first `keepOutputs` images. */
  outputs?: { name: string; noisy: Image; denoised: Image; clean: Image }[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);

export async function evaluate(
  model: Model,
  images: NamedImage[],
  o: { noise: NoiseConfig; seed: number; keepOutputs?: number; onProgress?: (done: number, total: number) => void },
): Promise<EvalResult> {
  const perImage: ImageMetrics[] = [];
  const outputs: NonNullable<EvalResult['outputs']> = [];
  for (let i = 0; i < images.length; i++) {
    const { name, image } = images[i];
    const x = tensor(image.data, [1, image.height, image.width, image.channels], name);
    const r = tidy(() => noGrad(() => {
      // A different noise draw per image, reproducible from (seed, image index).
      const noisy = addNoiseFor(x, o.noise, o.seed, i);
      const denoised = clamp01(model.forward(noisy));
      return {
        noisy, denoised,
        psnrNoisy: psnrPerImage(noisy, x), // unclipped, as the published 'noisy input' figures
        psnr: psnrPerImage(denoised, x), ssim: ssimPerImage(denoised, x),
        mse: msePerImage(denoised, x), mae: maePerImage(denoised, x),
      };
    }));
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
      outputs.push({ name, clean: image, noisy: { ...shape, data: await r.noisy.read() }, denoised: { ...shape, data: await r.denoised.read() } });
    }
    for (const t of Object.values(r)) t.dispose();
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
