/**
 * maxPool2d and upsampleNearest on the GPU against the float64 reference (src/engine/reference.ts):
 * random sweeps over odd sizes, size-1 dimensions, batch > 1, channels 1..64, 'valid'/'same' and
 * factors 1..3, forward and backward with random upstream gradients; plus hand-built tie and NaN
 * cases for maxpool, the release of its saved argmax, and misuse errors.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as ref from '../src/engine/reference.ts';
import { tolerance as poolTol } from '../src/engine/ops/pool.ts';
import { tolerance as upTol } from '../src/engine/ops/upsample.ts';
import { type RefT, checkOp } from './support/checkOp.ts';
import { b64ToF32, f32ToB64, errorOf, useGpuPage } from './support/gpu.ts';

const page = useGpuPage();
let upShare = 0;
afterAll(() => console.log(`[pool] maxPool2d matches exactly; upsampleNearest worst tolerance share ${upShare.toFixed(4)}`));

function poolRef(padding: 'valid' | 'same') {
  return ([x]: RefT[], dy: RefT | null) => {
    const { y, argmax } = ref.maxPool2d(x, { padding });
    // checkOp first probes with dy = null to learn y's shape.
    return { y, grads: dy ? [ref.maxPool2dBackward(x.shape, argmax, dy)] : [] };
  };
}

function upRef(factor: number) {
  return ([x]: RefT[], dy: RefT | null) => {
    const y = ref.upsampleNearest(x, factor);
    return { y, grads: dy ? [ref.upsampleNearestBackward(dy, factor)] : [] };
  };
}

/** Runs one op through the harness with a given dy; returns y and dX (float32). */
async function run(op: string, x: { shape: number[]; data: number[] }, attrs: Record<string, unknown>, dy: number[]) {
  const res = await page().evaluate((req) => window.h.runOp(req), {
    op, inputs: [{ b64: f32ToB64(x.data), shape: x.shape, grad: true }], attrs, dy: f32ToB64(dy),
  });
  return { y: Array.from(b64ToF32(res.y.b64)), shape: res.y.shape, dx: Array.from(b64ToF32(res.grads[0]!)) };
}

/**
 * x [1, 2, 2*K, 1] whose K windows (valid 2x2 pooling) hold the given 4 values each, listed in
 * scan order (0,0),(0,1),(1,0),(1,1).
 */
function windows(ws: number[][]): { shape: number[]; data: number[]; at: (k: number, pos: number) => number } {
  const K = ws.length;
  const W = 2 * K;
  const data = new Array<number>(2 * W);
  const at = (k: number, pos: number) => (pos >> 1) * W + 2 * k + (pos & 1);
  ws.forEach((w, k) => w.forEach((v, pos) => { data[at(k, pos)] = v; }));
  return { shape: [1, 2, W, 1], data, at };
}

describe('maxPool2d (2x2, stride 2) vs float64 reference', () => {
  const shapes: [number[], 'valid' | 'same'][] = [
    [[1, 1, 1, 1], 'same'],
    [[1, 1, 5, 2], 'same'],
    [[2, 4, 1, 3], 'same'],
    [[1, 2, 2, 1], 'valid'],
    [[2, 5, 7, 3], 'valid'],
    [[2, 5, 7, 3], 'same'],
    [[3, 6, 4, 16], 'valid'],
    [[3, 6, 4, 16], 'same'],
    [[1, 9, 3, 64], 'valid'],
    [[1, 9, 3, 64], 'same'],
    [[4, 8, 8, 8], 'valid'],
  ];
  it.each(shapes)('x %j padding %s: forward and backward', async (shape, padding) => {
    await checkOp(page(), { op: 'maxPool2d', inputs: [{ shape, grad: true }], attrs: { padding }, reference: poolRef(padding), tol: poolTol }, shape.reduce((a, b) => a + b, 0));
  });

  it('ties and NaN agree with the reference too: constant input, and random input with NaNs and ties sprinkled in', async () => {
    const shape = [2, 5, 7, 3];
    const n = 2 * 5 * 7 * 3;
    await checkOp(page(), { op: 'maxPool2d', inputs: [{ shape, data: new Array(n).fill(-0.25), grad: true }], attrs: { padding: 'same' }, reference: poolRef('same'), tol: poolTol });
    // Values on a coarse grid (many ties) with every 11th a NaN.
    const data = Array.from({ length: n }, (_, i) => (i % 11 === 5 ? NaN : ((i * 7919) % 5) / 4));
    for (const padding of ['valid', 'same'] as const) {
      await checkOp(page(), { op: 'maxPool2d', inputs: [{ shape, data, grad: true }], attrs: { padding }, reference: poolRef(padding), tol: poolTol });
    }
  });

  it("defaults to 'valid'", async () => {
    const r = await run('maxPool2d', { shape: [1, 3, 3, 1], data: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, {}, [1]);
    expect(r.shape).toEqual([1, 1, 1, 1]);
    expect(r.y).toEqual([5]);
    expect(r.dx).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0]);
  });

  it('ties: the first maximum in scan order wins and alone gets the gradient', async () => {
    // A constant input: every window ties four ways -> cell (0,0) wins everywhere ('same', odd sizes).
    const N = 2; const H = 5; const W = 3; const C = 2;
    const x = { shape: [N, H, W, C], data: new Array(N * H * W * C).fill(0.5) };
    const OH = 3; const OW = 2;
    const dy = Array.from({ length: N * OH * OW * C }, (_, i) => i + 1);
    const r = await run('maxPool2d', x, { padding: 'same' }, dy);
    expect(r.shape).toEqual([N, OH, OW, C]);
    expect(r.y).toEqual(new Array(dy.length).fill(0.5));
    const want = new Array(x.data.length).fill(0);
    for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let c = 0; c < C; c++) {
      want[((n * H + 2 * oh) * W + 2 * ow) * C + c] = dy[((n * OH + oh) * OW + ow) * C + c];
    }
    expect(r.dx).toEqual(want);

    // Partial ties: the first of the tied maxima wins, wherever it sits.
    const ws = windows([[1, 3, 3, 2], [0, -1, 7, 7], [-2, -2, -2, -2], [-Infinity, -Infinity, -Infinity, -Infinity], [Infinity, 1, Infinity, 0]]);
    const winners = [1, 2, 0, 0, 0];
    const dy2 = [10, 20, 30, 40, 50];
    const r2 = await run('maxPool2d', ws, { padding: 'valid' }, dy2);
    expect(r2.y).toEqual([3, 7, -2, -Infinity, Infinity]);
    const want2 = new Array(ws.data.length).fill(0);
    winners.forEach((pos, k) => { want2[ws.at(k, pos)] = dy2[k]; });
    expect(r2.dx).toEqual(want2);
  });

  it('NaN propagates: the first NaN in scan order wins and gets the gradient', async () => {
    const ws = windows([
      [NaN, 1, 2, 3],
      [1, NaN, 5, NaN],
      [1, 2, 3, NaN],
      [Infinity, -1, NaN, 0],
      [-Infinity, -Infinity, -Infinity, NaN],
      [4, 1, 2, 3], // no NaN: an ordinary window next to NaN ones
    ]);
    const winners = [0, 1, 3, 2, 3, 0];
    const dy = [1, 2, 3, 4, 5, 6];
    const r = await run('maxPool2d', ws, { padding: 'valid' }, dy);
    expect(r.y.slice(0, 5).every(Number.isNaN), `outputs ${r.y}`).toBe(true);
    expect(r.y[5]).toBe(4);
    const want = new Array(ws.data.length).fill(0);
    winners.forEach((pos, k) => { want[ws.at(k, pos)] = dy[k]; });
    expect(r.dx).toEqual(want);

    // 'same' padding: a NaN in the bottom-right corner window (only one real cell) and in an edge window.
    const x = { shape: [1, 3, 3, 1], data: [0, 1, 2, 3, 4, 5, NaN, 7, NaN] };
    const r3 = await run('maxPool2d', x, { padding: 'same' }, [1, 2, 3, 4]);
    expect(r3.y.map((v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual([4, 5, 'NaN', 'NaN']);
    expect(r3.dx).toEqual([0, 0, 0, 0, 1, 2, 3, 0, 4]);
  });

  it('releases its saved argmax: after backward, and at once when no gradient is wanted', async () => {
    const r = await page().evaluate(async () => {
      const e = window.engine;
      const rt = e.runtime();
      const x = e.tensor(Float32Array.from({ length: 2 * 6 * 6 * 4 }, (_, i) => Math.sin(i)), [2, 6, 6, 4]);
      await rt.sync();
      const base = rt.stats.bytesInUse;
      const y0 = e.maxPool2d(x); // no grad: the argmax goes back to the pool at once
      const noGradExtra = rt.stats.bytesInUse - base - e.Runtime.poolBytes(y0.size);
      y0.dispose();
      const afterNoGrad = rt.stats.bytesInUse - base;
      e.requireGrad(x);
      const y = e.maxPool2d(x);
      const withGradExtra = rt.stats.bytesInUse - base - e.Runtime.poolBytes(y.size);
      const seed = e.fill(y.shape, 1);
      e.backward(y, seed);
      seed.dispose();
      y.dispose();
      x.grad!.dispose();
      x.grad = null;
      const afterBackward = rt.stats.bytesInUse - base;
      await rt.sync();
      x.dispose();
      return { noGradExtra, afterNoGrad, withGradExtra, afterBackward };
    });
    expect(r.noGradExtra).toBe(0);
    expect(r.withGradExtra).toBeGreaterThan(0); // the argmax, held for backward
    expect(r.afterNoGrad).toBe(0);
    expect(r.afterBackward).toBe(0);
  });
});

describe('upsampleNearest vs float64 reference', () => {
  const cases: [number[], number][] = [
    [[1, 1, 1, 1], 2],
    [[1, 1, 1, 3], 3],
    [[2, 3, 5, 3], 2],
    [[1, 4, 3, 1], 3],
    [[3, 2, 7, 16], 2],
    [[2, 2, 3, 64], 3],
    [[2, 3, 2, 5], 1],
  ];
  it.each(cases)('x %j factor %i: forward and backward', async (shape, factor) => {
    const { share } = await checkOp(page(), { op: 'upsampleNearest', inputs: [{ shape, grad: true }], attrs: { factor }, reference: upRef(factor), tol: upTol }, 7 * factor + shape[3]);
    upShare = Math.max(upShare, share);
  });
});

describe('pool and upsample misuse', () => {
  it('gives a ShapeError naming the problem', async () => {
    expect(await errorOf(page(), `e.maxPool2d(e.empty([4, 4, 2]))`)).toBe('ShapeError: maxPool2d: input must be NHWC (rank 4), got shape [4,4,2]');
    expect(await errorOf(page(), `e.maxPool2d(e.empty([1, 1, 4, 2]))`)).toMatch(/^ShapeError: maxPool2d: input \[1,1,4,2\] has a spatial size of 1, which 'valid' 2x2 pooling reduces to 0/);
    expect(await errorOf(page(), `e.maxPool2d(e.empty([1, 4, 1, 2]), { padding: 'valid' })`)).toMatch(/^ShapeError: maxPool2d: input \[1,4,1,2\] has a spatial size of 1/);
    expect(await errorOf(page(), `e.maxPool2d(e.empty([1, 4, 4, 2]), { padding: 'full' })`)).toBe("ShapeError: maxPool2d: padding must be 'valid' or 'same', got 'full'");
    expect(await errorOf(page(), `e.maxPool2d(e.empty([1, 1, 1, 2]), { padding: 'same' }).dispose()`)).toBe('no error');
    expect(await errorOf(page(), `e.upsampleNearest(e.empty([1, 2, 2, 1]), 0)`)).toBe('ShapeError: upsampleNearest: factor must be an integer >= 1, got 0');
    expect(await errorOf(page(), `e.upsampleNearest(e.empty([1, 2, 2, 1]), 1.5)`)).toBe('ShapeError: upsampleNearest: factor must be an integer >= 1, got 1.5');
    expect(await errorOf(page(), `e.upsampleNearest(e.empty([2, 2, 1]), 2)`)).toBe('ShapeError: upsampleNearest: input must be NHWC (rank 4), got shape [2,2,1]');
  });
});
