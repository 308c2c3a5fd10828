import { describe, expect, it } from 'vitest';
import * as ref from '../src/engine/reference.ts';
import { Rng } from '../src/engine/random.ts';
import { compare } from './support/checkOp.ts';
import { b64ToF32, f32ToB64, useGpuPage } from './support/gpu.ts';

const page = useGpuPage();

// Odd sizes so parameters straddle the 64-float alignment of the flat buffers.
const SHAPES = [[3], [70], [2, 3, 3, 1]];
// float32 state vs float64: each step rounds m, v and p once; over a few steps with lr 0.5
// the relative drift stays within a few float32 ulps of the parameter values.
const TOL = { atol: 1e-6, rtol: 2e-6 };

async function runAdam(mode: 'pytorch' | 'keras', lr: number, steps: number, seed: number) {
  const rng = new Rng(seed);
  const sizes = SHAPES.map((s) => s.reduce((a, b) => a * b, 1));
  const init = sizes.map((n) => Float64Array.from({ length: n }, () => Math.fround(rng.uniform(-1, 1))));
  // Gradients vary per step; some entries are exactly 0 (their m, v stay 0 on step 1).
  const grads = Array.from({ length: steps }, () => sizes.map((n) => Float64Array.from({ length: n }, (_, i) => (i % 7 === 3 ? 0 : Math.fround(rng.uniform(-2, 2))))));

  const gpu = await page().evaluate(async (req) => {
    const e = window.engine;
    const store = new e.ParameterStore(req.shapes.map((shape, i) => ({ name: `p${i}`, shape, init: window.h.b64ToF32(req.init[i]) })));
    const adam = new e.Adam(store, { lr: req.lr, mode: req.mode });
    const submitsBefore = e.runtime().stats.submits;
    const out: string[][] = [];
    for (const g of req.grads) {
      store.tensors.forEach((t, i) => t.grad!.write(window.h.b64ToF32(g[i])));
      adam.step();
      const all = await store.readAll();
      out.push([...all.values()].map((v) => window.h.f32ToB64(v)));
    }
    const offsets = store.offsets;
    const submits = e.runtime().stats.submits - submitsBefore;
    adam.dispose();
    store.dispose();
    return { out, offsets, submits };
  }, { shapes: SHAPES, init: init.map((a) => f32ToB64(a)), grads: grads.map((s) => s.map((a) => f32ToB64(a))), lr, mode });

  // float64 reference, step by step.
  const p = init.map((a) => Float64Array.from(a));
  const m = sizes.map((n) => new Float64Array(n));
  const v = sizes.map((n) => new Float64Array(n));
  const problems: string[] = [];
  for (let t = 1; t <= steps; t++) {
    for (let i = 0; i < sizes.length; i++) {
      ref.adamStep(p[i], grads[t - 1][i], m[i], v[i], t, { lr, beta1: 0.9, beta2: 0.999, eps: mode === 'keras' ? 1e-7 : 1e-8, mode });
      const bad = compare(`adam ${mode} step ${t} param ${i}`, SHAPES[i], b64ToF32(gpu.out[t - 1][i]), p[i], TOL);
      if (bad) problems.push(bad);
    }
  }
  return { problems, offsets: gpu.offsets, params: p };
}

describe('Adam (one fused dispatch over flat parameter buffers)', () => {
  it('packs parameters at 256-byte boundaries', async () => {
    const r = await runAdam('pytorch', 1e-3, 1, 1);
    expect(r.offsets).toEqual([0, 64, 192]);
  });

  for (const mode of ['pytorch', 'keras'] as const) {
    it(`${mode}: six steps at lr 0.5 follow the float64 reference`, async () => {
      const r = await runAdam(mode, 0.5, 6, 7);
      expect(r.problems.join('\n')).toBe('');
      for (const a of r.params) for (const x of a) expect(Number.isFinite(x)).toBe(true);
    });
  }

  it('the two formulas differ where eps matters (tiny gradients)', async () => {
    const res = await page().evaluate(async () => {
      const e = window.engine;
      const out: number[] = [];
      for (const mode of ['pytorch', 'keras'] as const) {
        const store = new e.ParameterStore([{ name: 'w', shape: [1], init: new Float32Array([1]) }]);
        const adam = new e.Adam(store, { lr: 0.1, mode, eps: 1e-3 });
        store.tensors[0].grad!.write([1e-4]);
        adam.step();
        out.push((await store.readAll()).get('w')![0]);
        adam.dispose();
        store.dispose();
      }
      return out;
    });
    const want = ['pytorch', 'keras'].map((mode) => {
      const p = new Float64Array([1]);
      ref.adamStep(p, new Float64Array([1e-4]), new Float64Array(1), new Float64Array(1), 1, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-3, mode: mode as 'pytorch' | 'keras' });
      return p[0];
    });
    expect(Math.abs(want[0] - want[1])).toBeGreaterThan(1e-3);
    expect(res[0]).toBeCloseTo(want[0], 6);
    expect(res[1]).toBeCloseTo(want[1], 6);
  });

  it('rejects absurd hyper-parameters with a message', async () => {
    const msgs = await page().evaluate(async () => {
      const e = window.engine;
      const store = new e.ParameterStore([{ name: 'w', shape: [2] }]);
      const out: string[] = [];
      for (const o of [{ lr: -1 }, { lr: NaN }, { lr: 1e-3, beta1: 1 }, { lr: 1e-3, eps: 0 }]) {
        try { new e.Adam(store, o); out.push('no error'); } catch (err) { out.push((err as Error).message); }
      }
      store.dispose();
      return out;
    });
    expect(msgs[0]).toMatch(/learning rate must be in \(0, 10\], got -1/);
    expect(msgs[1]).toMatch(/learning rate.*NaN/);
    expect(msgs[2]).toMatch(/beta1 must be in \[0, 1\), got 1/);
    expect(msgs[3]).toMatch(/eps must be in \(0, 1\), got 0/);
  });
});
