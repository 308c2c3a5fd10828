/**
 * The input gradient of the 'winograd-s2' family: the adjoint of a 3x3 stride-2 conv (conv2d's dx,
 * conv2dTranspose's forward) by the 9-point algorithm of its forward run the other way, 8x8 tiles
 * of dx from 5x5 patches of dy, 81 products per tile and channel pair instead of 144
 * (src/shaders/conv2d_transpose_winograd_s2.wgsl has the algorithm; the float64 references are
 * src/engine/referenceWinograd.ts S2T). Four passes, the third the forward's product pass with the
 * channels swapped:
 *   U = G g G^T for every (co, ci) filter          conv2d_transpose_winograd_s2         [81, CO, CI]
 *   V = B^T e B for every tile's 5x5 patch of dy    conv2d_transpose_winograd_s2_input   [81, T, CO]
 *   M[xi] = V[xi] U[xi] for the 81 points xi        conv2d_winograd (or _t16)            [KS, 81, T, CI]
 *   dx = act(b + A^T M A) for every tile            conv2d_transpose_winograd_s2_output  [N, H, W, CI]
 * (T = N * ceil((H + PT)/8) * ceil((W + PL)/8)). Its forward is src/engine/ops/winograd.ts's.
 */
import { ACT, winogradS2DxTiles, winogradTiles } from '../kernels.ts';
import { runtime } from '../runtime.ts';
import { type Tensor, empty } from '../tensor.ts';
import type { ConvActivation, ConvGeometry } from './conv2d.ts';
import { WINOGRAD_PASSES, type WinogradProduct, fitsBinding, productPass, s2Slices, winogradWeightsFlipped } from './winograd.ts';

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/** Whether its scratch (V or M: 81 points per tile, the larger channel count) fits this device's largest binding. */
export function winogradS2DxFits(g: ConvGeometry): boolean {
  return fitsBinding(4 * 81 * s2DxTiles(g).T * Math.max(g.CO, s2Slices(g.CO) * g.CI));
}

/**
 * The kernel-table dims of winograd-s2's input-gradient product pass at the conv g: a stride-2
 * geometry (81 points) from dy's CO channels to dx's CI whose 4x4 tiles are the 8x8 tiles of dx
 * (OH, OW: 4 per tile); its FLOPs are the conv's where H + PT and W + PL are multiples of 8.
 */
export function winogradS2DxDims(g: ConvGeometry) {
  const { TH, TW } = s2DxTiles(g);
  return { N: g.N, H: g.OH, W: g.OW, CI: g.CO, OH: 4 * TH, OW: 4 * TW, CO: g.CI, KH: 3, KW: 3, S: 2, PT: g.PT, PL: g.PL, WM: 4 as const };
}

/** winograd-s2's input-gradient tiles at the conv g: 8x8 blocks of dx from row -PT and column -PL. */
function s2DxTiles(g: ConvGeometry) {
  return { TH: ceilDiv(g.H + g.PT, 8), TW: ceilDiv(g.W + g.PL, 8), T: winogradS2DxTiles({ ...g }) };
}

/** dy [N, OH, OW, CO] -> V [81, T, CO] of dx's 8x8 tiles: conv2d_transpose_winograd_s2_input. */
export function winogradInputS2Dx(dy: Tensor, g: ConvGeometry): Tensor {
  const { TH, TW, T } = s2DxTiles(g);
  const v = empty([81, T, g.CO]);
  runtime().launch(WINOGRAD_PASSES['winograd-s2'].inputT, {
    uniforms: { count: T * (g.CO / 4), OH: g.OH, OW: g.OW, CO4: g.CO / 4, TH, TW },
    bindings: { dy: dy.view('conv2d winograd'), v: v.view('conv2d winograd') },
    dims: { ...g },
  });
  return v;
}

/**
 * M [KS*81, T, CI] (KS: the slices of dy's CO channels the product pass wrote), b [CI] | null -> dx [N, H, W, CI]
 * = act(b + A^T M A), masked: conv2d_transpose_winograd_s2_output.
 */
export function winogradOutputS2Dx(m: Tensor, b: Tensor | null, g: ConvGeometry, act: ConvActivation, mask: Tensor | null = null): Tensor {
  const { TH, TW, T } = s2DxTiles(g);
  const y = empty([g.N, g.H, g.W, g.CI]);
  runtime().launch(WINOGRAD_PASSES['winograd-s2'].outputT, {
    uniforms: { count: T * (g.CI / 4), H: g.H, W: g.W, CI4: g.CI / 4, TH, TW, PT: g.PT, PL: g.PL, hasBias: b ? 1 : 0, mSlice: 81 * T * (g.CI / 4) },
    // With no bias (or no mask) any read-only buffer is bound in its place.
    bindings: { m: m.view('conv2d winograd'), b: (b ?? m).view('conv2d winograd'), y: y.view('conv2d winograd'), mask: (mask ?? m).view('conv2d winograd') },
    dims: { ...g },
    constants: { ACT: ACT[act], MASK: mask ? 1 : 0, KS: m.shape[0] / 81 },
  });
  return y;
}

/**
 * winograd-s2's input gradient (the adjoint of its stride-2 conv g, dy [N,OH,OW,CO] -> dx [N,H,W,CI]
 * = act(b + ...), masked): the filters to the domain, dy's patches, the products with the channels
 * swapped, and dx's 8x8 tiles (src/shaders/conv2d_transpose_winograd_s2.wgsl has the algorithm).
 */
export function winogradTransposeS2(dy: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry, act: ConvActivation, mask: Tensor | null, product: WinogradProduct = 'conv2d_winograd'): Tensor {
  const u = winogradWeightsFlipped(w, g, 'winograd-s2');
  const v = winogradInputS2Dx(dy, g);
  const dims = winogradS2DxDims(g);
  const m = productPass(v, u, dims, winogradTiles(dims), 81, product, s2Slices(g.CO));
  // Safe with the pending dispatches: later commands run after them.
  u.dispose();
  v.dispose();
  const y = winogradOutputS2Dx(m, b, g, act, mask);
  m.dispose();
  return y;
}
