/**
 * The conv's gradient launches for its parameters: the weight gradient (filterGrad, filterGradInto)
 * and the bias gradient (biasGrad, biasGradInto), each a long sum over the N*OH*OW pixels that the
 * kernels cut into KS slices (split-K) and conv2d_backward_filter_sum adds, into a new tensor or
 * straight into a parameter's gradient. The ops in src/engine/ops/conv2d.ts call these; so do the
 * autotuner, the lab and the benchmark. The forward and input-gradient launches, and the family
 * choice they share, are in src/engine/ops/convLaunch.ts.
 */
import { ShapeError } from '../errors.ts';
import { KERNELS, type KernelRow, TILE, WIDE_FILTER_TILE, WINDOW_TILE, channelV, pickKernel, sumV, winogradTiles } from '../kernels.ts';
import { runtime } from '../runtime.ts';
import { type Tensor, empty } from '../tensor.ts';
import { accumulate, vec4View } from './elementwise.ts';
import type { ConvGeometry, ConvVariant } from './conv2d.ts';
import { ceilDiv, channelUniforms, family, geomUniforms, splitRows } from './convLaunch.ts';
import { type InputPair, winogradDims, winogradFilterGrad } from './winograd.ts';

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
const SPLIT_MIN_PIXELS = 1024;

/** Rows each bias-gradient slice sums at least: a slice writes one float per channel. */
const BIAS_MIN_ROWS = 256;

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
export function filterGrad(x: Tensor, dz: Tensor, g: ConvGeometry, variant: ConvVariant, saved: InputPair | null = null): Tensor {
  return filterGradInto(x, dz, g, variant, saved, null)!;
}

/**
 * filterGrad, added into `into` (a parameter's gradient, [KH, KW, CI, CO]) when given: then it
 * returns null, and a split-K weight gradient's last pass adds its sum there (inSlices), sparing
 * the new tensor and autograd's accumulate pass.
 */
export function filterGradInto(x: Tensor, dz: Tensor, g: ConvGeometry, variant: ConvVariant, saved: InputPair | null, into: Tensor | null): Tensor | null {
  const dw = into ?? empty([g.KH, g.KW, g.CI, g.CO]); // [KH, KW, CI, CO]
  const acc = into !== null;
  const k = pickKernel('conv2d', 'weight-grad', family(variant, 'weight-grad', g), { ...g });
  if (k.name === 'conv2d_backward_filter_wide') wideFilterGrad(x, dz, dw, g, acc);
  else if (k.name === 'conv2d_backward_filter_window') windowFilterGrad(x, dz, dw, g, k, acc);
  else if (k.name === 'conv2d_backward_filter_window1' || k.name === 'conv2d_backward_filter_narrow1') slidingFilterGrad(x, dz, dw, g, k, acc);
  else if (k.variant === 'winograd') whole(dw, acc, (out) => winogradFilterGrad(x, dz, out, g, winogradFilterSplit(g), saved));
  else tiledFilterGrad(x, dz, dw, g, k, acc);
  return acc ? null : dw;
}

/** The weight gradient by the naive kernel, or the tiled ones split-K (filterGradSplit) with conv2d_backward_filter_sum adding the slices. */
function tiledFilterGrad(x: Tensor, dz: Tensor, dw: Tensor, g: ConvGeometry, k: KernelRow, acc: boolean): void {
  const what = 'conv2d dw';
  if (k.variant === 'naive') {
    const { KH: _kh, ...geo } = geomUniforms(g);
    const uniforms = { count: k.invocations({ ...g }), N: g.N, ...geo, ...channelUniforms(k, g) };
    whole(dw, acc, (out) => runtime().launch(k.name, { uniforms, bindings: { x: x.view(what), dz: dz.view(what), dw: out.view(what) }, dims: { ...g } }));
    return;
  }
  const t = TILE[k.name as 'conv2d_backward_filter_tiled' | 'conv2d_backward_filter_narrow' | 'conv2d_backward_filter_tiled_quad'];
  const { KS, rowsPer } = filterGradSplit(g, k.invocations({ ...g }));
  const count = g.KH * g.KW * g.CI * g.CO;
  const slice = k.name.endsWith('_scalar') ? count : count / 4; // in the kernel's element type
  // Row blocks: 8 input channels of a tap (tiled), or 8 (tap, channel) rows of dw (narrow).
  const rows: Record<string, number> = k.variant === 'narrow' ? { MB: ceilDiv(g.KH * g.KW * g.CI, t.R) } : { IB: ceilDiv(g.CI, t.R) };
  const uniforms = { count: k.invocations({ ...g, KS }), N: g.N, ...geomUniforms(g), ...channelUniforms(k, g), ...rows, CB: ceilDiv(g.CO, t.C), KS, rowsPer, slice };
  inSlices(dw, KS, (part) => runtime().launch(k.name, { uniforms, bindings: { x: x.view(what), dz: dz.view(what), dw: part.view(what) }, dims: { ...g, KS } }), acc);
}

/**
 * Split-K of conv2d_backward_filter_winograd: its T = N*ceil(OH/m)*ceil(OW/m) tiles (m*m pixels
 * each) in KS slices of tilesPer, as the tiled kernels' split (splitRows: enough for SPLIT_TARGET
 * invocations over its a*a x CI/8 x CO/8 blocks, each slice at least SPLIT_MIN_PIXELS pixels).
 */
export function winogradFilterSplit(g: ConvGeometry): { KS: number; tilesPer: number } {
  const d = winogradDims(g, 'winograd');
  const T = winogradTiles(d);
  const { KS, rowsPer } = splitRows(T, Math.floor((d.WM * d.WM * T) / SPLIT_MIN_PIXELS), KERNELS.conv2d_backward_filter_winograd.invocations({ ...d, KS: 1 }));
  return { KS, tilesPer: rowsPer };
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
function wideFilterGrad(x: Tensor, dz: Tensor, dw: Tensor, g: ConvGeometry, acc: boolean): Tensor {
  const what = 'conv2d dw';
  const { KS, MPER } = wideFilterSplit(g);
  const K = g.KH * g.KW * g.CI;
  const uniforms = { ...geomUniforms(g), CO: g.CO, M: g.N * g.OH * g.OW, K, KB: ceilDiv(K, WIDE_FILTER_TILE.K), NB: ceilDiv(g.CO, WIDE_FILTER_TILE.C), KS, MPER };
  return inSlices(dw, KS, (part) => runtime().launch('conv2d_backward_filter_wide', { uniforms, bindings: { x: x.view(what), dz: dz.view(what), dw: part.view(what) }, dims: { ...g, KS } }), acc);
}

/** The weight gradient by conv2d_backward_filter_window, split-K as the tiled kernels (filterGradSplit). */
function windowFilterGrad(x: Tensor, dz: Tensor, dw: Tensor, g: ConvGeometry, k: KernelRow, acc: boolean): Tensor {
  const what = 'conv2d dw';
  const { KS, rowsPer } = filterGradSplit(g, k.invocations({ ...g }));
  const slice = g.KH * g.KW * g.CI * g.CO;
  const uniforms = { count: k.invocations({ ...g, KS }), N: g.N, H: g.H, W: g.W, CI: g.CI, OH: g.OH, OW: g.OW, CO: g.CO, PT: g.PT, PL: g.PL, IB: ceilDiv(g.CI, WINDOW_TILE.CI), KS, rowsPer, slice };
  return inSlices(dw, KS, (part) => runtime().launch('conv2d_backward_filter_window', { uniforms, bindings: { x: x.view(what), dz: dz.view(what), dw: part.view(what) }, dims: { ...g, KS } }), acc);
}

/**
 * The slices of the sliding-window weight gradients' pixel sum (conv2d_backward_filter_window1, one
 * output channel, and conv2d_backward_filter_narrow1, one input channel): at least SLIDING_MIN_PIXELS
 * pixels each (a slice's partial dw is only 9 * CI * CO floats, so short slices cost little) and
 * enough for SPLIT_TARGET invocations. With filterGradSplit's 1024 the default preset's last layer
 * (batch 4) ran in 6 slices, 72 invocations: two workgroups of 64 and 8 on SwiftShader, one core
 * doing nearly all of it.
 */
const SLIDING_MIN_PIXELS = 256;
export function slidingSplit(g: ConvGeometry, perSlice: number): { KS: number; rowsPer: number } {
  const rows = g.N * g.OH;
  return splitRows(rows, Math.min(rows, Math.floor((rows * g.OW) / SLIDING_MIN_PIXELS)), perSlice);
}

/** The weight gradient by conv2d_backward_filter_window1 (CO = 1) or _narrow1 (CI = 1), split-K (slidingSplit). */
function slidingFilterGrad(x: Tensor, dz: Tensor, dw: Tensor, g: ConvGeometry, k: KernelRow, acc: boolean): Tensor {
  const what = 'conv2d dw';
  const { KS, rowsPer } = slidingSplit(g, k.invocations({ ...g }));
  // The side with channels: WINDOW_TILE.CI of them per invocation.
  const channels: Record<string, number> = k.name === 'conv2d_backward_filter_window1' ? { CI4: g.CI / 4, IB: ceilDiv(g.CI, WINDOW_TILE.CI) } : { CO4: g.CO / 4, CB: ceilDiv(g.CO, WINDOW_TILE.CI) };
  const uniforms = { count: k.invocations({ ...g, KS }), H: g.H, W: g.W, OH: g.OH, OW: g.OW, PT: g.PT, PL: g.PL, ...channels, rows: g.N * g.OH, rowsPer, slice: (9 * g.CI * g.CO) / 4 };
  return inSlices(dw, KS, (part) => runtime().launch(k.name, { uniforms, bindings: { x: x.view(what), dz: dz.view(what), dw: part.view(what) }, dims: { ...g, KS } }), acc);
}

/**
 * A split-K launch into `out`: `launch` writes KS slices of partial sums into the tensor it is given
 * ([KS, ...out.shape]; out itself when KS = 1), then conv2d_backward_filter_sum adds them into out.
 * With acc the sum is added to what out holds (a parameter's gradient; KS = 1: through whole()).
 */
function inSlices(out: Tensor, KS: number, launch: (part: Tensor) => void, acc = false): Tensor {
  if (KS === 1) return whole(out, acc, launch);
  const part = empty([KS, ...out.shape]);
  launch(part);
  sumSlicesInto(part, out, KS, acc);
  part.dispose(); // safe with the pending sum dispatch: later commands run after it
  return out;
}

/** `launch` writes out, or with acc a new tensor that accumulate.wgsl then adds into out. */
function whole(out: Tensor, acc: boolean, launch: (t: Tensor) => void): Tensor {
  if (!acc) { launch(out); return out; }
  const t = empty(out.shape);
  launch(t);
  accumulate(out, t);
  t.dispose();
  return out;
}

/** dw = the sum of part's KS slices (part [KS, ...dw.shape]), or with acc dw += it: conv2d_backward_filter_sum. */
export function sumSlicesInto(part: Tensor, dw: Tensor, KS: number, acc = false): void {
  const count = dw.size;
  if (part.size !== KS * count) throw new ShapeError(`sumSlicesInto: part has ${part.size} values, not KS=${KS} x ${count}`);
  runtime().launch('conv2d_backward_filter_sum', {
    uniforms: { count, KS },
    bindings: { part: vec4View(part, 'conv2d dw'), dw: vec4View(dw, 'conv2d dw') },
    dims: { count, KS },
    constants: { V: sumV({ count }), ACC: acc ? 1 : 0 },
  });
}

/**
 * The bias gradient: dz [N,OH,OW,C] -> db [C], the sum over every pixel, in KS slices of rowsPer
 * pixels (enough for SPLIT_TARGET invocations, at least BIAS_MIN_ROWS rows a slice) that
 * conv2d_backward_filter_sum adds.
 */
export function biasGrad(dz: Tensor): Tensor {
  return biasGradInto(dz, null)!;
}

/** biasGrad, added into `into` (a parameter's gradient, [C]) when given, and then null (as filterGradInto). */
export function biasGradInto(dz: Tensor, into: Tensor | null): Tensor | null {
  const C = dz.shape[dz.shape.length - 1];
  const M = dz.size / C;
  const { KS, rowsPer } = splitRows(M, Math.floor(M / BIAS_MIN_ROWS), C);
  const db = into ?? empty([C]);
  inSlices(db, KS, (part) => runtime().launch('conv2d_bias_grad', {
    uniforms: { count: KS * C, M, C, rowsPer },
    bindings: { dz: vec4View(dz, 'conv2d db'), db: vec4View(part, 'conv2d db') },
    dims: { M, C, KS },
    constants: { V: channelV({ C }) },
  }), into !== null);
  return into ? null : db;
}
