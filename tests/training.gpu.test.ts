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
      const config = app.defaultConfig('small', { epochs: 2, stepsPerEpoch: 20, batchSize: 4, patchSize: 32, valFraction: 0.1, seed: 11 });
      const res = await app.runSession({ config, train: { builtin: 'train400', limit: 40 }, test: { builtin: 'set12', limit: 2 } });
      const t = res.tests[0].result.mean;
      return { state: res.state, error: res.error, psnr: t.psnr, noisy: t.psnrNoisy, ssim: t.ssim, history: res.history.map((h) => h.valLoss) };
    });
    console.log(`[train] small, 40 steps of 4: Set12 (2 images) sigma 25: ${r.noisy.toFixed(2)} dB noisy -> ${r.psnr.toFixed(2)} dB, SSIM ${r.ssim.toFixed(3)}`);
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

  it('a NaN that comes back after every recovery stops training with a message, the whole state restored', async () => {
    const r = await page().evaluate(async () => {
      const app = await window.h.app();
      const { Model } = await window.h.model();
      const config = app.defaultConfig('small', { epochs: 2, stepsPerEpoch: 2, batchSize: 2, patchSize: 16, augment: { flip: false, rot90: false, rotation: 0, shift: 0 } });
      const model = new Model(app.presetSpec('small', 1), 4);
      // One training image holds a NaN: every batch from it poisons the loss, however often it is retried.
      const img = { width: 16, height: 16, channels: 1 as const, data: new Float32Array(256).fill(0.5) };
      img.data[100] = NaN;
      const logs: string[] = [];
      const trainer = new app.Trainer(model, [img], [], config, { onLog: (m) => logs.push(m) });
      const before = await trainer.snapshot();
      let message = 'no error';
      try { await trainer.run(); } catch (e) { message = (e as Error).message; }
      const after = await trainer.snapshot();
      const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
      const restored = [...before.params].every(([k, v]) => same(v, after.params.get(k)!)) && same(before.adam.m, after.adam.m) && same(before.adam.v, after.adam.v);
      const out = { message, restored, t: after.adam.t, lr: trainer.lr, state: trainer.state, recoveries: trainer.recoveries, logs };
      trainer.dispose(); model.dispose();
      return out;
    });
    expect(r.message).toMatch(/^the loss became NaN at epoch 1, step 1 \(3 times in a row, halving the learning rate each time\); the training state \(parameters, Adam moments and step count\) was restored to the end of epoch 0\. Lower the learning rate/);
    expect(r.restored).toBe(true);
    expect(r.t).toBe(0);
    expect(r.lr).toBe(1e-3);
    expect(r.state).toBe('failed');
    expect(r.recoveries).toBe(3);
    expect(r.logs.filter((l) => /redoing epoch 1/.test(l))).toHaveLength(2);
  });

  it('after a forced NaN, training restores parameters, Adam m, v and t, goes on with finite losses, and its checkpoint resumes cleanly', async () => {
    const r = await page().evaluate(async () => {
      const e = window.engine;
      const app = await window.h.app();
      const { Model } = await window.h.model();
      const S = 4;
      const config = app.defaultConfig('small', { epochs: 2, stepsPerEpoch: S, batchSize: 2, patchSize: 16, valPatchSize: 16, seed: 3 });
      const rng = new e.Rng(2);
      const img = () => ({ width: 24, height: 24, channels: 1 as const, data: Float32Array.from({ length: 576 }, () => rng.next()) });
      const train = [img(), img(), img()];
      const val = [img()];
      const model = new Model(app.presetSpec('small', 1), 4);
      const losses: [number, number, number][] = [];
      const logs: string[] = [];
      let poisoned = false;
      let t1 = -1;
      const trainer = new app.Trainer(model, train, val, config, {
        onLog: (m) => logs.push(m),
        onEpoch: (rec, tr) => { if (rec.epoch === 1) t1 = tr.adam.t; },
        onStep: (ev) => {
          losses.push([ev.epoch, ev.step, ev.loss]);
          // In epoch 2, after step 2: a NaN weight; the next step's loss (and its m, v) go NaN.
          if (ev.epoch === 2 && ev.step === 2 && !poisoned) {
            poisoned = true;
            model.store.get('layers.0.weight').write(new Float32Array(9 * 32).fill(NaN));
          }
        },
      });
      await trainer.run();
      const st = await trainer.snapshot();
      const finite = (a: Float32Array) => a.every((x) => Number.isFinite(x));
      const bytes = await app.saveCheckpoint(model, { preset: 'small', epoch: trainer.epoch, config }, trainer.adam);
      const out1 = {
        state: trainer.state, recoveries: trainer.recoveries, t: st.adam.t, t1, lr: trainer.lr,
        finite: finite(st.adam.m) && finite(st.adam.v) && [...st.params.values()].every(finite),
        history: trainer.history.map((h) => [h.epoch, h.trainLoss, h.valLoss, h.lr]),
        losses, logs,
      };
      trainer.dispose(); model.dispose();

      // Resume from the checkpoint written after the recovery, one more epoch.
      const ck = app.readCheckpoint(bytes, 'after-recovery.safetensors');
      const model2 = new Model(ck.meta.spec);
      await app.loadIntoModel(model2, ck.params);
      const more = { ...config, epochs: 3 };
      const losses2: number[] = [];
      const t2 = new app.Trainer(model2, train, val, more, { onStep: (ev) => losses2.push(ev.loss) });
      t2.adam.writeState(ck.optimizer!);
      t2.epoch = ck.meta.epoch;
      await t2.run();
      const out2 = { state: t2.state, t: t2.adam.t, losses: losses2, history: t2.history.map((h) => h.epoch) };
      t2.dispose(); model2.dispose();
      return { ...out1, resumed: out2 };
    });
    expect(r.state).toBe('done');
    expect(r.recoveries).toBe(1);
    expect(r.logs.some((l) => /restored the training state of the end of epoch 1 \(parameters, Adam moments, step 4\); redoing epoch 2 at learning rate 5\.00e-4/.test(l)), r.logs.join('\n')).toBe(true);
    // t counts only the steps that stand: 4 in epoch 1, then epoch 2 done again from step 4.
    expect(r.t1).toBe(4);
    expect(r.t).toBe(8);
    expect(r.lr).toBe(5e-4);
    expect(r.finite).toBe(true);
    expect(r.history.map((h: number[]) => h[0])).toEqual([1, 2]);
    for (const h of r.history) for (const v of h.slice(1)) expect(Number.isFinite(v)).toBe(true);
    // Every reported step loss is finite, and the redone epoch 2 reports all its steps.
    expect(r.losses.every((l: number[]) => Number.isFinite(l[2]))).toBe(true);
    expect(r.losses.filter((l: number[]) => l[0] === 2).map((l: number[]) => l[1]).slice(-4)).toEqual([1, 2, 3, 4]);
    expect(r.resumed.state).toBe('done');
    expect(r.resumed.history).toEqual([3]);
    expect(r.resumed.t).toBe(12);
    expect(r.resumed.losses).toHaveLength(4);
    expect(r.resumed.losses.every((l: number) => Number.isFinite(l))).toBe(true);
  });

  it('images/s and the ETA leave paused time out', async () => {
    const r = await page().evaluate(async () => {
      const app = await window.h.app();
      const { Model } = await window.h.model();
      const config = app.defaultConfig('small', { epochs: 1, stepsPerEpoch: 8, batchSize: 2, patchSize: 16 });
      const img = { width: 24, height: 24, channels: 1 as const, data: new Float32Array(576).fill(0.5) };
      const model = new Model(app.presetSpec('small', 1), 1);
      const events: { step: number; ips: number; eta: number; t: number }[] = [];
      const trainer = new app.Trainer(model, [img, img], [], config, {
        onStep: (e) => {
          events.push({ step: e.step, ips: e.imagesPerSec, eta: e.etaSec, t: performance.now() });
          if (e.step === 4) { trainer.pause(); setTimeout(() => trainer.resume(), 3000); }
        },
      });
      await trainer.run();
      trainer.dispose(); model.dispose();
      return events;
    });
    // The two events with the pause between them.
    const gap = r.slice(1).reduce((best, e, i) => (e.t - r[i].t > r[best + 1].t - r[best].t ? i : best), 0);
    const [before, after] = [r[gap], r[gap + 1]];
    expect(after.t - before.t).toBeGreaterThan(2500); // the pause happened
    // Counting the 3 s pause would have cut the rate by far more than half.
    expect(after.ips).toBeGreaterThan(before.ips * 0.6);
    expect(r.at(-1)!.eta).toBe(0);
  });

  // The seed autoencoder (strides, pooling) has no strips: denoiseImage runs it in one pass. It used
  // to size strips first by tracing one row of it, which threw ("a 1x64 image shrinks to 0x2").
  it('a model with strides and pooling (the seed preset) denoises in one pass', async () => {
    const r = await page().evaluate(async () => {
      const e = window.engine;
      const app = await window.h.app();
      const { Model } = await window.h.model();
      const model = new Model(app.presetSpec('seed', 1), 5);
      const rng = new e.Rng(3);
      const x = e.tensor(Float32Array.from({ length: 64 * 64 }, () => rng.next()), [1, 64, 64, 1]);
      const whole = e.noGrad(() => model.forward(x));
      const a = await whole.read();
      const viaDenoise = await app.denoiseImage(model, x);
      const b = await viaDenoise.read();
      whole.dispose(); viaDenoise.dispose(); x.dispose(); model.dispose();
      return { same: a.length === b.length && a.every((v, i) => Object.is(v, b[i])), halo: app.receptiveRadius(app.presetSpec('seed', 1)) };
    });
    expect(r.halo).toBeNull();
    expect(r.same).toBe(true);
  });

  const H = 150;
  it('denoising in strips matches one pass, and an AbortSignal cancels evaluation between strips', async () => {
    const r = await page().evaluate(async () => {
      const e = window.engine;
      const app = await window.h.app();
      const { Model } = await window.h.model();
      const model = new Model(app.presetSpec('small', 1), 5);
      const rng = new e.Rng(9);
      const [H, W] = [150, 64];
      const x = e.tensor(Float32Array.from({ length: H * W }, () => rng.next()), [1, H, W, 1]);
      const whole = e.noGrad(() => model.forward(x));
      const a = await whole.read();
      const fractions: number[] = [];
      const strips = await app.denoiseImage(model, x, { stripRows: 40, onProgress: (f) => fractions.push(f) });
      const b = await strips.read();
      // Strips sized by the measured speed (they change size as it goes).
      const adaptive = await app.denoiseImage(model, x);
      const c = await adaptive.read();
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]), Math.abs(a[i] - c[i]));
      whole.dispose(); strips.dispose(); adaptive.dispose(); x.dispose();

      // Cancel an evaluation of a large image after its first strip.
      const big = { name: 'big', image: { width: 256, height: 512, channels: 1 as const, data: new Float32Array(256 * 512).fill(0.5) } };
      const ctl = new AbortController();
      let partial = 0;
      let message = 'no error';
      const t0 = performance.now();
      const inUse = e.runtime().stats.bytesInUse;
      try {
        await app.evaluate(model, [big, big], { noise: { kind: 'gaussian', sigma: 25 }, seed: 1, signal: ctl.signal, onPartial: (d) => { partial = d; ctl.abort(); } });
      } catch (err) { message = `${(err as Error).name}: ${(err as Error).message}`; }
      const ms = performance.now() - t0;
      const leaked = e.runtime().stats.bytesInUse - inUse;
      model.dispose();
      return { maxDiff, fractions, halo: app.receptiveRadius(model.spec), message, partial, ms, leaked };
    });
    console.log(`[strips] ${r.fractions.length} strips, max |diff| ${r.maxDiff}; cancelled after ${r.partial.toFixed(2)} images in ${r.ms.toFixed(0)} ms`);
    expect(r.halo).toBe(8);
    expect(r.maxDiff).toBeLessThan(1e-5);
    expect(r.fractions.map((f: number) => Math.round(f * H))).toEqual([40, 80, 120, 150]);
    expect(r.leaked).toBe(0);
    expect(r.message).toBe('CancelledError: evaluation cancelled');
    expect(r.partial).toBeGreaterThan(0);
    expect(r.partial).toBeLessThan(1);
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
