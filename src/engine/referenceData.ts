/**
 * The float64 CPU references of the data-side and metric kernels, sibling of reference.ts:
 * SSIM per image (src/shaders/ssim.wgsl), the Philox4x32-10 generator and the Gaussian noise it
 * implies (src/shaders/noise.wgsl), and the geometric augmentations (src/shaders/augment.wgsl).
 * Like reference.ts they are written from the definitions (the SSIM paper, Random123, the
 * geometry), never from the WGSL, so the two cannot share a bug; the GPU tests and the in-browser
 * kernel lab check the kernels against them.
 *
 * Pure TypeScript: no GPU or engine-runtime import (augment.ts is imported for its types only,
 * which are erased), so this module loads in Node as well as in the page.
 * Layout: NHWC [N, H, W, C], row-major, as everywhere in the engine.
 */
import { ShapeError } from './errors.ts';
import type { FillMode, ImageTransform } from './ops/augment.ts';
import type { RefTensor } from './reference.ts';

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function assertNhwc(op: string, t: RefTensor, what: string): void {
  if (t.shape.length !== 4) throw new ShapeError(`${op}: ${what} must be NHWC (rank 4), got shape ${fmt(t.shape)}`);
  const n = t.shape.reduce((p, q) => p * q, 1);
  if (t.data.length !== n) throw new ShapeError(`${op}: ${what} has ${t.data.length} values but shape ${fmt(t.shape)}`);
}

// ---------------------------------------------------------------------------------------------
// SSIM

/**
 * SSIM in float64 by plain loops, as in Wang et al. 2004: 11x11 Gaussian window (sigma 1.5,
 * normalised to sum 1), K1 = 0.01, K2 = 0.03, L = 1, 'valid' windows, mean over the map of every
 * channel. Written from the paper's formulas (sigma^2 = E[x^2] - mu^2), not from the WGSL.
 * a, b: [N, H, W, C] with H, W >= 11; returns one value per image.
 */
export function ssimPerImage(a: RefTensor, b: RefTensor): Float64Array {
  assertNhwc('ssimPerImage', a, 'a');
  assertNhwc('ssimPerImage', b, 'b');
  if (!a.shape.every((d, i) => d === b.shape[i])) throw new ShapeError(`ssimPerImage: shapes ${fmt(a.shape)} and ${fmt(b.shape)} differ`);
  const [N, H, W, C] = a.shape;
  if (H < 11 || W < 11) throw new ShapeError(`ssimPerImage: images of ${H}x${W} are smaller than the 11x11 window ('valid' windows only)`);
  const ad = a.data;
  const bd = b.data;
  const g1 = Array.from({ length: 11 }, (_, k) => Math.exp(-((k - 5) ** 2) / (2 * 1.5 * 1.5)));
  const gs = g1.reduce((s, v) => s + v, 0);
  const w = (i: number, j: number) => (g1[i] / gs) * (g1[j] / gs);
  const C1 = 0.01 ** 2;
  const C2 = 0.03 ** 2;
  const out = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    let sum = 0;
    let count = 0;
    for (let ch = 0; ch < C; ch++) {
      for (let oh = 0; oh + 11 <= H; oh++) {
        for (let ow = 0; ow + 11 <= W; ow++) {
          let ma = 0, mb = 0, eaa = 0, ebb = 0, eab = 0;
          for (let i = 0; i < 11; i++) {
            for (let j = 0; j < 11; j++) {
              const k = ((n * H + oh + i) * W + ow + j) * C + ch;
              const wt = w(i, j);
              ma += wt * ad[k];
              mb += wt * bd[k];
              eaa += wt * ad[k] * ad[k];
              ebb += wt * bd[k] * bd[k];
              eab += wt * ad[k] * bd[k];
            }
          }
          const va = eaa - ma * ma;
          const vb = ebb - mb * mb;
          const cov = eab - ma * mb;
          sum += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
          count++;
        }
      }
    }
    out[n] = sum / count;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Philox4x32-10 and Gaussian noise: an independent CPU twin of the documented generator
// (BigInt Philox, float64 maths), independent of src/engine/ops/noise.ts's own philox4x32.

const MASK = 0xffffffffn;

/**
 * Philox4x32-10 (Salmon et al., SC'11; Random123) in BigInt: 4 u32 words from a counter of 4 u32
 * and a key of 2 u32, 10 rounds, key bumped by the Weyl constants before every round but the first.
 */
export function philox4x32Ref(ctr: number[], key: number[]): number[] {
  let c = ctr.map(BigInt);
  let k = key.map(BigInt);
  for (let r = 0; r < 10; r++) {
    if (r > 0) k = [(k[0] + 0x9e3779b9n) & MASK, (k[1] + 0xbb67ae85n) & MASK];
    const p0 = 0xd2511f53n * c[0];
    const p1 = 0xcd9e8d57n * c[2];
    c = [((p1 >> 32n) ^ c[1] ^ k[0]) & MASK, p1 & MASK, ((p0 >> 32n) ^ c[3] ^ k[1]) & MASK, p0 & MASK];
  }
  return c.map(Number);
}

/** Uniform in [0, 1) from a u32 word: its top 24 bits times 2^-24. */
export const u01 = (r: number): number => Math.floor(r / 256) / 2 ** 24;
/** Uniform in (0, 1] from a u32 word: (top 24 bits + 1) times 2^-24. */
export const u01c = (r: number): number => (Math.floor(r / 256) + 1) / 2 ** 24;
/** Standard normal by Box-Muller from Philox words: sqrt(-2 ln u01c(r[0])) cos(2 pi u01(r[1])). */
export const boxMuller = (r: number[]): number => Math.sqrt(-2 * Math.log(u01c(r[0]))) * Math.cos(2 * Math.PI * u01(r[1]));

/**
 * What noise.wgsl's gaussian KIND computes: y[i] = x[i] + s[n] z_i with s[n] = sigmas255[n] / 255
 * rounded to float32 (the kernel reads it from a float32 buffer), n the image of element i, and
 * z_i = boxMuller(philox(counter = (i, 0, 0, 0), key = (seed, step))) (stream 0). The rest is
 * float64; nothing is clipped. x: [N, H, W, C]; sigmas255: one sigma per image, on the 0..255 scale
 * (for blind noise, the per-image sigmas the engine drew; see noiseSigmas in ops/noise.ts).
 */
export function gaussianNoise(x: RefTensor, sigmas255: ArrayLike<number>, seed: number, step: number): RefTensor {
  assertNhwc('gaussianNoise', x, 'x');
  const [N, H, W, C] = x.shape;
  if (sigmas255.length !== N) throw new ShapeError(`gaussianNoise: ${sigmas255.length} sigmas for ${N} images`);
  const imageSize = H * W * C;
  const y = new Float64Array(x.data.length);
  for (let i = 0; i < y.length; i++) {
    const s = Math.fround(sigmas255[Math.floor(i / imageSize)] / 255);
    y[i] = x.data[i] + s * boxMuller(philox4x32Ref([i, 0, 0, 0], [seed, step]));
  }
  return { shape: [...x.shape], data: y };
}

// ---------------------------------------------------------------------------------------------
// Augmentation, written from the geometric definitions

/** One image: H x W x C values. */
interface Img { H: number; W: number; C: number; d: Float64Array }

/** out = f(image) for each output pixel of H x W: src(r, c) gives the source pixel (integers). */
function permute(m: Img, H: number, W: number, src: (r: number, c: number) => [number, number]): Float64Array {
  const out = new Float64Array(H * W * m.C);
  for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) {
    const [sr, sc] = src(r, c);
    for (let ch = 0; ch < m.C; ch++) out[(r * W + c) * m.C + ch] = m.d[(sr * m.W + sc) * m.C + ch];
  }
  return out;
}

/** The image flipped then turned k times counter-clockwise like numpy.rot90 (out[i][j] = in[j][S-1-i]). */
function flipRotImage(m: Img, t: ImageTransform): Img {
  let cur: Img = { ...m, d: permute(m, m.H, m.W, (r, c) => [t.flipV ? m.H - 1 - r : r, t.flipH ? m.W - 1 - c : c]) };
  for (let k = 0; k < (t.rot90 ?? 0); k++) {
    const src = cur;
    cur = { ...src, H: src.W, W: src.H, d: permute(src, src.W, src.H, (i, j) => [j, src.W - 1 - i]) };
  }
  return cur;
}

/**
 * Every image of x: [N, H, W, C] flipped (flipV up-down, flipH left-right), then turned t.rot90
 * times counter-clockwise like numpy.rot90; the same transform for every image. t.angle and the
 * shifts are ignored (see rotateShift). Odd rot90 gives [N, W, H, C].
 */
export function flipRotate(x: RefTensor, t: ImageTransform): RefTensor {
  assertNhwc('flipRotate', x, 'x');
  const k = t.rot90 ?? 0;
  if (!Number.isInteger(k) || k < 0 || k > 3) throw new ShapeError(`flipRotate: rot90 must be an integer in 0..3, got ${k}`);
  const [N, H, W, C] = x.shape;
  const size = H * W * C;
  const out = new Float64Array(x.data.length);
  for (let n = 0; n < N; n++) {
    out.set(flipRotImage({ H, W, C, d: x.data.subarray(n * size, (n + 1) * size) }, t).d, n * size);
  }
  return { shape: k % 2 === 1 ? [N, W, H, C] : [N, H, W, C], data: out };
}

/** Fill-mode index mapping (nearest: clamp; reflect: ... c b a | a b c ... | ... c b a). */
export function fillIndex(i: number, n: number, fill: FillMode): number {
  if (fill === 'nearest') return Math.min(Math.max(i, 0), n - 1);
  const p = 2 * n;
  let k = ((i % p) + p) % p;
  if (k >= n) k = p - 1 - k;
  return k;
}

/**
 * float64 reference of rotation by `angle` degrees counter-clockwise as displayed (x right, y up)
 * about the pixel-grid centre, then a shift (content moves down/right by dy/dx pixels): for each
 * output pixel, the source point is found by undoing the shift and the rotation, then sampled
 * bilinearly, each tap's indices mapped by `fill`. Applied to every image of x: [N, H, W, C] alike.
 */
export function rotateShift(x: RefTensor, angle: number, dy: number, dx: number, fill: FillMode): RefTensor {
  assertNhwc('rotateShift', x, 'x');
  const [N, H, W, C] = x.shape;
  const out = new Float64Array(x.data.length);
  const th = (angle * Math.PI) / 180;
  const cy = (H - 1) / 2;
  const cx = (W - 1) / 2;
  for (let n = 0; n < N; n++) for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) {
    // Output point in display coordinates (x = column, y = up), relative to the centre, unshifted.
    const x1 = c - dx - cx;
    const y1 = -(r - dy - cy);
    // Undo a counter-clockwise rotation: rotate clockwise.
    const x0 = x1 * Math.cos(th) + y1 * Math.sin(th);
    const y0 = -x1 * Math.sin(th) + y1 * Math.cos(th);
    const sr = cy - y0;
    const sc = cx + x0;
    const r0 = Math.floor(sr);
    const c0 = Math.floor(sc);
    const fr = sr - r0;
    const fc = sc - c0;
    for (let ch = 0; ch < C; ch++) {
      const v = (rr: number, cc: number) => x.data[((n * H + fillIndex(rr, H, fill)) * W + fillIndex(cc, W, fill)) * C + ch];
      out[((n * H + r) * W + c) * C + ch] = (1 - fr) * ((1 - fc) * v(r0, c0) + fc * v(r0, c0 + 1)) + fr * ((1 - fc) * v(r0 + 1, c0) + fc * v(r0 + 1, c0 + 1));
    }
  }
  return { shape: [...x.shape], data: out };
}
