/**
 * Losses and image metrics, reduced on the GPU: mseLoss and maeLoss (scalar [1], with backward),
 * msePerImage, maePerImage and psnrPerImage ([N], no gradient).
 * Kernels: src/shaders/reduce.wgsl (segmented sums of f(a, b)), reduce_backward.wgsl (dA, dB),
 * unary.wgsl via negTenLog10 (MSE -> PSNR).
 *
 * Reduction design: a segment (the whole tensor for a loss, one image for a metric) is cut into
 * chunks of CHUNK = 4096 elements, one workgroup each (64 invocations x 64 strided terms with
 * Kahan's compensation, then two serial levels of 8 in workgroup memory). A segment longer than
 * one chunk takes a second pass (MODE 2, plain sums) over its partial sums, recursively, so a
 * 1M-element batch uses 256 workgroups in pass 1 instead of one, and its float32 error stays
 * ~ (2 + 16) ulps of the sum per pass instead of growing with the length. The mean's 1/L is applied once, in the last pass. `reduceMean(..., { chunkLen:
 * Infinity })` is the naive variant (one workgroup per segment, one pass), kept for tests.
 */
import { record } from '../autograd.ts';
import { ShapeError } from '../errors.ts';
import { type BufferView, runtime } from '../runtime.ts';
import { type Tensor, assertSameShape, empty } from '../tensor.ts';
import { negTenLog10 } from './elementwise.ts';
import { REDUCE } from '../kernels.ts';

/** GPU vs float64 reference for the MSE/MAE values and gradients. Forward: terms are >= 0, so the
 * bound is relative: ~2 ulps for the compensated serial sums and 16 serial adds per pass, two
 * passes up to 16M elements: < 45 ulps = 2.7e-6; rtol 1e-5 leaves room for a third pass. Gradients: two or three
 * roundings (a - b, scale, * g), so also relative; atol only absorbs flush-to-zero of denormals. */
export const tolerance = { atol: 1e-12, rtol: 1e-5 };

/** PSNR in dB: an MSE relative error d (< 2.7e-6, above) moves -10 log10(mse) by 4.34 d dB
 * absolutely (~1.2e-5 dB), and WGSL's log2 is good to 2^-21 absolute near mse = 1 or 3 ulps
 * elsewhere. So the tolerance is mostly absolute, in dB. */
export const psnrTolerance = { atol: 2e-5, rtol: 1e-6 };

/** Elements per workgroup in a pass: 64 compensated serial terms per invocation (see the error bound above). */
export const CHUNK = 4096;

export type ReduceKind = 'sqdiff' | 'absdiff';

/**
 * Sums f over S contiguous segments of L elements of a (and b), times `scale`, into a new [S]
 * tensor. Recurses on the partial sums while a segment spans more than one chunk.
 */
function segmentedSum(a: BufferView, b: BufferView, mode: number, S: number, L: number, scale: number, chunkLen: number): Tensor {
  const rt = runtime();
  const chunks = Math.ceil(L / Math.min(chunkLen, L));
  if (chunks === 1) {
    const out = empty([S]);
    rt.launch('reduce', {
      uniforms: { total: S, segLen: L, chunkLen: L, chunks: 1, scale },
      bindings: { a, b, out: out.view('reduce') },
      dims: { segments: S, segLen: L, chunks: 1 },
      constants: { MODE: mode },
    });
    return out;
  }
  const partials = empty([S * chunks]); // [S, chunks] partial sums, unscaled
  rt.launch('reduce', {
    uniforms: { total: S * chunks, segLen: L, chunkLen, chunks, scale: 1 },
    bindings: { a, b, out: partials.view('reduce') },
    dims: { segments: S, segLen: L, chunks },
    constants: { MODE: mode },
  });
  const pv = partials.view('reduce');
  const out = segmentedSum(pv, pv, REDUCE.sum, S, chunks, scale, chunkLen);
  partials.dispose(); // safe with the pending pass-2 dispatch: later commands run after it
  return out;
}

/**
 * Mean of f(a, b) over each of `segments` equal contiguous segments: [segments].
 * kind 'sqdiff': f = (a-b)^2; 'absdiff': f = |a-b|. chunkLen: elements per workgroup and pass
 * (default CHUNK; Infinity gives the naive single-pass variant). No gradient.
 */
export function reduceMean(a: Tensor, b: Tensor, kind: ReduceKind, segments: number, opts: { chunkLen?: number } = {}): Tensor {
  assertSameShape(`reduceMean(${kind})`, a, b);
  if (!Number.isInteger(segments) || segments < 1 || a.size % segments !== 0) {
    throw new ShapeError(`reduceMean: ${a.size} elements of [${a.shape}] do not split into ${segments} equal segments`);
  }
  const chunkLen = opts.chunkLen ?? CHUNK;
  if (!(chunkLen >= 1) || (Number.isFinite(chunkLen) && !Number.isInteger(chunkLen))) {
    throw new ShapeError(`reduceMean: chunkLen must be a positive integer or Infinity, got ${chunkLen}`);
  }
  const L = a.size / segments;
  return segmentedSum(a.view(kind), b.view(kind), REDUCE[kind], segments, L, 1 / L, chunkLen);
}

/** reduce_backward.wgsl: the gradient of mean f(a, b) for a (sign 1) or b (sign -1), scaled by g [1]. */
export function lossGrad(kind: ReduceKind, a: Tensor, b: Tensor, g: Tensor, sign: 1 | -1): Tensor {
  const d = empty(a.shape);
  // Exactly -dA for dB: only the sign of the f32 scale differs.
  const scale = (sign * (kind === 'sqdiff' ? 2 : 1)) / a.size;
  runtime().launch('reduce_backward', {
    uniforms: { count: a.size, scale },
    bindings: { a: a.view(`${kind} backward`), b: b.view(`${kind} backward`), g: g.view(`${kind} backward`), d: d.view(`${kind} backward`) },
    dims: { count: a.size },
    constants: { MODE: REDUCE[kind] },
  });
  return d;
}

function meanLoss(op: string, kind: ReduceKind, a: Tensor, b: Tensor): Tensor {
  assertSameShape(op, a, b);
  const out = reduceMean(a, b, kind, 1);
  return record(out, op, [a, b], (dy) => [
    a.requiresGrad ? lossGrad(kind, a, b, dy, 1) : null,
    b.requiresGrad ? lossGrad(kind, a, b, dy, -1) : null,
  ]);
}

/** Mean squared error over all elements of a and b (same shapes): [1].
 * Backward: dA = 2 (a - b) g / count, dB = -dA, g read on the GPU. Saves a and b. */
export function mseLoss(a: Tensor, b: Tensor): Tensor {
  return meanLoss('mseLoss', 'sqdiff', a, b);
}

/** Mean absolute error over all elements: [1]. Backward: dA = sign(a - b) g / count (0 where a == b),
 * dB = -dA. Saves a and b. */
export function maeLoss(a: Tensor, b: Tensor): Tensor {
  return meanLoss('maeLoss', 'absdiff', a, b);
}

function perImage(op: string, kind: ReduceKind, a: Tensor, b: Tensor): Tensor {
  if (a.shape.length !== 4) throw new ShapeError(`${op}: images must be NHWC (rank 4), got shape [${a.shape}]`);
  assertSameShape(op, a, b);
  return reduceMean(a, b, kind, a.shape[0]);
}

/** Per-image MSE of NHWC images a and b: [N]. No gradient. */
export function msePerImage(a: Tensor, b: Tensor): Tensor {
  return perImage('msePerImage', 'sqdiff', a, b);
}

/** Per-image MAE of NHWC images a and b: [N]. No gradient. */
export function maePerImage(a: Tensor, b: Tensor): Tensor {
  return perImage('maePerImage', 'absdiff', a, b);
}

/** Per-image PSNR in dB for data range 1: 10 log10(1 / mse_i), [N] (+Infinity for identical images).
 * No gradient. */
export function psnrPerImage(a: Tensor, b: Tensor): Tensor {
  const mse = perImage('psnrPerImage', 'sqdiff', a, b);
  const psnr = negTenLog10(mse);
  mse.dispose();
  return psnr;
}
