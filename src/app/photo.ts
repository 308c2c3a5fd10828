/**
 * "Denoise your own photo": decode a picture, optionally add Gaussian noise of a chosen
 * sigma (on the GPU, the engine's seeded noise), run the current model on it and hand back
 * noisy and denoised images with their PSNR against the picture.
 */
import { DeviceLostError, addNoise, clamp01, noGrad, tensor, tidy } from '../engine/index.ts';
import { type Image, decodeImageBytes, resizeArea, toGray, toRgb } from '../data/images.ts';
import { type DenoiseOptions, denoiseImage } from '../model/evaluate.ts';
import type { Model } from '../model/layers.ts';
import { traceModel } from '../model/layers.ts';

/** Larger photos are scaled down first: one full-resolution forward pass must fit in GPU memory. */
export const PHOTO_MAX_SIDE = 512;

export interface Photo { name: string; image: Image; note: string }

export async function loadPhoto(file: File): Promise<Photo> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let image = await decodeImageBytes(bytes, file.name);
  let note = `${image.width}×${image.height} ${image.channels === 1 ? 'gray' : 'RGB'}`;
  const side = Math.max(image.width, image.height);
  if (side > PHOTO_MAX_SIDE) {
    const s = PHOTO_MAX_SIDE / side;
    image = resizeArea(image, Math.max(1, Math.round(image.width * s)), Math.max(1, Math.round(image.height * s)));
    note += `, scaled down to ${image.width}×${image.height}`;
  }
  return { name: file.name, image, note };
}

export function psnr(a: Image, b: Image): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) { const d = Math.min(Math.max(a.data[i], 0), 1) - b.data[i]; s += d * d; }
  return 10 * Math.log10(a.data.length / s);
}

/**
 * Fits the photo to the model: its channel count, and for models that do not keep the size
 * (the seed autoencoder), a square of `fallbackSize` (the size it was trained at).
 */
export function fitToModel(image: Image, model: Model, fallbackSize: number): { image: Image; note: string } {
  let im = image.channels === model.spec.channels ? image : model.spec.channels === 1 ? toGray(image) : toRgb(image);
  let note = im === image ? '' : `converted to ${model.spec.channels === 1 ? 'gray' : 'RGB'}`;
  let keepsSize = false;
  try {
    const out = traceModel(model.spec, im.height, im.width).at(-1)!.out;
    keepsSize = out[0] === im.height && out[1] === im.width;
  } catch { /* too small for the model: resize */ }
  if (!keepsSize) {
    im = resizeArea(im, fallbackSize, fallbackSize);
    note = [note, `resized to ${fallbackSize}×${fallbackSize} (this model takes that size)`].filter(Boolean).join(', ');
  }
  return { image: im, note };
}

/**
 * Adds noise (sigma on the 0-255 scale; 0 = none) and denoises, strip by strip (progress and
 * cancellation between strips, see denoiseImage).
 */
export async function denoisePhoto(model: Model, clean: Image, sigma: number, seed = 1, o: DenoiseOptions = {}): Promise<{ noisy: Image; denoised: Image }> {
  const shape = [1, clean.height, clean.width, clean.channels];
  const x = tensor(clean.data, shape, 'photo');
  const noisyT = sigma > 0 ? noGrad(() => addNoise(x, { kind: 'gaussian', sigma, seed, step: 0 })) : null;
  try {
    const y = await denoiseImage(model, noisyT ?? x, { what: 'denoising the photo', ...o });
    const d = tidy(() => noGrad(() => clamp01(y)));
    y.dispose();
    const dims = { width: clean.width, height: clean.height, channels: clean.channels };
    const noisy = noisyT ? { ...dims, data: await noisyT.read() } : clean;
    const denoised = { ...dims, data: await d.read() };
    d.dispose();
    noisyT?.dispose();
    x.dispose();
    return { noisy, denoised };
  } catch (e) {
    // A lost device took the buffers with it; otherwise give them back.
    if (!(e instanceof DeviceLostError)) { noisyT?.dispose(); x.dispose(); }
    throw e;
  }
}
