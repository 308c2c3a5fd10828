import { describe, expect, it } from 'vitest';
import { philox4x32 } from '../src/engine/ops/noise.ts';
import { refTensor } from '../src/engine/reference.ts';
import { boxMuller, gaussianNoise, philox4x32Ref, u01 } from '../src/engine/referenceData.ts';
import { b64ToF32, f32ToB64, useGpuPage } from './support/gpu.ts';

const page = useGpuPage();

function stats(a: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  const mean = s / a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / (a.length - 1)) };
}

/** Runs addNoise in the page on `data` of `shape`; returns the output (float32). */
async function noisy(data: Float32Array, shape: number[], opts: object): Promise<Float32Array> {
  const b64 = await page().evaluate(async (b64, shape, opts) => {
    const e = window.engine;
    const x = e.tensor(window.h.b64ToF32(b64), shape);
    const y = e.addNoise(x, opts as Parameters<typeof e.addNoise>[1]);
    const out = window.h.f32ToB64(await y.read());
    x.dispose();
    y.dispose();
    return out;
  }, f32ToB64(data), shape, opts);
  return b64ToF32(b64);
}

const constant = (n: number, v: number) => new Float32Array(n).fill(v);
const SHAPE = [1, 128, 128, 4]; // 65536 samples
const COUNT = 65536;

describe('Philox4x32-10', () => {
  it('the host twin matches the Random123 known-answer vectors and the BigInt version', () => {
    const kat: [number[], number[], number[]][] = [
      [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
      [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
      [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
    ];
    for (const [ctr, key, want] of kat) {
      expect(Array.from(philox4x32(ctr, key))).toEqual(want);
      expect(philox4x32Ref(ctr, key)).toEqual(want);
    }
  });
});

describe('addNoise matches the documented generator (CPU twin)', () => {
  it('gaussian with blind sigma, speckle, and salt & pepper (bit-exact decisions)', async () => {
    const shape = [3, 5, 7, 3];
    const n = 3 * 5 * 7 * 3;
    const x = new Float32Array(n).map((_, i) => Math.fround(((i * 37) % 101) / 100));
    const seed = 1234;
    const step = 7;

    // gaussian, sigma in [5, 50): sigma_n from stream 4, noise from stream 0 at element i.
    const sigmas = Array.from({ length: 3 }, (_, k) => 5 + 45 * u01(philox4x32Ref([k, 4, 0, 0], [seed, step])[0]));
    const g = await noisy(x, shape, { kind: 'gaussian', sigma: [5, 50], seed, step });
    const hostSigmas = await page().evaluate((seed, step) => Array.from(window.engine.noiseSigmas(3, { kind: 'gaussian', sigma: [5, 50], seed, step })), seed, step);
    expect(hostSigmas).toEqual(sigmas);
    const gWant = gaussianNoise(refTensor(shape, x), sigmas, seed, step).data; // the CPU twin
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(g[i] - gWant[i]));
    expect(worst).toBeLessThan(1e-6); // ~1 ulp seen; z is accurate to ~1e-6 by design

    // speckle, stream 3: y = x + x s z.
    const sp = await noisy(x, shape, { kind: 'speckle', sigma: 40, seed, step });
    worst = 0;
    for (let i = 0; i < n; i++) {
      const want = x[i] + x[i] * Math.fround(40 / 255) * boxMuller(philox4x32Ref([i, 3, 0, 0], [seed, step]));
      worst = Math.max(worst, Math.abs(sp[i] - want));
    }
    expect(worst).toBeLessThan(1e-6); // ~1 ulp seen; z is accurate to ~1e-6 by design

    // salt & pepper, stream 1 at pixel p: integer decisions, so the output matches exactly.
    const amount = 0.3;
    const thr = Math.round(amount * 2 ** 24);
    const want = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const bits = philox4x32Ref([Math.floor(i / 3), 1, 0, 0], [seed, step]);
      want[i] = Math.floor(bits[0] / 256) < thr ? (bits[1] >>> 31) : x[i];
    }
    expect(Array.from(await noisy(x, shape, { kind: 'saltPepper', amount, seed, step }))).toEqual(Array.from(want));
  });
});

describe('addNoise statistics (65536 samples; bounds are 4-5 standard errors)', () => {
  it('gaussian: mean 0, std sigma/255, normal shape, uncorrelated neighbours, not clipped', async () => {
    const x0 = 0.95;
    const y = await noisy(constant(COUNT, x0), SHAPE, { kind: 'gaussian', sigma: 25, seed: 1 });
    const d = Array.from(y, (v) => v - Math.fround(x0));
    const sd = 25 / 255;
    const { mean, std } = stats(d);
    expect(Math.abs(mean)).toBeLessThan(4 * sd / Math.sqrt(COUNT));
    expect(Math.abs(std / sd - 1)).toBeLessThan(4 / Math.sqrt(2 * COUNT));
    const within1 = d.filter((v) => Math.abs(v) < sd).length / COUNT; // 0.6827 for a normal
    expect(Math.abs(within1 - 0.682689)).toBeLessThan(4 * Math.sqrt(0.6827 * 0.3173 / COUNT));
    const within2 = d.filter((v) => Math.abs(v) < 2 * sd).length / COUNT; // 0.9545
    expect(Math.abs(within2 - 0.954500)).toBeLessThan(4 * Math.sqrt(0.9545 * 0.0455 / COUNT));
    let c = 0; // lag-1 and lag-C (same channel, next pixel) correlation
    let cC = 0;
    for (let i = 0; i + 4 < COUNT; i++) { c += d[i] * d[i + 1]; cC += d[i] * d[i + 4]; }
    expect(Math.abs(c / (COUNT * sd * sd))).toBeLessThan(4 / Math.sqrt(COUNT));
    expect(Math.abs(cC / (COUNT * sd * sd))).toBeLessThan(4 / Math.sqrt(COUNT));
    expect(Math.max(...y)).toBeGreaterThan(1); // the standard protocol does not clip
  });

  it('same (seed, step) is bit-exact; another seed or step differs; sigma 0 is the identity', async () => {
    const x = new Float32Array(4096).map((_, i) => (i % 17) / 16);
    const shape = [2, 16, 32, 4];
    const a = await noisy(x, shape, { kind: 'gaussian', sigma: 15, seed: 3, step: 5 });
    const b = await noisy(x, shape, { kind: 'gaussian', sigma: 15, seed: 3, step: 5 });
    const c = await noisy(x, shape, { kind: 'gaussian', sigma: 15, seed: 4, step: 5 });
    const d = await noisy(x, shape, { kind: 'gaussian', sigma: 15, seed: 3, step: 6 });
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    const diff = (p: Float32Array, q: Float32Array) => p.filter((v, i) => v !== q[i]).length;
    expect(diff(a, c)).toBeGreaterThan(4000);
    expect(diff(a, d)).toBeGreaterThan(4000);
    expect(Array.from(await noisy(x, shape, { kind: 'gaussian', sigma: 0, seed: 3 }))).toEqual(Array.from(x));
    for (const o of [{ kind: 'saltPepper', amount: 0.5 }, { kind: 'poisson', peak: 10 }, { kind: 'speckle', sigma: 30 }]) {
      const p = await noisy(x, shape, { ...o, seed: 9, step: 1 });
      const q = await noisy(x, shape, { ...o, seed: 9, step: 1 });
      const r = await noisy(x, shape, { ...o, seed: 9, step: 2 });
      expect(Buffer.from(p.buffer).equals(Buffer.from(q.buffer)), o.kind).toBe(true);
      expect(diff(p, r), o.kind).toBeGreaterThan(500);
    }
  });

  it('blind gaussian: per-image sigmas land in [lo, hi), are used, and follow seed and step', async () => {
    const N = 8;
    const shape = [N, 32, 32, 4]; // 4096 samples per image
    const o = { kind: 'gaussian' as const, sigma: [10, 50] as [number, number], seed: 11, step: 2 };
    const y = await noisy(constant(N * 4096, 0.5), shape, o);
    const r = await page().evaluate((o) => {
      const e = window.engine;
      return {
        s: Array.from(e.noiseSigmas(8, o)),
        s2: Array.from(e.noiseSigmas(8, { ...o, step: 3 })),
        fixed: Array.from(e.noiseSigmas(3, { kind: 'speckle', sigma: 20, seed: 1 })),
      };
    }, o);
    expect(r.fixed).toEqual([20, 20, 20]);
    for (const s of r.s) { expect(s).toBeGreaterThanOrEqual(10); expect(s).toBeLessThan(50); }
    expect(new Set(r.s).size).toBe(N);
    expect(r.s2).not.toEqual(r.s);
    for (let n = 0; n < N; n++) {
      const { std } = stats(Array.from(y.subarray(n * 4096, (n + 1) * 4096), (v) => v - 0.5));
      expect(Math.abs(std / (r.s[n] / 255) - 1), `image ${n}`).toBeLessThan(5 / Math.sqrt(2 * 4096));
    }
  });

  it('salt & pepper: the fraction of pixels hit, half salt, all channels of a pixel together', async () => {
    const shape = [1, 128, 128, 3];
    const P = 128 * 128;
    const y = await noisy(constant(P * 3, 0.5), shape, { kind: 'saltPepper', amount: 0.2, seed: 5 });
    let salt = 0;
    let pepper = 0;
    const bad: string[] = [];
    for (let p = 0; p < P; p++) {
      const px = [y[3 * p], y[3 * p + 1], y[3 * p + 2]];
      if (!(px[0] === px[1] && px[1] === px[2]) || ![0, 0.5, 1].includes(px[0])) bad.push(`pixel ${p}: ${px}`);
      if (px[0] === 1) salt++;
      else if (px[0] === 0) pepper++;
    }
    expect(bad.slice(0, 5), 'pixels whose channels differ or hold another value').toEqual([]);
    expect(Math.abs((salt + pepper) / P - 0.2)).toBeLessThan(4 * Math.sqrt(0.2 * 0.8 / P));
    expect(Math.abs(salt / (salt + pepper) - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / (salt + pepper)));
    const none = await noisy(constant(P * 3, 0.5), shape, { kind: 'saltPepper', amount: 0, seed: 5 });
    expect(none.every((v) => v === 0.5)).toBe(true);
    const all = await noisy(constant(P * 3, 0.5), shape, { kind: 'saltPepper', amount: 1, seed: 5 });
    expect(all.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it('poisson: counts with mean and variance lambda (Knuth below 30, normal above), exact pmf for small lambda', async () => {
    for (const [x0, peak] of [[0.5, 20], [0.5, 200]]) {
      const lam = Math.fround(x0) * peak;
      const y = await noisy(constant(COUNT, x0), SHAPE, { kind: 'poisson', peak, seed: 2 });
      const k = Array.from(y, (v) => v * peak);
      for (const v of k.slice(0, 1000)) expect(Math.abs(v - Math.round(v))).toBeLessThan(1e-3 * Math.max(1, v));
      const { mean, std } = stats(k);
      expect(Math.abs(mean - lam), `lambda ${lam}: mean`).toBeLessThan(4 * Math.sqrt(lam / COUNT));
      // Var of the sample variance ~ (2 lam^2 + lam) / n for a Poisson; rounding adds 1/12 above 30.
      const extra = lam > 30 ? 1 / 12 : 0;
      expect(Math.abs(std * std - lam - extra), `lambda ${lam}: variance`).toBeLessThan(4 * Math.sqrt((2 * lam * lam + lam) / COUNT));
    }
    // lambda = 3: the histogram follows the Poisson pmf (Knuth's method is exact).
    const y = await noisy(constant(COUNT, 0.25), SHAPE, { kind: 'poisson', peak: 12, seed: 8 });
    const hist = new Array(12).fill(0);
    for (const v of y) hist[Math.min(11, Math.round(v * 12))]++;
    let pmf = Math.exp(-3);
    for (let j = 0; j < 10; j++) {
      const f = hist[j] / COUNT;
      expect(Math.abs(f - pmf), `P(k = ${j})`).toBeLessThan(4.5 * Math.sqrt(pmf * (1 - pmf) / COUNT) + 1e-5);
      pmf *= 3 / (j + 1);
    }
    // x = 0 gives 0; NaN stays NaN; negative counts as 0.
    const edge = await noisy(Float32Array.of(0, NaN, -0.5, 1), [1, 1, 1, 4], { kind: 'poisson', peak: 5, seed: 1 });
    expect(edge[0]).toBe(0);
    expect(Number.isNaN(edge[1])).toBe(true);
    expect(edge[2]).toBe(0);
  });

  it('speckle: noise std proportional to x, none on black', async () => {
    // Four bands of 16384 samples: x = 0, 0.25, 0.5, 1 (channel c of every pixel).
    const levels = [0, 0.25, 0.5, 1];
    const x = new Float32Array(COUNT).map((_, i) => levels[i % 4]);
    const y = await noisy(x, SHAPE, { kind: 'speckle', sigma: 30, seed: 4 });
    for (let c = 0; c < 4; c++) {
      const d: number[] = [];
      for (let i = c; i < COUNT; i += 4) d.push(y[i] - x[i]);
      if (levels[c] === 0) { expect(d.every((v) => v === 0)).toBe(true); continue; }
      const { mean, std } = stats(d);
      const sd = (levels[c] * 30) / 255;
      expect(Math.abs(mean), `x = ${levels[c]}: mean`).toBeLessThan(4 * sd / Math.sqrt(d.length));
      expect(Math.abs(std / sd - 1), `x = ${levels[c]}: std`).toBeLessThan(4 / Math.sqrt(2 * d.length));
    }
  });
});

describe('addNoise rejects bad options with clear errors', () => {
  it('names the option and the allowed range', async () => {
    const cases: [object, RegExp][] = [
      [{ kind: 'gaussian', sigma: -1, seed: 1 }, /sigma must be a finite number >= 0/],
      [{ kind: 'gaussian', sigma: 'NaN', seed: 1 }, /sigma must be a finite number >= 0.*NaN/],
      [{ kind: 'gaussian', sigma: [30, 10], seed: 1 }, /lo > hi/],
      [{ kind: 'gaussian', sigma: [10], seed: 1 }, /sigma range must be \[lo, hi\]/],
      [{ kind: 'speckle', sigma: Infinity, seed: 1 }, /sigma must be a finite number/],
      [{ kind: 'saltPepper', amount: 1.5, seed: 1 }, /amount .* must be in \[0, 1\], got 1.5/],
      [{ kind: 'saltPepper', amount: 'NaN', seed: 1 }, /amount .* must be in \[0, 1\], got NaN/],
      [{ kind: 'poisson', peak: 0, seed: 1 }, /peak .* must be a finite number > 0, got 0/],
      [{ kind: 'poisson', peak: 'NaN', seed: 1 }, /peak .* got NaN/],
      [{ kind: 'gaussian', sigma: 10, seed: 1.5 }, /seed must be an integer in \[0, 2\^32\), got 1.5/],
      [{ kind: 'gaussian', sigma: 10, seed: 1, step: -1 }, /step must be an integer/],
      [{ kind: 'blur', seed: 1 }, /unknown kind 'blur'/],
    ];
    const msgs = await page().evaluate((opts) => {
      const e = window.engine;
      const x = e.tensor(new Float32Array(4), [1, 2, 2, 1]);
      const out = opts.map((o) => {
        // NaN does not survive the JSON trip into the page: it travels as the string 'NaN'.
        const fixed = Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === 'NaN' ? NaN : v]));
        try { e.addNoise(x, fixed as Parameters<typeof e.addNoise>[1]).dispose(); return 'no error'; } catch (err) { return `${(err as Error).name}: ${(err as Error).message}`; }
      });
      const flat = e.tensor(new Float32Array(4), [4]);
      try { e.addNoise(flat, { kind: 'gaussian', sigma: 1, seed: 1 }); out.push('no error'); } catch (err) { out.push(`${(err as Error).name}: ${(err as Error).message}`); }
      return out;
    }, cases.map(([o]) => o));
    cases.forEach(([, re], i) => expect(msgs[i]).toMatch(re));
    for (const m of msgs.slice(0, cases.length)) expect(m).toMatch(/^EngineError: addNoise/);
    expect(msgs[cases.length]).toBe('ShapeError: addNoise: images must be NHWC (rank 4), got shape [4]');
  });
});
