/**
 * The forward conv by Winograd F(2x2, 3x3) (the 'winograd' family, src/shaders/conv2d_winograd*.wgsl):
 * for a 3x3 stride-1 conv, each 2x2 block of outputs (a tile) costs 16 multiply-adds per input and
 * output channel instead of 36. Four passes:
 *   U = G g G^T for every (ci, co) filter             conv2d_winograd_weights   [16, CI, CO]
 *   V = B^T d B for every tile's 4x4 input patch       conv2d_winograd_input     [16, T, CI]
 *   M[xi] = V[xi] U[xi] for the 16 points xi           conv2d_winograd           [16, T, CO]
 *   y = act(b + A^T M A) for every tile                conv2d_winograd_output    [N, OH, OW, CO]
 * (T = N * ceil(OH/2) * ceil(OW/2) tiles). The input gradient of such a conv is a 3x3 stride-1 conv
 * too (adjointGeometry): of dy, with the filters flipped and transposed (conv2d_transpose_winograd
 * takes them to the 4x4 domain) and the padding 2 - PT, 2 - PL; the other three passes are the same.
 * The weight gradient is Winograd F(3x3, 2x2) over the same tiles (winogradFilterGrad): x's V as
 * above, dy's tiles to the 4x4 domain (conv2d_backward_filter_winograd_dy), 16 products summed over
 * the tiles in split-K slices (conv2d_backward_filter_winograd), and the slices added and taken back
 * to the 3x3 taps (conv2d_backward_filter_winograd_output). Where the forward ran these passes too,
 * its V of x is kept for the weight gradient (src/engine/ops/conv2d.ts), which then skips its first.
 * The float64 references of each pass are in
 * src/engine/referenceWinograd.ts. The scratch (V and M, each 4x the input or output: a 4x4 patch
 * per 2x2 tile) goes back to the pool when the passes are recorded.
 */
import { ACT, KERNELS, WINOGRAD_TILE, winogradTiles } from '../kernels.ts';
import { runtime } from '../runtime.ts';
import { type Tensor, empty } from '../tensor.ts';
import type { ConvActivation, ConvGeometry } from './conv2d.ts';

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);
const tiles = (g: ConvGeometry) => ({ TH: ceilDiv(g.OH, 2), TW: ceilDiv(g.OW, 2), T: winogradTiles({ ...g }) });

/**
 * The 3x3 stride-1 conv that is g's adjoint (its input gradient, dy [N,OH,OW,CO] -> dx [N,H,W,CI]):
 * dx = conv(dy, w flipped and transposed) with padding 2 - PT, 2 - PL.
 */
export function adjointGeometry(g: ConvGeometry): ConvGeometry {
  return { N: g.N, H: g.OH, W: g.OW, CI: g.CO, OH: g.H, OW: g.W, CO: g.CI, KH: 3, KW: 3, S: 1, PT: 2 - g.PT, PL: 2 - g.PL };
}

/** The bytes of the largest scratch tensor of the passes at g (V or M). */
export function winogradScratchBytes(g: ConvGeometry): number {
  return 4 * 16 * winogradTiles({ ...g }) * Math.max(g.CI, g.CO);
}

/** Whether the passes' tensors fit this device's largest binding (else the conv takes another family). */
export function winogradFits(g: ConvGeometry): boolean {
  const l = runtime().limits;
  return winogradScratchBytes(g) <= Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize);
}

/** w [3, 3, CI, CO] -> U [16, CI, CO]: conv2d_winograd_weights. */
export function winogradWeights(w: Tensor, g: ConvGeometry): Tensor {
  const u = empty([16, g.CI, g.CO]);
  runtime().launch('conv2d_winograd_weights', {
    uniforms: { count: g.CI * (g.CO / 4), CO4: g.CO / 4 },
    bindings: { w: w.view('conv2d winograd'), uw: u.view('conv2d winograd') },
    dims: { ...g },
  });
  return u;
}

/** w [3, 3, CI, CO] of the conv g -> U [16, CO, CI] of its adjoint (w flipped, transposed): conv2d_transpose_winograd. */
export function winogradWeightsFlipped(w: Tensor, g: ConvGeometry): Tensor {
  const u = empty([16, g.CO, g.CI]);
  runtime().launch('conv2d_transpose_winograd', {
    uniforms: { count: g.CO * (g.CI / 4), CI4: g.CI / 4, CO: g.CO },
    bindings: { w: w.view('conv2d winograd'), uw: u.view('conv2d winograd') },
    dims: { ...g },
  });
  return u;
}

/** x [N, H, W, CI] -> V [16, T, CI]: conv2d_winograd_input. */
export function winogradInput(x: Tensor, g: ConvGeometry): Tensor {
  const { TH, TW, T } = tiles(g);
  const v = empty([16, T, g.CI]);
  runtime().launch('conv2d_winograd_input', {
    uniforms: { count: T * (g.CI / 4), H: g.H, W: g.W, CI4: g.CI / 4, TH, TW, PT: g.PT, PL: g.PL },
    bindings: { x: x.view('conv2d winograd'), v: v.view('conv2d winograd') },
    dims: { ...g },
  });
  return v;
}

/** V [16, T, CI], U [16, CI, CO] -> M [16, T, CO]: conv2d_winograd. */
export function winogradProducts(v: Tensor, u: Tensor, g: ConvGeometry): Tensor {
  const { T } = tiles(g);
  const m = empty([16, T, g.CO]);
  runtime().launch('conv2d_winograd', {
    uniforms: { count: KERNELS.conv2d_winograd.invocations({ ...g }), T, CI4: g.CI / 4, CO4: g.CO / 4, TB: ceilDiv(T, WINOGRAD_TILE.P), CB: g.CO / WINOGRAD_TILE.C },
    bindings: { v: v.view('conv2d winograd'), uw: u.view('conv2d winograd'), m: m.view('conv2d winograd') },
    dims: { ...g },
  });
  return m;
}

/** M [16, T, CO], b [CO] | null -> y [N, OH, OW, CO] = act(b + A^T M A): conv2d_winograd_output. */
export function winogradOutput(m: Tensor, b: Tensor | null, g: ConvGeometry, act: ConvActivation): Tensor {
  const { TH, TW, T } = tiles(g);
  const y = empty([g.N, g.OH, g.OW, g.CO]);
  runtime().launch('conv2d_winograd_output', {
    uniforms: { count: T * (g.CO / 4), OH: g.OH, OW: g.OW, CO4: g.CO / 4, TH, TW, hasBias: b ? 1 : 0 },
    // With no bias any read-only buffer is bound in its place.
    bindings: { m: m.view('conv2d winograd'), b: (b ?? m).view('conv2d winograd'), y: y.view('conv2d winograd') },
    dims: { ...g },
    constants: { ACT: ACT[act] },
  });
  return y;
}

/** dy [N, OH, OW, CO] -> Y [16, T, CO]: conv2d_backward_filter_winograd_dy. */
export function winogradGradDy(dy: Tensor, g: ConvGeometry): Tensor {
  const { TH, TW, T } = tiles(g);
  const y = empty([16, T, g.CO]);
  runtime().launch('conv2d_backward_filter_winograd_dy', {
    uniforms: { count: T * (g.CO / 4), OH: g.OH, OW: g.OW, CO4: g.CO / 4, TH, TW },
    bindings: { dy: dy.view('conv2d winograd dw'), yw: y.view('conv2d winograd dw') },
    dims: { ...g },
  });
  return y;
}

/** part [KS, 16, CI, CO] -> dw [3, 3, CI, CO] (the slices added, back to the taps): conv2d_backward_filter_winograd_output. */
export function winogradGradOutput(part: Tensor, dw: Tensor, g: ConvGeometry, KS: number): Tensor {
  runtime().launch('conv2d_backward_filter_winograd_output', {
    uniforms: { count: g.CI * (g.CO / 4), KS },
    bindings: { part: part.view('conv2d winograd dw'), dw: dw.view('conv2d winograd dw') },
    dims: { ...g, KS },
  });
  return dw;
}

/**
 * dw [3, 3, CI, CO] of the conv g from x and dz (its output's gradient) by the four passes, the
 * products over the tiles in KS slices of tilesPer tiles (src/engine/ops/convLaunch.ts chooses them).
 */
export function winogradFilterGrad(x: Tensor, dz: Tensor, dw: Tensor, g: ConvGeometry, split: { KS: number; tilesPer: number }, saved: Tensor | null = null): Tensor {
  const { T } = tiles(g);
  const { KS, tilesPer } = split;
  const v = saved ?? winogradInput(x, g);
  const y = winogradGradDy(dz, g);
  const part = empty([KS, 16, g.CI, g.CO]);
  runtime().launch('conv2d_backward_filter_winograd', {
    uniforms: { count: KERNELS.conv2d_backward_filter_winograd.invocations({ ...g, KS }), T, CI: g.CI, CO4: g.CO / 4, IB: g.CI / WINOGRAD_TILE.R, CB: g.CO / WINOGRAD_TILE.C, tilesPer },
    bindings: { v: v.view('conv2d winograd dw'), yw: y.view('conv2d winograd dw'), part: part.view('conv2d winograd dw') },
    dims: { ...g, KS },
  });
  // Safe with the pending dispatches: later commands run after them. A saved V is its owner's.
  if (!saved) v.dispose();
  y.dispose();
  winogradGradOutput(part, dw, g, KS);
  part.dispose();
  return dw;
}

/**
 * y = act(b + x * w) by the four passes. With `keep`, x's V is handed to it instead of freed: the
 * weight gradient's first pass is the same (winogradFilterGrad's `saved`), at 4x x's memory.
 */
export function winogradForward(x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry, act: ConvActivation, keep?: (v: Tensor) => void): Tensor {
  return passes(winogradWeights(w, g), x, b, g, act, keep);
}

/**
 * The adjoint of the conv g (x [N,OH,OW,CO] -> y [N,H,W,CI] = act(b + conv(x, w flipped and
 * transposed))): conv2d's input gradient, conv2dTranspose's forward at stride 1.
 */
export function winogradTranspose(x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry, act: ConvActivation): Tensor {
  return passes(winogradWeightsFlipped(w, g), x, b, adjointGeometry(g), act);
}

/** The last three passes of the conv g, for its filters u already in the 4x4 domain (released here). */
function passes(u: Tensor, x: Tensor, b: Tensor | null, g: ConvGeometry, act: ConvActivation, keep?: (v: Tensor) => void): Tensor {
  const v = winogradInput(x, g);
  const m = winogradProducts(v, u, g);
  // Safe with the pending dispatches: later commands run after them.
  u.dispose();
  if (keep) keep(v);
  else v.dispose();
  const y = winogradOutput(m, b, g, act);
  m.dispose();
  return y;
}
