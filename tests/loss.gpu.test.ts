/**
 * mseLoss, maeLoss (with backward), msePerImage, maePerImage, psnrPerImage on the GPU against the
 * float64 reference: random sweeps (one- and two-pass reductions), known answers, a 1M-element
 * reduction, the naive single-pass variant against the chunked one, an upstream gradient other
 * than 1 read on the GPU, and misuse errors.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as ref from '../src/engine/reference.ts';
import { CHUNK, psnrTolerance, tolerance } from '../src/engine/ops/loss.ts';
import { Rng } from '../src/engine/random.ts';
import { type RefT, checkOp, compare, toleranceShare } from './support/checkOp.ts';
import { b64ToF32, f32ToB64, errorOf, useGpuPage } from './support/gpu.ts';

const page = useGpuPage();
const shares: Record<string, number> = {};
afterAll(() => console.log(`[loss] worst tolerance share: ${JSON.stringify(shares)}`));
function note(what: string, share: number): void { shares[what] = Math.max(shares[what] ?? 0, share); }

const scalar = (v: number): RefT => ({ shape: [1], data: Float64Array.of(v) });

function lossRef(kind: 'mse' | 'mae') {
  return ([a, b]: RefT[], dy: RefT | null) => {
    const y = scalar(kind === 'mse' ? ref.mse(a, b) : ref.mae(a, b));
    if (!dy) return { y, grads: [] };
    const g = (kind === 'mse' ? ref.mseBackward : ref.maeBackward)(a, b, dy.data[0]);
    return { y, grads: [g.da, g.db] };
  };
}

function psnrRef([a, b]: RefT[]) {
  const d = ref.psnrPerImage(a, b);
  return { y: { shape: [d.length], data: d }, grads: [] };
}

/** Runs e[name](a, b) in the page and reads the result. */
async function evalPair(name: string, a: { shape: number[]; data: ArrayLike<number> }, b: { shape: number[]; data: ArrayLike<number> }, opts?: unknown) {
  const r = await page().evaluate(async (req) => {
    const e = window.engine as unknown as Record<string, (...args: unknown[]) => InstanceType<typeof window.engine.Tensor>>;
    const ta = window.engine.tensor(window.h.b64ToF32(req.a), req.as);
    const tb = window.engine.tensor(window.h.b64ToF32(req.b), req.bs);
    const y = req.name === 'reduceMean' ? e.reduceMean(ta, tb, ...(req.opts as unknown[])) : e[req.name](ta, tb);
    const out = await y.read();
    for (const t of [ta, tb, y]) t.dispose();
    return { y: window.h.f32ToB64(out), shape: [...y.shape] };
  }, { name, a: f32ToB64(Float32Array.from(a.data)), as: a.shape, b: f32ToB64(Float32Array.from(b.data)), bs: b.shape, opts: opts ?? null });
  return { y: b64ToF32(r.y), shape: r.shape };
}

function randomRef(shape: number[], seed: number, lo = 0, hi = 1): RefT {
  const rng = new Rng(seed);
  const n = shape.reduce((x, y) => x * y, 1);
  return { shape, data: Float64Array.from({ length: n }, () => Math.fround(rng.uniform(lo, hi))) };
}

// Shapes below, at and above one chunk (4096) so both the one-pass and two-pass paths run.
const LOSS_SHAPES = [[1, 1, 1, 1], [7], [2, 5, 7, 3], [3, 4, 4, 16], [1, 8, 8, 64], [2, 32, 32, 3], [1, 33, 41, 7]];

describe('mseLoss / maeLoss vs float64 reference (forward, dA, dB with a random upstream gradient)', () => {
  it('reduces in one pass below a chunk and in two above it', () => {
    expect(CHUNK).toBe(4096);
    expect(LOSS_SHAPES.some((s) => s.reduce((x, y) => x * y, 1) > CHUNK)).toBe(true);
  });
  for (const kind of ['mse', 'mae'] as const) {
    it.each(LOSS_SHAPES.map((s) => [s]))(`${kind}Loss %j`, async (shape) => {
      const { share } = await checkOp(page(), {
        op: `${kind}Loss`, inputs: [{ shape, grad: true }, { shape, grad: true }], reference: lossRef(kind), tol: tolerance,
      }, shape.length + shape.reduce((x, y) => x + y, 0));
      note(`${kind}Loss`, share);
    });
  }

  it('maeLoss: a == b gives a zero gradient there', async () => {
    const shape = [2, 3, 5, 2];
    const a = randomRef(shape, 5, -1, 1);
    const b = { shape, data: a.data.map((v, i) => (i % 3 === 0 ? v : Math.fround(v + 0.25))) };
    const { share } = await checkOp(page(), {
      op: 'maeLoss', inputs: [{ shape, data: a.data, grad: true }, { shape, data: b.data, grad: true }], reference: lossRef('mae'), tol: tolerance,
    });
    note('maeLoss', share);
  });
});

describe('per-image metrics', () => {
  it.each([[[1, 1, 1, 1]], [[3, 5, 7, 3]], [[2, 40, 40, 3]], [[4, 2, 3, 64]]])('psnrPerImage %j vs reference', async (shape) => {
    const { share } = await checkOp(page(), {
      op: 'psnrPerImage', inputs: [{ shape, range: [0, 1] }, { shape, range: [0, 1] }], reference: psnrRef, tol: psnrTolerance, backward: false,
    }, shape[0] + shape[3]);
    note('psnrPerImage', share);
  });

  it.each([[[1, 1, 1, 1]], [[3, 5, 7, 3]], [[2, 40, 40, 3]], [[5, 2, 1, 64]]])('msePerImage and maePerImage %j vs reference', async (shape) => {
    const a = randomRef(shape, 11);
    const b = randomRef(shape, 12);
    for (const [name, want] of [['msePerImage', ref.msePerImage(a, b)], ['maePerImage', ref.maePerImage(a, b)]] as const) {
      const r = await evalPair(name, a, b);
      expect(r.shape).toEqual([shape[0]]);
      expect(compare(`${name} ${JSON.stringify(shape)}`, [shape[0]], r.y, want, tolerance)).toBeNull();
      note(name, toleranceShare(r.y, want, tolerance));
    }
  });

  it('known answers: image n differs by 2^-(n+2) everywhere -> MSE 4^-(n+2), MAE 2^-(n+2), PSNR 20 (n+2) log10 2', async () => {
    const shape = [4, 5, 7, 3];
    const per = 5 * 7 * 3;
    const a = { shape, data: Array.from({ length: 4 * per }, (_, i) => 0.5 + 2 ** -(Math.floor(i / per) + 2)) };
    const b = { shape, data: new Array(4 * per).fill(0.5) };
    const n = [0, 1, 2, 3];
    const mse = await evalPair('msePerImage', a, b);
    const mae = await evalPair('maePerImage', a, b);
    const psnr = await evalPair('psnrPerImage', a, b);
    // Each sum of identical powers of two is exact; only the 1/105 scale rounds (<= 1 ulp).
    n.forEach((i) => {
      expect(Math.abs(mse.y[i] / 4 ** -(i + 2) - 1)).toBeLessThan(2.5e-7);
      expect(Math.abs(mae.y[i] / 2 ** -(i + 2) - 1)).toBeLessThan(2.5e-7);
      expect(Math.abs(psnr.y[i] - 20 * (i + 2) * Math.log10(2))).toBeLessThan(psnrTolerance.atol);
    });
  });

  it('known answer: a - b = 0.1 everywhere -> MSE 0.01, MAE 0.1, PSNR 20 dB', async () => {
    const shape = [3, 4, 6, 3];
    const count = 3 * 4 * 6 * 3;
    const a = { shape, data: new Array(count).fill(0.6) };
    const b = { shape, data: new Array(count).fill(0.5) };
    // float32(0.6) - 0.5 = 0.10000002384: within 5e-7 relative of 0.1.
    const psnr = await evalPair('psnrPerImage', a, b);
    expect(Array.from(psnr.y).every((v) => Math.abs(v - 20) < 1e-5), `psnr ${psnr.y}`).toBe(true);
    const mse = await evalPair('msePerImage', a, b);
    expect(Array.from(mse.y).every((v) => Math.abs(v / 0.01 - 1) < 1e-6), `mse ${mse.y}`).toBe(true);
    const loss = await evalPair('mseLoss', a, b);
    expect(Math.abs(loss.y[0] / 0.01 - 1)).toBeLessThan(1e-6);
    const l1 = await evalPair('maeLoss', a, b);
    expect(Math.abs(l1.y[0] / 0.1 - 1)).toBeLessThan(1e-6);
  });

  it('identical images: MSE 0 and PSNR +Infinity (as the reference says)', async () => {
    const shape = [3, 4, 6, 3];
    const a = randomRef(shape, 41);
    const zero = await evalPair('mseLoss', a, a);
    expect(Array.from(zero.y)).toEqual([0]);
    const mse = await evalPair('msePerImage', a, a);
    expect(Array.from(mse.y)).toEqual([0, 0, 0]);
    expect(Array.from(ref.psnrPerImage(a, a))).toEqual([Infinity, Infinity, Infinity]);
    const psnr = await evalPair('psnrPerImage', a, a);
    expect(Array.from(psnr.y)).toEqual([Infinity, Infinity, Infinity]);
  });
});

describe('large reductions', () => {
  const shape = [64, 128, 128, 1]; // 1,048,576 elements: 256 workgroups in pass 1, then 1
  const a = randomRef(shape, 21);
  const b = randomRef(shape, 22);

  it('mseLoss and maeLoss over 1M elements match float64 to rtol 1e-5; the naive single pass agrees', async () => {
    const mse = ref.mse(a, b);
    const mae = ref.mae(a, b);
    const chunked = await evalPair('mseLoss', a, b);
    const l1 = await evalPair('maeLoss', a, b);
    const naive = await evalPair('reduceMean', a, b, ['sqdiff', 1, { chunkLen: Infinity }]);
    const relChunked = Math.abs(chunked.y[0] - mse) / mse;
    const relMae = Math.abs(l1.y[0] - mae) / mae;
    const relNaive = Math.abs(naive.y[0] - mse) / mse;
    console.log(`[loss] 1M-element MSE relative error: chunked two-pass ${relChunked.toExponential(2)}, naive one-workgroup ${relNaive.toExponential(2)}; MAE ${relMae.toExponential(2)}`);
    expect(compare('mseLoss 1M', [1], chunked.y, [mse], tolerance)).toBeNull();
    expect(compare('maeLoss 1M', [1], l1.y, [mae], tolerance)).toBeNull();
    expect(compare('naive reduceMean 1M', [1], naive.y, [mse], tolerance)).toBeNull();
    note('mseLoss 1M', toleranceShare(chunked.y, [mse], tolerance));
    note('maeLoss 1M', toleranceShare(l1.y, [mae], tolerance));
  });

  it('msePerImage over a 64 x 128x128 batch (4 chunks per image) matches float64; so do odd chunk sizes and a 3-level recursion', async () => {
    const want = ref.msePerImage(a, b);
    const got = await evalPair('msePerImage', a, b);
    expect(compare('msePerImage 64x128x128', [64], got.y, want, tolerance)).toBeNull();
    note('msePerImage', toleranceShare(got.y, want, tolerance));
    // chunkLen 1000 (odd tail chunks) and 64 (1M -> 16384 -> 256 -> 4 -> 1: four passes).
    for (const chunkLen of [1000, 64]) {
      const r = await evalPair('reduceMean', a, b, ['sqdiff', 64, { chunkLen }]);
      expect(compare(`reduceMean chunkLen ${chunkLen}`, [64], r.y, want, tolerance)).toBeNull();
    }
  });
});

describe('backward with an upstream gradient other than 1, read on the GPU', () => {
  for (const [kind, factor] of [['mse', 3], ['mae', -2.5]] as const) {
    it(`${factor} * ${kind}Loss(a, b): dA = ${factor} dmse/da, dB = -dA, no read-back during backward`, async () => {
      const shape = [2, 6, 5, 3];
      const a = randomRef(shape, 31, -1, 1);
      const b = randomRef(shape, 32, -1, 1);
      const r = await page().evaluate(async (req) => {
        const e = window.engine;
        const ta = e.requireGrad(e.tensor(window.h.b64ToF32(req.a), req.shape));
        const tb = e.requireGrad(e.tensor(window.h.b64ToF32(req.b), req.shape));
        const loss = req.kind === 'mse' ? e.mseLoss(ta, tb) : e.maeLoss(ta, tb);
        const scaled = e.scale(loss, req.factor);
        const submits = e.runtime().stats.submits;
        e.backward(scaled);
        const submitsDuringBackward = e.runtime().stats.submits - submits;
        const out = { da: window.h.f32ToB64(await ta.grad!.read()), db: window.h.f32ToB64(await tb.grad!.read()), submitsDuringBackward };
        for (const t of [ta.grad!, tb.grad!, ta, tb, loss, scaled]) t.dispose();
        return out;
      }, { kind, factor, shape, a: f32ToB64(a.data), b: f32ToB64(b.data) });
      const want = (kind === 'mse' ? ref.mseBackward : ref.maeBackward)(a, b, factor);
      expect(r.submitsDuringBackward).toBe(0);
      const da = b64ToF32(r.da);
      const db = b64ToF32(r.db);
      expect(compare(`d${kind}/da`, shape, da, want.da.data, tolerance)).toBeNull();
      expect(compare(`d${kind}/db`, shape, db, want.db.data, tolerance)).toBeNull();
      expect(Array.from(db)).toEqual(Array.from(da, (v) => -v));
      note(`${kind}Loss backward x${factor}`, Math.max(toleranceShare(da, want.da.data, tolerance), toleranceShare(db, want.db.data, tolerance)));
    });
  }
});

describe('loss misuse', () => {
  it('gives a ShapeError naming the problem', async () => {
    expect(await errorOf(page(), `e.mseLoss(e.empty([2, 3]), e.empty([3, 2]))`)).toBe('ShapeError: mseLoss: shapes [2,3] and [3,2] differ');
    expect(await errorOf(page(), `e.maeLoss(e.empty([1, 2, 2, 1]), e.empty([1, 2, 2, 2]))`)).toBe('ShapeError: maeLoss: shapes [1,2,2,1] and [1,2,2,2] differ');
    expect(await errorOf(page(), `e.psnrPerImage(e.empty([2, 3, 3]), e.empty([2, 3, 3]))`)).toBe('ShapeError: psnrPerImage: images must be NHWC (rank 4), got shape [2,3,3]');
    expect(await errorOf(page(), `e.msePerImage(e.empty([2, 3, 3, 1]), e.empty([1, 3, 3, 1]))`)).toBe('ShapeError: msePerImage: shapes [2,3,3,1] and [1,3,3,1] differ');
    expect(await errorOf(page(), `e.reduceMean(e.empty([5]), e.empty([5]), 'sqdiff', 2)`)).toBe('ShapeError: reduceMean: 5 elements of [5] do not split into 2 equal segments');
  });
});
