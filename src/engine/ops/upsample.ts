/**
 * Nearest-neighbour upsampling by an integer factor, NHWC. Kernels: src/shaders/upsample_nearest.wgsl
 * (forward) and upsample_nearest_backward.wgsl (gather: each dX element sums its F x F block of dY);
 * each invocation carries channelV channels (4 when they divide C, else 1).
 * Saves nothing.
 */
import { record } from '../autograd.ts';
import { ShapeError } from '../errors.ts';
import { channelV } from '../kernels.ts';
import { runtime } from '../runtime.ts';
import { vec4View } from './elementwise.ts';
import { type Tensor, empty } from '../tensor.ts';

/** GPU vs float64 reference. Forward is an exact copy. Backward sums F*F float32 terms in a fixed
 * order: |error| <= (F*F - 1) * 2^-24 * sum|dY| over the block, at most 4.3e-6 for F = 3 and
 * |dY| <= 1 (typically ~1e-7, since roundings rarely all fall the same way). atol is that bound;
 * rtol covers larger gradients. A wrong block or index gives errors of order |dY|. */
export const tolerance = { atol: 5e-6, rtol: 1e-6 };

/** y [N, H*F, W*F, C]: each input pixel repeated over an F x F block. F is an integer >= 1. */
export function upsampleNearest(x: Tensor, factor: number): Tensor {
  if (!Number.isInteger(factor) || factor < 1) throw new ShapeError(`upsampleNearest: factor must be an integer >= 1, got ${factor}`);
  if (x.shape.length !== 4) throw new ShapeError(`upsampleNearest: input must be NHWC (rank 4), got shape [${x.shape}]`);
  const [N, H, W, C] = x.shape;
  const F = factor;
  const y = empty([N, H * F, W * F, C]);
  const dims = { H, W, C, F };
  const V = channelV({ C });
  runtime().launch('upsample_nearest', {
    uniforms: { count: x.size / V, ...dims },
    bindings: { x: vec4View(x, 'upsampleNearest'), y: vec4View(y, 'upsampleNearest') },
    dims: { N, ...dims },
    constants: { V },
  });
  return record(y, 'upsampleNearest', [x], (dy) => [upsampleBackward(dy, F, x.shape)]);
}

/** upsample_nearest_backward.wgsl: dy [N,H*F,W*F,C] -> dx of shape xShape, each the sum of its block. */
export function upsampleBackward(dy: Tensor, F: number, xShape: readonly number[]): Tensor {
  const [N, H, W, C] = xShape;
  const dims = { H, W, C, F };
  const dx = empty(xShape);
  const V = channelV({ C });
  runtime().launch('upsample_nearest_backward', {
    uniforms: { count: dx.size / V, ...dims },
    bindings: { dy: vec4View(dy, 'upsampleNearest backward'), dx: vec4View(dx, 'upsampleNearest backward') },
    dims: { N, ...dims },
    constants: { V },
  });
  return dx;
}
