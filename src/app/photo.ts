/**
 * "Denoise your own photo", the work without the DOM: which model denoises (the current model,
 * a shipped pretrained one, or the automatic choice of `npm run denoise`), and the denoising
 * itself through src/model/denoise.ts, the code the CLI runs: full resolution in tiles sized
 * from the device's limits, colour through a colour model or channel by channel through a gray
 * one, the noise added on the host with the CLI's generator (so `npm run denoise -- PHOTO
 * --sigma S` gives the same noisy and denoised images for the same seed).
 */
import { decodeImageBytes } from '../data/decode.ts';
import type { Image } from '../data/images.ts';
import type { Runtime } from '../engine/index.ts';
import type { InferenceTuning } from '../model/tuneInference.ts';
import { type ColourMode, type Denoiser, type DenoiserInfo, ShippedDenoisers, type TileProgress, denoisePhoto, readModelFile } from '../model/denoise.ts';
import { addGaussianNoise, psnr } from '../model/imageQuality.ts';
import { DEFAULT_MODEL, PRETRAINED, findPretrained } from '../model/pretrained.ts';
import { receptiveRadius } from '../model/tiles.ts';
import { getDenoiser } from './checkpoints.ts';
import type { LoadedCheckpoint } from './state.ts';

export interface Photo { name: string; image: Image; note: string }

/** Decodes a picture at its own size: the tiles take any size, so nothing is scaled down. */
export async function loadPhoto(file: File): Promise<Photo> {
  const image = await decodeImageBytes(new Uint8Array(await file.arrayBuffer()), file.name);
  return { name: file.name, image, note: `${image.width}×${image.height} ${image.channels === 1 ? 'gray' : 'RGB'}` };
}

/** The chooser's values: 'auto' (per the photo's channels, as the CLI without --model), 'current', or 'pretrained:NAME'. */
export type PhotoChoice = 'auto' | 'current' | `pretrained:${string}`;

/** What a choice will run for a photo of `channels` channels, before anything is built. */
export interface ChoicePlan {
  /** The shipped model's name, or null for the current model. */
  pretrained: string | null;
  modelChannels: 1 | 3;
  /** How colour is handled; null when the model cannot take the photo (then `problem` says why). */
  mode: ColourMode | null;
  problem: string | null;
}

/** `channels` null: no photo yet (then only the model itself is checked; the automatic choice names the gray model). */
export function planChoice(choice: PhotoChoice, channels: 1 | 3 | null, ck: LoadedCheckpoint | null): ChoicePlan {
  let pretrained: string | null = null;
  let modelChannels: 1 | 3;
  if (choice === 'current') {
    if (!ck) throw new Error('no current model: train one or load a checkpoint, or choose a pretrained model');
    modelChannels = ck.meta.channels === 3 ? 3 : 1;
  } else {
    pretrained = choice === 'auto' ? DEFAULT_MODEL[channels ?? 1] : choice.slice('pretrained:'.length);
    const m = findPretrained(pretrained);
    if (!m) throw new Error(`no shipped model named '${pretrained}' (shipped: ${PRETRAINED.map((p) => p.name).join(', ')})`);
    modelChannels = m.channels;
  }
  // Checked here, before any GPU work, so that the panel can say it and keep Denoise off.
  if (choice === 'current' && receptiveRadius(ck!.meta.spec) === null) {
    return { pretrained, modelChannels, mode: null, problem: `the current model (${ck!.meta.preset}) pools or strides, so it cannot denoise a photo of any size in tiles: train the small or dncnn preset, or choose a pretrained model` };
  }
  if (channels === null) return { pretrained, modelChannels, mode: null, problem: null };
  // The same rule as denoisePhoto: a colour model refuses a gray photo; a gray model takes RGB channel by channel.
  if (channels === 1 && modelChannels === 3) return { pretrained, modelChannels, mode: null, problem: 'a gray photo cannot go through a colour model: choose a gray one' };
  const mode: ColourMode = channels === modelChannels ? (channels === 1 ? 'gray' : 'colour') : 'per-channel';
  return { pretrained, modelChannels, mode, problem: null };
}

// Shipped models are built on first use and kept for the next photo. A lost device takes their
// buffers with it, so the cache belongs to one runtime and is dropped (not disposed) with it.
let shipped: { runtime: Runtime; models: ShippedDenoisers } | null = null;
// The current model's description (and the check that it can run in tiles), parsed once per checkpoint.
const currentInfo = new WeakMap<LoadedCheckpoint, DenoiserInfo>();

/** Builds (or reuses) the denoiser a plan names: a shipped model, or the page's current model. */
export async function denoiserFor(plan: ChoicePlan, runtime: Runtime, ck: LoadedCheckpoint | null): Promise<Denoiser> {
  if (plan.pretrained) {
    if (shipped?.runtime !== runtime) shipped = { runtime, models: new ShippedDenoisers() };
    return shipped.models.get(plan.pretrained);
  }
  if (!ck) throw new Error('no current model');
  let info = currentInfo.get(ck);
  if (!info) {
    // Throws for a model that cannot denoise a photo of any size (the seed autoencoder pools), with the reason.
    info = readModelFile(ck.bytes, ck.name).info;
    currentInfo.set(ck, info);
  }
  // The model the test panel uses, built once per checkpoint (checkpoints.ts).
  const { model } = await getDenoiser();
  return { model, info };
}

export interface PhotoResult {
  noisy: Image;
  denoised: Image;
  mode: ColourMode;
  tile: number;
  tiles: number;
  /** PSNR of the noisy input and of the output against the photo, when noise was added. */
  psnrNoisy: number | null;
  psnr: number | null;
}

/**
 * Adds Gaussian noise of `sigma` (0-255 scale; 0 = none) with the CLI's host generator and
 * denoises through denoisePhoto: progress after every tile, the signal checked between layers.
 */
export async function denoiseOwnPhoto(d: Denoiser, clean: Image, sigma: number, seed: number,
  o: { signal?: AbortSignal; onProgress?(p: TileProgress): void; tune?: InferenceTuning } = {}): Promise<PhotoResult> {
  const noisy = sigma > 0 ? addGaussianNoise(clean, sigma, seed, 0) : clean;
  const r = await denoisePhoto(d, noisy, o);
  return {
    noisy, denoised: r.image, mode: r.mode, tile: r.tile, tiles: r.tiles,
    psnrNoisy: sigma > 0 ? psnr(noisy, clean) : null,
    psnr: sigma > 0 ? psnr(r.image, clean) : null,
  };
}
