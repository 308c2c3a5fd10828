/**
 * The engine under Node on Dawn (`--backend node`): every kernel of the table against its float64
 * reference, training steps and a checkpoint round trip. (A whole session, with the built-in images
 * read from disk and the PNGs drawn by the Node canvas, is tests/cli.node-gpu.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { KERNELS } from '../src/engine/kernels.ts';
import { Adam, noGrad, tensor, Rng } from '../src/engine/index.ts';
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
