/**
 * Denoising whole photos with a trained or pretrained model, at full resolution and any size:
 * the engine side of `npm run denoise` (run in Node or in the CLI's headless page) and of the
 * page's photo panel.
 *
 * - Models: a shipped one (src/model/pretrained.ts), a weight file in the models/ format, or a
 *   checkpoint this engine wrote (`runs/NAME/checkpoint.safetensors`); `readModelFile` checks a
 *   file on the CPU, before any GPU work, and says what does not fit.
 * - Tiles (src/model/tiles.ts): each tile is one upload, one forward pass (one submit) and one
 *   read-back, so no buffer or dispatch outgrows the device's limits; the stitched result equals
 *   a single pass over the whole image.
 * - Colour: an RGB image goes through a colour model, or channel by channel through a gray one
 *   (`ColourMode` says which); a gray image through a colour model is refused.
 */
import { decodeImageBytes } from '../data/decode.ts';
import { type Image, ImageDecodeError, toGray, toRgb } from '../data/images.ts';
import { encodePng } from '../data/png.ts';
import { EngineError, noGrad, runtime, tensor, tidy } from '../engine/index.ts';
import { CheckpointError, loadIntoModel, readCheckpoint } from './checkpoint.ts';
import { CancelledError, throwIfAborted } from './evaluate.ts';
import { addGaussianNoise, clip01, psnr, ssim } from './imageQuality.ts';
import { Model, type ModelSpec } from './layers.ts';
import { DEFAULT_MODEL, PRETRAINED, type PretrainedModel, findPretrained, loadPretrainedBytes, readDncnnWeights } from './pretrained.ts';
import { type NamedTensor, readSafetensors } from './safetensors.ts';
import { defaultTile, planTiles, receptiveRadius } from './tiles.ts';
import { type InferenceTuning, tuneInference } from './tuneInference.ts';

export { CancelledError };

/** An input that cannot be denoised as asked (not an image, a model that does not fit, wrong channels): the CLI exits with 2. */
export class DenoiseInputError extends EngineError {}

export interface DenoiserInfo {
  /** 'dncnn_s25', or the file name of a checkpoint. */
  name: string;
  channels: 1 | 3;
  /** Receptive-field radius: the context each tile is read with. */
  radius: number;
  parameters: number;
  /** e.g. 'DnCNN-S, gray, sigma 25' or 'checkpoint of preset small, gray, epoch 6, gaussian sigma 25'. */
  description: string;
  /** The shipped model it is, if any. */
  pretrained: PretrainedModel | null;
}

/** A model file checked on the CPU: the architecture, its parameters, and what it is. */
export interface ModelFile { spec: ModelSpec; params: Map<string, NamedTensor>; info: DenoiserInfo }

const channelWord = (c: number) => (c === 1 ? 'gray' : 'RGB');

/**
 * Parses and checks a model file: a checkpoint of this engine, or DnCNN weights in the models/
 * format. Throws CheckpointError when it is neither, or when it cannot denoise a photo of any
 * size (a model that is not fully convolutional, e.g. the seed autoencoder, or channels other
 * than 1 or 3). No GPU needed. `pretrained`: the shipped model these bytes are (names and labels it).
 */
export function readModelFile(bytes: Uint8Array, fileName: string, pretrained: PretrainedModel | null = null): ModelFile {
  let parsed: ReturnType<typeof readSafetensors>;
  try {
    parsed = readSafetensors(bytes);
  } catch (e) {
    throw new CheckpointError(`${fileName} is not a model file (safetensors): ${(e as Error).message}`);
  }
  let spec: ModelSpec, params: Map<string, NamedTensor>, description: string;
  if (parsed.metadata.checkpoint) {
    const ck = readCheckpoint(bytes, fileName);
    spec = ck.meta.spec;
    params = ck.params;
    const noise = ck.meta.noise as { kind?: string; sigma?: unknown } | undefined;
    const noiseText = noise?.kind ? `, ${noise.kind}${noise.sigma !== undefined ? ` sigma ${Array.isArray(noise.sigma) ? noise.sigma.join('-') : noise.sigma}` : ''}` : '';
    description = `checkpoint of preset ${ck.meta.preset}, ${channelWord(spec.channels)}, epoch ${ck.meta.epoch}${noiseText}`;
  } else {
    ({ spec, params } = readDncnnWeights(parsed.tensors, fileName));
    description = pretrained ? pretrained.title : `DnCNN weights, ${channelWord(spec.channels)}, depth ${spec.layers.length}`;
  }
  if (spec.channels !== 1 && spec.channels !== 3) throw new CheckpointError(`${fileName}: the model takes ${spec.channels} channels; only 1 (gray) and 3 (RGB) can be denoised`);
  const radius = receptiveRadius(spec);
  if (radius === null) {
    throw new CheckpointError(`${fileName}: this model is not fully convolutional (it pools or strides, like the seed autoencoder, which works on ` +
      '128x128 images only), so it cannot denoise a photo of any size: use a small, dncnn or pretrained model');
  }
  // Every mismatch between the file and the architecture, as loadIntoModel would find it on the GPU.
  const expected = new Map<string, number[]>();
  let C = spec.channels;
  spec.layers.forEach((l, i) => {
    if (l.type !== 'conv2d') return;
    expected.set(`layers.${i}.weight`, [l.kernel, l.kernel, C, l.filters]);
    if (l.bias !== false) expected.set(`layers.${i}.bias`, [l.filters]);
    C = l.filters;
  });
  const problems = [...expected].filter(([k, s]) => params.get(k)?.shape.join(',') !== s.join(',')).map(([k, s]) => `'${k}' should be [${s}], is ${params.has(k) ? `[${params.get(k)!.shape}]` : 'missing'}`);
  for (const k of params.keys()) if (!expected.has(k)) problems.push(`unexpected parameter '${k}'`);
  if (problems.length) throw new CheckpointError(`${fileName} does not fit its own architecture: ${problems.slice(0, 4).join('; ')}${problems.length > 4 ? ` and ${problems.length - 4} more` : ''}`);
  const parameters = [...expected.keys()].reduce((n, k) => n + params.get(k)!.data.length, 0);
  const name = pretrained?.name ?? fileName;
  return { spec, params, info: { name, channels: spec.channels as 1 | 3, radius, parameters, description, pretrained } };
}

export interface Denoiser { model: Model; info: DenoiserInfo }

/** Builds a checked model file on the GPU. */
export async function buildDenoiser(f: ModelFile): Promise<Denoiser> {
  const model = new Model(f.spec);
  try {
    await loadIntoModel(model, f.params, f.info.name);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, info: f.info };
}

/** Which model denoises: the default for each image's channels, a shipped one by name, or a file's bytes. */
export type ModelChoice = { auto: true } | { pretrained: string } | { file: string; bytes: Uint8Array };

/**
 * The denoisers of one batch, built on first use and kept: with `{ auto: true }` a gray image
 * gets DnCNN-B gray and a colour one CDnCNN-B (both blind: a photo's noise level is unknown).
 */
export class DenoiserCache {
  private readonly built = new Map<string, Promise<Denoiser>>();
  constructor(readonly choice: ModelChoice) {}

  /** The denoiser for an image of `channels` channels. Throws DenoiseInputError for a gray image and a colour model. */
  async forImage(channels: 1 | 3, imageName: string): Promise<Denoiser> {
    const key = 'auto' in this.choice ? DEFAULT_MODEL[channels] : 'pretrained' in this.choice ? this.choice.pretrained : this.choice.file;
    let p = this.built.get(key);
    if (!p) {
      p = this.load(key);
      this.built.set(key, p);
      p.catch(() => this.built.delete(key));
    }
    const d = await p;
    if (d.info.channels === 3 && channels === 1) {
      throw new DenoiseInputError(`${imageName}: a gray image, but ${d.info.name} is a colour (RGB) model: use a gray model (--model ${DEFAULT_MODEL[1]}), or leave --model out to pick one per image`);
    }
    return d;
  }

  private async load(key: string): Promise<Denoiser> {
    if ('file' in this.choice) return buildDenoiser(readModelFile(this.choice.bytes, this.choice.file));
    const m = findPretrained(key);
    if (!m) throw new DenoiseInputError(`no shipped model named '${key}'`);
    return buildDenoiser(readModelFile(await loadPretrainedBytes(m), m.file, m));
  }

  dispose(): void {
    for (const p of this.built.values()) void p.then((d) => d.model.dispose(), () => {});
    this.built.clear();
  }
}

/** Shipped models by name, each built once (the benchmark's models). */
export class ShippedDenoisers {
  private readonly caches = new Map<string, DenoiserCache>();

  get(name: string): Promise<Denoiser> {
    const m = findPretrained(name);
    if (!m) return Promise.reject(new DenoiseInputError(`no shipped model named '${name}' (shipped: ${PRETRAINED.map((p) => p.name).join(', ')})`));
    let c = this.caches.get(m.name);
    if (!c) { c = new DenoiserCache({ pretrained: m.name }); this.caches.set(m.name, c); }
    return c.forImage(m.channels, m.name);
  }

  dispose(): void {
    for (const c of this.caches.values()) c.dispose();
    this.caches.clear();
  }
}

export interface TileProgress {
  tilesDone: number;
  tiles: number;
  /** Share of the work done (input pixels of the tiles done over all), in [0, 1]. */
  fraction: number;
}

export interface TiledOptions {
  /** Core side of a tile in output pixels (default: defaultTile for the device). */
  tile?: number;
  signal?: AbortSignal;
  onProgress?(p: TileProgress): void;
  /** Context read around each tile (default and minimum for an exact result: the receptive radius); tests lower it to show the seams. */
  halo?: number;
  /** Measure the conv kernels at the largest tile first, where not measured near that size (src/model/tuneInference.ts). */
  tune?: InferenceTuning;
}

/** The device's default tile side for a model (src/model/tiles.ts defaultTile). */
export function deviceTile(model: Model): number {
  return defaultTile(model.spec, runtime().limits).tile;
}

/**
 * The model on an image of its own channel count, tile by tile: the raw output (not clipped),
 * as an image of the same size. Progress after every tile; the signal is checked between tiles
 * and, within a tile, between layers.
 */
export async function denoiseTiled(model: Model, img: Image, o: TiledOptions = {}): Promise<Image> {
  const { width: W, height: H, channels: C } = img;
  if (C !== model.spec.channels) throw new DenoiseInputError(`the model takes ${model.spec.channels}-channel images, this one has ${C}`);
  const radius = receptiveRadius(model.spec);
  if (radius === null) throw new DenoiseInputError('this model is not fully convolutional: it cannot be run in tiles');
  const tiles = planTiles(H, W, o.tile ?? deviceTile(model), o.halo ?? radius);
  const area = (t: (typeof tiles)[number]) => (t.iy1 - t.iy0) * (t.ix1 - t.ix0);
  const largest = tiles.reduce((a, t) => (area(t) > area(a) ? t : a));
  await tuneInference(model.spec, 1, largest.iy1 - largest.iy0, largest.ix1 - largest.ix0, o.tune, o.signal);
  const total = tiles.reduce((s, t) => s + area(t), 0);
  const out = new Float32Array(W * H * C);
  let done = 0;
  for (let k = 0; k < tiles.length; k++) {
    throwIfAborted(o.signal, 'denoising');
    const t = tiles[k];
    const [h, w] = [t.iy1 - t.iy0, t.ix1 - t.ix0];
    const input = new Float32Array(h * w * C);
    for (let r = 0; r < h; r++) input.set(img.data.subarray(((t.iy0 + r) * W + t.ix0) * C, ((t.iy0 + r) * W + t.ix1) * C), r * w * C);
    const x = tensor(input, [1, h, w, C], 'tile');
    let y: Float32Array;
    try {
      // With a signal, layer by layer so that a cancel stops within one layer (a tile can take
      // seconds on a CPU adapter); the result is the same.
      const yt = o.signal ? await model.forwardStepwise(x, () => throwIfAborted(o.signal, 'denoising')) : tidy(() => noGrad(() => model.forward(x)));
      try { y = await yt.read(); } finally { yt.dispose(); }
    } finally {
      x.dispose();
    }
    // Keep the core: rows y0..y1, columns x0..x1 of the image, at (y0 - iy0, x0 - ix0) in the tile.
    for (let r = t.y0; r < t.y1; r++) {
      const from = ((r - t.iy0) * w + (t.x0 - t.ix0)) * C;
      out.set(y.subarray(from, from + (t.x1 - t.x0) * C), (r * W + t.x0) * C);
    }
    done += area(t);
    o.onProgress?.({ tilesDone: k + 1, tiles: tiles.length, fraction: done / total });
  }
  return { width: W, height: H, channels: C, data: out };
}

/** 'gray': a gray image, gray model; 'colour': RGB through a colour model; 'per-channel': R, G and B one by one through a gray model. */
export type ColourMode = 'gray' | 'colour' | 'per-channel';

export const COLOUR_MODE_TEXT: Record<ColourMode, string> = {
  gray: 'gray image, gray model',
  colour: 'RGB through the colour model',
  'per-channel': 'R, G, B one by one through the gray model',
};

/**
 * Denoises an image (gray or RGB) with a denoiser: the result clipped to [0, 1], how colour was
 * handled, and the tile plan. Throws DenoiseInputError for a gray image and a colour model.
 */
export async function denoisePhoto(d: Denoiser, img: Image, o: TiledOptions = {}): Promise<{ image: Image; mode: ColourMode; tile: number; tiles: number }> {
  const tile = o.tile ?? deviceTile(d.model);
  if (img.channels === 1 && d.info.channels === 3) throw new DenoiseInputError(`a gray image, but ${d.info.name} is a colour (RGB) model: use a gray model`);
  const perTile = planTiles(img.height, img.width, tile, d.info.radius).length;
  if (img.channels === d.info.channels) {
    const out = await denoiseTiled(d.model, img, { ...o, tile });
    return { image: clip01(out), mode: img.channels === 1 ? 'gray' : 'colour', tile, tiles: perTile };
  }
  // RGB through a gray model: each channel as a gray image, then merged.
  const n = img.width * img.height;
  const merged = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    const plane = new Float32Array(n);
    for (let i = 0; i < n; i++) plane[i] = img.data[3 * i + c];
    const out = await denoiseTiled(d.model, { width: img.width, height: img.height, channels: 1, data: plane }, {
      tile, signal: o.signal, tune: o.tune,
      onProgress: (p) => o.onProgress?.({ tilesDone: c * perTile + p.tilesDone, tiles: 3 * perTile, fraction: (c + p.fraction) / 3 }),
    });
    for (let i = 0; i < n; i++) merged[3 * i + c] = out.data[i];
  }
  return { image: clip01({ width: img.width, height: img.height, channels: 3, data: merged }), mode: 'per-channel', tile, tiles: 3 * perTile };
}

/** One image to denoise, as files. */
export interface DenoiseJob {
  /** For messages, e.g. 'photos/cat.png'. */
  name: string;
  bytes: Uint8Array;
  /** A clean reference to score against. */
  clean?: { name: string; bytes: Uint8Array };
  /** Add Gaussian noise of this sigma (0-255 scale) first, and score against the input. */
  sigma?: number;
  /** Noise seed, and the image's index in the batch (a different draw per image). */
  seed?: number;
  step?: number;
  tile?: number;
}

export interface Scores { psnrNoisy: number; psnr: number; ssim: number }

export interface DenoiseJobResult {
  name: string;
  width: number;
  height: number;
  channels: 1 | 3;
  model: string;
  mode: ColourMode;
  tile: number;
  tiles: number;
  seconds: number;
  /** The denoised image as an 8-bit PNG. */
  png: Uint8Array;
  /** PSNR of the (noisy) input and of the output against the clean image, SSIM of the output; null without one. */
  scores: Scores | null;
  /** Things worth saying: a model used outside its noise level, a reference converted to the image's channels. */
  notes: string[];
}

async function decode(bytes: Uint8Array, name: string): Promise<Image> {
  try {
    return await decodeImageBytes(bytes, name);
  } catch (e) {
    if (e instanceof ImageDecodeError) throw new DenoiseInputError(e.message);
    throw e;
  }
}

/** Warns when a non-blind model meets another noise level, or a blind one a level beyond its range. */
function sigmaNote(m: PretrainedModel | null, sigma: number): string | null {
  if (!m) return null;
  if (!m.blind && m.sigma !== sigma) return `${m.name} was trained for sigma ${m.sigma} only; at sigma ${sigma} expect a poor result (${DEFAULT_MODEL[m.channels]} takes any sigma up to 55)`;
  if (Array.isArray(m.sigma) && sigma > m.sigma[1]) return `${m.name} was trained for sigma up to ${m.sigma[1]}; ${sigma} is beyond it`;
  return null;
}

/**
 * Decodes an image, optionally adds noise, denoises it with the right model, scores it and
 * encodes the result: everything `npm run denoise` does to one input, wherever the engine runs.
 * Throws DenoiseInputError for anything wrong with the input (the batch goes on).
 */
export async function runDenoiseJob(cache: DenoiserCache, job: DenoiseJob, o: { signal?: AbortSignal; onProgress?(p: TileProgress): void; tune?: InferenceTuning } = {}): Promise<DenoiseJobResult> {
  const t0 = performance.now();
  const notes: string[] = [];
  let input = await decode(job.bytes, job.name);
  let clean: Image | null = null;
  if (job.sigma !== undefined) {
    clean = input;
    input = addGaussianNoise(clean, job.sigma, job.seed ?? 0, job.step ?? 0);
  } else if (job.clean) {
    clean = await decode(job.clean.bytes, job.clean.name);
    if (clean.width !== input.width || clean.height !== input.height) {
      throw new DenoiseInputError(`${job.name}: the clean reference ${job.clean.name} is ${clean.width}x${clean.height} but the image is ${input.width}x${input.height}`);
    }
    if (clean.channels !== input.channels) {
      notes.push(`the clean reference is ${channelWord(clean.channels)} and the image ${channelWord(input.channels)}: the reference was converted to ${channelWord(input.channels)}`);
      clean = input.channels === 1 ? toGray(clean) : toRgb(clean);
    }
  }
  const d = await cache.forImage(input.channels, job.name);
  if (job.sigma !== undefined) {
    const note = sigmaNote(d.info.pretrained, job.sigma);
    if (note) notes.push(note);
  }
  const r = await denoisePhoto(d, input, { tile: job.tile, signal: o.signal, onProgress: o.onProgress, tune: o.tune });
  const scores = clean && {
    psnrNoisy: psnr(input, clean), // the noisy input unclipped, as the published 'noisy' figures
    psnr: psnr(r.image, clean),
    ssim: clean.width >= 11 && clean.height >= 11 ? ssim(r.image, clean) : NaN,
  };
  return {
    name: job.name, width: input.width, height: input.height, channels: input.channels, model: d.info.name,
    mode: r.mode, tile: r.tile, tiles: r.tiles, seconds: (performance.now() - t0) / 1000,
    png: encodePng(r.image), scores, notes,
  };
}

/** 'dncnn_s25 (DnCNN-S, gray, sigma 25; 555,137 parameters, receptive radius 17)': a line for logs. */
export function describeDenoiser(info: DenoiserInfo): string {
  return `${info.name} (${info.description}; ${info.parameters.toLocaleString('en-US')} parameters, receptive radius ${info.radius})`;
}
