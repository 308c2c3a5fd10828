import { describe, expect, it } from 'vitest';
import { tolerance } from '../src/engine/ops/ssim.ts';
import { Rng } from '../src/engine/random.ts';
import { refTensor } from '../src/engine/reference.ts';
import { ssimPerImage } from '../src/engine/referenceData.ts';
import { f32ToB64, useGpuPage } from './support/gpu.ts';

const page = useGpuPage();

/** The float64 reference (src/engine/referenceData.ts) on float32 images. */
const ssimRef = (shape: number[], a: ArrayLike<number>, b: ArrayLike<number>): Float64Array =>
  ssimPerImage(refTensor(shape, a), refTensor(shape, b));

async function ssimGpu(shape: number[], a: Float32Array, b: Float32Array): Promise<number[]> {
  return page().evaluate(async (shape, a64, b64) => {
    const e = window.engine;
    const a = e.tensor(window.h.b64ToF32(a64), shape);
    const b = e.tensor(window.h.b64ToF32(b64), shape);
    const s = e.ssimPerImage(a, b);
    const out = Array.from(await s.read());
    a.dispose(); b.dispose(); s.dispose();
    return out;
  }, shape, f32ToB64(a), f32ToB64(b));
}

type Maker = (rng: Rng, i: number, h: number, w: number, c: number) => [number, number];
const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** Image pairs: independent noise, a noisy copy, a smooth ramp with faint noise (low variance: the
 * float32 cancellation case), and a constant vs a texture. */
const PAIRS: Record<string, Maker> = {
  independent: (rng) => [rng.next(), rng.next()],
  noisyCopy: (rng, i) => { const v = ((i * 7919) % 997) / 997; return [v, clamp01(v + 0.1 * rng.normal())]; },
  smoothRamp: (rng, _i, h, w) => { const v = 0.3 + 0.01 * h + 0.005 * w; return [v + 0.002 * rng.normal(), v + 0.002 * rng.normal()]; },
  flatVsTexture: (rng) => [0.7, 0.5 + 0.2 * rng.next()],
};

function makePair(shape: number[], maker: Maker, seed: number): [Float32Array, Float32Array] {
  const [N, H, W, C] = shape;
  const rng = new Rng(seed);
  const a = new Float32Array(N * H * W * C);
  const b = new Float32Array(a.length);
  let i = 0;
  for (let n = 0; n < N; n++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let c = 0; c < C; c++, i++) {
    [a[i], b[i]] = maker(rng, i, h, w, c);
  }
  return [a, b];
}

describe('ssimPerImage vs the float64 reference', () => {
  // One window per image, odd sizes, several channels, and maps spanning several workgroups.
  const SHAPES = [[2, 24, 24, 1], [1, 20, 16, 3], [3, 11, 11, 1], [1, 13, 29, 2], [1, 40, 40, 2]];
  for (const shape of SHAPES) {
    it(`[${shape}]`, async () => {
      let seed = 1;
      for (const [name, maker] of Object.entries(PAIRS)) {
        const [a, b] = makePair(shape, maker, seed++);
        const got = await ssimGpu(shape, a, b);
        const want = ssimRef(shape, a, b);
        expect(got.length).toBe(shape[0]);
        got.forEach((g, n) => expect(Math.abs(g - want[n]), `${name} image ${n}: gpu ${g}, ref ${want[n]}`).toBeLessThanOrEqual(tolerance.atol));
      }
    });
  }

  it('SSIM(a, a) = 1, constants give the luminance term, and the references are not trivial', async () => {
    const shape = [2, 16, 18, 3];
    const [a, b] = makePair(shape, PAIRS.noisyCopy, 9);
    const same = await ssimGpu(shape, a, a);
    for (const s of same) expect(Math.abs(s - 1)).toBeLessThanOrEqual(1e-6);
    // Constant images: sigma = 0, so SSIM = (2 mu_a mu_b + C1) / (mu_a^2 + mu_b^2 + C1).
    const ca = new Float32Array(a.length).fill(0.2);
    const cb = new Float32Array(a.length).fill(0.6);
    const flat = await ssimGpu(shape, ca, cb);
    const fa = Math.fround(0.2);
    const fb = Math.fround(0.6);
    for (const s of flat) expect(s).toBeCloseTo((2 * fa * fb + 1e-4) / (fa * fa + fb * fb + 1e-4), 5);
    // The noisy copy is similar but not identical, and the two images differ.
    const sim = ssimRef(shape, a, b);
    for (const s of sim) { expect(s).toBeGreaterThan(0.3); expect(s).toBeLessThan(0.95); }
    const got = await ssimGpu(shape, a, b);
    expect(got[0]).not.toBe(got[1]);
  });

  it('bad input gets clear errors', async () => {
    const msgs = await page().evaluate(() => {
      const e = window.engine;
      const t = (shape: number[]) => e.tensor(new Float32Array(shape.reduce((p, q) => p * q, 1)), shape);
      const tries: (() => unknown)[] = [
        () => e.ssimPerImage(t([1, 12, 12, 1]), t([1, 12, 12, 3])),
        () => e.ssimPerImage(t([1, 10, 12, 1]), t([1, 10, 12, 1])),
        () => e.ssimPerImage(t([12, 12, 1]), t([12, 12, 1])),
      ];
      return tries.map((f) => { try { f(); return 'no error'; } catch (err) { return `${(err as Error).name}: ${(err as Error).message}`; } });
    });
    expect(msgs).toEqual([
      'ShapeError: ssimPerImage: shapes [1,12,12,1] and [1,12,12,3] differ',
      "ShapeError: ssimPerImage: images of 10x12 are smaller than the 11x11 window ('valid' windows only)",
      'ShapeError: ssimPerImage: images must be NHWC (rank 4), got shape [12,12,1]',
    ]);
  });
});
