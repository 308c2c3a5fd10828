/**
 * Max pooling, 2x2 window, stride 2, NHWC. Kernels: src/shaders/maxpool2d.wgsl (forward, saves the
 * winner of each window), maxpool2d_backward.wgsl (gather: each dX element checks if it won).
 *
 * Saved for backward: the argmax as a u32 window position 0..3 per output element, in a pooled
 * GPU buffer of its own (not a Tensor: tensors are float32 activations). A window position rather
 * than a flat input index because it is all the gather needs, and because a flat index stored as
 * f32 would stop being exact past 2^24 input elements (a batch of 64 x 128x128x64 has 2^26).
 * The buffer is released right away when no gradient is wanted, else after backward.
 *
 * Ties: the first maximum in scan order (0,0),(0,1),(1,0),(1,1) wins and alone gets the gradient.
 * NaN: the first NaN in a window wins; the output is NaN and the gradient goes to that cell.
 */
import { record } from '../autograd.ts';
import { EngineError, ShapeError } from '../errors.ts';
import { type BufferView, runtime } from '../runtime.ts';
import { type Tensor, empty } from '../tensor.ts';

/** GPU vs float64 reference: exact. Forward selects an input value and backward copies dY or 0;
 * no arithmetic, so any difference is a bug (wrong window, wrong winner). */
export const tolerance = { atol: 0, rtol: 0 };

export type PoolPadding = 'valid' | 'same';

/** Output size of one spatial dimension: 'valid' floor(n/2), 'same' ceil(n/2) (Keras). */
export function poolOutSize(n: number, padding: PoolPadding): number {
  return padding === 'same' ? Math.ceil(n / 2) : Math.floor(n / 2);
}

/**
 * y [N, OH, OW, C] = 2x2 stride-2 max pool of x [N, H, W, C]. 'valid' (default): OH = floor(H/2),
 * a trailing odd row/column is dropped. 'same' (Keras): OH = ceil(H/2), padding on the bottom/right
 * only, padded cells never win.
 */
export function maxPool2d(x: Tensor, opts: { padding?: PoolPadding } = {}): Tensor {
  const padding = opts.padding ?? 'valid';
  if (padding !== 'valid' && padding !== 'same') throw new ShapeError(`maxPool2d: padding must be 'valid' or 'same', got '${String(padding)}'`);
  if (x.shape.length !== 4) throw new ShapeError(`maxPool2d: input must be NHWC (rank 4), got shape [${x.shape}]`);
  const [, H, W] = x.shape;
  const OH = poolOutSize(H, padding);
  const OW = poolOutSize(W, padding);
  if (OH < 1 || OW < 1) {
    throw new ShapeError(`maxPool2d: input [${x.shape}] has a spatial size of 1, which 'valid' 2x2 pooling reduces to 0; use padding 'same' or a larger input`);
  }
  const { y, arg } = maxPoolForward(x, OH, OW);
  let released = false;
  const release = () => { if (!released) { released = true; runtime().release(arg.buffer); } };
  return record(y, 'maxPool2d', [x], (dy) => {
    if (released) throw new EngineError('maxPool2d backward: the saved argmax was already released (the output was disposed or already back-propagated)');
    return [maxPoolBackward(dy, arg, x.shape)];
  }, release);
}

// ---- kernel launches (also used by the lab and the benchmark) ----------------------------------

/** maxpool2d.wgsl: x [N,H,W,C] -> y [N,OH,OW,C] and the argmax (a pooled buffer the caller releases). */
export function maxPoolForward(x: Tensor, OH: number, OW: number): { y: Tensor; arg: BufferView } {
  const [N, H, W, C] = x.shape;
  const rt = runtime();
  const y = empty([N, OH, OW, C]);
  const count = y.size;
  const arg = rt.acquire(count * 4, 'maxpool2d argmax'); // u32 [N, OH, OW, C], window position 0..3
  const argView = { buffer: arg, offset: 0, size: count * 4 };
  const dims = { H, W, C, OH, OW };
  rt.launch('maxpool2d', {
    uniforms: { count, ...dims },
    bindings: { x: x.view('maxPool2d'), y: y.view('maxPool2d'), arg: argView },
    dims: { N, ...dims },
  });
  return { y, arg: argView };
}

/** maxpool2d_backward.wgsl: dy [N,OH,OW,C] through the saved argmax -> dx of shape xShape. */
export function maxPoolBackward(dy: Tensor, arg: BufferView, xShape: readonly number[]): Tensor {
  const [N, H, W, C] = xShape;
  const [, OH, OW] = dy.shape;
  const dims = { H, W, C, OH, OW };
  const dx = empty(xShape);
  runtime().launch('maxpool2d_backward', {
    uniforms: { count: dx.size, ...dims },
    bindings: { dy: dy.view('maxPool2d backward'), arg, dx: dx.view('maxPool2d backward') },
    dims: { N, ...dims },
  });
  return dx;
}
