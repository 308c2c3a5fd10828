/**
 * The conv kernels' launches: for a conv geometry (src/engine/ops/conv2d.ts ConvGeometry), the
 * forward conv (convForward), its adjoint (convTranspose: conv2d's input gradient and Keras
 * Conv2DTranspose's forward); the weight and bias gradients' launches are in src/engine/ops/convGrad.ts.
 * Each picks the kernel of the family asked for (or the autotuner's choice under 'auto') from the
 * kernel table (src/engine/kernels.ts), sets its uniforms and dispatch, and runs the split-K second
 * passes. The ops in src/engine/ops/conv2d.ts call these; so do the autotuner, the lab and the
 * benchmark, which time one family at a time.
 */
import { ShapeError } from '../errors.ts';
import { ACT, DERIVED, type Family, KERNELS, type KernelRow, type Role, SHARED_TILE, type SharedKernel, TILE, WINDOW_TILE, baseFamily, familiesFor, pickKernel } from '../kernels.ts';
import { type BufferView, runtime } from '../runtime.ts';
import { type Tensor, empty } from '../tensor.ts';
import { chosenFamily } from '../tuning.ts';
import type { ConvActivation, ConvGeometry, ConvVariant } from './conv2d.ts';
import { winogradS2DxFits, winogradTransposeS2 } from './winogradS2.ts';
import { type InputPair, type WinogradProduct, isWinograd, winogradForward, winogradPairFits, winogradRoleFits, winogradTranspose } from './winograd.ts';

export const ceilDiv = (a: number, b: number) => Math.ceil(a / b);
/**
 * The family that runs a role at g: the variant named, or for 'auto' the autotuner's choice, at this
 * size or a near one (src/engine/tuning.ts chosenFamily; tiled where it has none); a family without a kernel for the role (shared dw) falls back to tiled, and
 * so do winograd and winograd4 where their scratch would not fit the device's largest binding.
 */
export function family(v: ConvVariant, role: Role, g: ConvGeometry): Family {
  const f = v === 'auto' ? (chosenFamily(role, { ...g }) ?? 'tiled') : v;
  const base = baseFamily(f);
  if (isWinograd(base) && !(role === 'input-grad' && base === 'winograd-s2' ? winogradS2DxFits(g) : winogradRoleFits(g, base, role))) return 'tiled';
  return familiesFor('conv2d', role, { ...g }, runtime().ctx.device.features).includes(f) ? f : 'tiled';
}

/** The Winograd product pass a family runs: a tile variant's own, else conv2d_winograd's. */
const productOf = (f: Family): WinogradProduct | undefined => DERIVED[f]?.product as WinogradProduct | undefined;

/**
 * Whether the conv g's input gradient (convTranspose) can zero its result where a mask is not
 * positive, in its last pass: the Winograd families' output pass (MASK) can.
 */
export function masksInputGrad(variant: ConvVariant, g: ConvGeometry): boolean {
  return isWinograd(baseFamily(family(variant, 'input-grad', g)));
}

/**
 * Whether the conv g runs winograd's weight gradient after a Winograd forward: then the forward's
 * transformed input (V, convForward's `keep`) serves the weight gradient (filterGrad's `saved`),
 * which would otherwise compute it again. winograd4 writes it with its own in one pass
 * (conv2d_winograd4_input_pair), where that tensor fits the device's largest binding.
 */
export function sharesWinogradInput(variant: ConvVariant, g: ConvGeometry): boolean {
  const f = baseFamily(family(variant, 'forward', g));
  if (!isWinograd(f) || family(variant, 'weight-grad', g) !== 'winograd') return false;
  return f === 'winograd' || winogradPairFits(g);
}

export function geomUniforms(g: ConvGeometry) {
  return { H: g.H, W: g.W, CI: g.CI, OH: g.OH, OW: g.OW, KH: g.KH, KW: g.KW, S: g.S, PT: g.PT, PL: g.PL };
}

/**
 * The output channel count of the naive and register-tiled kernels (those launched with it): as
 * scalars for the naive and `_scalar` kernels, as vec4 groups for the others (CO % 4 == 0).
 */
export function channelUniforms(k: KernelRow, g: ConvGeometry): Record<string, number> {
  return k.variant === 'naive' || k.name.endsWith('_scalar') ? { CO: g.CO } : { CO4: g.CO / 4 };
}

/**
 * The conv itself: x [N,H,W,CI], w [KH,KW,CI,CO], b [CO] | null -> y [N,OH,OW,CO] = act(b + x * w).
 * Tiled: conv2d_tiled (vec4 over CO) when CO % 4 == 0, else conv2d_tiled_scalar (src/engine/kernels.ts).
 * `keep` takes Winograd's transformed input, when that runs (sharesWinogradInput).
 */
export function convForward(x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry, act: ConvActivation, variant: ConvVariant, keep?: (v: InputPair) => void): Tensor {
  const f = family(variant, 'forward', g);
  const k = pickKernel('conv2d', 'forward', f, { ...g });
  // A Winograd family's row stands for its passes (src/engine/ops/winograd.ts); a tile variant swaps one.
  if (isWinograd(k.variant)) return winogradForward(x, w, b, g, act, k.variant, keep, productOf(f));
  const y = empty([g.N, g.OH, g.OW, g.CO]); // [N, OH, OW, CO]
  const what = 'conv2d';
  // With no bias any read-only buffer is bound in its place (w: >= 16 bytes when CO % 4 == 0).
  const bindings = { x: x.view(what), w: w.view(what), b: (b ?? w).view(what), y: y.view(what) };
  if (k.name === 'conv2d_wide') return wideForward(bindings, y, g, b !== null, act);
  if (k.name === 'conv2d_window' || k.name === 'conv2d_window1') {
    const uniforms = { H: g.H, W: g.W, CI: g.CI, OH: g.OH, OW: g.OW, PT: g.PT, PL: g.PL, hasBias: b ? 1 : 0, RB: ceilDiv(g.OH, WINDOW_TILE.R), PB: ceilDiv(g.OW, WINDOW_TILE.P) };
    const co: Record<string, number> = k.name === 'conv2d_window' ? { CO: g.CO } : {}; // window1: CO == 1
    runtime().launch(k.name, { uniforms: { count: k.invocations({ ...g }), ...uniforms, ...co }, bindings, dims: { ...g }, constants: { ACT: ACT[act] } });
    return y;
  }
  if (k.name === 'conv2d_narrow1') {
    const uniforms = { count: k.invocations({ ...g }), H: g.H, W: g.W, OH: g.OH, OW: g.OW, CO4: g.CO / 4, PT: g.PT, PL: g.PL, hasBias: b ? 1 : 0, PB: ceilDiv(g.OW, TILE.conv2d_narrow1.P), CB: ceilDiv(g.CO, TILE.conv2d_narrow1.C) };
    runtime().launch('conv2d_narrow1', { uniforms, bindings, dims: { ...g }, constants: { ACT: ACT[act] } });
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
export function convTranspose(x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry, act: ConvActivation, variant: ConvVariant, mask: Tensor | null = null): Tensor {
  const f = family(variant, 'input-grad', g);
  const k = pickKernel('conv2d', 'input-grad', f, { ...g });
  if (k.variant === 'winograd-s2') return winogradTransposeS2(x, w, b, g, act, mask, productOf(f));
  if (isWinograd(k.variant)) return winogradTranspose(x, w, b, g, act, k.variant, mask, productOf(f));
  if (mask) throw new ShapeError(`convTranspose: ${k.name} takes no mask (masksInputGrad says which kernels do)`);
  const y = empty([g.N, g.H, g.W, g.CI]); // [N, H, W, CI]
  const what = 'conv2dTranspose';
  const bindings = { x: x.view(what), w: w.view(what), b: (b ?? w).view(what), y: y.view(what) };
  if (k.name === 'conv2d_transpose_window') {
    const uniforms = { H: g.H, W: g.W, CI: g.CI, OH: g.OH, OW: g.OW, CO: g.CO, PT: g.PT, PL: g.PL, hasBias: b ? 1 : 0, RB: ceilDiv(g.H, WINDOW_TILE.R), PB: ceilDiv(g.W, WINDOW_TILE.P), CB: ceilDiv(g.CI, WINDOW_TILE.C) };
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
 * How many invocations a split-K pass aims for (wideSplit here; the weight and bias gradients'
 * splits in src/engine/ops/convGrad.ts, which says how it was measured).
 */
export const SPLIT_TARGET = 65536;

/**
 * `rows` cut into KS slices of rowsPer rows, none empty: enough slices for SPLIT_TARGET
 * invocations at `perSlice` invocations each, at most `maxSlices` (and at least one).
 */
export function splitRows(rows: number, maxSlices: number, perSlice: number): { KS: number; rowsPer: number } {
  const want = Math.max(1, Math.min(maxSlices, Math.ceil(SPLIT_TARGET / perSlice)));
  const rowsPer = ceilDiv(rows, want);
  return { KS: ceilDiv(rows, rowsPer), rowsPer };
}
