/**
 * Synthetic noise and quality metrics on the host, for whole photos of any size (the GPU's
 * addNoise, psnrPerImage and ssimPerImage take one buffer per image, which a 12-megapixel RGB
 * float image, 144 MB, can exceed). Used by `npm run denoise` and the page's photo panel.
 *
 * - `addGaussianNoise` is the host twin of the GPU's gaussian addNoise (src/shaders/noise.wgsl):
 *   the same Philox4x32-10 counters and Box-Muller transform, in float64 where the kernel uses
 *   float32 series, so image `step` gets the same draw as `evaluate()` gives the `step`-th image
 *   of a test set at that seed, to about 1e-6 (tests/denoise.node-gpu.test.ts compares them).
 * - `psnr` and `ssim` follow the engine's definitions (data range 1; SSIM with the 11x11
 *   Gaussian window of sigma 1.5, K1 = 0.01, K2 = 0.03, 'valid' windows, mean over the map and
 *   the channels: src/engine/referenceData.ts), in float64, the window applied separably.
 */
import type { Image } from '../data/images.ts';
import { philox4x32 } from '../engine/ops/noise.ts';

/** The Philox stream of gaussian noise (NOISE_STREAM.gaussian in src/engine/ops/noise.ts). */
const GAUSSIAN_STREAM = 0;

/**
 * img + N(0, (sigma/255)^2) per value, not clipped: a new image. seed and step are u32s (the
 * GPU op's key); the value at flat index i (HWC) uses counter (i, 0, 0, 0).
 */
export function addGaussianNoise(img: Image, sigma: number, seed: number, step = 0): Image {
  if (!(sigma >= 0 && sigma <= 255)) throw new RangeError(`sigma must be in [0, 255] (0-255 scale), got ${sigma}`);
  const s = Math.fround(sigma / 255); // the kernel reads sigma/255 from a float32 buffer
  const key = [seed >>> 0, step >>> 0];
  const ctr = [0, GAUSSIAN_STREAM, 0, 0];
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    ctr[0] = i;
    const r = philox4x32(ctr, key);
    const u1 = ((r[0] >>> 8) + 1) / 2 ** 24; // (0, 1]
    const u2 = (r[1] >>> 8) / 2 ** 24; // [0, 1)
    out[i] = img.data[i] + s * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  return { ...img, data: out };
}

function checkSame(what: string, a: Image, b: Image): void {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new RangeError(`${what}: images differ in size (${a.width}x${a.height}x${a.channels} vs ${b.width}x${b.height}x${b.channels})`);
  }
}

/** Mean squared error over every value (all channels). */
export function mse(a: Image, b: Image): number {
  checkSame('mse', a, b);
  let s = 0;
  for (let i = 0; i < a.data.length; i++) { const d = a.data[i] - b.data[i]; s += d * d; }
  return s / a.data.length;
}

/** PSNR in dB for data range 1: 10 log10(1 / MSE); Infinity for identical images. */
export function psnr(a: Image, b: Image): number {
  return 10 * Math.log10(1 / mse(a, b));
}

const WIN = 11;
/** The normalised 1-D Gaussian (sigma 1.5) whose outer product is SSIM's 11x11 window. */
const G = (() => {
  const g = Array.from({ length: WIN }, (_, k) => Math.exp(-((k - 5) ** 2) / (2 * 1.5 * 1.5)));
  const sum = g.reduce((p, q) => p + q, 0);
  return g.map((v) => v / sum);
})();

/**
 * SSIM (Wang et al. 2004) of two images of the same shape, at least 11 x 11: the mean over
 * every 'valid' window position of every channel. Rows are filtered horizontally once and kept
 * in a ring of 11, so memory stays O(width) for any image.
 */
export function ssim(a: Image, b: Image): number {
  checkSame('ssim', a, b);
  const { width: W, height: H, channels: C } = a;
  if (W < WIN || H < WIN) throw new RangeError(`ssim: a ${W}x${H} image is smaller than the ${WIN}x${WIN} window`);
  const OW = W - WIN + 1;
  const C1 = 0.01 ** 2;
  const C2 = 0.03 ** 2;
  // ring[r % 11][m][ox]: row r filtered horizontally, for the five maps a, b, a^2, b^2, ab.
  const ring = Array.from({ length: WIN }, () => Array.from({ length: 5 }, () => new Float64Array(OW)));
  let sum = 0;
  for (let ch = 0; ch < C; ch++) {
    for (let y = 0; y < H; y++) {
      const maps = ring[y % WIN];
      for (let ox = 0; ox < OW; ox++) {
        let ma = 0, mb = 0, aa = 0, bb = 0, ab = 0;
        for (let k = 0; k < WIN; k++) {
          const i = (y * W + ox + k) * C + ch;
          const u = a.data[i], v = b.data[i], g = G[k];
          ma += g * u; mb += g * v; aa += g * u * u; bb += g * v * v; ab += g * u * v;
        }
        maps[0][ox] = ma; maps[1][ox] = mb; maps[2][ox] = aa; maps[3][ox] = bb; maps[4][ox] = ab;
      }
      if (y < WIN - 1) continue;
      // Output row y - 10: the vertical pass over the 11 rows in the ring.
      for (let ox = 0; ox < OW; ox++) {
        let ma = 0, mb = 0, aa = 0, bb = 0, ab = 0;
        for (let k = 0; k < WIN; k++) {
          const m = ring[(y - WIN + 1 + k) % WIN];
          const g = G[k];
          ma += g * m[0][ox]; mb += g * m[1][ox]; aa += g * m[2][ox]; bb += g * m[3][ox]; ab += g * m[4][ox];
        }
        const va = aa - ma * ma, vb = bb - mb * mb, cov = ab - ma * mb;
        sum += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
      }
    }
  }
  return sum / (C * (H - WIN + 1) * OW);
}

/** Values clipped to [0, 1]: a new image. */
export function clip01(img: Image): Image {
  return { ...img, data: img.data.map((v) => Math.min(1, Math.max(0, v))) };
}
