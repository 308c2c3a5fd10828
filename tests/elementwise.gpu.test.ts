import { describe, expect, it } from 'vitest';
import * as ref from '../src/engine/reference.ts';
import { tolerance } from '../src/engine/ops/elementwise.ts';
import { type RefT, checkOp } from './support/checkOp.ts';
import { useGpuPage } from './support/gpu.ts';

const page = useGpuPage();
const T = (shape: number[], data: Float64Array): RefT => ({ shape, data });
const neg = (t: RefT) => T(t.shape, t.data.map((v) => -v));

// Shapes: a scalar, odd sizes, NHWC with size-1 dims, and one larger than a workgroup.
const SHAPES = [[1], [7], [1, 5, 3, 1], [2, 7, 9, 3], [3, 33, 17, 4]];

describe('elementwise ops vs the float64 reference', () => {
  for (const shape of SHAPES) {
    it(`add/sub/mul [${shape}]`, async () => {
      const ins = [{ shape, grad: true }, { shape, grad: true }];
      await checkOp(page(), { op: 'add', inputs: ins, tol: tolerance, reference: ([a, b], dy) => ({ y: ref.add(a, b), grads: dy ? [dy, dy] : [] }) }, 1);
      await checkOp(page(), { op: 'sub', inputs: ins, tol: tolerance, reference: ([a, b], dy) => ({ y: ref.sub(a, b), grads: dy ? [dy, neg(dy)] : [] }) }, 2);
      await checkOp(page(), {
        op: 'mul', inputs: ins, tol: tolerance,
        reference: ([a, b], dy) => { const g = dy && ref.mulBackward(a, b, dy); return { y: ref.mul(a, b), grads: g ? [g.da, g.db] : [] }; },
      }, 3);
    });

    it(`scale/relu/sigmoid [${shape}]`, async () => {
      const ins = [{ shape, grad: true, range: [-6, 6] as [number, number] }];
      await checkOp(page(), { op: 'scale', inputs: ins, attrs: { alpha: -2.5 }, tol: tolerance, reference: ([a], dy) => ({ y: ref.scale(a, -2.5), grads: dy ? [ref.scale(dy, -2.5)] : [] }) }, 4);
      await checkOp(page(), { op: 'relu', inputs: ins, tol: tolerance, reference: ([a], dy) => { const y = ref.relu(a); return { y, grads: dy ? [ref.reluBackward(y, dy)] : [] }; } }, 5);
      await checkOp(page(), { op: 'sigmoid', inputs: ins, tol: tolerance, reference: ([a], dy) => { const y = ref.sigmoid(a); return { y, grads: dy ? [ref.sigmoidBackward(y, dy)] : [] }; } }, 6);
    });
  }
});

describe('edge values', () => {
  it('relu at exactly 0 gives 0 and gradient 0; sigmoid at +-300 and +-1e4 is finite and saturated', async () => {
    const r = await page().evaluate(async () => {
      const e = window.engine;
      const x = e.requireGrad(e.tensor([0, -0, 300, -300, 1e4, -1e4], [6]));
      const y = e.relu(x);
      e.backward(y, e.tensor([1, 1, 1, 1, 1, 1], [6]));
      const relu = Array.from(await y.read());
      const reluGrad = Array.from(await x.grad!.read());
      x.grad!.dispose();
      x.grad = null;
      const s = e.sigmoid(x);
      e.backward(s, e.tensor([1, 1, 1, 1, 1, 1], [6]));
      return { relu, reluGrad, sig: Array.from(await s.read()), sigGrad: Array.from(await x.grad!.read()) };
    });
    expect(r.relu).toEqual([0, 0, 300, 0, 1e4, 0]);
    expect(r.reluGrad).toEqual([0, 0, 1, 0, 1, 0]);
    expect(r.sig).toEqual([0.5, 0.5, 1, 0, 1, 0]);
    expect(r.sigGrad.every(Number.isFinite)).toBe(true);
    expect(r.sigGrad[0]).toBeCloseTo(0.25, 7);
    expect(r.sigGrad.slice(2)).toEqual([0, 0, 0, 0]);
  });

  it('NaN propagates through add, mul, scale, relu and sigmoid', async () => {
    const r = await page().evaluate(async () => {
      const e = window.engine;
      const x = e.tensor([NaN, 1], [2]);
      const one = e.tensor([1, 1], [2]);
      const outs = [e.add(x, one), e.mul(x, one), e.scale(x, 3), e.relu(x), e.sigmoid(x)];
      return Promise.all(outs.map(async (t) => Array.from(await t.read()).map((v) => (Number.isNaN(v) ? 'NaN' : v))));
    });
    expect(r).toEqual([['NaN', 2], ['NaN', 1], ['NaN', 3], ['NaN', 1], ['NaN', expect.closeTo(0.7310586, 6)]]);
  });
});

describe('vec4 kernels at sizes that are not a multiple of 4', () => {
  it('fill and accumulate store nothing past a tensor of 1-7 floats (a parameter slot\'s gap stays as it was)', async () => {
    const r = await page().evaluate(async () => {
      const e = window.engine;
      const out: number[][] = [];
      for (let n = 1; n <= 7; n++) {
        // The first n floats of a 16-float buffer of -7s, as a parameter or its gradient views its slot.
        const whole = e.tensor(new Array(16).fill(-7), [16]);
        const t = e.viewTensor([n], { buffer: whole.view().buffer, offset: 0, size: 4 * n });
        e.fillInPlace(t, 2);
        out.push(Array.from(await whole.read()));
        e.accumulate(t, e.tensor(Array.from({ length: n }, (_, i) => i), [n]));
        out.push(Array.from(await whole.read()));
      }
      return out;
    });
    for (let n = 1; n <= 7; n++) {
      const rest = new Array(16 - n).fill(-7);
      expect(r[2 * n - 2]).toEqual([...new Array(n).fill(2), ...rest]);
      expect(r[2 * n - 1]).toEqual([...Array.from({ length: n }, (_, i) => 2 + i), ...rest]);
    }
  });
});

describe('autograd', () => {
  it('accumulates gradients when a tensor feeds several ops (y = x*x + relu(x) - x)', async () => {
    const xs = [-1.5, -0.25, 0.5, 2];
    const r = await page().evaluate(async (xs) => {
      const e = window.engine;
      const x = e.requireGrad(e.tensor(xs, [4]));
      const y = e.sub(e.add(e.mul(x, x), e.relu(x)), x);
      e.backward(y, e.tensor([1, 2, 3, 4], [4]));
      return { y: Array.from(await y.read()), g: Array.from(await x.grad!.read()) };
    }, xs);
    expect(r.y).toEqual(xs.map((x) => Math.fround(Math.fround(x * x) + Math.max(x, 0)) - x));
    // dy/dx = 2x + (x > 0) - 1, times the upstream gradient.
    expect(r.g).toEqual(xs.map((x, i) => (2 * x + (x > 0 ? 1 : 0) - 1) * (i + 1)));
  });

  it('runs backward in one deterministic order and releases the graph', async () => {
    const r = await page().evaluate(async () => {
      const e = window.engine;
      const runs: number[][] = [];
      const orders: string[][] = [];
      for (let k = 0; k < 2; k++) {
        const a = e.requireGrad(e.tensor([0.3, -0.7, 1.1], [3]));
        const b = e.requireGrad(e.tensor([0.9, 0.2, -0.4], [3]));
        const h = e.sigmoid(e.mul(a, b));
        const y = e.add(e.scale(h, 2), e.mul(h, a));
        const order: string[] = [];
        e.runtime().onDispatch = (name) => order.push(name);
        e.backward(y, e.tensor([1, -1, 0.5], [3]));
        e.runtime().onDispatch = null;
        orders.push(order);
        runs.push([...(await a.grad!.read()), ...(await b.grad!.read())]);
        if (y.node !== null || h.node !== null) throw new Error('graph not released');
      }
      return { runs, orders };
    });
    expect(r.runs[0]).toEqual(r.runs[1]);
    expect(r.orders[0]).toEqual(r.orders[1]);
    expect(r.orders[0].length).toBeGreaterThan(4);
  });

  it('noGrad records nothing', async () => {
    const r = await page().evaluate(() => {
      const e = window.engine;
      const a = e.requireGrad(e.tensor([1, 2], [2]));
      const y = e.noGrad(() => e.relu(a));
      return { requiresGrad: y.requiresGrad, node: y.node === null };
    });
    expect(r).toEqual({ requiresGrad: false, node: true });
  });
});
