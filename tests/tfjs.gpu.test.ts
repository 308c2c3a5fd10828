/**
 * The TensorFlow.js peer (src/lab/tfjs.ts) on the engine's own GPUDevice: each peer op against
 * the float64 reference within the tolerance our op declares, Adam against the reference update,
 * and whole models: forward equal to our engine's Model.forward on the same weights, and
 * trainStep lowering the loss. Tiny shapes: the CI GPU is SwiftShader.
 */
import { describe, expect, it } from 'vitest';
import * as ref from '../src/engine/reference.ts';
import { type ConvGeometry, convOutputSize, tolerance as convTol } from '../src/engine/ops/conv2d.ts';
import { tolerance as poolTol } from '../src/engine/ops/pool.ts';
import { tolerance as upsampleTol } from '../src/engine/ops/upsample.ts';
import { tolerance as lossTol } from '../src/engine/ops/loss.ts';
import { Rng } from '../src/engine/random.ts';
import type { ModelSpec } from '../src/model/layers.ts';
import { type RefT, compare, toleranceShare } from './support/checkOp.ts';
import { b64ToF32, f32ToB64, useGpuPage } from './support/gpu.ts';

const page = useGpuPage();

type Lab = typeof import('../src/lab/tfjs.ts');
interface Wire { b64: string; shape: number[] }
declare global {
  // Set in the page by `loadLab` below.
  interface Window { lab?: Lab; labPeer?: Awaited<ReturnType<Lab['initTfjs']>> }
}

const rng = new Rng(7);
/** Random float32-exact values in [lo, hi) as a reference tensor. */
function rand(shape: number[], lo = -1, hi = 1): RefT {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float64Array.from({ length: n }, () => Math.fround(rng.uniform(lo, hi))) };
}
const wire = (t: RefT): Wire => ({ b64: f32ToB64(t.data), shape: t.shape });

/** Loads the lab module and starts the peer in the page (once per page). */
async function loadLab(): Promise<void> {
  // vite.config.ts pre-bundles TF.js (optimizeDeps), so this first import works on a cold cache.
  await page().evaluate(async () => {
    // new Function: the test runner rewrites import() in this file; the page must do a real one.
    const lab = await (new Function('return import("/src/lab/tfjs.ts")') as () => Promise<Lab>)();
    window.lab = lab;
    window.labPeer = await lab.initTfjs(window.engine.runtime().device);
  });
}

/** Asserts got (float32 wire) matches want within tol and logs the share of the tolerance used. */
function check(what: string, got: Wire, want: RefT, tol: { atol: number; rtol: number }): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  const g = b64ToF32(got.b64);
  const problem = compare(what, want.shape, g, want.data, tol);
  const used = tol.atol + tol.rtol === 0 ? 'exact tolerance' : `${(100 * toleranceShare(g, want.data, tol)).toFixed(1)}% of the tolerance`;
  console.log(`[tfjs] ${what}: ${used}`);
  expect(problem, problem ?? '').toBeNull();
}

describe('TF.js peer on the engine device', () => {
  it('initialises on our GPUDevice, idempotently, and flushes its queue', async () => {
    await loadLab();
    const r = await page().evaluate(async () => {
      const lab = window.lab!;
      const device = window.engine.runtime().device;
      const again = await lab.initTfjs(device);
      const { tf } = again;
      device.pushErrorScope('validation');
      const a = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16].map((v) => v * 100), [2, 2, 2, 2]);
      let y = tf.relu(a);
      for (let i = 0; i < 20; i++) { const z = tf.add(y, 1); y.dispose(); y = z; } // more than one 15-dispatch batch
      await again.flush();
      const encoderAfterFlush = (again.backend as unknown as { commandEncoder: unknown }).commandEncoder;
      await again.flush(); // nothing recorded: must not throw
      const validation = (await device.popErrorScope())?.message ?? null;
      const out = Array.from(await y.data());
      tf.dispose([a, y]);
      return {
        same: again === window.labPeer, backend: tf.getBackend(), sharesDevice: again.backend.device === device,
        encoderAfterFlush, validation, first: out[0], last: out[15],
      };
    });
    expect(r).toEqual({ same: true, backend: 'webgpu-shared', sharesDevice: true, encoderAfterFlush: null, validation: null, first: 120, last: 1620 });
  });

  // Each case: forward (fused bias + activation), dx, dw, and the transposed conv of the same geometry.
  const CASES = [
    // odd sizes, stride 2 'same' (the odd padding pixel at the bottom/right)
    { N: 2, H: 7, W: 5, CI: 2, CO: 3, KH: 3, KW: 3, S: 2, padding: 'same', act: 'relu', bias: true },
    // 'valid', non-square kernel, stride 2, sigmoid, no bias
    { N: 1, H: 7, W: 6, CI: 2, CO: 3, KH: 3, KW: 2, S: 2, padding: 'valid', act: 'sigmoid', bias: false },
    // the seed autoencoder's layer: k3 s2 'same' on an even size
    { N: 2, H: 8, W: 8, CI: 4, CO: 8, KH: 3, KW: 3, S: 2, padding: 'same', act: 'none', bias: true },
    // the DnCNN layer shape: k3 s1 'same'
    { N: 1, H: 6, W: 6, CI: 3, CO: 4, KH: 3, KW: 3, S: 1, padding: 'same', act: 'relu', bias: true },
    // k1 s2 'valid' that leaves the last row unread (clamped bottom padding)
    { N: 2, H: 6, W: 7, CI: 3, CO: 2, KH: 1, KW: 1, S: 2, padding: 'valid', act: 'none', bias: false },
  ] as const;
  for (const c of CASES) {
    const label = `x[${c.N},${c.H},${c.W},${c.CI}] k${c.KH}x${c.KW} co${c.CO} s${c.S} ${c.padding} ${c.act}${c.bias ? ' +b' : ''}`;
    it(`conv2d forward, dx, dw and conv2dTranspose match the reference: ${label}`, async () => {
      const gh = convOutputSize('test', c.H, c.KH, c.S, c.padding);
      const gw = convOutputSize('test', c.W, c.KW, c.S, c.padding);
      const g: ConvGeometry = { N: c.N, H: c.H, W: c.W, CI: c.CI, OH: gh.out, OW: gw.out, CO: c.CO, KH: c.KH, KW: c.KW, S: c.S, PT: gh.pad, PL: gw.pad };
      const x = rand([c.N, c.H, c.W, c.CI]);
      const w = rand([c.KH, c.KW, c.CI, c.CO]);
      const b = c.bias ? rand([c.CO]) : null;
      const bt = c.bias ? rand([c.CI]) : null;
      const dz = rand([c.N, g.OH, g.OW, c.CO]);
      const r = await page().evaluate(async (q) => {
        const lab = window.lab!;
        const { tf } = window.labPeer!;
        const T = (t: Wire) => tf.tensor(window.h.b64ToF32(t.b64), t.shape);
        const [x, w, dz] = [T(q.x), T(q.w), T(q.dz)];
        const b = q.b ? T(q.b) : null;
        const bt = q.bt ? T(q.bt) : null;
        const outs = {
          y: lab.conv2dForward(x, w, b, q.g, q.act),
          dx: lab.conv2dInputGrad(dz, w, q.g),
          dw: lab.conv2dFilterGrad(x, dz, q.g),
          yt: lab.conv2dTransposeForward(dz, w, bt, q.g, q.act),
        };
        const res: Record<string, Wire> = {};
        for (const [k, t] of Object.entries(outs)) res[k] = { b64: window.h.f32ToB64(await t.data() as Float32Array), shape: t.shape };
        tf.dispose([x, w, dz, ...(b ? [b] : []), ...(bt ? [bt] : []), ...Object.values(outs)]);
        return res;
      }, { x: wire(x), w: wire(w), dz: wire(dz), b: b && wire(b), bt: bt && wire(bt), g, act: c.act });

      const o = { stride: c.S, padding: c.padding, activation: c.act };
      check(`conv2d ${label}: y`, r.y, ref.conv2d(x, w, b, o), convTol);
      const grads = ref.conv2dBackward(x, w, null, { stride: c.S, padding: c.padding }, dz);
      check(`conv2d ${label}: dx`, r.dx, grads.dx, convTol);
      check(`conv2d ${label}: dw`, r.dw, grads.dw, convTol);
      // The transposed conv: Keras' own scatter reference when its output size is this conv's input
      // size, else the adjoint (conv2dBackward's dx) plus bias and activation.
      let yt: RefT;
      const keras = ref.convTransposeGeometry(g.OH, c.KH, c.S, c.padding).out === c.H && ref.convTransposeGeometry(g.OW, c.KW, c.S, c.padding).out === c.W;
      if (keras) yt = ref.conv2dTranspose(dz, w, bt, o);
      else {
        const z = ref.conv2dBackward(ref.zeros(x.shape), w, null, { stride: c.S, padding: c.padding }, dz).dx;
        const withBias = bt ? ref.add(z, { shape: z.shape, data: z.data.map((_, i) => bt.data[i % c.CI]) }) : z;
        yt = c.act === 'relu' ? ref.relu(withBias) : c.act === 'sigmoid' ? ref.sigmoid(withBias) : withBias;
      }
      check(`conv2dTranspose ${label} (${keras ? 'Keras' : 'adjoint'} reference): y`, r.yt, yt, convTol);
    });
  }

  it('max-pool, nearest upsampling and MSE match the reference', async () => {
    const x = rand([2, 5, 7, 3]);
    const u2 = rand([1, 3, 4, 2]);
    const u3 = rand([2, 2, 3, 1]);
    const a = rand([2, 5, 5, 1]);
    const b = rand([2, 5, 5, 1]);
    const r = await page().evaluate(async (q) => {
      const lab = window.lab!;
      const { tf } = window.labPeer!;
      const T = (t: Wire) => tf.tensor(window.h.b64ToF32(t.b64), t.shape);
      const ins = [T(q.x), T(q.u2), T(q.u3), T(q.a), T(q.b)];
      const outs = {
        valid: lab.maxPool2x2(ins[0], 'valid'), same: lab.maxPool2x2(ins[0], 'same'),
        up2: lab.upsampleNearest(ins[1], 2), up3: lab.upsampleNearest(ins[2], 3),
        mse: lab.mse(ins[3], ins[4]),
      };
      const res: Record<string, Wire> = {};
      for (const [k, t] of Object.entries(outs)) res[k] = { b64: window.h.f32ToB64(await t.data() as Float32Array), shape: t.shape };
      tf.dispose([...ins, ...Object.values(outs)]);
      return res;
    }, { x: wire(x), u2: wire(u2), u3: wire(u3), a: wire(a), b: wire(b) });
    check('maxPool2x2 valid', r.valid, ref.maxPool2d(x, { padding: 'valid' }).y, poolTol);
    check('maxPool2x2 same', r.same, ref.maxPool2d(x, { padding: 'same' }).y, poolTol);
    check('upsampleNearest x2', r.up2, ref.upsampleNearest(u2, 2), upsampleTol);
    check('upsampleNearest x3', r.up3, ref.upsampleNearest(u3, 3), upsampleTol);
    check('mse', r.mse, { shape: [], data: Float64Array.of(ref.mse(a, b)) }, lossTol);
  });

  it('makeAdam: two steps match the reference Adam (PyTorch eps placement)', async () => {
    const params = [rand([7]), rand([3])];
    const grads = [rand([7]), rand([3])];
    const lr = 1e-2;
    const r = await page().evaluate(async (q) => {
      const lab = window.lab!;
      const { tf } = window.labPeer!;
      const adam = lab.makeAdam(q.params.map((p) => window.h.b64ToF32(p)), q.lr);
      const g = q.grads.map((b64) => tf.tensor1d(window.h.b64ToF32(b64)));
      adam.step(g);
      adam.step(g);
      const out = [];
      for (const v of adam.variables) out.push(window.h.f32ToB64(await v.data() as Float32Array));
      tf.dispose(g);
      adam.dispose();
      return out;
    }, { params: params.map((p) => f32ToB64(p.data)), grads: grads.map((g) => f32ToB64(g.data)), lr });
    params.forEach((p, i) => {
      const want = Float64Array.from(p.data);
      const m = new Float64Array(want.length);
      const v = new Float64Array(want.length);
      for (const t of [1, 2]) ref.adamStep(want, grads[i].data, m, v, t, { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, mode: 'pytorch' });
      check(`adam param ${i}`, { b64: r[i], shape: p.shape }, { shape: p.shape, data: want }, { atol: 1e-6, rtol: 2e-6 });
    });
  });

  // Every layer kind: strided conv, pool, upsample, strided transposed conv, sigmoid; and a residual net.
  const MODELS: { name: string; spec: ModelSpec }[] = [
    {
      name: 'autoencoder',
      spec: {
        channels: 1,
        layers: [
          { type: 'conv2d', filters: 4, kernel: 3, stride: 2, padding: 'same', activation: 'relu' },
          { type: 'maxPool2d', padding: 'valid' },
          { type: 'upsample', factor: 2 },
          { type: 'conv2dTranspose', filters: 3, kernel: 3, stride: 2, padding: 'same', activation: 'relu' },
          { type: 'conv2d', filters: 1, kernel: 3, stride: 1, padding: 'same', activation: 'sigmoid' },
        ],
      },
    },
    {
      name: 'residual',
      spec: {
        channels: 1,
        residual: true,
        layers: [
          { type: 'conv2d', filters: 6, kernel: 3, activation: 'relu' },
          { type: 'conv2d', filters: 6, kernel: 3, activation: 'relu' },
          { type: 'conv2d', filters: 1, kernel: 3 },
        ],
      },
    },
  ];
  for (const m of MODELS) {
    it(`buildTfModel (${m.name}): forward equals the engine's Model.forward on the same weights, and trainStep lowers the loss`, async () => {
      const r = await page().evaluate(async (q) => {
        const e = window.engine;
        const lab = window.lab!;
        const { tf } = window.labPeer!;
        const { Model } = await window.h.model();
        const model = new Model(q.spec, 3);
        const rng = new e.Rng(5);
        const shape = [2, 8, 8, 1];
        // A smooth clean image plus noise: something a few Adam steps can fit.
        const clean = Float32Array.from({ length: 128 }, (_, i) => 0.3 + 0.2 * Math.sin(i / 5));
        const noisy = clean.map((v) => v + 0.1 * rng.normal());
        const ours = e.tensor(noisy, shape);
        const y = e.noGrad(() => model.forward(ours));
        const oursOut = { b64: window.h.f32ToB64(await y.read()), shape: [...y.shape] };
        const tm = lab.buildTfModel(q.spec, await model.store.readAll(), { lr: 1e-2 });
        const [xt, ct] = [tf.tensor(noisy, shape), tf.tensor(clean, shape)];
        const yt = tm.forward(xt);
        const tfOut = { b64: window.h.f32ToB64(await yt.data() as Float32Array), shape: yt.shape };
        const losses: number[] = [];
        for (let s = 0; s < 15; s++) {
          const l = tm.trainStep(xt, ct, s === 0 || s === 14);
          if (l) { losses.push((await l.data())[0]); l.dispose(); }
        }
        await window.labPeer!.flush();
        const names = [...tm.variables.keys()];
        tf.dispose([xt, ct, yt]);
        tm.dispose();
        y.dispose(); ours.dispose(); model.dispose();
        return { oursOut, tfOut, losses, names, leaked: tf.memory().numTensors };
      }, { spec: m.spec });
      check(`model ${m.name}: TF forward vs engine forward`, r.tfOut, { shape: r.oursOut.shape, data: Float64Array.from(b64ToF32(r.oursOut.b64)) }, convTol);
      expect(r.names).toEqual(m.spec.layers.flatMap((l, i) => (l.type === 'conv2d' || l.type === 'conv2dTranspose' ? [`layers.${i}.weight`, `layers.${i}.bias`] : [])));
      console.log(`[tfjs] model ${m.name}: trainStep loss ${r.losses[0].toExponential(3)} -> ${r.losses[1].toExponential(3)} in 15 steps; ${r.leaked} TF tensors alive after dispose`);
      expect(r.losses[1]).toBeLessThan(r.losses[0] / 2);
      expect(r.leaked).toBe(0);
    });
  }

  it('dispose removes the backend and leaves the device to the engine; initTfjs starts a fresh peer', async () => {
    const r = await page().evaluate(async () => {
      const lab = window.lab!;
      const e = window.engine;
      const old = window.labPeer!;
      old.dispose();
      let opError = 'no error';
      // No tensors here: with no active backend tfjs-core would start its own 'webgpu' one.
      try { lab.mse(undefined!, undefined!); } catch (err) { opError = (err as Error).message; }
      const afterDispose = old.tf.getBackend() ?? null;
      const peer = await lab.initTfjs(e.runtime().device);
      window.labPeer = peer;
      const t = peer.tf.tensor([3, 4]);
      const m = lab.mse(t, peer.tf.zeros([2]));
      const v = (await m.data())[0];
      peer.tf.dispose([t, m]);
      const s = e.tensor(Float32Array.of(1, 2), [2]); // the engine still runs on the device
      const s2 = e.add(s, s);
      const engineOk = Array.from(await s2.read());
      s.dispose(); s2.dispose();
      return { fresh: peer !== old, afterDispose, opError, v, backend: peer.tf.getBackend(), engineOk };
    });
    expect(r).toEqual({ fresh: true, afterDispose: null, opError: 'TF.js is not initialised: await initTfjs(device) first', v: 12.5, backend: 'webgpu-shared', engineOk: [2, 4] });
  });
});
