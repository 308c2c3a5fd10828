/**
 * The pretrained denoisers shipped in models/ (the authors' DnCNN releases, BatchNorm folded;
 * provenance in models/README.md): what each one is, what it was checked against, and how to
 * get its bytes and weights. `npm run denoise -- --model NAME`, `npm run train -- --resume NAME`,
 * `npm run bench:dncnn` and the page read this list.
 *
 * Every score row holds four numbers for one (test set, sigma): the noisy input and the PSNR of an
 * independent float32 CPU run of these exact weights (both from models/README.md, NumPy noise),
 * the paper's, and ours: measured by `npm run bench:dncnn` with this engine (Philox noise, so the
 * noisy input differs in the last digit), on `images` of the set's images (a subset where the
 * CPU adapter made the whole set too slow). PSNR in dB, Gaussian noise not clipped, output
 * clipped to [0, 1], averaged over images.
 */
import type { BuiltinSet } from '../data/builtin.ts';
import { CHECKPOINT_FORMAT, type CheckpointMeta, CheckpointError } from './checkpoint.ts';
import type { ModelSpec } from './layers.ts';
import { dncnn } from './presets.ts';
import { type NamedTensor, readSafetensors, writeSafetensors } from './safetensors.ts';

/** The standard test sets (src/data/builtin.ts serves them from data/). */
export type StandardSet = Extract<BuiltinSet, 'set12' | 'bsd68' | 'cbsd68'>;

export interface ScoreRow {
  set: StandardSet;
  sigma: number;
  /** PSNR of the noisy input, and of the independent float32 CPU run of these weights (models/README.md). */
  noisy: number;
  reference: number;
  /** The paper's PSNR (Zhang et al. 2017); `paperUnchecked`: a Set12 value not re-checked against the paper. */
  paper: number;
  paperUnchecked?: boolean;
  /** This engine's PSNR from `npm run bench:dncnn`, on the first `images` of the set; null: not measured yet. */
  measured: { psnr: number; noisy: number; ssim: number; images: number; adapter: string } | null;
}

export interface PretrainedModel {
  /** What `--model` takes, e.g. 'dncnn_s25'. */
  name: string;
  /** File name in models/. */
  file: string;
  title: string;
  channels: 1 | 3;
  depth: number;
  /** Blind: one model for any Gaussian sigma in `sigma` (0-255 scale); else trained for that sigma only. */
  blind: boolean;
  sigma: number | [number, number];
  /** The sigmas a benchmark evaluates it at: its own, or 15, 25 and 50 for a blind model. */
  sigmas: number[];
  /** The standard sets it is evaluated on: Set12 and BSD68 for gray, CBSD68 for colour. */
  sets: StandardSet[];
  parameters: number;
  bytes: number;
  sha256: string;
  /** Where the weights come from (models/README.md has the details and the licence note). */
  source: string;
  scores: ScoreRow[];
}

const REPO = 'github.com/cszn/DnCNN @ e93b278';

// Measured by `npm run bench:dncnn -- --tile 512` on this project's CI machine (SwiftShader, 2 cores; seed 0).
// `images` below the set's size: the first images in file-name order (a CPU adapter is slow), whose
// mean is not comparable with the full-set reference and paper values (the images differ in difficulty).
const SWIFTSHADER = 'google / swiftshader';

export const PRETRAINED: readonly PretrainedModel[] = [
  {
    name: 'dncnn_s15', file: 'dncnn_s15_folded.safetensors', title: 'DnCNN-S, gray, sigma 15',
    channels: 1, depth: 17, blind: false, sigma: 15, sigmas: [15], sets: ['set12', 'bsd68'],
    parameters: 555_137, bytes: 4_442_892, sha256: '03d14db21c3bbd779603cbedbac3b638cc432aaf9bbcc8a92da08b86b5bdd4e0',
    source: `${REPO} model/specifics/sigma=15.mat (MatConvNet, BN merged by the authors)`,
    scores: [
      { set: 'set12', sigma: 15, noisy: 24.64, reference: 32.86, paper: 32.86, paperUnchecked: true, measured: { psnr: 32.86, noisy: 24.61, ssim: 0.9034, images: 12, adapter: SWIFTSHADER } },
      { set: 'bsd68', sigma: 15, noisy: 24.63, reference: 31.75, paper: 31.73, measured: null },
    ],
  },
  {
    name: 'dncnn_s25', file: 'dncnn_s25_folded.safetensors', title: 'DnCNN-S, gray, sigma 25',
    channels: 1, depth: 17, blind: false, sigma: 25, sigmas: [25], sets: ['set12', 'bsd68'],
    parameters: 555_137, bytes: 4_442_236, sha256: '314dca2185874643535e393530cadd977317909edf6d4f8a5cc62ef17ab7c3f8',
    source: `${REPO} TrainingCodes/dncnn_pytorch/models/DnCNN_sigma25/model.pth (PyTorch, BN folded here)`,
    scores: [
      { set: 'set12', sigma: 25, noisy: 20.20, reference: 30.46, paper: 30.44, measured: { psnr: 30.45, noisy: 20.17, ssim: 0.8624, images: 12, adapter: SWIFTSHADER } },
      { set: 'bsd68', sigma: 25, noisy: 20.19, reference: 29.24, paper: 29.23, measured: { psnr: 28.80, noisy: 20.17, ssim: 0.8245, images: 3, adapter: SWIFTSHADER } },
    ],
  },
  {
    name: 'dncnn_s50', file: 'dncnn_s50_folded.safetensors', title: 'DnCNN-S, gray, sigma 50',
    channels: 1, depth: 17, blind: false, sigma: 50, sigmas: [50], sets: ['set12', 'bsd68'],
    parameters: 555_137, bytes: 4_442_892, sha256: 'c7fbf6c8008e78e79fd677ac63b7f6d8c73499182fa3d5c6db1f46854da64cc2',
    source: `${REPO} model/specifics/sigma=50.mat (MatConvNet, BN merged by the authors)`,
    scores: [
      { set: 'set12', sigma: 50, noisy: 14.18, reference: 27.17, paper: 27.18, paperUnchecked: true, measured: { psnr: 27.15, noisy: 14.15, ssim: 0.7826, images: 12, adapter: SWIFTSHADER } },
      { set: 'bsd68', sigma: 50, noisy: 14.17, reference: 26.24, paper: 26.23, measured: null },
    ],
  },
  {
    name: 'dncnn_b_gray_blind', file: 'dncnn_b_gray_blind_folded.safetensors', title: 'DnCNN-B, gray, blind (sigma 0-55)',
    channels: 1, depth: 20, blind: true, sigma: [0, 55], sigmas: [15, 25, 50], sets: ['set12', 'bsd68'],
    parameters: 665_921, bytes: 5_329_252, sha256: '8f40dee1c1434f5195a41851f052aff0b5b07ee4e5aa56c18cf9638a6cc1218a',
    source: `${REPO} model/GD_Gray_Blind.mat (MatConvNet, BN merged by the authors)`,
    scores: [
      { set: 'set12', sigma: 15, noisy: 24.64, reference: 32.68, paper: 32.68, paperUnchecked: true, measured: { psnr: 33.09, noisy: 24.60, ssim: 0.9050, images: 4, adapter: SWIFTSHADER } },
      { set: 'set12', sigma: 25, noisy: 20.20, reference: 30.36, paper: 30.36, paperUnchecked: true, measured: { psnr: 30.37, noisy: 20.17, ssim: 0.8609, images: 12, adapter: SWIFTSHADER } },
      { set: 'set12', sigma: 50, noisy: 14.18, reference: 27.18, paper: 27.21, paperUnchecked: true, measured: { psnr: 27.43, noisy: 14.15, ssim: 0.7985, images: 4, adapter: SWIFTSHADER } },
      { set: 'bsd68', sigma: 15, noisy: 24.63, reference: 31.63, paper: 31.61, measured: null },
      { set: 'bsd68', sigma: 25, noisy: 20.19, reference: 29.17, paper: 29.16, measured: { psnr: 28.71, noisy: 20.17, ssim: 0.8182, images: 3, adapter: SWIFTSHADER } },
      { set: 'bsd68', sigma: 50, noisy: 14.17, reference: 26.23, paper: 26.23, measured: null },
    ],
  },
  {
    name: 'cdncnn_b_color_blind', file: 'cdncnn_b_color_blind_folded.safetensors', title: 'CDnCNN-B, RGB, blind (sigma 0-55)',
    channels: 3, depth: 20, blind: true, sigma: [0, 55], sigmas: [15, 25, 50], sets: ['cbsd68'],
    parameters: 668_227, bytes: 5_347_724, sha256: '11d138a507d1c0da188c7982309506397e21ae766b636fc58d9a480124d27a1b',
    source: `${REPO} model/GD_Color_Blind.mat (MatConvNet, BN merged by the authors)`,
    scores: [
      { set: 'cbsd68', sigma: 15, noisy: 24.62, reference: 33.91, paper: 33.89, measured: { psnr: 33.57, noisy: 24.61, ssim: 0.9276, images: 3, adapter: SWIFTSHADER } },
      { set: 'cbsd68', sigma: 25, noisy: 20.18, reference: 31.25, paper: 31.23, measured: { psnr: 30.87, noisy: 20.17, ssim: 0.8801, images: 3, adapter: SWIFTSHADER } },
      { set: 'cbsd68', sigma: 50, noisy: 14.16, reference: 27.95, paper: 27.92, measured: { psnr: 27.54, noisy: 14.15, ssim: 0.7881, images: 3, adapter: SWIFTSHADER } },
    ],
  },
];

/** The model used when none is chosen: blind, so it serves photos whose noise level nobody knows. */
export const DEFAULT_MODEL: Record<1 | 3, string> = { 1: 'dncnn_b_gray_blind', 3: 'cdncnn_b_color_blind' };

/** A shipped model by name ('dncnn_s25'), file name or file stem ('dncnn_s25_folded'); undefined if none. */
export function findPretrained(name: string): PretrainedModel | undefined {
  const n = name.toLowerCase().replace(/\.safetensors$/, '').replace(/_folded$/, '');
  return PRETRAINED.find((m) => m.name === n);
}

/** 'sigma 25' or 'blind, sigma 0-55'. */
export function noiseLabel(m: PretrainedModel): string {
  return Array.isArray(m.sigma) ? `blind, sigma ${m.sigma[0]}-${m.sigma[1]}` : `sigma ${m.sigma}`;
}

const URLS = import.meta.glob('/models/*.safetensors', { query: '?url', import: 'default' }) as Record<string, () => Promise<string>>;
// Through a variable so that Vite never tries to bundle node:fs into the page.
const FS = 'node:fs/promises';
const inNode = () => typeof window === 'undefined' && typeof process !== 'undefined' && Boolean(process.versions?.node);

/** A shipped model's file: read from models/ in Node, fetched from the server (a Vite asset) in a browser. */
export async function loadPretrainedBytes(m: PretrainedModel): Promise<Uint8Array> {
  const path = `/models/${m.file}`;
  if (inNode()) {
    const fs = (await import(/* @vite-ignore */ FS)) as typeof import('node:fs/promises');
    return new Uint8Array(await fs.readFile(new URL(`../..${path}`, import.meta.url)));
  }
  const url = URLS[path] ? await URLS[path]() : path;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch the model ${m.file}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Reads a DnCNN weight file in the models/ format (`layers.{i}.weight_hwio` [3, 3, Cin, Cout] and
 * `layers.{i}.bias`): the architecture it implies (depth, channels, width, checked layer by layer)
 * and its parameters named as our Model names them. Throws CheckpointError saying what does not fit.
 */
export function readDncnnWeights(tensors: Map<string, NamedTensor>, fileName: string): { spec: ModelSpec; params: Map<string, NamedTensor> } {
  const params = new Map<string, NamedTensor>();
  let depth = 0;
  while (tensors.has(`layers.${depth}.weight_hwio`)) depth++;
  if (depth < 2) throw new CheckpointError(`${fileName}: no layers.{i}.weight_hwio tensors: not a DnCNN weight file of models/ (nor a checkpoint of this engine)`);
  const C = tensors.get('layers.0.weight_hwio')!.shape[2];
  const width = tensors.get('layers.0.weight_hwio')!.shape[3];
  if (C !== 1 && C !== 3) throw new CheckpointError(`${fileName}: the network takes ${C} channels; only 1 (gray) and 3 (RGB) are supported`);
  for (let i = 0; i < depth; i++) {
    const w = tensors.get(`layers.${i}.weight_hwio`)!;
    const b = tensors.get(`layers.${i}.bias`);
    const cin = i === 0 ? C : width;
    const cout = i === depth - 1 ? C : width;
    if (w.shape.join(',') !== `3,3,${cin},${cout}`) {
      throw new CheckpointError(`${fileName}: layers.${i}.weight_hwio is [${w.shape}], expected [3,3,${cin},${cout}] for a DnCNN of depth ${depth}, width ${width}, ${C} channel${C > 1 ? 's' : ''}`);
    }
    if (!b || b.shape.join(',') !== String(cout)) throw new CheckpointError(`${fileName}: layers.${i}.bias is ${b ? `[${b.shape}]` : 'missing'}, expected [${cout}]`);
    params.set(`layers.${i}.weight`, { ...w, name: `layers.${i}.weight` });
    params.set(`layers.${i}.bias`, { ...b, name: `layers.${i}.bias` });
  }
  return { spec: dncnn(C, depth, width), params };
}

/**
 * A models/ weight file as a checkpoint of this engine (preset `dncnn`, epoch 0, no optimizer
 * state), so that training can start from it (`npm run train -- --resume dncnn_s25`).
 */
export function pretrainedAsCheckpoint(bytes: Uint8Array, m: PretrainedModel): Uint8Array {
  const { spec, params } = readDncnnWeights(readSafetensors(bytes).tensors, m.file);
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT, preset: 'dncnn', spec, channels: m.channels, epoch: 0,
    noise: { kind: 'gaussian', sigma: m.sigma }, createdAt: new Date().toISOString(),
  };
  return writeSafetensors([...params.values()], { checkpoint: JSON.stringify(meta), pretrained: m.name });
}
