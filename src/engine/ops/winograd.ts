/**
 * The 3x3 stride-1 conv by Winograd F(m x m, 3x3): the 'winograd' family (m = 2, F(2x2, 3x3):
 * src/shaders/conv2d_winograd*.wgsl) and the 'winograd4' family (m = 4, F(4x4, 3x3):
 * src/shaders/conv2d_winograd4*.wgsl). Each m x m block of outputs (a tile) costs a*a multiply-adds
 * per input and output channel instead of 9*m*m (a = m + 2: 16 against 36, 36 against 144). And the
 * 3x3 stride-2 conv's forward, the 'winograd-s2' family (m = 4, a = 9: 81 against 144;
 * src/shaders/conv2d_winograd_s2*.wgsl has its algorithm), with the same passes and product pass;
 * its input gradient has passes of its own around the same product pass (src/engine/ops/winogradS2.ts).
 * Four passes:
 *   U = G g G^T for every (ci, co) filter             *_weights   [a*a, CI, CO]
 *   V = B^T d B for every tile's a x a input patch     *_input     [a*a, T, CI]
 *   M[xi] = V[xi] U[xi] for the a*a points xi           conv2d_winograd (both families)   [a*a, T, CO]
 *   y = act(b + A^T M A) for every tile                *_output    [N, OH, OW, CO]
 * (T = N * ceil(OH/m) * ceil(OW/m) tiles). The input gradient of such a conv is a 3x3 stride-1 conv
 * too (adjointGeometry): of dy, with the filters flipped and transposed (conv2d_transpose_winograd*
 * takes them to the domain) and the padding 2 - PT, 2 - PL; the other three passes are the same.
 * winograd's weight gradient is Winograd F(3x3, 2x2) over the same tiles (winogradFilterGrad): x's
 * V as above, dy's tiles to the domain (conv2d_backward_filter_winograd_dy), 16 products summed
 * over the tiles in split-K slices (conv2d_backward_filter_winograd), and the slices added and
 * taken back to the 3x3 taps (conv2d_backward_filter_winograd_output). Where the forward ran these
 * passes too, its V of x is kept for the weight gradient (src/engine/ops/conv2d.ts), which then
 * skips its first; where it ran winograd4's, its input pass is conv2d_winograd4_input_pair, which
 * writes both families' V from one read of x and keeps them. F(4x4, 3x3) does 4/9 of F(2x2, 3x3)'s
 * products and moves fewer bytes, at a few
 * times its float32 rounding (within the conv tolerance); which one runs is the autotuner's
 * choice. winograd4 has no weight gradient: F(3x3, 4x4) went over the conv tolerance at DnCNN's
 * 64->64 layer (166% on SwiftShader, 97% on an H200), where F(3x3, 2x2) and the direct kernels
 * used 25-47%; the tuner takes another family for that role. The float64 references of each
 * pass are in src/engine/referenceWinograd.ts. The scratch (V and M, each (a/m)^2 times the input or output) goes back to the pool when the
 * passes are recorded.
 */
import { ACT, KERNELS, type Role, WINOGRAD_TILE, winogradTiles } from '../kernels.ts';
import { runtime } from '../runtime.ts';
import { type Tensor, empty } from '../tensor.ts';
import type { ConvActivation, ConvGeometry } from './conv2d.ts';

export type WinogradFamily = 'winograd' | 'winograd4' | 'winograd-s2';
/** Each family's tile side m, domain side a, and its own passes (the product passes are shared). */
export const WINOGRAD_PASSES = {
  winograd: {
    m: 2, a: 4, weights: 'conv2d_winograd_weights', flipped: 'conv2d_transpose_winograd', input: 'conv2d_winograd_input', output: 'conv2d_winograd_output',
    gradDy: 'conv2d_backward_filter_winograd_dy', gradOutput: 'conv2d_backward_filter_winograd_output',
  },
  // No weight gradient (kernels.ts): F(3x3, 4x4) rounds too much for the conv tolerance.
  winograd4: {
    m: 4, a: 6, weights: 'conv2d_winograd4_weights', flipped: 'conv2d_transpose_winograd4', input: 'conv2d_winograd4_input', output: 'conv2d_winograd4_output',
  },
  // The 3x3 stride-2 conv (a 9x9 input patch per 4x4 tile); no weight gradient (kernels.ts).
  'winograd-s2': {
    m: 4, a: 9, weights: 'conv2d_winograd_s2_weights', input: 'conv2d_winograd_s2_input', output: 'conv2d_winograd_s2_output',
    // Its input gradient's own passes (8x8 tiles of dx from 5x5 patches of dy: winogradTransposeS2).
    flipped: 'conv2d_transpose_winograd_s2', inputT: 'conv2d_transpose_winograd_s2_input', outputT: 'conv2d_transpose_winograd_s2_output',
  },
} as const;

export const isWinograd = (f: string): f is WinogradFamily => f in WINOGRAD_PASSES;

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);
/** The kernel-table dims of the conv g under family f (WM: its tile side). */
export const winogradDims = (g: ConvGeometry, f: WinogradFamily) => ({ ...g, WM: WINOGRAD_PASSES[f].m });
/** The domain's points a*a. */
const pointsOf = (f: WinogradFamily) => WINOGRAD_PASSES[f].a ** 2;
function tiles(g: ConvGeometry, f: WinogradFamily) {
  const m = WINOGRAD_PASSES[f].m;
  return { TH: ceilDiv(g.OH, m), TW: ceilDiv(g.OW, m), T: winogradTiles(winogradDims(g, f)) };
}

/**
 * The 3x3 stride-1 conv that is g's adjoint (its input gradient, dy [N,OH,OW,CO] -> dx [N,H,W,CI]):
 * dx = conv(dy, w flipped and transposed) with padding 2 - PT, 2 - PL.
 */
export function adjointGeometry(g: ConvGeometry): ConvGeometry {
  return { N: g.N, H: g.OH, W: g.OW, CI: g.CO, OH: g.H, OW: g.W, CO: g.CI, KH: 3, KW: 3, S: 1, PT: 2 - g.PT, PL: 2 - g.PL };
}

/**
 * winograd-s2's slices of a channel sum of `channels` (its product pass's KS, added by the output
 * pass): none up to 128 channels, else slices of S2_SLICE_CHANNELS. Its rounding grows with the
 * channels summed in float32 before the output transform (whose A^T multiplies by up to 8): whole,
 * the sum over 256 went over the conv tolerance; in slices of 32 it used 24-40% of it, slices of 64
 * 36-55% (src/engine/kernels.ts winogradS2). Slices cost time (each is written and read again), so
 * the sums up to 128, within the tolerance whole, stay whole.
 */
export const S2_SLICE_CHANNELS = 32;
export const s2Slices = (channels: number) => (channels <= 128 ? 1 : ceilDiv(channels, S2_SLICE_CHANNELS));

/** The bytes of the largest scratch tensor of the passes at g (V, or M with winograd-s2's slices). */
export function winogradScratchBytes(g: ConvGeometry, f: WinogradFamily = 'winograd'): number {
  const KS = f === 'winograd-s2' ? s2Slices(g.CI) : 1;
  return 4 * pointsOf(f) * tiles(g, f).T * Math.max(g.CI, KS * g.CO);
}

/** Whether a tensor of `bytes` fits this device's largest binding. */
export function fitsBinding(bytes: number): boolean {
  const l = runtime().limits;
  return bytes <= Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize);
}

/** Whether the passes' tensors fit this device's largest binding (else the conv takes another family). */
export function winogradFits(g: ConvGeometry, f: WinogradFamily = 'winograd'): boolean {
  return fitsBinding(winogradScratchBytes(g, f));
}

/**
 * Whether the passes of role at the stride-1 conv g fit (winogradFits): the input gradient's are
 * those of its adjoint conv. (winograd-s2's input gradient: src/engine/ops/winogradS2.ts winogradS2DxFits.)
 */
export function winogradRoleFits(g: ConvGeometry, f: WinogradFamily, role: Role): boolean {
  return winogradFits(role === 'input-grad' ? adjointGeometry(g) : g, f);
}

/** w [3, 3, CI, CO] -> U [a*a, CI, CO]: conv2d_winograd*_weights. */
export function winogradWeights(w: Tensor, g: ConvGeometry, f: WinogradFamily = 'winograd'): Tensor {
  const u = empty([pointsOf(f), g.CI, g.CO]);
  runtime().launch(WINOGRAD_PASSES[f].weights, {
    uniforms: { count: g.CI * (g.CO / 4), CO4: g.CO / 4 },
    bindings: { w: w.view('conv2d winograd'), uw: u.view('conv2d winograd') },
    dims: winogradDims(g, f),
  });
  return u;
}

/** w [3, 3, CI, CO] of the conv g -> U [a*a, CO, CI] of its adjoint (w flipped, transposed): conv2d_transpose_winograd*. */
export function winogradWeightsFlipped(w: Tensor, g: ConvGeometry, f: WinogradFamily = 'winograd'): Tensor {
  const pass = WINOGRAD_PASSES[f];
  if (!('flipped' in pass)) throw new Error(`winogradWeightsFlipped: ${f} has no input gradient`);
  const u = empty([pointsOf(f), g.CO, g.CI]);
  runtime().launch(pass.flipped, {
    uniforms: { count: g.CO * (g.CI / 4), CI4: g.CI / 4, CO: g.CO },
    bindings: { w: w.view('conv2d winograd'), uw: u.view('conv2d winograd') },
    dims: winogradDims(g, f),
  });
  return u;
}

/** x [N, H, W, CI] -> V [a*a, T, CI]: conv2d_winograd*_input. */
export function winogradInput(x: Tensor, g: ConvGeometry, f: WinogradFamily = 'winograd'): Tensor {
  const { TH, TW, T } = tiles(g, f);
  const v = empty([pointsOf(f), T, g.CI]);
  runtime().launch(WINOGRAD_PASSES[f].input, {
    uniforms: { count: T * (g.CI / 4), H: g.H, W: g.W, CI4: g.CI / 4, TH, TW, PT: g.PT, PL: g.PL },
    bindings: { x: x.view('conv2d winograd'), v: v.view('conv2d winograd') },
    dims: winogradDims(g, f),
  });
  return v;
}

/**
 * x's transformed input for both families at once (conv2d_winograd4_input_pair): one tensor holding
 * winograd4's V [36, T4, CI] and after it winograd's [16, T2, CI], for a conv that runs winograd4
 * forward and winograd's weight gradient. `at` is where winograd's V starts (in vec4s).
 */
export interface InputPair { v: Tensor; at: number }
export function winogradInputPair(x: Tensor, g: ConvGeometry): InputPair {
  const { TH, TW, T } = tiles(g, 'winograd4');
  const t2 = tiles(g, 'winograd');
  const v = empty([36 * T + 16 * t2.T, g.CI]);
  runtime().launch('conv2d_winograd4_input_pair', {
    uniforms: { count: T * (g.CI / 4), H: g.H, W: g.W, CI4: g.CI / 4, TH, TW, PT: g.PT, PL: g.PL, TH2: t2.TH, TW2: t2.TW },
    bindings: { x: x.view('conv2d winograd'), vv: v.view('conv2d winograd') },
    dims: winogradDims(g, 'winograd4'),
  });
  return { v, at: 36 * T * (g.CI / 4) };
}

/** Whether winogradInputPair's tensor fits this device's largest binding (else the two input passes run apart). */
export function winogradPairFits(g: ConvGeometry): boolean {
  return fitsBinding(4 * (36 * tiles(g, 'winograd4').T + 16 * tiles(g, 'winograd').T) * g.CI);
}

/** The product passes: conv2d_winograd (8 tiles an invocation) and its tile variant (16). */
export type WinogradProduct = 'conv2d_winograd' | 'conv2d_winograd_t16';
const PRODUCT_TILES: Record<WinogradProduct, number> = { conv2d_winograd: WINOGRAD_TILE.P, conv2d_winograd_t16: WINOGRAD_TILE.P16 };

/** V [a*a, T, CI], U [a*a, CI, CO] -> M [KS, a*a, T, CO] (KS: winograd-s2's slices, else 1): conv2d_winograd, or `product`. */
export function winogradProducts(v: Tensor, u: Tensor, g: ConvGeometry, f: WinogradFamily = 'winograd', product: WinogradProduct = 'conv2d_winograd'): Tensor {
  return productPass(v, u, winogradDims(g, f), tiles(g, f).T, pointsOf(f), product, f === 'winograd-s2' ? s2Slices(g.CI) : 1);
}

/**
 * The product pass over T tiles at P points: V [P, T, CI], U [P, CI, CO] -> M [KS, P, T, CO], slice
 * s the sum over its share of the input channels, with CI, CO (and the invocations) from the
 * kernel-table dims (whose winogradTiles and winogradPoints are T and P).
 */
export function productPass(v: Tensor, u: Tensor, dims: ReturnType<typeof winogradDims>, T: number, P: number, product: WinogradProduct, KS = 1): Tensor {
  const m = empty([KS * P, T, dims.CO]);
  const CI4 = dims.CI / 4;
  runtime().launch(product, {
    uniforms: { count: KERNELS[product].invocations({ ...dims, KS }), T, CI4, CO4: dims.CO / 4, TB: ceilDiv(T, PRODUCT_TILES[product]), CB: dims.CO / WINOGRAD_TILE.C, P, KC4: ceilDiv(CI4, KS) },
    bindings: { v: v.view('conv2d winograd'), uw: u.view('conv2d winograd'), m: m.view('conv2d winograd') },
    dims: { ...dims, KS },
  });
  return m;
}

/** M [KS*a*a, T, CO] (KS > 1: winograd-s2's slices), b [CO] | null -> y [N, OH, OW, CO] = act(b + A^T M A): conv2d_winograd*_output. */
export function winogradOutput(m: Tensor, b: Tensor | null, g: ConvGeometry, act: ConvActivation, f: WinogradFamily = 'winograd', mask: Tensor | null = null): Tensor {
  const { TH, TW, T } = tiles(g, f);
  const y = empty([g.N, g.OH, g.OW, g.CO]);
  // winograd-s2's output pass adds M's KS slices (mSlice vec4s apart), as many as the product pass wrote.
  const s2 = f === 'winograd-s2';
  const KS = m.shape[0] / pointsOf(f);
  runtime().launch(WINOGRAD_PASSES[f].output, {
    uniforms: { count: T * (g.CO / 4), OH: g.OH, OW: g.OW, CO4: g.CO / 4, TH, TW, hasBias: b ? 1 : 0, ...(s2 ? { mSlice: 81 * T * (g.CO / 4) } : {}) },
    // With no bias any read-only buffer is bound in its place.
    // Likewise with no mask (MASK off).
    bindings: { m: m.view('conv2d winograd'), b: (b ?? m).view('conv2d winograd'), y: y.view('conv2d winograd'), ...(f !== 'winograd-s2' ? { mask: (mask ?? m).view('conv2d winograd') } : {}) },
    dims: winogradDims(g, f),
    // winograd4's: whether the last tiles reach past the output (then each store is tested).
    // winograd-s2's output pass serves only the forward: no MASK, and each store is tested.
    constants: { ACT: ACT[act], ...(s2 ? { KS } : { MASK: mask ? 1 : 0 }), ...(f === 'winograd4' ? { EDGES: g.OH % 4 || g.OW % 4 ? 1 : 0 } : {}) },
  });
  return y;
}

/** dy [N, OH, OW, CO] -> Y [16, T, CO]: conv2d_backward_filter_winograd_dy. */
export function winogradGradDy(dy: Tensor, g: ConvGeometry): Tensor {
  const f = 'winograd';
  const { TH, TW, T } = tiles(g, f);
  const y = empty([pointsOf(f), T, g.CO]);
  runtime().launch(WINOGRAD_PASSES[f].gradDy, {
    uniforms: { count: T * (g.CO / 4), OH: g.OH, OW: g.OW, CO4: g.CO / 4, TH, TW },
    bindings: { dy: dy.view('conv2d winograd dw'), yw: y.view('conv2d winograd dw') },
    dims: winogradDims(g, f),
  });
  return y;
}

/** part [KS, 16, CI, CO] -> dw [3, 3, CI, CO] (the slices added, back to the taps): conv2d_backward_filter_winograd_output. */
export function winogradGradOutput(part: Tensor, dw: Tensor, g: ConvGeometry, KS: number): Tensor {
  const f = 'winograd';
  runtime().launch(WINOGRAD_PASSES[f].gradOutput, {
    uniforms: { count: g.CI * (g.CO / 4), KS },
    bindings: { part: part.view('conv2d winograd dw'), dw: dw.view('conv2d winograd dw') },
    dims: { ...winogradDims(g, f), KS },
  });
  return dw;
}

/**
 * dw [3, 3, CI, CO] of the conv g from x and dz (its output's gradient) by winograd's four passes,
 * the products over the tiles in KS slices of tilesPer tiles (src/engine/ops/convGrad.ts chooses
 * them). Only F(3x3, 2x2): winograd4 has no weight gradient (src/engine/kernels.ts says why).
 */
export function winogradFilterGrad(x: Tensor, dz: Tensor, dw: Tensor, g: ConvGeometry, split: { KS: number; tilesPer: number }, saved: InputPair | null = null): Tensor {
  const f = 'winograd';
  const { T } = tiles(g, f);
  const { KS, tilesPer } = split;
  const P = pointsOf(f);
  const v = saved?.v ?? winogradInput(x, g, f);
  const y = winogradGradDy(dz, g);
  const part = empty([KS, P, g.CI, g.CO]);
  const dims = { ...winogradDims(g, f), KS };
  runtime().launch('conv2d_backward_filter_winograd', {
    uniforms: { count: KERNELS.conv2d_backward_filter_winograd.invocations(dims), T, CI: g.CI, CO4: g.CO / 4, IB: ceilDiv(g.CI, WINOGRAD_TILE.R), CB: g.CO / WINOGRAD_TILE.C, tilesPer, P, V0: saved?.at ?? 0 },
    bindings: { v: v.view('conv2d winograd dw'), yw: y.view('conv2d winograd dw'), part: part.view('conv2d winograd dw') },
    dims,
  });
  // Safe with the pending dispatches: later commands run after them. A saved V is its owner's.
  if (!saved) v.dispose();
  y.dispose();
  winogradGradOutput(part, dw, g, KS);
  part.dispose();
  return dw;
}

/**
 * y = act(b + x * w) by the four passes. With `keep`, x's V for winograd's weight gradient is handed
 * to it (winogradFilterGrad's `saved`), which then skips its first pass: winograd's own V (4x x's
 * memory), or for winograd4 the pair pass's tensor (both V, 6.25x), made in place of its input pass.
 */
export function winogradForward(x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry, act: ConvActivation, f: WinogradFamily = 'winograd', keep?: (v: InputPair) => void, product?: WinogradProduct): Tensor {
  return passes(winogradWeights(w, g, f), x, b, g, act, f, keep, null, product);
}

/**
 * The adjoint of the conv g (x [N,OH,OW,CO] -> y [N,H,W,CI] = act(b + conv(x, w flipped and
 * transposed))): conv2d's input gradient, conv2dTranspose's forward at stride 1.
 */
export function winogradTranspose(x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry, act: ConvActivation, f: WinogradFamily = 'winograd', mask: Tensor | null = null, product?: WinogradProduct): Tensor {
  return passes(winogradWeightsFlipped(w, g, f), x, b, adjointGeometry(g), act, f, undefined, mask, product);
}

/** The last three passes of the conv g, for its filters u already in the domain (released here). */
function passes(u: Tensor, x: Tensor, b: Tensor | null, g: ConvGeometry, act: ConvActivation, f: WinogradFamily, keep?: (v: InputPair) => void, mask: Tensor | null = null, product?: WinogradProduct): Tensor {
  // winograd4 keeps the pair, whose start the product pass reads as its V; winograd keeps its own V.
  const pair = keep && f === 'winograd4' ? winogradInputPair(x, g) : null;
  const v = pair?.v ?? winogradInput(x, g, f);
  const m = winogradProducts(v, u, g, f, product);
  // Safe with the pending dispatches: later commands run after them.
  u.dispose();
  if (keep) keep(pair ?? { v, at: 0 });
  else v.dispose();
  const y = winogradOutput(m, b, g, act, f, mask);
  m.dispose();
  return y;
}
