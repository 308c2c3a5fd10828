/**
 * The rows of `npm run bench` (src/lab/bench.ts runs them): plain data, named by geometry, with
 * their FLOP and byte counts. This module imports no engine code, only the kernel table and the
 * preset specs, so the CLI can list and filter rows in Node before it starts a browser; the page
 * checks that its geometry agrees with the engine's (src/lab/benchWork.ts).
 *
 * Names: conv rows `conv2d_{fwd,dx,dw}_n{N}_h{H}w{W}_c{CI}to{CO}_k{K}s{S}` (the conv's input size);
 * transposed-conv rows `conv2dT_{fwd,dx,dw}_...` with the same fields seen from the transposed
 * layer (its input size and channels in -> out), whose forward runs the conv's dx kernel, its dx
 * the conv's forward kernel and its dw the weight-gradient kernel, at the adjoint conv's geometry.
 */
import { type Dims, KERNELS, type Role, pickKernel } from '../engine/kernels.ts';
import type { ModelSpec } from '../model/layers.ts';
import { dncnn, seedAutoencoder, smallResidual } from '../model/presets.ts';

export type RowKind = 'kernel' | 'step' | 'inference';
export type PresetName = 'small' | 'dncnn' | 'seed';

/** What a row runs. */
export type Job =
  /** One kernel of the table at dims, through its lab case (src/lab/cases.ts). */
  | { type: 'kernel'; kernel: string; dims: Dims }
  /** One Adam update over `count` parameters; TF.js updates them as variables of these sizes. */
  | { type: 'adam'; count: number; pieces: number[] }
  /** A whole training step (forward, MSE, backward, Adam) of a preset on batch x side x side. */
  | { type: 'step'; preset: PresetName; batch: number; side: number }
  /** The pretrained DnCNN-S denoising one height x width gray image. */
  | { type: 'infer'; height: number; width: number };

export interface RowSpec {
  name: string;
  kind: RowKind;
  /** What it is, for people (the preset layer it comes from). */
  what: string;
  job: Job;
  /** FLOP of one call (2 per multiply-add; a training step counts 3x its forward conv FLOP). */
  flop: number;
  /** Compulsory bytes of one call (each tensor read or written once). */
  bytes: number;
}

export const PRESET_SPECS: Record<PresetName, ModelSpec> = { small: smallResidual(1), dncnn: dncnn(1), seed: seedAutoencoder(3) };

/** The production conv family (src/engine/ops/conv2d.ts's default variant). */
const FAMILY = 'tiled';
/** Elements per workgroup of the loss reduction (src/engine/ops/loss.ts CHUNK). */
const REDUCE_CHUNK = 4096;

// ---- geometry (TensorFlow padding rules, as src/engine/ops/conv2d.ts) ----------------------------

function outPad(n: number, k: number, s: number, padding: 'same' | 'valid'): { out: number; pad: number } {
  if (padding === 'valid') return { out: Math.floor((n - k) / s) + 1, pad: 0 };
  const out = Math.ceil(n / s);
  return { out, pad: Math.max((out - 1) * s + k - n, 0) >> 1 };
}

/** Kernel-table dims of the conv [N,H,W,CI] -> [N,OH,OW,CO] (same fields as cases.ts convDims). */
export function convGeometry(N: number, H: number, W: number, CI: number, CO: number, K: number, S: number, padding: 'same' | 'valid'): Dims {
  const h = outPad(H, K, S, padding);
  const w = outPad(W, K, S, padding);
  return { N, H, W, CI, OH: h.out, OW: w.out, CO, KH: K, KW: K, S, PT: h.pad, PL: w.pad, same: padding === 'same' ? 1 : 0 };
}

export interface TracedLayer {
  index: number;
  kind: 'conv' | 'convT' | 'pool' | 'up';
  /** The layer's input [H, W, C] and output [OH, OW, OC]. */
  H: number; W: number; C: number; OH: number; OW: number; OC: number;
  /** Kernel-table dims: the conv geometry (for convT: of the conv it is the adjoint of), or pool/upsample dims. */
  dims: Dims;
  /** Forward FLOP for the batch (convs only). */
  flop: number;
  /** Weights + biases. */
  params: number[];
}

/** Every layer of a spec on N images of h x w. */
export function traceLayers(spec: ModelSpec, N: number, h: number, w: number): TracedLayer[] {
  let [H, W, C] = [h, w, spec.channels];
  return spec.layers.map((l, index) => {
    let t: TracedLayer;
    if (l.type === 'conv2d' || l.type === 'conv2dTranspose') {
      const k = l.kernel, s = l.stride ?? 1, padding = l.padding ?? 'same';
      const params = l.bias === false ? [k * k * C * l.filters] : [k * k * C * l.filters, l.filters];
      if (l.type === 'conv2d') {
        const dims = convGeometry(N, H, W, C, l.filters, k, s, padding);
        t = { index, kind: 'conv', H, W, C, OH: dims.OH, OW: dims.OW, OC: l.filters, dims, flop: KERNELS.conv2d.flops(dims), params };
      } else {
        const OH = padding === 'same' ? H * s : H * s + Math.max(k - s, 0);
        const OW = padding === 'same' ? W * s : W * s + Math.max(k - s, 0);
        const dims = convGeometry(N, OH, OW, l.filters, C, k, s, padding);
        t = { index, kind: 'convT', H, W, C, OH, OW, OC: l.filters, dims, flop: KERNELS.conv2d.flops(dims), params };
      }
    } else if (l.type === 'maxPool2d') {
      const f = (n: number) => ((l.padding ?? 'valid') === 'same' ? Math.ceil(n / 2) : Math.floor(n / 2));
      t = { index, kind: 'pool', H, W, C, OH: f(H), OW: f(W), OC: C, dims: { N, H, W, C, OH: f(H), OW: f(W) }, flop: 0, params: [] };
    } else {
      t = { index, kind: 'up', H, W, C, OH: H * l.factor, OW: W * l.factor, OC: C, dims: { N, H, W, C, F: l.factor }, flop: 0, params: [] };
    }
    [H, W, C] = [t.OH, t.OW, t.OC];
    return t;
  });
}

// ---- rows -------------------------------------------------------------------------------------

function kernelRow(name: string, what: string, kernel: string, dims: Dims): RowSpec {
  const k = KERNELS[kernel];
  return { name, kind: 'kernel', what, job: { type: 'kernel', kernel, dims }, flop: k.flops(dims), bytes: k.bytes(dims) };
}

const convKernel = (role: Role, d: Dims) => pickKernel('conv2d', role, FAMILY, d).name;
type Part = 'fwd' | 'dx' | 'dw';
const ALL_PARTS: Part[] = ['fwd', 'dx', 'dw'];

/** The kernel rows of a preset's distinct layers at batch N (`keep` picks layers, `parts` the roles). */
export function layerRows(preset: PresetName, N: number, side: number, keep: (l: TracedLayer) => boolean = () => true, parts: Part[] = ALL_PARTS): RowSpec[] {
  const out: RowSpec[] = [];
  for (const l of traceLayers(PRESET_SPECS[preset], N, side, side)) {
    if (!keep(l)) continue;
    const d = l.dims;
    const geo = `n${N}_h${l.H}w${l.W}_c${l.C}to${l.OC}_k${d.KH}s${d.S}${d.same === 0 ? '_valid' : ''}`;
    const what = `${preset} layer ${l.index}, batch ${N}`;
    if (l.kind === 'conv' || l.kind === 'convT') {
      // A conv's (fwd, dx, dw) kernels; a transposed conv's forward is its conv's dx and vice versa.
      const roles: Record<Part, Role> = l.kind === 'conv'
        ? { fwd: 'forward', dx: 'input-grad', dw: 'weight-grad' }
        : { fwd: 'input-grad', dx: 'forward', dw: 'weight-grad' };
      const op = l.kind === 'conv' ? 'conv2d' : 'conv2dT';
      const desc = `${l.kind === 'conv' ? 'conv' : 'transposed conv'} ${l.H}x${l.W}x${l.C} -> ${l.OH}x${l.OW}x${l.OC}`;
      for (const p of parts) out.push(kernelRow(`${op}_${p}_${geo}`, `${what}: ${desc}, ${p}`, convKernel(roles[p], d), d));
    } else if (l.kind === 'pool') {
      out.push(kernelRow(`maxpool2d_n${N}_h${l.H}w${l.W}_c${l.C}`, `${what}: 2x2 max-pool`, 'maxpool2d', d));
    } else {
      out.push(kernelRow(`upsample_n${N}_h${l.H}w${l.W}_c${l.C}_x${d.F}`, `${what}: nearest upsampling x${d.F}`, 'upsample_nearest', d));
    }
  }
  return out;
}

/** The MSE loss of a batch (the reduce kernel's passes). */
export function mseRow(N: number, side: number, C: number): RowSpec {
  const L = N * side * side * C;
  return kernelRow(`mse_n${N}_h${side}w${side}_c${C}`, `MSE loss of a ${N}x${side}x${side}x${C} batch`, 'reduce', { segments: 1, segLen: L, chunks: Math.ceil(L / REDUCE_CHUNK) });
}

/** One Adam update over a DnCNN-S's parameters. */
export function adamRow(): RowSpec {
  const pieces = traceLayers(PRESET_SPECS.dncnn, 1, 40, 40).flatMap((l) => l.params);
  const count = pieces.reduce((a, b) => a + b, 0);
  const dims = { count };
  return { name: `adam_dncnn_${count}`, kind: 'kernel', what: `Adam over DnCNN-S's ${count} parameters`, job: { type: 'adam', count, pieces }, flop: KERNELS.adam.flops(dims), bytes: KERNELS.adam.bytes(dims) };
}

/** Bytes of a layer's forward, or forward + both gradients. */
function layerBytes(l: TracedLayer, training: boolean): number {
  if (l.kind !== 'conv' && l.kind !== 'convT') return 0;
  const fwd = l.kind === 'conv' ? 'conv2d' : 'conv2d_transpose';
  const back = l.kind === 'conv' ? ['conv2d_transpose', 'conv2d_backward_filter'] : ['conv2d', 'conv2d_backward_filter'];
  return KERNELS[fwd].bytes(l.dims) + (training ? back.reduce((s, k) => s + KERNELS[k].bytes(l.dims), 0) : 0);
}

/** A whole training step: 3x the forward conv FLOP, conv traffic of forward and both gradients. */
export function stepRow(preset: PresetName, N: number, side: number): RowSpec {
  const layers = traceLayers(PRESET_SPECS[preset], N, side, side);
  return {
    name: `step_${preset}_b${N}_${side}x${side}`, kind: 'step',
    what: `${preset} training step (forward, MSE, backward, Adam) on ${N} ${side}x${side} images`,
    job: { type: 'step', preset, batch: N, side },
    flop: 3 * layers.reduce((s, l) => s + l.flop, 0), bytes: layers.reduce((s, l) => s + layerBytes(l, true), 0),
  };
}

/** The pretrained DnCNN-S on one gray image (named width x height). */
export function inferRow(width: number, height: number): RowSpec {
  const layers = traceLayers(PRESET_SPECS.dncnn, 1, height, width);
  return {
    name: `infer_dncnn_${width}x${height}`, kind: 'inference', what: `pretrained DnCNN-S denoising a ${width}x${height} gray image`,
    job: { type: 'infer', height, width },
    flop: layers.reduce((s, l) => s + l.flop, 0), bytes: layers.reduce((s, l) => s + layerBytes(l, false), 0),
  };
}

const is64to64 = (l: TracedLayer) => l.C === 64 && l.OC === 64;
const isConv = (l: TracedLayer) => l.kind === 'conv' || l.kind === 'convT';

function dedupe(rows: RowSpec[]): RowSpec[] {
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(r.name) && !!seen.add(r.name));
}

/** Every row: the presets' real layers at their training batches (and larger), then whole steps and inference. */
export function fullRows(): RowSpec[] {
  return dedupe([
    ...layerRows('seed', 8, 128), ...layerRows('seed', 64, 128),
    ...layerRows('dncnn', 16, 40), ...layerRows('dncnn', 128, 40, is64to64),
    ...layerRows('small', 16, 40),
    mseRow(16, 40, 1), mseRow(8, 128, 3),
    adamRow(),
    stepRow('small', 16, 40), stepRow('dncnn', 16, 40), stepRow('seed', 8, 128),
    inferRow(256, 256), inferRow(481, 321),
  ]);
}

/**
 * The `--quick` subset, sized for a CPU adapter (SwiftShader, 2 cores: a few minutes with TF.js):
 * the small preset's and DnCNN's conv layers at batch 1, one transposed conv, each other kind once,
 * a small-preset step at batch 2 and DnCNN inference on a small image.
 */
export function quickRows(): RowSpec[] {
  const seedDeconv = (l: TracedLayer) => l.kind === 'convT' && l.OC === 32;
  return dedupe([
    ...layerRows('small', 1, 40, isConv),
    ...layerRows('dncnn', 1, 40, is64to64, ['fwd']),
    ...layerRows('seed', 1, 128, seedDeconv, ['fwd']),
    ...layerRows('seed', 8, 128, (l) => l.kind === 'pool'),
    ...layerRows('seed', 2, 128, (l) => l.kind === 'up'),
    mseRow(16, 40, 1),
    adamRow(),
    stepRow('small', 2, 40),
    inferRow(48, 48),
  ]);
}

/** The rows a run takes: quick or full, then those whose name matches `filter`. */
export function selectRows(o: { quick?: boolean; filter?: RegExp }): RowSpec[] {
  const rows = o.quick ? quickRows() : fullRows();
  return o.filter ? rows.filter((r) => o.filter!.test(r.name)) : rows;
}
