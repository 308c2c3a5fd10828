/**
 * End to end: the original project's autoencoder on a fixed batch. The loss and every parameter
 * gradient match the float64 reference model, five Adam steps follow the reference's loss
 * trajectory, and a training step is one command encoder and one submit.
 */
import { describe, expect, it } from 'vitest';
import * as ref from '../src/engine/reference.ts';
import { Rng } from '../src/engine/random.ts';
import { seedAutoencoder } from '../src/model/presets.ts';
import { compare } from './support/checkOp.ts';
import { b64ToF32, f32ToB64, useGpuPage } from './support/gpu.ts';
import { type RefParams, refModelLossAndGrads } from './support/refModel.ts';

const page = useGpuPage();

const N = 2;
const H = 32;
const C = 1;
const STEPS = 5;
const LR = 1e-3;

// A gradient is a sum over the batch and every pixel of float32 products, so its absolute error
// scales with the tensor's largest entries: atol is 1e-4 of the tensor's max |ref| and rtol 1e-3.
const gradTol = (want: Float64Array) => ({ atol: 1e-4 * want.reduce((m, v) => Math.max(m, Math.abs(v)), 0), rtol: 1e-3 });
// The loss is one mean of 2048 squared errors after eleven float32 layers.
const LOSS_RTOL = 1e-4;

describe('seed autoencoder on a fixed 2x32x32x1 batch', () => {
  it('loss and every parameter gradient match the reference; five Adam steps follow its losses', async () => {
    const rng = new Rng(42);
    const clean = Float64Array.from({ length: N * H * H * C }, () => Math.fround(rng.next()));
    const noisy = clean.map((v) => Math.fround(v + 0.1 * rng.normal()));
    const spec = seedAutoencoder(C);

    const gpu = await page().evaluate(async (req) => {
      const e = window.engine;
      const { Model } = await window.h.model();
      const model = new Model(req.spec, 7);
      const init = await model.store.readAll();
      const x = e.tensor(window.h.b64ToF32(req.noisy), [req.N, req.H, req.H, req.C]);
      const t = e.tensor(window.h.b64ToF32(req.clean), [req.N, req.H, req.H, req.C]);
      const adam = new e.Adam(model.store, { lr: req.lr });
      const rt = e.runtime();
      const losses: number[] = [];
      const submits: number[] = [];
      const created: number[] = [];
      let grads: Record<string, string> = {};
      for (let s = 0; s < req.steps; s++) {
        rt.flush();
        const before = rt.stats.submits;
        const loss = e.tidy(() => {
          model.store.zeroGrad();
          const l = e.mseLoss(model.forward(x), t);
          e.backward(l);
          adam.step();
          return l;
        });
        rt.flush();
        submits.push(rt.stats.submits - before);
        losses.push((await loss.read())[0]);
        loss.dispose();
        created.push(rt.stats.buffersCreated);
        if (s === 0) {
          // Gradients of step 1 (Adam has updated the parameters but not touched the gradients).
          for (const p of model.store.tensors) grads[p.label] = window.h.f32ToB64(await p.grad!.read());
        }
      }
      const initOut: Record<string, string> = {};
      for (const [k, v] of init) initOut[k] = window.h.f32ToB64(v);
      const shapes = Object.fromEntries(model.store.tensors.map((p) => [p.label, [...p.shape]]));
      adam.dispose(); model.dispose(); x.dispose(); t.dispose();
      return { init: initOut, shapes, losses, grads, submits, created, params: model.parameterCount };
    }, { spec, N, H, C, noisy: f32ToB64(noisy), clean: f32ToB64(clean), lr: LR, steps: STEPS });

    // The reference starts from the GPU model's own (float32) initial parameters.
    const params: RefParams = new Map(Object.entries(gpu.init).map(([k, v]) => [k, { shape: gpu.shapes[k], data: Float64Array.from(b64ToF32(v)) }]));
    const x = { shape: [N, H, H, C], data: noisy };
    const target = { shape: [N, H, H, C], data: clean };
    const m = new Map([...params].map(([k, v]) => [k, new Float64Array(v.data.length)]));
    const v2 = new Map([...params].map(([k, v]) => [k, new Float64Array(v.data.length)]));
    const refLosses: number[] = [];
    const problems: string[] = [];
    for (let s = 1; s <= STEPS; s++) {
      const { loss, grads } = refModelLossAndGrads(spec, params, x, target);
      refLosses.push(loss);
      if (s === 1) {
        expect([...grads.keys()].sort()).toEqual(Object.keys(gpu.grads).sort());
        for (const [name, want] of grads) {
          const bad = compare(`gradient of ${name}`, want.shape, b64ToF32(gpu.grads[name]), want.data, gradTol(want.data));
          if (bad) problems.push(bad);
        }
      }
      for (const [name, p] of params) {
        ref.adamStep(p.data, grads.get(name)!.data, m.get(name)!, v2.get(name)!, s, { lr: LR, beta1: 0.9, beta2: 0.999, eps: 1e-8, mode: 'pytorch' });
      }
    }
    console.log(`[autoencoder] ${gpu.params} parameters; GPU losses ${gpu.losses.map((l) => l.toFixed(6)).join(' ')}; reference ${refLosses.map((l) => l.toFixed(6)).join(' ')}`);
    expect(problems.join('\n')).toBe('');
    for (let s = 0; s < STEPS; s++) {
      expect(Math.abs(gpu.losses[s] - refLosses[s]) / refLosses[s], `loss at step ${s + 1}`).toBeLessThan(LOSS_RTOL);
    }
    expect(refLosses[STEPS - 1]).toBeLessThan(refLosses[0]); // Adam makes progress
    expect(gpu.submits).toEqual(Array(STEPS).fill(1)); // forward + backward + Adam: one submit
    // After the first steps warm the pool (step 1 also read every gradient), a step allocates nothing.
    expect(gpu.created.slice(2)).toEqual(Array(STEPS - 2).fill(gpu.created[1]));
  });
});
