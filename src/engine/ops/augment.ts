/**
 * Seeded geometric augmentation of NHWC image batches on the GPU: flips, 90-degree rotations,
 * arbitrary-angle rotations and shifts (like Keras' ImageDataGenerator rotation_range,
 * width_shift_range, height_shift_range), by inverse mapping with bilinear sampling.
 * Kernel: src/shaders/augment.wgsl. No gradient (a data-side op).
 *
 * Parameters are drawn per image on the host (`augmentParams`, with the engine's seeded Rng) and
 * uploaded as one float32 2x3 matrix per image, so the kernel stays simple, the host knows what
 * was done, and the same parameters apply to several tensors (`applyAugment`): augment the clean
 * and the noisy batch with one `AugmentParams` and the pairs stay aligned pixel for pixel.
 *
 * What an ImageTransform does to an image, in this order (all optional):
 *   1. flipH (left-right), flipV (up-down);
 *   2. rot90: k counter-clockwise quarter turns, as numpy.rot90(img, k) (odd k: square images only);
 *   3. angle: rotation by `angle` degrees counter-clockwise (as displayed, rows going down) about
 *      the image centre ((H-1)/2, (W-1)/2) — the true pixel-grid centre, so angle 90 on a square
 *      image is rot90 k=1 up to float rounding of cos/sin (~1e-16 of a pixel);
 *   4. shiftY, shiftX: content moves down/right by that many pixels (fractions allowed).
 * Source points outside the image are filled by 'nearest' (edge replicated; Keras' default and ours)
 * or 'reflect' (half-sample symmetric, Keras/scipy 'reflect'), applied to each bilinear tap.
 * Flips, rot90, whole-pixel shifts and the identity move values exactly (bilinear weights 0 and 1).
 */
import { EngineError, ShapeError } from '../errors.ts';
import { Rng } from '../random.ts';
import { runtime } from '../runtime.ts';
import { type Tensor, empty, tensor } from '../tensor.ts';
import { FILL } from '../kernels.ts';


export type FillMode = 'nearest' | 'reflect';

/** One image's transform (see the module comment for the order). */
export interface ImageTransform {
  flipH?: boolean;
  flipV?: boolean;
  /** Counter-clockwise quarter turns, 0..3 (odd values need a square image). */
  rot90?: number;
  /** Degrees, counter-clockwise. */
  angle?: number;
  /** Pixels; positive moves the content down. */
  shiftY?: number;
  /** Pixels; positive moves the content right. */
  shiftX?: number;
}

export interface AugmentOptions {
  /** Seed of the host Rng that draws the per-image parameters. */
  seed: number;
  /** Flip left-right with probability 1/2. */
  flipH?: boolean;
  /** Flip up-down with probability 1/2. */
  flipV?: boolean;
  /** k quarter turns, k uniform in 0..3 (skipped, with no error, when H != W). */
  rot90?: boolean;
  /** Keras rotation_range: angle uniform in [-rotation, rotation) degrees. */
  rotation?: number;
  /** Keras width_shift_range as a fraction of W: shiftX uniform in [-f W, f W) pixels. */
  widthShift?: number;
  /** Keras height_shift_range as a fraction of H: shiftY uniform in [-f H, f H) pixels. */
  heightShift?: number;
  /** Default 'nearest'. */
  fill?: FillMode;
}

/** Per-image parameters for a batch of [N, H, W, *] images: what was drawn and the matrices the kernel reads. */
export interface AugmentParams {
  N: number;
  H: number;
  W: number;
  fill: FillMode;
  transforms: Required<ImageTransform>[];
  /** [N, 8] float32: source row = m0 r + m1 c + m2, source column = m3 r + m4 c + m5, 2 padding. */
  matrices: Float32Array;
}

function checkFill(fill: unknown): FillMode {
  if (fill !== 'nearest' && fill !== 'reflect') throw new EngineError(`augment: fill must be 'nearest' or 'reflect', got '${String(fill)}'`);
  return fill;
}

function checkNHW(op: string, shape: readonly number[]): [number, number, number] {
  if (shape.length !== 4 && shape.length !== 3) throw new ShapeError(`${op}: expected an NHWC shape [N, H, W, C] (or [N, H, W]), got [${shape}]`);
  const [N, H, W] = shape;
  for (const d of [N, H, W]) if (!Number.isInteger(d) || d < 1) throw new ShapeError(`${op}: bad shape [${shape}]`);
  return [N, H, W];
}

/** 2x2 integer matrix product (row-major [a, b, c, d]). */
function matmul(p: number[], q: number[]): number[] {
  return [p[0] * q[0] + p[1] * q[2], p[0] * q[1] + p[1] * q[3], p[2] * q[0] + p[3] * q[2], p[2] * q[1] + p[3] * q[3]];
}

/**
 * Parameters from explicit per-image transforms (N = transforms.length). Throws on odd rot90 for
 * a non-square image, non-integer rot90, or non-finite values.
 */
export function augmentParamsFrom(shape: readonly number[], transforms: ImageTransform[], fill: FillMode = 'nearest'): AugmentParams {
  const [N, H, W] = checkNHW('augmentParamsFrom', shape);
  checkFill(fill);
  if (transforms.length !== N) throw new ShapeError(`augmentParamsFrom: ${transforms.length} transforms for ${N} images`);
  const matrices = new Float32Array(N * 8);
  const full = transforms.map((t, n) => {
    const f: Required<ImageTransform> = {
      flipH: !!t.flipH, flipV: !!t.flipV, rot90: t.rot90 ?? 0, angle: t.angle ?? 0, shiftY: t.shiftY ?? 0, shiftX: t.shiftX ?? 0,
    };
    if (!Number.isInteger(f.rot90) || f.rot90 < 0 || f.rot90 > 3) throw new EngineError(`augment: image ${n}: rot90 must be 0, 1, 2 or 3, got ${f.rot90}`);
    if (f.rot90 % 2 === 1 && H !== W) throw new ShapeError(`augment: image ${n}: rot90 = ${f.rot90} needs a square image, got ${H}x${W}`);
    for (const k of ['angle', 'shiftY', 'shiftX'] as const) {
      if (!Number.isFinite(f[k])) throw new EngineError(`augment: image ${n}: ${k} must be finite, got ${f[k]}`);
    }
    // Inverse map in centred (row, col) coordinates q: src = F P^k R(angle)^-1 (q - shift).
    // R(theta)^-1 = [[cos, sin], [-sin, cos]]; P = R(90)^-1 = [[0, 1], [-1, 0]] kept in integers.
    const th = (f.angle * Math.PI) / 180;
    const rInv = [Math.cos(th), Math.sin(th), -Math.sin(th), Math.cos(th)];
    let M = [f.flipV ? -1 : 1, 0, 0, f.flipH ? -1 : 1];
    for (let k = 0; k < f.rot90; k++) M = matmul(M, [0, 1, -1, 0]);
    M = matmul(M, rInv);
    const cy = (H - 1) / 2;
    const cx = (W - 1) / 2;
    const py = cy + f.shiftY;
    const px = cx + f.shiftX;
    // src = M (r, c) + cen - M (cen + shift); integer for flips/rot90/whole shifts (cen is a half-integer).
    matrices.set([M[0], M[1], cy - (M[0] * py + M[1] * px), M[2], M[3], cx - (M[2] * py + M[3] * px), 0, 0], n * 8);
    return f;
  });
  return { N, H, W, fill, transforms: full, matrices };
}

/**
 * Draws per-image parameters for images of shape [N, H, W, C] with Rng(o.seed). Each image always
 * takes six draws in a fixed order (flipH, flipV, rot90, angle, shiftY, shiftX) whether or not an
 * option is on, so enabling one option never changes what the others draw.
 */
export function augmentParams(shape: readonly number[], o: AugmentOptions): AugmentParams {
  const [N, H, W] = checkNHW('augmentParams', shape);
  if (!o || typeof o !== 'object') throw new EngineError('augmentParams: options are required, e.g. { seed: 1, flipH: true }');
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed >= 2 ** 32) throw new EngineError(`augment: seed must be an integer in [0, 2^32), got ${String(o.seed)}`);
  const fill = checkFill(o.fill ?? 'nearest');
  const rotation = o.rotation ?? 0;
  const ws = o.widthShift ?? 0;
  const hs = o.heightShift ?? 0;
  if (!(Number.isFinite(rotation) && rotation >= 0)) throw new EngineError(`augment: rotation (degrees range) must be a finite number >= 0, got ${String(rotation)}`);
  for (const [k, v] of [['widthShift', ws], ['heightShift', hs]] as const) {
    if (!(v >= 0 && v <= 1)) throw new EngineError(`augment: ${k} is a fraction of the image size and must be in [0, 1], got ${String(v)}`);
  }
  const rng = new Rng(o.seed);
  const rot90 = !!o.rot90 && H === W;
  const transforms: ImageTransform[] = [];
  for (let n = 0; n < N; n++) {
    const [a, b, c, d, e, f] = [rng.next(), rng.next(), rng.next(), rng.next(), rng.next(), rng.next()];
    transforms.push({
      flipH: !!o.flipH && a < 0.5,
      flipV: !!o.flipV && b < 0.5,
      rot90: rot90 ? Math.floor(c * 4) : 0,
      angle: rotation ? rotation * (2 * d - 1) : 0,
      shiftY: hs ? hs * H * (2 * e - 1) : 0,
      shiftX: ws ? ws * W * (2 * f - 1) : 0,
    });
  }
  return augmentParamsFrom(shape, transforms, fill);
}

/** Applies per-image parameters to x [N, H, W, C] (N, H, W as in params; any C): a new tensor of the same shape. */
export function applyAugment(x: Tensor, p: AugmentParams): Tensor {
  if (x.shape.length !== 4) throw new ShapeError(`applyAugment: images must be NHWC (rank 4), got shape [${x.shape}]`);
  const [N, H, W, C] = x.shape;
  if (N !== p.N || H !== p.H || W !== p.W) {
    throw new ShapeError(`applyAugment: parameters are for [${p.N}, ${p.H}, ${p.W}, *] images, got [${x.shape}]`);
  }
  const m = tensor(p.matrices, [N, 8], 'augment matrices');
  const y = empty(x.shape, 'augmented');
  runtime().launch('augment', {
    uniforms: { count: x.size, H, W, C, fill: FILL[checkFill(p.fill)] },
    bindings: { x: x.view('applyAugment'), m: m.view('applyAugment'), y: y.view('applyAugment') },
    dims: { count: x.size },
  });
  m.dispose(); // safe with the pending dispatch: a reuse writes only after flushing it
  return y;
}

/** augmentParams(x.shape, o) applied to x. To augment a pair alike, draw the params once and applyAugment both. */
export function augment(x: Tensor, o: AugmentOptions): Tensor {
  if (x.shape.length !== 4) throw new ShapeError(`augment: images must be NHWC (rank 4), got shape [${x.shape}]`);
  return applyAugment(x, augmentParams(x.shape, o));
}
