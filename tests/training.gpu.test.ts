/**
 * Denoising end to end in the page: presets overfit one batch, a short seeded run of the
 * default preset beats the noisy input on Set12, checkpoints round-trip exactly, and each bad
 * input gets a clear message without losing state.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useGpuPage } from './support/gpu.ts';

const page = useGpuPage();

describe('training', () => {
  // Per preset: a fixed noisy/clean batch, Adam, and a step budget (small shapes: SwiftShader).
  // Measured: seed 8.4e-2 -> 6.2e-3 in 50 steps; dncnn 1.3e-2 -> 4.7e-4 in 30 steps.
  const CASES = [
    { preset: 'small', n: 2, size: 24, steps: 60, lr: 3e-3 },
    { preset: 'seed', n: 1, size: 32, steps: 50, lr: 3e-3 },
    { preset: 'dncnn', n: 1, size: 8, steps: 30, lr: 3e-4 },
  ] as const;
  for (const c of CASES) {
    it(`preset '${c.preset}' overfits one ${c.n}x${c.size}x${c.size} batch: the loss falls at least tenfold`, async () => {
      const r = await page().evaluate(async (c) => {
        const e = window.engine;
        const app = await window.h.app();
        const { Model } = await window.h.model();
        const model = new Model(app.presetSpec(c.preset, 1), 3);
        const rng = new e.Rng(5);
        const clean = Float32Array.from({ length: c.n * c.size * c.size }, () => rng.next());
        const noisy = clean.map((v) => v + 0.1 * rng.normal());
        const x = e.tensor(noisy, [c.n, c.size, c.size, 1]);
        const t = e.tensor(clean, [c.n, c.size, c.size, 1]);
        const adam = new e.Adam(model.store, { lr: c.lr });
        const losses: number[] = [];
        for (let s = 0; s < c.steps; s++) {
          const l = e.tidy(() => {
            model.store.zeroGrad();
            const loss = e.mseLoss(model.forward(x), t);
            e.backward(loss);
            adam.step();
            return loss;
          });
          if (s === 0 || s === c.steps - 1) losses.push((await l.read())[0]); else await e.runtime().sync();
          l.dispose();
        }
        adam.dispose(); model.dispose(); x.dispose(); t.dispose();
        return losses;
      }, c);
      console.log(`[overfit] ${c.preset}: loss ${r[0].toExponential(3)} -> ${r[1].toExponential(3)} in ${c.steps} steps`);
      expect(r[1]).toBeLessThan(r[0] / 10);
    });
  }

  it('a short seeded run of the default preset on Train400 patches beats the noisy input on Set12 (sigma 25)', async () => {
    const r = await page().evaluate(async () => {
      const app = await window.h.app();
      const config = app.defaultConfig('small', { epochs: 2, stepsPerEpoch: 25, batchSize: 8, patchSize: 32, valFraction: 0.1, seed: 11 });
      const res = await app.runSession({ config, train: { builtin: 'train400', limit: 40 }, test: { builtin: 'set12', limit: 2 } });
      const t = res.tests[0].result.mean;
      return { state: res.state, error: res.error, psnr: t.psnr, noisy: t.psnrNoisy, ssim: t.ssim, history: res.history.map((h) => h.valLoss) };
    });
    console.log(`[train] small, 50 steps: Set12 (2 images) sigma 25: ${r.noisy.toFixed(2)} dB noisy -> ${r.psnr.toFixed(2)} dB, SSIM ${r.ssim.toFixed(3)}`);
    expect(r.state).toBe('done');
    expect(r.error).toBeNull();
    expect(r.noisy).toBeGreaterThan(19.9);
    expect(r.noisy).toBeLessThan(20.4); // sigma 25 on the 0-255 scale, not clipped: 20.17 dB
    expect(r.psnr).toBeGreaterThan(r.noisy + 3);
    expect(r.history[1]).toBeLessThan(r.history[0]);
  });

  it('a checkpoint round trip gives identical outputs, and resuming keeps epoch and optimizer state', async () => {
    const r = await page().evaluate(async () => {
      const e = window.engine;
      const app = await window.h.app();
      const { Model } = await window.h.model();
      const model = new Model(app.presetSpec('small', 1), 9);
      const adam = new e.Adam(model.store, { lr: 1e-3 });
      const x = e.tensor(Float32Array.from({ length: 2 * 20 * 20 }, (_, i) => (i % 17) / 17), [2, 20, 20, 1]);
      e.tidy(() => { model.store.zeroGrad(); e.backward(e.mseLoss(model.forward(x), x)); adam.step(); });
      const bytes = await app.saveCheckpoint(model, { preset: 'small', epoch: 3, noise: { kind: 'gaussian', sigma: 25 } }, adam);
      const ck = app.readCheckpoint(bytes, 'round-trip.safetensors');
      const copy = await app.modelFromCheckpoint(ck);
      const a = e.noGrad(() => model.forward(x));
      const b = e.noGrad(() => copy.forward(x));
      const [ya, yb] = [Array.from(await a.read()), Array.from(await b.read())];
      const out = { identical: ya.every((v, i) => Object.is(v, yb[i])), epoch: ck.meta.epoch, preset: ck.meta.preset, t: ck.optimizer?.t, mLen: ck.optimizer?.m.length, slots: model.store.count, layers: ck.meta.spec.layers.length };
      a.dispose(); b.dispose(); x.dispose(); adam.dispose(); model.dispose(); copy.dispose();
      return out;
    });
    expect(r).toEqual({ identical: true, epoch: 3, preset: 'small', t: 1, mLen: r.slots, slots: r.slots, layers: 8 });
  });
});

describe('bad input gets a clear message and leaves state intact', () => {
  const png = (p: string) => readFileSync(p).toString('base64');

  it('non-image, truncated and mixed-channel files: the usable ones are used, the others reported', async () => {
    const r = await page().evaluate(async (f) => {
      const app = await window.h.app();
      const bytes = (b64: string) => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
      const gray = bytes(f.gray);
      const files = [
        { name: 'notes.png', bytes: new TextEncoder().encode('<html>not really a png</html>') },
        { name: 'cut.png', bytes: gray.slice(0, 200) },
        { name: 'gray.png', bytes: gray },
        { name: 'colour.png', bytes: bytes(f.rgb) },
      ];
      const rep = await app.decodeAll(files, { channels: 1 });
      return { used: rep.images.map((i) => [i.name, i.image.channels]), skipped: rep.skipped, converted: rep.converted };
    }, { gray: png('data/set12/01.png'), rgb: png('data/cbsd68/101085.png') });
    expect(r.used).toEqual([['gray.png', 1], ['colour.png', 1]]);
    expect(r.converted).toEqual(['colour.png']);
    expect(r.skipped.map((s: { name: string }) => s.name)).toEqual(['notes.png', 'cut.png']);
    expect(r.skipped[0].reason).toMatch(/notes\.png: not an image/);
    expect(r.skipped[1].reason).toMatch(/cut\.png: truncated PNG/);
  });

  it('an empty set, a set with no usable image, an empty zip, 0x0 and huge images', async () => {
    const r = await page().evaluate(async () => {
      const app = await window.h.app();
      const err = async (f: () => unknown) => { try { await f(); return 'no error'; } catch (e) { return (e as Error).message; } };
      // A PNG signature and an IHDR chunk claiming the given size (the size is read before decoding).
      const header = (w: number, h: number) => {
        const b = new Uint8Array(33);
        b.set([137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82]);
        const v = new DataView(b.buffer);
        v.setUint32(16, w); v.setUint32(20, h);
        b.set([8, 0, 0, 0, 0], 24);
        return b;
      };
      return {
        empty: await err(() => app.decodeAll([], { channels: 1 })),
        none: await err(() => app.decodeAll([{ name: 'a.txt', bytes: new Uint8Array([1, 2, 3]) }], { channels: 1 })),
        zip: await err(() => app.listZipImages(new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]), 'empty.zip')),
        zero: await err(() => app.decodeImageBytes(header(0, 0), 'zero.png')),
        huge: await err(() => app.decodeImageBytes(header(100000, 100000), 'huge.png')),
      };
    });
    expect(r.empty).toMatch(/no files given/);
    expect(r.none).toMatch(/none of the 1 files is a usable image/);
    expect(r.zip).toMatch(/empty\.zip/);
    expect(r.zero).toMatch(/zero\.png: the image is empty \(0x0 pixels\)/);
    expect(r.huge).toMatch(/huge\.png: .*100000/);
  });

  it('an incompatible checkpoint says what does not fit and leaves the model untouched', async () => {
    const r = await page().evaluate(async () => {
      const app = await window.h.app();
      const { Model } = await window.h.model();
      const small = new Model(app.presetSpec('small', 1), 1);
      const dn = new Model(app.presetSpec('dncnn', 1), 2);
      const before = await dn.store.readAll();
      const ck = app.readCheckpoint(await app.saveCheckpoint(small, { preset: 'small', epoch: 1 }), 'small.safetensors');
      let message = 'no error';
      try { await app.loadIntoModel(dn, ck.params, 'small.safetensors'); } catch (e) { message = (e as Error).message; }
      const after = await dn.store.readAll();
      const untouched = [...before].every(([k, v]) => v.every((x, i) => x === after.get(k)![i]));
      let notCk = 'no error';
      try { app.readCheckpoint(new TextEncoder().encode('hello'), 'notes.txt'); } catch (e) { notCk = (e as Error).message; }
      small.dispose(); dn.dispose();
      return { message, untouched, notCk };
    });
    expect(r.message).toMatch(/^small\.safetensors does not fit this model \(\d+ problems\):/);
    expect(r.message).toMatch(/'layers\.0\.weight' is \[3,3,1,32\] in the file but \[3,3,1,64\] in the model/);
    expect(r.message).toMatch(/\.\.\. and \d+ more$/);
    expect(r.untouched).toBe(true);
    expect(r.notCk).toMatch(/^notes\.txt is not a safetensors checkpoint/);
  });

  it('a NaN loss stops training with a message and restores the last good parameters', async () => {
    const r = await page().evaluate(async () => {
      const app = await window.h.app();
      const { Model } = await window.h.model();
      const config = app.defaultConfig('small', { epochs: 2, stepsPerEpoch: 2, batchSize: 2, patchSize: 16, logEvery: 1, augment: { flip: false, rot90: false, rotation: 0, shift: 0 } });
      const model = new Model(app.presetSpec('small', 1), 4);
      const before = await model.store.readAll();
      // One training image holds a NaN: its patches poison the loss.
      const img = { width: 16, height: 16, channels: 1 as const, data: new Float32Array(256).fill(0.5) };
      img.data[100] = NaN;
      const trainer = new app.Trainer(model, [img], [], config);
      let message = 'no error';
      try { await trainer.run(); } catch (e) { message = (e as Error).message; }
      const after = await model.store.readAll();
      const restored = [...before].every(([k, v]) => v.every((x, i) => x === after.get(k)![i]));
      const state = trainer.state;
      trainer.dispose(); model.dispose();
      return { message, restored, state };
    });
    expect(r.message).toMatch(/the loss became NaN at epoch 1, step 1; the parameters were restored to the end of epoch 0\. Lower the learning rate/);
    expect(r.restored).toBe(true);
    expect(r.state).toBe('failed');
  });

  it('absurd hyper-parameters are all listed', async () => {
    const msg = await page().evaluate(async () => {
      const app = await window.h.app();
      try {
        app.validateConfig(app.defaultConfig('seed', { batchSize: 0, lr: -1, epochs: 1.5, imageSize: 100, noise: { kind: 'gaussian', sigma: 300 } }));
        return 'no error';
      } catch (e) { return (e as Error).message; }
    });
    expect(msg).toContain('invalid training settings');
    expect(msg).toContain('epochs must be an integer in [1, 100000], got 1.5');
    expect(msg).toContain('batchSize must be an integer in [1, 4096], got 0');
    expect(msg).toContain('lr must be in (0, 10], got -1');
    expect(msg).toContain('imageSize must be a multiple of 32, got 100');
    expect(msg).toContain('noise sigma must be in [0, 255]');
  });
});
