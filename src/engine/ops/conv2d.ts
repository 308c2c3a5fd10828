/**
 * conv2d and conv2dTranspose (TensorFlow/Keras semantics, NHWC), forward and backward.
 *
 * Everything is phrased in terms of one convolution geometry `ConvGeometry`: a conv that maps
 * [N,H,W,CI] -> [N,OH,OW,CO] with weights [KH,KW,CI,CO]. Three kernels (each naive and tiled)
 * then serve both ops by duality:
 *
 *   op                 forward               dx                    dw                       db
 *   conv2d             convForward(x, w)     convTranspose(dz, w)  filterGrad(x, dz)        biasGrad(dz)
 *   conv2dTranspose    convTranspose(x, w)   convForward(dz, w)    filterGrad(dz, x)        biasGrad(dz)
 *
 * where a transposed conv uses the geometry of the conv it is the adjoint of (its output is that
 * conv's input), and its Keras weight [KH,KW,Cout_t,Cin_t] is that conv's weight [KH,KW,CI,CO].
 * A fused activation is undone first: dz = activationBackward(act, dy, y) from the saved output y.
 *
 * Kernels: src/shaders/conv2d.wgsl, conv2d_transpose.wgsl, conv2d_backward_filter.wgsl (naive,
 * one invocation per output), conv2d_tiled*.wgsl, conv2d_transpose_tiled*.wgsl,
 * conv2d_backward_filter_tiled*.wgsl (register-tiled implicit GEMMs), conv2d_bias_grad.wgsl; which
 * one runs, its dispatch, FLOPs and bytes: the rows of src/engine/kernels.ts.
 */
import { record } from '../autograd.ts';
import { ShapeError } from '../errors.ts';
import { type BufferView, runtime } from '../runtime.ts';
import { type Tensor, empty } from '../tensor.ts';
import { activationBackward } from './elementwise.ts';
import { ACT, FAMILIES, type Family, KERNELS, type KernelRow, type Role, SHARED_TILE, type SharedKernel, TILE, WIDE_FILTER_TILE, WINDOW_TILE, familiesFor, pickKernel } from '../kernels.ts';
import { tunedFamily } from '../tuning.ts';

/**
 * GPU vs float64 reference. Each output (and each dx element) is a float32 sum of K = KH*KW*Cin
 * products, each dw element a sum of N*OH*OW products (K up to 3136 and N*OH*OW up to 512 in the
 * tests; values in [-1, 1], so each product has variance 1/9). The partial sums random-walk to
 * ~ sqrt(k/9), and with independent roundings the error of the whole sum is ~ eps * sqrt(K) *
 * sqrt(K/9) ~ 2e-8 * K: ~6e-5 at K = 3136 (the worst-case bound K * eps * sum|terms| is never
 * approached). atol 2e-4 is ~3x that; rtol 1e-4 covers the larger outputs and gradients. The
 * tests print the share of this tolerance used (under 10% at the time of writing).
 */
export const tolerance = { atol: 2e-4, rtol: 1e-4 };

export type ConvPadding = 'same' | 'valid';
export type ConvActivation = 'none' | 'relu' | 'sigmoid';
/**
 * Kernel family: 'naive', 'tiled' (register tiles), 'shared' or 'shared64' (workgroup-memory tiles;
 * the weight gradient has none and uses tiled), 'wide' (forward and weight gradient), 'narrow' (few
 * channels: forward and input gradient with at most 4 output channels, weight gradient with at most 4
 * input channels; tiled elsewhere), 'quad' (the tiled kernels sharing loads across a quad of
 * invocations: devices with the subgroups feature, 32-channel multiples; tiled elsewhere), 'window'
 * (a 3x3 stride-1 conv with at most 4 output channels, all three roles; tiled elsewhere) or
 * 'auto': the family the autotuner measured fastest on this
 * device for this role and shape (src/engine/autotune.ts), tiled where it has not measured.
 */
export type ConvVariant = Family | 'auto';
const VARIANTS: readonly ConvVariant[] = [...FAMILIES, 'auto'];

export interface ConvOptions {
  /** 1 or 2, both spatial dims (default 1). */
  stride?: number;
  /** TensorFlow padding (default 'same'). */
  padding?: ConvPadding;
  /** Fused activation after the bias (default 'none'). */
  activation?: ConvActivation;
  /** Kernel family (default: the module default, see setConvVariant). */
  variant?: ConvVariant;
}

/** The conv [N,H,W,CI] -> [N,OH,OW,CO], weights [KH,KW,CI,CO], stride S, padding PT/PL before. */
export interface ConvGeometry {
  N: number; H: number; W: number; CI: number;
  OH: number; OW: number; CO: number;
  KH: number; KW: number; S: number; PT: number; PL: number;
}

let defaultVariant: ConvVariant = 'auto';

const variantError = (where: string, v: unknown) => new ShapeError(`${where}: variant must be ${VARIANTS.map((x) => `'${x}'`).join(', ')}, got '${String(v)}'`);

/** Sets the kernel family used when an op does not name one (benches compare them). */
export function setConvVariant(v: ConvVariant): void {
  if (!VARIANTS.includes(v)) throw variantError('setConvVariant', v);
  defaultVariant = v;
}

export function getConvVariant(): ConvVariant { return defaultVariant; }

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

// ---- geometry ---------------------------------------------------------------------------------

/**
 * conv2d output size and padding before, along one dim (TensorFlow rules). 'same': out = ceil(n/s),
 * padTotal = max((out-1)*s + k - n, 0), padBefore = floor(padTotal/2) (the odd pixel goes after);
 * 'valid': out = floor((n-k)/s) + 1, no padding.
 */
export function convOutputSize(op: string, n: number, k: number, s: number, padding: ConvPadding): { out: number; pad: number } {
  if (padding === 'same') {
    const out = Math.ceil(n / s);
    return { out, pad: Math.floor(Math.max((out - 1) * s + k - n, 0) / 2) };
  }
  if (n < k) throw new ShapeError(`${op}: 'valid' padding needs the input (${n}) to be at least the kernel size (${k})`);
  return { out: Math.floor((n - k) / s) + 1, pad: 0 };
}

/**
 * Keras Conv2DTranspose output size along one dim, and the padding before of the conv it is the
 * adjoint of: 'same': out = n*s, pad = floor(max(k-s, 0)/2) (exactly the 'same' conv on an input of
 * size out; not PyTorch's padding=1, output_padding=1, which is one pixel off for k3 s2);
 * 'valid': out = n*s + max(k-s, 0), pad 0.
 */
export function convTransposeOutputSize(n: number, k: number, s: number, padding: ConvPadding): { out: number; pad: number } {
  if (padding === 'same') return { out: n * s, pad: Math.floor(Math.max(k - s, 0) / 2) };
  return { out: n * s + Math.max(k - s, 0), pad: 0 };
}

interface Checked { S: number; padding: ConvPadding; act: ConvActivation; variant: ConvVariant }

function checkArgs(op: string, x: Tensor, w: Tensor, b: Tensor | null, opts: ConvOptions, wLayout: string, wIn: number, wOut: number): Checked {
  if (x.shape.length !== 4) throw new ShapeError(`${op}: x must be 4-D [N, H, W, C], got [${x.shape}]`);
  if (w.shape.length !== 4) throw new ShapeError(`${op}: w must be 4-D ${wLayout}, got [${w.shape}]`);
  const [KH, KW] = w.shape;
  if (KH > 7 || KW > 7) throw new ShapeError(`${op}: kernel sizes 1..7 are supported, got ${KH}x${KW} (w [${w.shape}])`);
  if (w.shape[wIn] !== x.shape[3]) {
    throw new ShapeError(`${op}: x has ${x.shape[3]} channels but w [${w.shape}] (${wLayout}) expects ${w.shape[wIn]}`);
  }
  const cout = w.shape[wOut];
  if (b && (b.shape.length !== 1 || b.shape[0] !== cout)) throw new ShapeError(`${op}: bias must have shape [${cout}] (Cout of w [${w.shape}]), got [${b.shape}]`);
  const S = opts.stride ?? 1;
  if (S !== 1 && S !== 2) throw new ShapeError(`${op}: stride must be 1 or 2, got ${String(S)}`);
  const padding = opts.padding ?? 'same';
  if (padding !== 'same' && padding !== 'valid') throw new ShapeError(`${op}: padding must be 'same' or 'valid', got '${String(padding)}'`);
  const act = opts.activation ?? 'none';
  if (act !== 'none' && act !== 'relu' && act !== 'sigmoid') throw new ShapeError(`${op}: activation must be 'none', 'relu' or 'sigmoid', got '${String(act)}'`);
  const variant = opts.variant ?? defaultVariant;
  if (!VARIANTS.includes(variant)) throw variantError(op, variant);
  return { S, padding, act, variant };
}

// ---- kernel launches (also used by the lab and the benchmark) ----------------------------------

/**
 * The family that runs a role at g: the variant named, or for 'auto' the autotuner's choice (tiled
 * where it has none); a family without a kernel for the role (shared dw) falls back to tiled.
 */
function family(v: ConvVariant, role: Role, g: ConvGeometry): Family {
  const f = v === 'auto' ? (tunedFamily(role, { ...g }) ?? 'tiled') : v;
  return familiesFor('conv2d', role, { ...g }, runtime().ctx.device.features).includes(f) ? f : 'tiled';
}

function geomUniforms(g: ConvGeometry) {
  return { H: g.H, W: g.W, CI: g.CI, OH: g.OH, OW: g.OW, KH: g.KH, KW: g.KW, S: g.S, PT: g.PT, PL: g.PL };
}

/**
 * The output channel count of the naive and register-tiled kernels (those launched with it): as
 * scalars for the naive and `_scalar` kernels, as vec4 groups for the others (CO % 4 == 0).
 */
function channelUniforms(k: KernelRow, g: ConvGeometry): Record<string, number> {
  return k.variant === 'naive' || k.name.endsWith('_scalar') ? { CO: g.CO } : { CO4: g.CO / 4 };
}

/**
 * The conv itself: x [N,H,W,CI], w [KH,KW,CI,CO], b [CO] | null -> y [N,OH,OW,CO] = act(b + x * w).
 * Tiled: conv2d_tiled (vec4 over CO) when CO % 4 == 0, else conv2d_tiled_scalar (src/engine/kernels.ts).
 */
export function convForward(x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry, act: ConvActivation, variant: ConvVariant): Tensor {
  const y = empty([g.N, g.OH, g.OW, g.CO]); // [N, OH, OW, CO]
  const what = 'conv2d';
  // With no bias any read-only buffer is bound in its place (w: >= 16 bytes when CO % 4 == 0).
  const bindings = { x: x.view(what), w: w.view(what), b: (b ?? w).view(what), y: y.view(what) };
  const k = pickKernel('conv2d', 'forward', family(variant, 'forward', g), { ...g });
  if (k.name === 'conv2d_wide') return wideForward(bindings, y, g, b !== null, act);
  if (k.name === 'conv2d_window') {
    const uniforms = { H: g.H, W: g.W, CI: g.CI, OH: g.OH, OW: g.OW, CO: g.CO, PT: g.PT, PL: g.PL, hasBias: b ? 1 : 0, RB: ceilDiv(g.OH, WINDOW_TILE.R), PB: ceilDiv(g.OW, WINDOW_TILE.P) };
    runtime().launch('conv2d_window', { uniforms: { count: k.invocations({ ...g }), ...uniforms }, bindings, dims: { ...g }, constants: { ACT: ACT[act] } });
    return y;
  }
  if (k.name === 'conv2d_narrow') {
    // Whole taps of weights per workgroup-memory stage (512 (tap, ci) vec4s): TPC * CI <= 512.
    const uniforms = { ...geomUniforms(g), CO: g.CO, hasBias: b ? 1 : 0, M: g.N * g.OH * g.OW, TPC: Math.max(1, Math.floor(512 / g.CI)) };
    runtime().launch('conv2d_narrow', { uniforms, bindings, dims: { ...g }, constants: { ACT: ACT[act] } });
    return y;
  }
  if (k.name in SHARED_TILE) {
    const M = g.N * g.OH * g.OW;
    const t = SHARED_TILE[k.name as SharedKernel];
    const uniforms = { ...geomUniforms(g), CO: g.CO, hasBias: b ? 1 : 0, M, K: g.KH * g.KW * g.CI, MB: ceilDiv(M, t.BM), NB: ceilDiv(g.CO, t.BN) };
    runtime().launch(k.name, { uniforms, bindings, dims: { ...g }, constants: { ACT: ACT[act] } });
    return y;
  }
  const blocks: Record<string, number> = k.variant === 'naive' ? {} : { PB: ceilDiv(g.OW, TILE[k.name as 'conv2d_tiled'].P), CB: ceilDiv(g.CO, TILE[k.name as 'conv2d_tiled'].C) };
  const uniforms = { count: k.invocations({ ...g }), ...geomUniforms(g), hasBias: b ? 1 : 0, ...channelUniforms(k, g), ...blocks };
  runtime().launch(k.name, { uniforms, bindings, dims: { ...g }, constants: { ACT: ACT[act] } });
  return y;
}

/** Taps per step of conv2d_wide, and the fewest steps a split-K slice keeps. */
const WIDE_BK = 16;
const WIDE_MIN_STEPS = 4;

/**
 * Split-K of conv2d_wide: when the output's 64 x 64 blocks give fewer than SPLIT_TARGET
 * invocations (as the weight gradient's split), the taps are cut into KS slices of KPER (whole
 * steps of 16, at least WIDE_MIN_STEPS each) so that more workgroups run; KS = 1 otherwise.
 */
export function wideSplit(g: ConvGeometry): { KS: number; KPER: number } {
  const t = SHARED_TILE.conv2d_wide;
  const blocks = ceilDiv(g.N * g.OH * g.OW, t.BM) * ceilDiv(g.CO, t.BN);
  const steps = ceilDiv(g.KH * g.KW * g.CI, WIDE_BK);
  const { KS, rowsPer } = splitRows(steps, Math.floor(steps / WIDE_MIN_STEPS), KERNELS.conv2d_wide.wg * blocks);
  return { KS, KPER: rowsPer * WIDE_BK };
}

/** The forward conv by conv2d_wide, split-K (wideSplit) with conv2d_split_sum adding the slices. */
function wideForward(bindings: Record<string, BufferView>, y: Tensor, g: ConvGeometry, hasBias: boolean, act: ConvActivation): Tensor {
  const t = SHARED_TILE.conv2d_wide;
  const M = g.N * g.OH * g.OW;
  const { KS, KPER } = wideSplit(g);
  const part = KS > 1 ? empty([KS, g.N, g.OH, g.OW, g.CO]) : y; // [KS, N, OH, OW, CO] partial sums
  const uniforms = { ...geomUniforms(g), CO: g.CO, hasBias: hasBias ? 1 : 0, M, K: g.KH * g.KW * g.CI, MB: ceilDiv(M, t.BM), NB: ceilDiv(g.CO, t.BN), KS, KPER };
  runtime().launch('conv2d_wide', { uniforms, bindings: { ...bindings, y: part.view('conv2d') }, dims: { ...g, KS }, constants: { ACT: ACT[act] } });
  if (KS > 1) {
    sumSplitInto(part, bindings.b, y, KS, hasBias, act);
    part.dispose(); // safe with the pending sum dispatch: later commands run after it
  }
  return y;
}

/** y = act(b + the sum of part's KS slices) (part [KS, ...y.shape], b over y's last axis): conv2d_split_sum. */
export function sumSplitInto(part: Tensor, b: BufferView, y: Tensor, KS: number, hasBias: boolean, act: ConvActivation): void {
  const count = y.size;
  if (part.size !== KS * count) throw new ShapeError(`sumSplitInto: part has ${part.size} values, not KS=${KS} x ${count}`);
  const CO = y.shape[y.shape.length - 1];
  runtime().launch('conv2d_split_sum', {
    uniforms: { count, KS, CO, hasBias: hasBias ? 1 : 0 },
    bindings: { part: part.view('conv2d'), b, y: y.view('conv2d') },
    dims: { count, KS, CO },
    constants: { ACT: ACT[act] },
  });
}

/**
 * The adjoint of the conv g in gather form: x [N,OH,OW,CO], w [KH,KW,CI,CO], b [CI] | null ->
 * y [N,H,W,CI]. conv2d's dx (no bias, no activation) and Keras Conv2DTranspose's forward.
 * Tiled: conv2d_transpose_tiled (vec4 over the reduction CO) when CO % 4 == 0, else the scalar one.
 */
export function convTranspose(x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry, act: ConvActivation, variant: ConvVariant): Tensor {
  const y = empty([g.N, g.H, g.W, g.CI]); // [N, H, W, CI]
  const what = 'conv2dTranspose';
  const bindings = { x: x.view(what), w: w.view(what), b: (b ?? w).view(what), y: y.view(what) };
  const k = pickKernel('conv2d', 'input-grad', family(variant, 'input-grad', g), { ...g });
  if (k.name === 'conv2d_transpose_window') {
    const uniforms = { H: g.H, W: g.W, CI: g.CI, OH: g.OH, OW: g.OW, CO: g.CO, PT: g.PT, PL: g.PL, hasBias: b ? 1 : 0, RB: ceilDiv(g.H, WINDOW_TILE.R), PB: ceilDiv(g.W, WINDOW_TILE.P), CB: ceilDiv(g.CI, 4) };
    runtime().launch('conv2d_transpose_window', { uniforms: { count: k.invocations({ ...g }), ...uniforms }, bindings, dims: { ...g }, constants: { ACT: ACT[act] } });
    return y;
  }
  if (k.name === 'conv2d_transpose_narrow') {
    // Whole taps of weights per workgroup-memory stage (512 (tap, co) vec4s): TPC * CO <= 512.
    const uniforms = { ...geomUniforms(g), CO: g.CO, hasBias: b ? 1 : 0, M: g.N * g.H * g.W, TPC: Math.max(1, Math.floor(512 / g.CO)) };
    runtime().launch('conv2d_transpose_narrow', { uniforms, bindings, dims: { ...g }, constants: { ACT: ACT[act] } });
    return y;
  }
  if (k.name in SHARED_TILE) {
    // Per phase mod S: QH x QW pixels of each image, in blocks of BM, times CI in blocks of BN.
    const QH = ceilDiv(g.H, g.S), QW = ceilDiv(g.W, g.S);
    const t = SHARED_TILE[k.name as SharedKernel];
    const uniforms = { N: g.N, ...geomUniforms(g), CO: g.CO, hasBias: b ? 1 : 0, QH, QW, MB: ceilDiv(g.N * QH * QW, t.BM), NB: ceilDiv(g.CI, t.BN) };
    runtime().launch(k.name, { uniforms, bindings, dims: { ...g }, constants: { ACT: ACT[act] } });
    return y;
  }
  // Output columns are grouped by phase mod S: ceil(W/S) columns per phase, in blocks of P.
  const t = TILE[k.name as 'conv2d_transpose_tiled'];
  const blocks: Record<string, number> = k.variant === 'naive' ? {} : { QB: ceilDiv(ceilDiv(g.W, g.S), t.P), CB: ceilDiv(g.CI, t.C) };
  const uniforms = { count: k.invocations({ ...g }), ...geomUniforms(g), hasBias: b ? 1 : 0, ...channelUniforms(k, g), ...blocks };
  runtime().launch(k.name, { uniforms, bindings, dims: { ...g }, constants: { ACT: ACT[act] } });
  return y;
}

/**
 * Split-K for the weight gradient. Its output (KH*KW*CI*CO weights, a few hundred invocations of
 * 64) is small and its sum (N*OH*OW pixels) long, so the tiled kernels cut the sum into KS slices:
 * enough to reach SPLIT_TARGET invocations, while each slice keeps at least SPLIT_MIN_PIXELS pixels
 * (its partial dw costs a write and a read of KH*KW*CI*CO floats, small against that work).
 * Shorter serial sums are also more accurate in float32. The target was measured on an H200
 * (bench/results/kernels-h200-split65536.json): 65536 rather than 16384 took DnCNN's batch-128 dw
 * from 29 to 114 slices and 3.15 to 0.89 ms. At the presets' batch 8-16 shapes the minimum slice
 * binds first under either target, so those (and a CPU adapter's runs) split as before.
 */
const SPLIT_TARGET = 65536;
const SPLIT_MIN_PIXELS = 1024;

/** Rows each bias-gradient slice sums at least: a slice writes one float per channel. */
const BIAS_MIN_ROWS = 256;

/**
 * `rows` cut into KS slices of rowsPer rows, none empty: enough slices for SPLIT_TARGET
 * invocations at `perSlice` invocations each, at most `maxSlices` (and at least one).
 */
function splitRows(rows: number, maxSlices: number, perSlice: number): { KS: number; rowsPer: number } {
  const want = Math.max(1, Math.min(maxSlices, Math.ceil(SPLIT_TARGET / perSlice)));
  const rowsPer = ceilDiv(rows, want);
  return { KS: ceilDiv(rows, rowsPer), rowsPer };
}

/** The slices of the weight gradient's pixel sum: KS slices of rowsPer (n, oh) rows each. */
export function filterGradSplit(g: ConvGeometry, invocations: number): { KS: number; rowsPer: number } {
  const rows = g.N * g.OH;
  return splitRows(rows, Math.min(rows, Math.floor((rows * g.OW) / SPLIT_MIN_PIXELS)), invocations);
}

/**
 * The conv's weight gradient: x [N,H,W,CI], dz [N,OH,OW,CO] -> dw [KH,KW,CI,CO].
 * Tiled: conv2d_backward_filter_tiled (vec4 over CO) when CO % 4 == 0, else the scalar one (narrow:
 * conv2d_backward_filter_narrow, rows of several taps when CI <= 4), split
 * in KS slices (filterGradSplit) whose partial sums conv2d_backward_filter_sum adds.
 */
export function filterGrad(x: Tensor, dz: Tensor, g: ConvGeometry, variant: ConvVariant): Tensor {
  const dw = empty([g.KH, g.KW, g.CI, g.CO]); // [KH, KW, CI, CO]
  const what = 'conv2d dw';
  const k = pickKernel('conv2d', 'weight-grad', family(variant, 'weight-grad', g), { ...g });
  if (k.name === 'conv2d_backward_filter_wide') return wideFilterGrad(x, dz, dw, g);
  if (k.name === 'conv2d_backward_filter_window') return windowFilterGrad(x, dz, dw, g, k);
  if (k.variant === 'naive') {
    const { KH: _kh, ...geo } = geomUniforms(g);
    const uniforms = { count: k.invocations({ ...g }), N: g.N, ...geo, ...channelUniforms(k, g) };
    runtime().launch(k.name, { uniforms, bindings: { x: x.view(what), dz: dz.view(what), dw: dw.view(what) }, dims: { ...g } });
    return dw;
  }
  const t = TILE[k.name as 'conv2d_backward_filter_tiled' | 'conv2d_backward_filter_narrow' | 'conv2d_backward_filter_tiled_quad'];
  const { KS, rowsPer } = filterGradSplit(g, k.invocations({ ...g }));
  const count = g.KH * g.KW * g.CI * g.CO;
  const part = KS > 1 ? empty([KS, g.KH, g.KW, g.CI, g.CO]) : dw; // [KS, KH, KW, CI, CO] partial sums
  const slice = k.name.endsWith('_scalar') ? count : count / 4; // in the kernel's element type
  // Row blocks: 8 input channels of a tap (tiled), or 8 (tap, channel) rows of dw (narrow).
  const rows: Record<string, number> = k.variant === 'narrow' ? { MB: ceilDiv(g.KH * g.KW * g.CI, t.R) } : { IB: ceilDiv(g.CI, t.R) };
  const uniforms = { count: k.invocations({ ...g, KS }), N: g.N, ...geomUniforms(g), ...channelUniforms(k, g), ...rows, CB: ceilDiv(g.CO, t.C), KS, rowsPer, slice };
  runtime().launch(k.name, { uniforms, bindings: { x: x.view(what), dz: dz.view(what), dw: part.view(what) }, dims: { ...g, KS } });
  if (KS > 1) {
    sumSlicesInto(part, dw, KS);
    part.dispose(); // safe with the pending sum dispatch: later commands run after it
  }
  return dw;
}

/**
 * Split-K of conv2d_backward_filter_wide: the N*OH*OW pixel sum in KS slices of MPER (whole steps
 * of 16 pixels), enough for SPLIT_TARGET invocations over its 64 x 64 blocks of dw, each slice at
 * least SPLIT_MIN_PIXELS pixels (splitRows, as the tiled kernels' split).
 */
export function wideFilterSplit(g: ConvGeometry): { KS: number; MPER: number } {
  const M = g.N * g.OH * g.OW;
  const t = WIDE_FILTER_TILE;
  const blocks = ceilDiv(g.KH * g.KW * g.CI, t.K) * ceilDiv(g.CO, t.C);
  const { KS, rowsPer } = splitRows(ceilDiv(M, t.M), Math.floor(M / SPLIT_MIN_PIXELS), KERNELS.conv2d_backward_filter_wide.wg * blocks);
  return { KS, MPER: rowsPer * t.M };
}

/** The weight gradient by conv2d_backward_filter_wide, split-K (wideFilterSplit) with conv2d_backward_filter_sum adding the slices. */
function wideFilterGrad(x: Tensor, dz: Tensor, dw: Tensor, g: ConvGeometry): Tensor {
  const what = 'conv2d dw';
  const { KS, MPER } = wideFilterSplit(g);
  const K = g.KH * g.KW * g.CI;
  const part = KS > 1 ? empty([KS, g.KH, g.KW, g.CI, g.CO]) : dw; // [KS, KH, KW, CI, CO] partial sums
  const uniforms = { ...geomUniforms(g), CO: g.CO, M: g.N * g.OH * g.OW, K, KB: ceilDiv(K, WIDE_FILTER_TILE.K), NB: ceilDiv(g.CO, WIDE_FILTER_TILE.C), KS, MPER };
  runtime().launch('conv2d_backward_filter_wide', { uniforms, bindings: { x: x.view(what), dz: dz.view(what), dw: part.view(what) }, dims: { ...g, KS } });
  if (KS > 1) {
    sumSlicesInto(part, dw, KS);
    part.dispose(); // safe with the pending sum dispatch: later commands run after it
  }
  return dw;
}

/** The weight gradient by conv2d_backward_filter_window, split-K as the tiled kernels (filterGradSplit). */
function windowFilterGrad(x: Tensor, dz: Tensor, dw: Tensor, g: ConvGeometry, k: KernelRow): Tensor {
  const what = 'conv2d dw';
  const { KS, rowsPer } = filterGradSplit(g, k.invocations({ ...g }));
  const slice = g.KH * g.KW * g.CI * g.CO;
  const part = KS > 1 ? empty([KS, g.KH, g.KW, g.CI, g.CO]) : dw; // [KS, 3, 3, CI, CO] partial sums
  const uniforms = { count: k.invocations({ ...g, KS }), N: g.N, H: g.H, W: g.W, CI: g.CI, OH: g.OH, OW: g.OW, CO: g.CO, PT: g.PT, PL: g.PL, IB: ceilDiv(g.CI, 8), KS, rowsPer, slice };
  runtime().launch('conv2d_backward_filter_window', { uniforms, bindings: { x: x.view(what), dz: dz.view(what), dw: part.view(what) }, dims: { ...g, KS } });
  if (KS > 1) {
    sumSlicesInto(part, dw, KS);
    part.dispose(); // safe with the pending sum dispatch: later commands run after it
  }
  return dw;
}

/** dw = the sum of part's KS slices (part [KS, ...dw.shape]): conv2d_backward_filter_sum. */
export function sumSlicesInto(part: Tensor, dw: Tensor, KS: number): void {
  const count = dw.size;
  if (part.size !== KS * count) throw new ShapeError(`sumSlicesInto: part has ${part.size} values, not KS=${KS} x ${count}`);
  runtime().launch('conv2d_backward_filter_sum', {
    uniforms: { count, KS },
    bindings: { part: part.view('conv2d dw'), dw: dw.view('conv2d dw') },
    dims: { count, KS },
  });
}

/**
 * The bias gradient: dz [N,OH,OW,C] -> db [C], the sum over every pixel, in KS slices of rowsPer
 * pixels (enough for SPLIT_TARGET invocations, at least BIAS_MIN_ROWS rows a slice) that
 * conv2d_backward_filter_sum adds.
 */
export function biasGrad(dz: Tensor): Tensor {
  const C = dz.shape[dz.shape.length - 1];
  const M = dz.size / C;
  const { KS, rowsPer } = splitRows(M, Math.floor(M / BIAS_MIN_ROWS), C);
  const db = empty([C]);
  const part = KS > 1 ? empty([KS, C]) : db;
  runtime().launch('conv2d_bias_grad', {
    uniforms: { count: KS * C, M, C, rowsPer },
    bindings: { dz: dz.view('conv2d db'), db: part.view('conv2d db') },
    dims: { M, C, KS },
  });
  if (KS > 1) {
    sumSlicesInto(part, db, KS);
    part.dispose(); // safe with the pending sum dispatch: later commands run after it
  }
  return db;
}

// ---- the ops ----------------------------------------------------------------------------------

/**
 * 2-D convolution (cross-correlation, as TensorFlow): x [N,H,W,Cin], w [KH,KW,Cin,Cout],
 * b [Cout] | null -> y [N,OH,OW,Cout] = act(b + sum x * w); OH = ceil(H/s) ('same') or
 * floor((H-KH)/s) + 1 ('valid'), likewise OW. Saves x, w and y for backward.
 */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null, opts: ConvOptions = {}): Tensor {
  const op = 'conv2d';
  const { S, padding, act, variant } = checkArgs(op, x, w, b, opts, '[KH, KW, Cin, Cout]', 2, 3);
  const [N, H, W, CI] = x.shape;
  const [KH, KW, , CO] = w.shape;
  const gh = convOutputSize(op, H, KH, S, padding);
  const gw = convOutputSize(op, W, KW, S, padding);
  const g: ConvGeometry = { N, H, W, CI, OH: gh.out, OW: gw.out, CO, KH, KW, S, PT: gh.pad, PL: gw.pad };
  const y = convForward(x, w, b, g, act, variant);
  return record(y, op, [x, w, b], (dy) => {
    const dz = act === 'none' ? dy : activationBackward(act, dy, y);
    const dx = x.requiresGrad ? convTranspose(dz, w, null, g, 'none', variant) : null;
    const dw = w.requiresGrad ? filterGrad(x, dz, g, variant) : null;
    const db = b?.requiresGrad ? biasGrad(dz) : null;
    if (dz !== dy) dz.dispose();
    return [dx, dw, db];
  });
}

/**
 * Keras Conv2DTranspose: x [N,H,W,Cin], w [KH,KW,Cout,Cin], b [Cout] | null -> y [N,OH,OW,Cout],
 * OH = H*s ('same') or H*s + max(KH-s, 0) ('valid'), likewise OW; the adjoint of the conv2d that
 * maps [N,OH,OW,Cout] -> [N,H,W,Cin] with weights w, plus bias and activation. Saves x, w and y.
 */
export function conv2dTranspose(x: Tensor, w: Tensor, b: Tensor | null, opts: ConvOptions = {}): Tensor {
  const op = 'conv2dTranspose';
  const { S, padding, act, variant } = checkArgs(op, x, w, b, opts, '[KH, KW, Cout, Cin]', 3, 2);
  const [N, H, W, CIt] = x.shape;
  const [KH, KW, COt] = w.shape;
  const gh = convTransposeOutputSize(H, KH, S, padding);
  const gw = convTransposeOutputSize(W, KW, S, padding);
  // The adjoint conv: [N,OH_t,OW_t,Cout_t] -> [N,H,W,Cin_t] with weights [KH,KW,Cout_t,Cin_t].
  const g: ConvGeometry = { N, H: gh.out, W: gw.out, CI: COt, OH: H, OW: W, CO: CIt, KH, KW, S, PT: gh.pad, PL: gw.pad };
  const y = convTranspose(x, w, b, g, act, variant);
  return record(y, op, [x, w, b], (dy) => {
    const dz = act === 'none' ? dy : activationBackward(act, dy, y);
    const dx = x.requiresGrad ? convForward(dz, w, null, g, 'none', variant) : null;
    const dw = w.requiresGrad ? filterGrad(dz, x, g, variant) : null;
    const db = b?.requiresGrad ? biasGrad(dz) : null;
    if (dz !== dy) dz.dispose();
    return [dx, dw, db];
  });
}
