/**
 * The engine under Node on Dawn (`--backend node`): every kernel of the table against its float64
 * reference, training steps and a checkpoint round trip. (A whole session, with the built-in images
 * read from disk and the PNGs drawn by the Node canvas, is tests/cli.node-gpu.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { KERNELS } from '../src/engine/kernels.ts';
import { Adam, add, backward, conv2d, convTolerance, noGrad, requireGrad, runtime, tensor, Rng } from '../src/engine/index.ts';
import { filterGrad } from '../src/engine/ops/convGrad.ts';
import { sharesWinogradInput } from '../src/engine/ops/convLaunch.ts';
import { clearTuned, currentAdapterKey, setTuned, shapeKey, tunedChoices } from '../src/engine/tuning.ts';
import { checkKernel } from '../src/lab/check.ts';
import { smallDims } from '../src/lab/shapes.ts';
import { loadIntoModel, readCheckpoint, saveCheckpoint } from '../src/model/checkpoint.ts';
import { defaultConfig, presetSpec, validateConfig } from '../src/model/config.ts';
import { Model } from '../src/model/layers.ts';
import { trainStep } from '../src/model/trainer.ts';
import { useNodeEngine } from './support/node-gpu.ts';

const engine = useNodeEngine();

describe('every kernel of the table, alone, against its float64 reference (Node, Dawn)', () => {
  for (const name of Object.keys(KERNELS)) {
    it(name, async () => {
      const c = await checkKernel(name, smallDims(KERNELS[name]), 3);
      expect(c.dispatched).toContain(name);
      expect(c.output.data.length).toBeGreaterThan(0);
      expect({ pass: c.pass, bad: c.bad }, `${name}: worst error ${c.maxErr} = ${(c.share * 100).toFixed(1)}% of the tolerance`).toEqual({ pass: true, bad: 0 });
    });
  }
});

describe('training under Node', () => {
  it('lowers the loss on a fixed batch over a few Adam steps', async () => {
    expect(engine().adapter).toMatch(/\S/);
    const config = validateConfig({ ...defaultConfig('small'), batchSize: 2, patchSize: 16, lr: 1e-3 });
    const model = new Model(presetSpec('small', 1), 1);
    const adam = new Adam(model.store, { lr: config.lr });
    const rng = new Rng(5);
    const x = tensor(Float32Array.from({ length: 2 * 16 * 16 }, (_, i) => 0.5 + 0.4 * Math.sin(i / 7) + 0.05 * rng.uniform(-1, 1)), [2, 16, 16, 1]);
    const losses: number[] = [];
    for (let s = 0; s < 6; s++) {
      const l = trainStep(model, adam, x, config, 0); // same noise every step: only the weights change
      engine().runtime.flush();
      losses.push((await l.read())[0]);
      l.dispose();
    }
    x.dispose();
    model.dispose();
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[5]).toBeLessThan(losses[0]);
  });

  it('round-trips a checkpoint: the same outputs and the same Adam state', async () => {
    const config = validateConfig({ ...defaultConfig('small'), batchSize: 2, patchSize: 16 });
    const model = new Model(presetSpec('small', 1), 7);
    const adam = new Adam(model.store, { lr: config.lr });
    const x = tensor(Float32Array.from({ length: 2 * 16 * 16 }, (_, i) => (i % 17) / 17), [2, 16, 16, 1]);
    const l = trainStep(model, adam, x, config, 0);
    engine().runtime.flush();
    l.dispose();
    const bytes = await saveCheckpoint(model, { preset: 'small', epoch: 1, noise: config.noise, config }, adam);

    const back = readCheckpoint(bytes, 'roundtrip.safetensors');
    const model2 = new Model(presetSpec('small', 1), 99);
    await loadIntoModel(model2, back.params, 'roundtrip.safetensors');
    const adam2 = new Adam(model2.store, { lr: config.lr });
    adam2.writeState(back.optimizer!);
    const y1 = noGrad(() => model.forward(x));
    const y2 = noGrad(() => model2.forward(x));
    expect(await y2.read()).toEqual(await y1.read());
    const [s1, s2] = [await adam.readState(), await adam2.readState()];
    expect(s2.t).toBe(s1.t);
    expect(s2.m).toEqual(s1.m);
    expect(s2.v).toEqual(s1.v);
    for (const t of [x, y1, y2]) t.dispose();
    model.dispose();
    model2.dispose();
  });
});

describe("Winograd's forward hands x's transformed input to the weight gradient (src/engine/ops/conv2d.ts)", () => {
  // N 2, 6 x 7, 32 -> 32 channels: winograd serves all three roles (winograd4 has no weight gradient).
  const g = { N: 2, H: 6, W: 7, CI: 32, OH: 6, OW: 7, CO: 32, KH: 3, KW: 3, S: 1, PT: 1, PL: 1 };
  const rng = new Rng(3);
  const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
  const [xs, ws, dys] = [rand(2 * 6 * 7 * 32), rand(9 * 32 * 32), rand(2 * 6 * 7 * 32)];

  it('winograd4 shares nothing: its weight gradient runs another family', () => {
    expect(sharesWinogradInput('winograd4', g)).toBe(false);
  });

  for (const [family, input, flipped, dwPass] of [
    ['winograd', 'conv2d_winograd_input', 'conv2d_transpose_winograd', 'conv2d_backward_filter_winograd'],
  ] as const) {
    it(`${family}: one input pass fewer per layer, the same dw as transforming x again, and nothing left behind`, async () => {
      const rt = runtime();
      expect(sharesWinogradInput(family, g)).toBe(true);
      expect(sharesWinogradInput('tiled', g)).toBe(false);
      const x = requireGrad(tensor(xs, [2, 6, 7, 32]));
      const w = requireGrad(tensor(ws, [3, 3, 32, 32]));
      const dy = tensor(dys, [2, 6, 7, 32]);
      await rt.sync();
      const before = rt.stats.bytesInUse;
      const ran: string[] = [];
      rt.onDispatch = (k) => { ran.push(k); };
      try {
        const y = conv2d(x, w, null, { variant: family });
        backward(y, dy);
        y.dispose();
      } finally {
        rt.onDispatch = null;
      }
      // x's input pass in the forward, dy's in the input gradient; none in the weight gradient.
      expect(ran.filter((k) => k === input)).toHaveLength(2);
      expect(ran).toContain(flipped);
      expect(ran).toContain(dwPass);
      const want = noGrad(() => filterGrad(x, dy, g, family)); // x transformed again
      expect(await w.grad!.read()).toEqual(await want.read());
      for (const t of [want, w.grad!, x.grad!]) t.dispose();
      await rt.sync();
      expect(rt.stats.bytesInUse).toBe(before);

      // Freed with y when no backward runs, and at once where nothing is recorded.
      const y2 = conv2d(x, w, null, { variant: family });
      y2.dispose();
      const y3 = noGrad(() => conv2d(x, w, null, { variant: family }));
      y3.dispose();
      await rt.sync();
      expect(rt.stats.bytesInUse).toBe(before);
      for (const t of [x, w, dy]) t.dispose();
    });
  }
});

describe("winograd4's forward writes winograd's transformed input for the weight gradient (conv2d_winograd4_input_pair)", () => {
  // N 2, 6 x 7 (4x4 tiles 2 x 2, 2x2 tiles 3 x 4: the pair skips the 2x2 tiles of row 3), 32 -> 32
  // channels, 'same' and 'valid' padding; 'auto' with choices set per role, as the autotuner would.
  for (const padding of ['same', 'valid'] as const) {
    it(`${padding}: the pair pass in place of both input passes, the same dw bits as transforming x again, nothing left behind`, async () => {
      const rt = runtime();
      const pad = padding === 'same' ? 1 : 0;
      const g = { N: 2, H: 6, W: 7, CI: 32, OH: 6 - 2 + 2 * pad, OW: 7 - 2 + 2 * pad, CO: 32, KH: 3, KW: 3, S: 1, PT: pad, PL: pad };
      const rng = new Rng(4);
      const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
      const x = requireGrad(tensor(rand(2 * 6 * 7 * 32), [2, 6, 7, 32]));
      const w = requireGrad(tensor(rand(9 * 32 * 32), [3, 3, 32, 32]));
      const dy = tensor(rand(g.N * g.OH * g.OW * 32), [g.N, g.OH, g.OW, 32]);
      const adapter = currentAdapterKey();
      const before = tunedChoices(adapter);
      clearTuned();
      setTuned(adapter, { [shapeKey('forward', g)]: 'winograd4', [shapeKey('input-grad', g)]: 'winograd4', [shapeKey('weight-grad', g)]: 'winograd' });
      try {
        expect(sharesWinogradInput('auto', g)).toBe(true);
        await rt.sync();
        const bytes = rt.stats.bytesInUse;
        const ran: string[] = [];
        rt.onDispatch = (k) => { ran.push(k); };
        try {
          const y = conv2d(x, w, null, { padding, variant: 'auto' });
          backward(y, dy);
          y.dispose();
        } finally {
          rt.onDispatch = null;
        }
        // x's pair pass in the forward, dy's winograd4 input pass in the input gradient; no winograd input pass.
        expect(ran.filter((k) => k === 'conv2d_winograd4_input_pair')).toHaveLength(1);
        expect(ran.filter((k) => k === 'conv2d_winograd4_input')).toHaveLength(1);
        expect(ran).not.toContain('conv2d_winograd_input');
        expect(ran).toContain('conv2d_backward_filter_winograd');
        const want = noGrad(() => filterGrad(x, dy, g, 'winograd')); // x transformed again, by conv2d_winograd_input
        expect(await w.grad!.read()).toEqual(await want.read());
        for (const t of [want, w.grad!, x.grad!]) t.dispose();
        w.grad = null;
        x.grad = null;
        await rt.sync();
        expect(rt.stats.bytesInUse).toBe(bytes);
        // Freed with y when no backward runs.
        conv2d(x, w, null, { padding, variant: 'auto' }).dispose();
        await rt.sync();
        expect(rt.stats.bytesInUse).toBe(bytes);
      } finally {
        clearTuned();
        setTuned(adapter, before);
        for (const t of [x, w, dy]) t.dispose();
      }
    });
  }
});

describe("a relu conv's backward folded into the next conv's Winograd input gradient (src/engine/ops/conv2d.ts)", () => {
  // x -> conv1 (relu) -> y1 -> conv2 -> y2, 32 -> 32 channels, 6 x 7: winograd4 runs conv2's input
  // gradient, whose output pass zeroes it where y1 <= 0; conv1 then skips its reluBackward pass.
  // 'tiled' has no such pass: the same gradients the usual way.
  const rng = new Rng(5);
  const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
  const [xs, w1s, w2s, w3s, dys] = [rand(2 * 6 * 7 * 32), rand(9 * 32 * 32), rand(9 * 32 * 32), rand(9 * 32 * 32), rand(2 * 6 * 7 * 32)];

  /**
   * dw1, dw2 and the number of `binary` passes backward ran. With `also`, y1 feeds a second conv3
   * (always tiled: an unmasked gradient) and the root is y2 + y3 ('after') or y3 + y2 ('before'),
   * so that y1's gradient is a sum whose masked term comes first in one order or the other.
   */
  async function grads(variant: 'winograd4' | 'tiled', also?: 'before' | 'after') {
    const rt = runtime();
    const x = tensor(xs, [2, 6, 7, 32]);
    const w1 = requireGrad(tensor(w1s, [3, 3, 32, 32]));
    const w2 = requireGrad(tensor(w2s, [3, 3, 32, 32]));
    const w3 = tensor(w3s, [3, 3, 32, 32]);
    const dy = tensor(dys, [2, 6, 7, 32]);
    const y1 = conv2d(x, w1, null, { activation: 'relu', variant });
    const y2 = conv2d(y1, w2, null, { variant });
    const y3 = also ? conv2d(y1, w3, null, { variant: 'tiled' }) : null;
    const root = y3 ? (also === 'after' ? add(y2, y3) : add(y3, y2)) : y2;
    const ran: string[] = [];
    rt.onDispatch = (k) => { ran.push(k); };
    try {
      backward(root, dy);
    } finally {
      rt.onDispatch = null;
    }
    const out = { dw1: await w1.grad!.read(), dw2: await w2.grad!.read(), binary: ran.filter((k) => k === 'binary').length };
    for (const t of [x, w1, w2, w3, dy, y1, y2, root, w1.grad!, w2.grad!, ...(y3 ? [y3] : [])]) t.dispose();
    return out;
  }

  const share = (got: Float32Array, want: Float32Array) => {
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (convTolerance.atol + convTolerance.rtol * Math.abs(want[i])));
    return worst;
  };

  it('no reluBackward pass for conv1, and the same weight gradients as the unfolded kernels', async () => {
    const folded = await grads('winograd4'), plain = await grads('tiled');
    expect(plain.binary).toBe(1); // conv1's reluBackward
    expect(folded.binary).toBe(0);
    expect(share(folded.dw1, plain.dw1)).toBeLessThan(1);
    expect(share(folded.dw2, plain.dw2)).toBeLessThan(1);
  });

  for (const order of ['before', 'after'] as const) {
    it(`y1's gradient also gets an unmasked term (conv3's, ${order}): the sum loses the mark and conv1 masks it`, async () => {
      const folded = await grads('winograd4', order), plain = await grads('tiled', order);
      expect(folded.binary).toBe(1);
      expect(share(folded.dw1, plain.dw1)).toBeLessThan(1);
      expect(share(folded.dw2, plain.dw2)).toBeLessThan(1);
    });
  }
});
