/**
 * How to run and check each kernel of the table on its own: seeded inputs for a shape, a launch
 * of exactly that kernel (through the op module's own launch function), its float64 reference,
 * its tolerance, and the same computation in TensorFlow.js where TF.js has it. The lab page's
 * Check and Time and `npm run bench`'s kernel rows both run these.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import {
  Adam, ParameterStore, type Tensor, addNoise, add, applyAugment, augmentParamsFrom, biasGrad, convForward, convOutputSize,
  convTranspose, fillInPlace, filterGrad, relu, reduceMean, ssimPerImage, tensor, upsampleNearest,
} from '../engine/index.ts';
import { DERIVED, type Dims, type Family, KERNELS, type KernelRow, hasConvGeometry, winogradS2DxTiles } from '../engine/kernels.ts';
import { accumulate as accumulateInto } from '../engine/ops/elementwise.ts';
import { lossGrad } from '../engine/ops/loss.ts';
import { runtime } from '../engine/runtime.ts';
import { maxPoolBackward, maxPoolForward } from '../engine/ops/pool.ts';
import { upsampleBackward } from '../engine/ops/upsample.ts';
import type { ConvGeometry } from '../engine/ops/conv2d.ts';
import { sumSlicesInto } from '../engine/ops/convGrad.ts';
import { sumSplitInto } from '../engine/ops/convLaunch.ts';
import { WINOGRAD_PASSES, type WinogradFamily, winogradGradDy, winogradGradOutput, winogradInput, winogradInputPair, s2Slices, winogradOutput, winogradWeights } from '../engine/ops/winograd.ts';
import { winogradInputS2Dx, winogradOutputS2Dx } from '../engine/ops/winogradS2.ts';
import * as refWino from '../engine/referenceWinograd.ts';
import { empty } from '../engine/tensor.ts';
import { Rng } from '../engine/random.ts';
import * as ref from '../engine/reference.ts';
import * as refData from '../engine/referenceData.ts';
import { tolerance as convTol } from '../engine/ops/conv2d.ts';
import { tolerance as ewTol } from '../engine/ops/elementwise.ts';
import { tolerance as poolTol } from '../engine/ops/pool.ts';
import { tolerance as upTol } from '../engine/ops/upsample.ts';
import { lossTolerance, ssimTolerance } from '../engine/index.ts';
import type * as Peer from './tfjs.ts';

export type RefT = ref.RefTensor;
export interface Tol {
  atol: number;
  rtol: number;
  /** Values from flat index `from` on held to their own tolerance (an output joining two tensors of different error bounds). */
  rest?: { from: number; atol: number; rtol: number };
}
type TfT = TfCore.Tensor;

export interface KernelCase {
  kernel: string;
  /** Inputs for these dims: float64 arrays holding float32 values (seeded by rng). */
  inputs(d: Dims, rng: Rng): Record<string, RefT>;
  /** Launches exactly this kernel on the uploaded inputs (recorded, not submitted); returns its output. */
  run(t: Record<string, Tensor>, d: Dims): Tensor;
  /** The float64 reference of that output. */
  reference(a: Record<string, RefT>, d: Dims): RefT;
  tol: Tol;
  /** The tolerance at dims d, where it depends on them (else `tol`): caseTol. */
  tolAt?(d: Dims): Tol;
  /** The same computation in TF.js, or null when TF.js has no single op for it. */
  tfjs: ((tf: typeof TfCore, peer: typeof Peer, t: Record<string, TfT>, d: Dims) => TfT) | null;
  /** Why TF.js has no counterpart (shown in the lab and the bench). */
  noTfjs?: string;
}

/** A case's tolerance at dims d. */
export const caseTol = (c: Pick<KernelCase, 'tol' | 'tolAt'>, d: Dims): Tol => c.tolAt?.(d) ?? c.tol;

// ---- shapes -----------------------------------------------------------------------------------

/** A conv as a person describes it. */
export interface ConvShape { N: number; H: number; W: number; CI: number; CO: number; K: number; S: number; padding: 'same' | 'valid' }

/** The geometry (and kernel-table dims) of a conv2d; `same` is 1 for 'same' padding. */
export function convDims(s: ConvShape): Dims & ConvGeometry {
  const h = convOutputSize('conv2d', s.H, s.K, s.S, s.padding);
  const w = convOutputSize('conv2d', s.W, s.K, s.S, s.padding);
  return { N: s.N, H: s.H, W: s.W, CI: s.CI, OH: h.out, OW: w.out, CO: s.CO, KH: s.K, KW: s.K, S: s.S, PT: h.pad, PL: w.pad, same: s.padding === 'same' ? 1 : 0 };
}

/** A conv shape back from its dims. */
export function convShapeOf(d: Dims): ConvShape {
  return { N: d.N, H: d.H, W: d.W, CI: d.CI, CO: d.CO, K: d.KH, S: d.S, padding: d.same ? 'same' : 'valid' };
}

/** A name from a shape, e.g. n16_h64w64_c64to64_k3s1 (valid padding adds _valid). */
export function shapeName(row: KernelRow, d: Dims): string {
  if (hasConvGeometry(row)) {
    return `n${d.N}_h${d.H}w${d.W}_c${d.CI}to${d.CO}_k${d.KH}s${d.S}${d.same ? '' : '_valid'}`;
  }
  return row.dims.map((k) => `${k.toLowerCase()}${d[k]}`).join('_');
}

// ---- helpers ----------------------------------------------------------------------------------

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
function rand(rng: Rng, shape: number[], lo = -1, hi = 1): RefT {
  const data = new Float64Array(size(shape));
  for (let i = 0; i < data.length; i++) data[i] = Math.fround(rng.uniform(lo, hi));
  return { shape, data };
}
const zeros = (shape: number[]): RefT => ({ shape, data: new Float64Array(size(shape)) });
/** m [KS*P, ...] -> the sum of its KS slices [P, ...], in float64. */
function sumSlices(m: RefT, KS: number): RefT {
  const n = m.data.length / KS;
  const data = new Float64Array(n);
  for (let k = 0; k < KS; k++) for (let i = 0; i < n; i++) data[i] += m.data[k * n + i];
  return { shape: [m.shape[0] / KS, ...m.shape.slice(1)], data };
}
const convOpts = (d: Dims) => ({ stride: d.S, padding: (d.same ? 'same' : 'valid') as 'same' | 'valid', activation: 'none' as const });
/** The conv geometry of kernel-table dims (which may carry more fields: same, KS, ...). */
export const geom = (d: Dims): ConvGeometry => ({ N: d.N, H: d.H, W: d.W, CI: d.CI, OH: d.OH, OW: d.OW, CO: d.CO, KH: d.KH, KW: d.KW, S: d.S, PT: d.PT, PL: d.PL });
/**
 * The family a conv row belongs to: its case runs the op with exactly that variant (a tile
 * variant's pass: that family, so the case runs the pass in its place).
 */
function variantOf(row: KernelRow): Family {
  const derived = (Object.keys(DERIVED) as Family[]).find((f) => DERIVED[f]!.product === row.name);
  return derived ?? (row.variant === 'tiled-scalar' || row.variant === 'only' ? 'tiled' : row.variant);
}

/** Uploads reference inputs as engine tensors. */
export function upload(a: Record<string, RefT>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, tensor(Float32Array.from(v.data), v.shape, k)]));
}

// ---- the cases --------------------------------------------------------------------------------

function convCase(row: KernelRow): KernelCase {
  const v = variantOf(row);
  const common = { kernel: row.name, tol: convTol };
  if (row.role === 'forward') {
    return {
      ...common,
      inputs: (d, rng) => ({ x: rand(rng, [d.N, d.H, d.W, d.CI]), w: rand(rng, [d.KH, d.KW, d.CI, d.CO]), b: rand(rng, [d.CO]) }),
      run: (t, d) => convForward(t.x, t.w, t.b, geom(d), 'none', v),
      reference: (a, d) => ref.conv2d(a.x, a.w, a.b, convOpts(d)),
      tfjs: (_tf, p, t, d) => p.conv2dForward(t.x, t.w, t.b, geom(d), 'none'),
    };
  }
  if (row.role === 'input-grad') {
    return {
      ...common,
      inputs: (d, rng) => ({ dy: rand(rng, [d.N, d.OH, d.OW, d.CO]), w: rand(rng, [d.KH, d.KW, d.CI, d.CO]) }),
      run: (t, d) => convTranspose(t.dy, t.w, null, geom(d), 'none', v),
      reference: (a, d) => ref.conv2dBackward(zeros([d.N, d.H, d.W, d.CI]), a.w, null, convOpts(d), a.dy).dx,
      tfjs: (_tf, p, t, d) => p.conv2dInputGrad(t.dy, t.w, geom(d)),
    };
  }
  return {
    ...common,
    inputs: (d, rng) => ({ x: rand(rng, [d.N, d.H, d.W, d.CI]), dy: rand(rng, [d.N, d.OH, d.OW, d.CO]) }),
    run: (t, d) => filterGrad(t.x, t.dy, geom(d), v),
    reference: (a, d) => ref.conv2dBackward(a.x, zeros([d.KH, d.KW, d.CI, d.CO]), null, convOpts(d), a.dy).dw,
    tfjs: (_tf, p, t, d) => p.conv2dFilterGrad(t.x, t.dy, geom(d)),
  };
}

/** Why the Winograd passes have no TF.js counterpart. */
const NO_WINOGRAD_IN_TFJS = 'TF.js has no Winograd transform (its WebGPU convs are matrix products over im2col tiles)';

/** The noise case: three images at sigma 25 (on the 0..255 scale). */
const SIGMAS = [25, 25, 25];

/** A Winograd family's input, output and weight-gradient output passes against their float64 references at its scheme. */
/**
 * The input pass's tolerance. Each V value is sum_ij c_ij x_ij with sum |c_ij| <= L^2 (L: B^T's
 * largest absolute row sum: 2 for F2, 14 for F4), evaluated in float32 in two passes of a few
 * operations: its rounding is ~ u L^2 max|x| (u = 2^-24) however small V itself is (V near 0 is
 * a cancellation of terms up to L^2). 4 u L^2 bounds it: for F2 that is the elementwise atol
 * (9.5e-7 against 1e-6); F4's gain of 196 needs 4.7e-5. At the presets' shapes F4's worst is
 * 1.1e-5 on an H200 and 1.3e-5 on SwiftShader (`npm run check`), 3-4x the elementwise tolerance it
 * had, which only the suite's small shape stayed under (tests/winogradRounding.node.test.ts).
 */
export function winogradInputTolerance(s: { BT: number[][] }) {
  const L = Math.max(...s.BT.map((row) => row.reduce((sum, c) => sum + Math.abs(c), 0)));
  return { atol: 4 * 2 ** -24 * L * L, rtol: ewTol.rtol };
}

function winogradPassCases(f: WinogradFamily, s: refWino.WinogradForwardScheme): Record<string, Omit<KernelCase, 'kernel'>> {
  const P = s.a * s.a;
  const pass = WINOGRAD_PASSES[f];
  const noTfjs = { tfjs: null, noTfjs: NO_WINOGRAD_IN_TFJS };
  return {
    [pass.input]: {
      tol: winogradInputTolerance(s),
      inputs: (d, rng) => ({ x: rand(rng, [d.N, d.H, d.W, d.CI]) }),
      run: (t, d) => winogradInput(t.x, geom(d), f),
      reference: (a, d) => refWino.winogradInput(a.x, d.OH, d.OW, d.PT, d.PL, s),
      ...noTfjs,
    },
    // Each output is a sum of 9 (winograd4: 25, times up to 8) of M's values: the conv tolerance's
    // reasoning (a float32 sum of K terms), not the elementwise one's. winograd-s2's M comes in
    // slices of the channel sum (s2Slices of CI), which the pass adds first.
    [pass.output]: {
      tol: convTol,
      inputs: (d, rng) => ({ m: rand(rng, [(f === 'winograd-s2' ? s2Slices(d.CI) : 1) * P, refWino.winogradTileCount(d.N, d.OH, d.OW, s.m), d.CO]), b: rand(rng, [d.CO]) }),
      run: (t, d) => winogradOutput(t.m, t.b, geom(d), 'none', f),
      reference: (a, d) => refWino.winogradOutput(sumSlices(a.m, f === 'winograd-s2' ? s2Slices(d.CI) : 1), a.b, d.N, d.OH, d.OW, s),
      ...noTfjs,
    },
  };
}

/** winograd-s2's input-gradient passes: dy's patches and dx's 8x8 tiles, against S2T's references. */
const winogradS2DxCases: Record<string, Omit<KernelCase, 'kernel'>> = {
  [WINOGRAD_PASSES['winograd-s2'].inputT]: {
    tol: winogradInputTolerance(refWino.S2T),
    inputs: (d, rng) => ({ dy: rand(rng, [d.N, d.OH, d.OW, d.CO]) }),
    run: (t, d) => winogradInputS2Dx(t.dy, geom(d)),
    reference: (a, d) => refWino.winogradInputT(a.dy, d.H, d.W, d.PT, d.PL),
    tfjs: null,
    noTfjs: NO_WINOGRAD_IN_TFJS,
  },
  // Each output a sum of up to 25 of M's values (times up to 8): the conv tolerance, as the forward's
  // output pass; M in slices of dy's channels (s2Slices of CO), which the pass adds first.
  [WINOGRAD_PASSES['winograd-s2'].outputT]: {
    tol: convTol,
    inputs: (d, rng) => ({ m: rand(rng, [s2Slices(d.CO) * 81, winogradS2DxTiles(d), d.CI]), b: rand(rng, [d.CI]) }),
    run: (t, d) => winogradOutputS2Dx(t.m, t.b, geom(d), 'none'),
    reference: (a, d) => refWino.winogradOutputT(sumSlices(a.m, s2Slices(d.CO)), a.b, d.N, d.H, d.W, d.PT, d.PL),
    tfjs: null,
    noTfjs: NO_WINOGRAD_IN_TFJS,
  },
};

/** winograd's weight-gradient output pass (winograd4 has no weight gradient: src/engine/kernels.ts). */
const winogradGradOutputCase: Omit<KernelCase, 'kernel'> = {
  // Three slices of partial products; each tap a sum over the points of sums of 3 (the conv tolerance, as above).
  tol: convTol,
  inputs: (d, rng) => ({ part: rand(rng, [3, 16, d.CI, d.CO]) }),
  run: (t, d) => winogradGradOutput(t.part, empty([3, 3, d.CI, d.CO]), geom(d), 3),
  reference: (a) => refWino.winogradGradOutput(a.part, refWino.F2),
  tfjs: null,
  noTfjs: NO_WINOGRAD_IN_TFJS,
};

/**
 * winograd4's input pass that writes winograd's V too: its one tensor is winograd4's V and then
 * winograd's, each against its float64 reference at its own tolerance.
 */
const winogradInputPairCase: Omit<KernelCase, 'kernel'> = {
  tol: winogradInputTolerance(refWino.F4),
  tolAt: (d) => ({ ...winogradInputTolerance(refWino.F4), rest: { from: 36 * refWino.winogradTileCount(d.N, d.OH, d.OW, 4) * d.CI, ...winogradInputTolerance(refWino.F2) } }),
  inputs: (d, rng) => ({ x: rand(rng, [d.N, d.H, d.W, d.CI]) }),
  run: (t, d) => winogradInputPair(t.x, geom(d)).v,
  reference: (a, d) => {
    const [v4, v2] = [refWino.F4, refWino.F2].map((s) => refWino.winogradInput(a.x, d.OH, d.OW, d.PT, d.PL, s));
    const data = new Float64Array(v4.data.length + v2.data.length);
    data.set(v4.data);
    data.set(v2.data, v4.data.length);
    return ref.refTensor([v4.shape[0] * v4.shape[1] + v2.shape[0] * v2.shape[1], d.CI], data);
  },
  tfjs: null,
  noTfjs: NO_WINOGRAD_IN_TFJS,
};

const CASES: Record<string, Omit<KernelCase, 'kernel'>> = {
  conv2d_bias_grad: {
    tol: convTol,
    inputs: (d, rng) => ({ dy: rand(rng, [1, 1, d.M, d.C]) }),
    run: (t) => biasGrad(t.dy),
    // A 1x1 conv over [1, 1, M, 1] pixels has db = the sum of dy over them.
    reference: (a, d) => ref.conv2dBackward(zeros([1, 1, d.M, 1]), zeros([1, 1, 1, d.C]), zeros([d.C]), { stride: 1, padding: 'valid', activation: 'none' }, a.dy).db!,
    tfjs: (tf, _p, t, d) => tf.sum(tf.reshape(t.dy, [d.M, d.C]), 0),
  },
  unary: {
    tol: ewTol,
    inputs: (d, rng) => ({ x: rand(rng, [d.count]) }),
    run: (t) => relu(t.x), // OP = UNARY_RELU
    reference: (a) => ref.relu(a.x),
    tfjs: (tf, _p, t) => tf.relu(t.x),
  },
  binary: {
    tol: ewTol,
    inputs: (d, rng) => ({ a: rand(rng, [d.count]), b: rand(rng, [d.count]) }),
    run: (t) => add(t.a, t.b), // OP = BINARY_ADD
    reference: (a) => ref.add(a.a, a.b),
    tfjs: (tf, _p, t) => tf.add(t.a, t.b),
  },
  fill: {
    tol: ewTol,
    inputs: (d, rng) => ({ y: rand(rng, [d.count]) }),
    run: (t) => { fillInPlace(t.y, 0); return t.y; },
    reference: (a) => ref.zeros(a.y.shape),
    tfjs: (tf, _p, _t, d) => tf.zeros([d.count]),
  },
  conv2d_split_sum: {
    tol: ewTol,
    inputs: (d, rng) => ({ part: rand(rng, [d.KS, d.count]), b: rand(rng, [d.CO]) }),
    run: (t, d) => { const y = empty([d.count / d.CO, d.CO]); sumSplitInto(t.part, t.b.view('conv2d'), y, d.KS, true, 'none'); return y; },
    // Slice by slice in float64, as the kernel adds them in float32, then the bias.
    reference: (a, d) => {
      const out = new Float64Array(d.count);
      for (let s = 0; s < d.KS; s++) for (let i = 0; i < d.count; i++) out[i] += a.part.data[s * d.count + i];
      for (let i = 0; i < d.count; i++) out[i] += a.b.data[i % d.CO];
      return ref.refTensor([d.count / d.CO, d.CO], out);
    },
    tfjs: (tf, _p, t, d) => tf.add(tf.sum(tf.reshape(t.part, [d.KS, d.count / d.CO, d.CO]), 0), t.b),
  },
  conv2d_backward_filter_sum: {
    tol: ewTol,
    inputs: (d, rng) => ({ part: rand(rng, [d.KS, d.count]) }),
    run: (t, d) => { const dw = empty([d.count]); sumSlicesInto(t.part, dw, d.KS); return dw; },
    // Slice by slice in float64, as the kernel adds them in float32.
    reference: (a, d) => {
      const slice = (s: number) => ref.refTensor([d.count], a.part.data.subarray(s * d.count, (s + 1) * d.count));
      let sum = slice(0);
      for (let s = 1; s < d.KS; s++) sum = ref.add(sum, slice(s));
      return sum;
    },
    tfjs: (tf, _p, t, d) => tf.sum(tf.reshape(t.part, [d.KS, d.count]), 0),
  },
  // The Winograd conv's own passes (its product pass is checked through the conv, convCase).
  conv2d_winograd_weights: {
    tol: ewTol,
    inputs: (d, rng) => ({ w: rand(rng, [3, 3, d.CI, d.CO]) }),
    run: (t, d) => winogradWeights(t.w, geom(d)),
    reference: (a) => refWino.winogradWeights(a.w),
    tfjs: null,
    noTfjs: NO_WINOGRAD_IN_TFJS,
  },
  conv2d_backward_filter_winograd_dy: {
    tol: ewTol,
    inputs: (d, rng) => ({ dy: rand(rng, [d.N, d.OH, d.OW, d.CO]) }),
    run: (t, d) => winogradGradDy(t.dy, geom(d)),
    reference: (a) => refWino.winogradGradDy(a.dy),
    tfjs: null,
    noTfjs: NO_WINOGRAD_IN_TFJS,
  },
  // The families' input and output passes, and winograd's weight-gradient output pass (winograd4's
  // weights and flipped weights passes, and winograd-s2's weights pass, are the rows that stand for
  // their families: checked through the conv, convCase).
  ...winogradPassCases('winograd', refWino.F2),
  ...winogradPassCases('winograd4', refWino.F4),
  ...winogradPassCases('winograd-s2', refWino.S2),
  ...winogradS2DxCases,
  [WINOGRAD_PASSES.winograd.gradOutput]: winogradGradOutputCase,
  conv2d_winograd4_input_pair: winogradInputPairCase,
  accumulate: {
    tol: ewTol,
    inputs: (d, rng) => ({ acc: rand(rng, [d.count]), g: rand(rng, [d.count]) }),
    // In place: the lab checks a fresh upload; timing repeats it (values drift, the work does not).
    run: (t) => { accumulateInto(t.acc, t.g); return t.acc; },
    reference: (a) => ref.add(a.acc, a.g),
    tfjs: (tf, _p, t) => tf.add(t.acc, t.g),
  },
  maxpool2d: {
    tol: poolTol,
    inputs: (d, rng) => ({ x: rand(rng, [d.N, d.H, d.W, d.C]) }),
    // The argmax goes back to the pool at once (later commands run after this one), as in
    // training: holding it to the row's end made every timed call allocate a new buffer.
    run: (t, d) => { const r = maxPoolForward(t.x, d.OH, d.OW); runtime().release(r.arg.buffer); return r.y; },
    reference: (a) => ref.maxPool2d(a.x, { padding: 'valid' }).y,
    tfjs: (_tf, p, t) => p.maxPool2x2(t.x, 'valid'),
  },
  maxpool2d_backward: {
    tol: poolTol,
    inputs: (d, rng) => ({ x: rand(rng, [d.N, d.H, d.W, d.C]), dy: rand(rng, [d.N, d.OH, d.OW, d.C]) }),
    run: (t, d) => argmaxOf(t.x, d, (arg) => maxPoolBackward(t.dy, arg, t.x.shape)),
    reference: (a) => ref.maxPool2dBackward(a.x.shape, ref.maxPool2d(a.x, { padding: 'valid' }).argmax, a.dy),
    tfjs: null,
    noTfjs: 'TF.js computes the max-pool gradient from the input and output again (no saved argmax), a different kernel; see the training-step rows',
  },
  upsample_nearest: {
    tol: upTol,
    inputs: (d, rng) => ({ x: rand(rng, [d.N, d.H, d.W, d.C]) }),
    run: (t, d) => upsampleNearest(t.x, d.F),
    reference: (a, d) => ref.upsampleNearest(a.x, d.F),
    tfjs: (_tf, p, t, d) => p.upsampleNearest(t.x, d.F),
  },
  upsample_nearest_backward: {
    tol: upTol,
    inputs: (d, rng) => ({ dy: rand(rng, [d.N, d.H * d.F, d.W * d.F, d.C]) }),
    run: (t, d) => upsampleBackward(t.dy, d.F, [d.N, d.H, d.W, d.C]),
    reference: (a, d) => ref.upsampleNearestBackward(a.dy, d.F),
    // The F x F block sum as a strided sum-pool times F^2.
    tfjs: (tf, _p, t, d) => tf.mul(tf.avgPool(t.dy as TfCore.Tensor4D, d.F, d.F, 'valid'), d.F * d.F),
  },
  reduce: {
    tol: lossTolerance,
    inputs: (d, rng) => ({ a: rand(rng, [d.segments, d.segLen], 0, 1), b: rand(rng, [d.segments, d.segLen], 0, 1) }),
    run: (t, d) => reduceMean(t.a, t.b, 'sqdiff', d.segments), // MODE = REDUCE_SQDIFF, per segment
    reference: (a, d) => {
      const out = new Float64Array(d.segments);
      for (let s = 0; s < d.segments; s++) {
        const sl = (x: RefT) => ({ shape: [d.segLen], data: x.data.subarray(s * d.segLen, (s + 1) * d.segLen) });
        out[s] = ref.mse(sl(a.a), sl(a.b));
      }
      return { shape: [d.segments], data: out };
    },
    tfjs: (tf, _p, t) => tf.mean(tf.squaredDifference(t.a, t.b), 1),
  },
  reduce_backward: {
    tol: lossTolerance,
    inputs: (d, rng) => ({ a: rand(rng, [d.count]), b: rand(rng, [d.count]), g: rand(rng, [1]) }),
    run: (t) => lossGrad('sqdiff', t.a, t.b, t.g, 1),
    reference: (a) => ref.mseBackward(a.a, a.b, a.g.data[0]).da,
    tfjs: (tf, _p, t, d) => tf.mul(tf.sub(t.a, t.b), tf.mul(t.g, 2 / d.count)),
  },
  ssim: {
    tol: ssimTolerance,
    inputs: (d, rng) => ({ a: rand(rng, [d.N, d.H, d.W, d.C], 0, 1), b: rand(rng, [d.N, d.H, d.W, d.C], 0, 1) }),
    run: (t) => ssimPerImage(t.a, t.b), // with ssim_mean
    reference: (a, d) => ({ shape: [d.N], data: refData.ssimPerImage(a.a, a.b) }),
    tfjs: null,
    noTfjs: 'TF.js has no SSIM',
  },
  adam: {
    tol: { atol: 1e-6, rtol: 1e-5 },
    inputs: (d, rng) => ({ p: rand(rng, [d.count]), g: rand(rng, [d.count]) }),
    run: (t, d) => adamOnce(t.p, t.g, d.count),
    reference: (a) => {
      const p = Float64Array.from(a.p.data);
      ref.adamStep(p, a.g.data, new Float64Array(p.length), new Float64Array(p.length), 1, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, mode: 'pytorch' });
      return { shape: a.p.shape, data: p };
    },
    tfjs: null,
    noTfjs: 'timed as a whole Adam update in the bench (TF.js updates each variable with several kernels)',
  },
  noise: {
    tol: { atol: 1e-5, rtol: 1e-5 },
    inputs: (d, rng) => ({ x: rand(rng, [SIGMAS.length, 1, d.count / SIGMAS.length, 1], 0, 1) }),
    run: (t) => addNoise(t.x, { kind: 'gaussian', sigma: 25, seed: 7, step: 0 }),
    reference: (a) => refData.gaussianNoise(a.x, SIGMAS, 7, 0),
    tfjs: null,
    noTfjs: 'TF.js draws other random numbers (no Philox counter stream), so outputs cannot be compared',
  },
  augment: {
    tol: { atol: 0, rtol: 0 },
    inputs: (d, rng) => ({ x: rand(rng, [1, d.count / 64, 8, 8], 0, 1) }),
    run: (t) => applyAugment(t.x, augmentParamsFrom(t.x.shape, [{ flipH: true, rot90: 1 }], 'nearest')),
    reference: (a) => refData.flipRotate(a.x, { flipH: true, rot90: 1 }),
    tfjs: null,
    noTfjs: 'TF.js has no paired flip/rotate/shift augmentation kernel',
  },
};

// ---- small launch helpers that keep each case to one kernel ------------------------------------

/** The argmax a backward needs, from a forward launched once per input tensor and cached. */
const argmaxCache = new WeakMap<Tensor, ReturnType<typeof maxPoolForward>>();
function argmaxOf(x: Tensor, d: Dims, then: (arg: ReturnType<typeof maxPoolForward>['arg']) => Tensor): Tensor {
  let r = argmaxCache.get(x);
  if (!r) { r = maxPoolForward(x, d.OH, d.OW); argmaxCache.set(x, r); releaseLater(r.arg.buffer); }
  return then(r.arg);
}
/** What a case holds outside its tensors (pooled buffers, stores), freed by releaseCaseBuffers(). */
const held: (() => void)[] = [];
function releaseLater(b: GPUBuffer) { held.push(() => runtime().release(b)); }
export function releaseCaseBuffers(): void { for (const f of held.splice(0)) f(); }

/** One Adam step over a flat store holding p, with gradient g (m = v = 0, t = 1). */
const adamCache = new WeakMap<Tensor, { store: ParameterStore; adam: Adam }>();
function adamOnce(p: Tensor, g: Tensor, count: number): Tensor {
  let s = adamCache.get(p);
  if (!s) {
    const store = new ParameterStore([{ name: 'p', shape: [count], init: new Float32Array(count) }]);
    runtime().commandEncoder().copyBufferToBuffer(p.view().buffer, 0, store.params.buffer, store.params.offset, count * 4);
    runtime().commandEncoder().copyBufferToBuffer(g.view().buffer, 0, store.grads.buffer, store.grads.offset, count * 4);
    s = { store, adam: new Adam(store, { lr: 1e-3 }) };
    adamCache.set(p, s);
    const { adam } = s;
    held.push(() => { store.dispose(); for (const b of [adam.m, adam.v]) runtime().release(b.buffer); });
  }
  s.adam.t = 0; // every run is a first step, so the check and the reference agree
  s.adam.step();
  return s.store.get('p');
}

/** The case of a kernel of the table. */
export function kernelCase(name: string): KernelCase {
  const row = KERNELS[name];
  if (!row) throw new Error(`no kernel '${name}'`);
  if (name in CASES) return { kernel: name, ...CASES[name] };
  if (hasConvGeometry(row)) return convCase(row);
  // ssim_mean runs inside ssimPerImage, right after ssim: one case checks both.
  return { kernel: name, ...CASES[name === 'ssim_mean' ? 'ssim' : name] };
}
