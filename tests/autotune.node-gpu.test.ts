/**
 * The autotuner (src/engine/autotune.ts) on the test's Dawn device: it times both conv families at
 * a shape and keeps the fastest, which the 'auto' variant then launches; a store hands choices to
 * the next run (no measuring then), `force` measures again; a kernel that disagrees with the naive
 * one is never chosen; the model's conv geometries are what its layers run; and the Node file
 * store survives a corrupt or unwritable file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileTuneStore, tuneCachePath } from '../cli/tuneStore.ts';
import { TUNED_ROLES, type TuneStore, autotune, checkGeometry, mismatch, tuneShapesOf } from '../src/engine/autotune.ts';
import { type ConvGeometry, clearTuned, conv2d, currentAdapterKey, runtime, setTuned, shapeKey, tensor, tunedFamily } from '../src/engine/index.ts';
import { kernelSources } from '../src/engine/kernel.ts';
import { type Family, familiesFor, pickKernel } from '../src/engine/kernels.ts';
import { convKernelsHash } from '../src/engine/tuning.ts';
import { convGeometries } from '../src/model/layers.ts';
import { presetSpec } from '../src/model/config.ts';
import { useNodeEngine } from './support/node-gpu.ts';

useNodeEngine();
const dir = mkdtempSync(join(tmpdir(), 'autotune-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A conv small enough for SwiftShader: 2 x 12x12x8 -> 12x12x8, k3 s1 'same'.
const g: ConvGeometry = { N: 2, H: 12, W: 12, CI: 8, OH: 12, OW: 12, CO: 8, KH: 3, KW: 3, S: 1, PT: 1, PL: 1 };

/** A store in memory that counts its calls. */
function memoryStore(): TuneStore & { data: Record<string, Record<string, Family>>; saves: number } {
  const s = {
    data: {} as Record<string, Record<string, Family>>, saves: 0,
    async load(a: string) { return { ...(s.data[a] ?? {}) }; },
    async save(a: string, c: Record<string, Family>) { s.saves++; s.data[a] = { ...c }; },
  };
  return s;
}

/** Conv kernels dispatched while fn runs. */
async function dispatched(fn: () => Promise<unknown> | unknown): Promise<string[]> {
  const rt = runtime();
  const out: string[] = [];
  rt.onDispatch = (k) => { if (k.startsWith('conv2d')) out.push(k); };
  try { await fn(); await rt.sync(); } finally { rt.onDispatch = null; }
  return out;
}

describe('autotune', () => {
  it('times every family at the shape, keeps the fastest, and the auto variant launches it', async () => {
    clearTuned();
    const store = memoryStore();
    const results = await autotune(tuneShapesOf(g), { store });
    expect(results.map((r) => r.key)).toEqual(TUNED_ROLES.map((role) => shapeKey(role, { ...g })));
    const [fwd, dx, dw] = results;
    for (const [role, r] of TUNED_ROLES.map((role, i) => [role, results[i]] as const)) {
      expect(r.cached).toBe(false);
      expect(r.ms[r.choice]).toBeGreaterThan(0);
      // Every other family was timed (a challenger must beat tiled by 3% to be chosen), or
      // dropped with its reason.
      for (const other of familiesFor('conv2d', role, { ...g }, runtime().ctx.device.features).filter((f) => f !== 'naive' && f !== r.choice)) {
        if (r.ms[other] === undefined) expect(r.rejected[other], `${role} ${other}`).toMatch(/first call took/);
        else expect(r.ms[r.choice]!, `${role} ${other}`).toBeLessThanOrEqual(r.ms[other]! / 0.97);
      }
    }
    expect(tunedFamily('forward', { ...g })).toBe(fwd.choice);
    expect(store.saves).toBe(1);
    expect(store.data[currentAdapterKey()]).toEqual({
      [shapeKey('forward', { ...g })]: fwd.choice, [shapeKey('input-grad', { ...g })]: dx.choice, [shapeKey('weight-grad', { ...g })]: dw.choice,
    });

    const ran = await dispatched(() => {
      const x = tensor(new Float32Array(2 * 12 * 12 * 8).fill(0.5), [2, 12, 12, 8]);
      const w = tensor(new Float32Array(9 * 8 * 8).fill(0.1), [3, 3, 8, 8]);
      conv2d(x, w, null).dispose();
    });
    expect(ran).toEqual([pickKernel('conv2d', 'forward', fwd.choice, { ...g }).name]);
  });

  it('a store hands the choices to the next run, which measures nothing; force measures again', async () => {
    const store = memoryStore();
    clearTuned();
    await autotune(tuneShapesOf(g), { store });
    clearTuned(); // a new process: only the store remembers
    let results: Awaited<ReturnType<typeof autotune>> = [];
    const ran = await dispatched(async () => { results = await autotune(tuneShapesOf(g), { store }); });
    expect(ran).toEqual([]);
    expect(results.map((r) => r.cached)).toEqual([true, true, true]);
    expect(store.saves).toBe(1); // nothing new to save
    const again = await dispatched(async () => { results = await autotune(tuneShapesOf(g), { store, force: true }); });
    expect(again.length).toBeGreaterThan(4);
    expect(results.map((r) => r.cached)).toEqual([false, false, false]);
    expect(store.saves).toBe(2);
  });

  it('the check runs at batch 1, a weight gradient on at most 64 x 64 output pixels (where the naive kernel is still a reference)', () => {
    const big: ConvGeometry = { N: 4, H: 256, W: 321, CI: 64, OH: 256, OW: 321, CO: 64, KH: 3, KW: 3, S: 1, PT: 1, PL: 1 };
    expect(checkGeometry('forward', big)).toEqual({ ...big, N: 1 });
    expect(checkGeometry('input-grad', big)).toEqual({ ...big, N: 1 });
    expect(checkGeometry('weight-grad', big)).toEqual({ ...big, N: 1, OH: 64, OW: 64, H: 66, W: 66 });
    const strided: ConvGeometry = { N: 8, H: 128, W: 128, CI: 3, OH: 63, OW: 63, CO: 32, KH: 3, KW: 3, S: 2, PT: 0, PL: 0 };
    expect(checkGeometry('weight-grad', strided)).toEqual({ ...strided, N: 1 }); // small enough already
    expect(checkGeometry('weight-grad', g)).toEqual({ ...g, N: 1 });
  });

  it('a family whose output differs from the naive kernel is rejected with the numbers, never chosen', async () => {
    clearTuned();
    const families = familiesFor('conv2d', 'forward', { ...g }, runtime().ctx.device.features).filter((f) => f !== 'naive' && f !== 'tiled');
    expect(families.length).toBeGreaterThan(0);
    const broken = families[0];
    const kernel = pickKernel('conv2d', 'forward', broken, { ...g }).name;
    // The broken family drops the bias (the tuner's forward has one).
    const rt = runtime();
    const orig = rt.launch.bind(rt);
    rt.launch = (name, args) => orig(name, name === kernel ? { ...args, uniforms: { ...args.uniforms, hasBias: 0 } } : args);
    let r: Awaited<ReturnType<typeof autotune>>;
    try {
      r = await autotune([{ role: 'forward', g }], { force: true });
    } finally {
      rt.launch = orig;
    }
    expect(r[0].rejected[broken], broken).toMatch(/^differs from the naive kernel at batch 1: element \d+ is .*x the tolerance\)$/);
    expect(r[0].choice).not.toBe(broken);
    expect(r[0].ms[broken]).toBeUndefined();
  });

  it("the screen's lone survivor is chosen with its first call's time; the others keep their reasons", async () => {
    clearTuned();
    // Every family but tiled made slow: 300 ms of the main thread inside each of its launches, far
    // over SCREEN (4) x tiled's first call and SCREEN_MIN_MS (20 ms) at this small shape.
    const slow = familiesFor('conv2d', 'forward', { ...g }, runtime().ctx.device.features).filter((f) => f !== 'naive' && f !== 'tiled');
    expect(slow.length).toBeGreaterThan(0);
    const kernels = new Set(slow.map((f) => pickKernel('conv2d', 'forward', f, { ...g }).name));
    const rt = runtime();
    const orig = rt.launch.bind(rt);
    rt.launch = (name, args) => {
      if (kernels.has(name)) { const end = performance.now() + 300; while (performance.now() < end); }
      return orig(name, args);
    };
    let r: Awaited<ReturnType<typeof autotune>>;
    try {
      r = await autotune([{ role: 'forward', g }], { force: true });
    } finally {
      rt.launch = orig;
    }
    expect(r[0].choice).toBe('tiled');
    expect(Object.keys(r[0].ms)).toEqual(['tiled']);
    expect(r[0].ms.tiled).toBeGreaterThan(0);
    for (const f of slow) expect(r[0].rejected[f], f).toMatch(/^its first call took [\d.]+x the fastest one's/);
  });

  it('a kernel whose output differs from the naive kernel is rejected (NaN included)', () => {
    const want = Float32Array.from([1, -2, 0.5]);
    expect(mismatch(Float32Array.from([1, -2, 0.5]), want)).toBeNull();
    expect(mismatch(Float32Array.from([1, -2, 0.50001]), want)).toBeNull(); // within 2e-4 + 1e-4 * |x|
    expect(mismatch(Float32Array.from([1, -2.01, 0.5]), want)).toMatch(/element 1 is -2\.0099.*, naive -2 \(/);
    expect(mismatch(Float32Array.from([1, NaN, 0.5]), want)).toMatch(/element 1 is NaN/);
  });

  it('the conv geometries of a model are those its layers launch (seed: strided, transposed, pooled)', async () => {
    const spec = presetSpec('seed', 3);
    const geos = convGeometries(spec, 2, 32, 32);
    expect(geos.length).toBe(spec.layers.filter((l) => l.type === 'conv2d' || l.type === 'conv2dTranspose').length);
    // Every geometry the model's forward and backward pass uses, as the dispatch recorder sees it.
    const { Model } = await import('../src/model/layers.ts');
    const model = new Model(spec, 1);
    const seen = new Set<string>();
    const rt = runtime();
    const { backward, requireGrad } = await import('../src/engine/index.ts');
    const x = requireGrad(tensor(new Float32Array(2 * 32 * 32 * 3).fill(0.5), [2, 32, 32, 3]));
    const orig = rt.launch.bind(rt);
    rt.launch = (name, args) => {
      if (name.startsWith('conv2d') && args.dims?.KH !== undefined && !name.includes('filter') && !name.includes('bias')) {
        const role = name.includes('transpose') ? 'input-grad' : 'forward';
        seen.add(shapeKey(role, args.dims));
      }
      orig(name, args);
    };
    try {
      const y = model.forward(x);
      backward(y, tensor(new Float32Array(y.size).fill(1), y.shape));
      y.dispose();
    } finally {
      rt.launch = orig;
    }
    const tuned = new Set(geos.flatMap(tuneShapesOf).map((s) => shapeKey(s.role, { ...s.g })));
    for (const k of seen) expect(tuned, `${k} is run but not tuned`).toContain(k);
    model.dispose();
  });

  it('training tunes exactly the shape-roles a training step launches: not the gradient towards the input', async () => {
    const { Model, trainingTuneShapes } = await import('../src/model/layers.ts');
    const { backward, mseLoss } = await import('../src/engine/index.ts');
    const rt = runtime();
    for (const [preset, C] of [['seed', 3], ['dncnn', 1]] as const) {
      const spec = presetSpec(preset, C);
      const model = new Model(spec, 1);
      const seen = new Set<string>();
      const x = tensor(new Float32Array(2 * 32 * 32 * C).fill(0.5), [2, 32, 32, C]); // as in training: no gradient
      const orig = rt.launch.bind(rt);
      rt.launch = (name, args) => {
        if (name.startsWith('conv2d') && args.dims?.KH !== undefined && !name.includes('bias')) {
          const role = name.includes('filter') ? 'weight-grad' : name.includes('transpose') ? 'input-grad' : 'forward';
          seen.add(shapeKey(role, args.dims));
        }
        orig(name, args);
      };
      try {
        const y = model.forward(x);
        const loss = mseLoss(y, x);
        backward(loss);
        for (const t of [y, loss, x]) t.dispose();
      } finally {
        rt.launch = orig;
      }
      const tuned = trainingTuneShapes(spec, 2, 32, 32).map((s) => shapeKey(s.role, { ...s.g }));
      expect([...seen].sort(), preset).toEqual([...new Set(tuned)].sort());
      expect(tuned.length, `${preset}: every conv's three roles but the first layer's input gradient`).toBe(3 * convGeometries(spec, 2, 32, 32).length - 1);
      model.dispose();
    }
  });
});

describe('before inference (src/model/tuneInference.ts)', () => {
  // A DnCNN of depth 3 with 8 channels: three layer shapes (1 -> 8, 8 -> 8, 8 -> 1).
  const spec = { channels: 1, layers: [
    { type: 'conv2d' as const, filters: 8, kernel: 3, activation: 'relu' as const },
    { type: 'conv2d' as const, filters: 8, kernel: 3, activation: 'relu' as const },
    { type: 'conv2d' as const, filters: 1, kernel: 3 },
  ] };

  it('tunes exactly the shape-roles a forward pass launches (a transposed conv: its input-gradient kernel)', async () => {
    const { Model, inferenceTuneShapes } = await import('../src/model/layers.ts');
    const rt = runtime();
    for (const s of [presetSpec('seed', 3), presetSpec('dncnn', 1)]) {
      const model = new Model(s, 1);
      const seen = new Set<string>();
      const x = tensor(new Float32Array(32 * 32 * s.channels).fill(0.5), [1, 32, 32, s.channels]);
      const orig = rt.launch.bind(rt);
      rt.launch = (name, args) => {
        if (name.startsWith('conv2d') && args.dims?.KH !== undefined) seen.add(shapeKey(name.includes('transpose') ? 'input-grad' : 'forward', args.dims));
        orig(name, args);
      };
      try {
        model.forward(x).dispose();
      } finally {
        rt.launch = orig;
        x.dispose();
      }
      const tuned = inferenceTuneShapes(s, 1, 32, 32).map((t) => shapeKey(t.role, { ...t.g }));
      expect([...seen].sort()).toEqual([...new Set(tuned)].sort());
      model.dispose();
    }
  });

  it('measures once for sizes near each other, again for a far one; again (force) once per run; auto runs the near choice', async () => {
    const { tuneInference } = await import('../src/model/tuneInference.ts');
    const { convGeometries } = await import('../src/model/layers.ts');
    clearTuned();
    const store = memoryStore();
    const logs: string[] = [];
    const t = { store, onLog: (l: string) => logs.push(l) };
    const measured = async (h: number, w: number, tuning: typeof t & { force?: boolean } = t) => {
      const before = logs.length;
      const ran = await dispatched(() => tuneInference(spec, 1, h, w, tuning));
      return { ran: ran.length, logs: logs.slice(before) };
    };
    // Measured at half the side (a quarter of the pixels): 40 x 40 at 20 x 20.
    const first = await measured(40, 40);
    expect(first.logs.map((l) => l.split(':')[1].trim())).toEqual(convGeometries(spec, 1, 20, 20).map((g) => shapeKey('forward', { ...g })));
    expect(store.saves).toBe(1);
    expect(await measured(36, 44)).toEqual({ ran: 0, logs: [] }); // 3.96x the pixels measured: held
    expect(await measured(12, 12)).toEqual({ ran: 0, logs: [] }); // 2.8x fewer: held
    expect((await measured(96, 96)).logs.length).toBe(3); // 23x: measured (at 48 x 48)
    expect(store.saves).toBe(2);
    // A new process reads the store: nothing to measure near what it holds.
    clearTuned();
    expect(await measured(40, 40, { ...t })).toEqual({ ran: 0, logs: [] });
    // Again: each layer once per run, however many near sizes follow.
    const again = { ...t, force: true };
    expect((await measured(40, 40, again)).logs.length).toBe(3);
    expect(await measured(38, 38, again)).toEqual({ ran: 0, logs: [] });
    expect((await measured(96, 96, again)).logs.length).toBe(3);

    // 'auto' at an unmeasured size runs the choice of the nearest measured one of its layer, tiled beyond NEAR x.
    const g8 = convGeometries(spec, 1, 20, 20)[1];
    setTuned(currentAdapterKey(), { [shapeKey('forward', { ...g8 })]: 'shared' });
    const runAt = (h: number, w: number) => dispatched(() => {
      const x = tensor(new Float32Array(h * w * 8).fill(0.5), [1, h, w, 8]);
      const wt = tensor(new Float32Array(9 * 8 * 8).fill(0.1), [3, 3, 8, 8]);
      conv2d(x, wt, null).dispose();
      x.dispose(); wt.dispose();
    });
    const sharedKernel = pickKernel('conv2d', 'forward', 'shared', { ...g8 }).name;
    expect(await runAt(19, 23)).toEqual([sharedKernel]);
    clearTuned();
    setTuned(currentAdapterKey(), { [shapeKey('forward', { ...g8 })]: 'shared' });
    expect(await runAt(60, 60)).toEqual([pickKernel('conv2d', 'forward', 'tiled', { ...g8 }).name]);
  });
});

describe('the adapter key', () => {
  it("carries a hash of the conv kernels' sources: a changed conv kernel means measuring again", () => {
    const hash = convKernelsHash();
    expect(currentAdapterKey()).toMatch(new RegExp(` \\| kernels ${hash}$`));
    expect(hash).toMatch(/^[0-9a-f]{8}$/);
    const edited = { ...kernelSources, conv2d_tiled: `${kernelSources.conv2d_tiled}\n` };
    expect(convKernelsHash(edited)).not.toBe(hash);
    const other = { ...kernelSources, adam: `${kernelSources.adam}\n` }; // not a conv kernel
    expect(convKernelsHash(other)).toBe(hash);
  });
});

describe('the Node file store (cli/tuneStore.ts)', () => {
  it('saves and loads per adapter, reads a corrupt file as empty, and says once that it cannot write', async () => {
    const path = join(dir, 'sub', 'autotune.json');
    const s = fileTuneStore(path);
    expect(await s.load('A')).toEqual({});
    await s.save('A', { k1: 'shared' });
    await s.save('B', { k2: 'tiled' });
    expect(await s.load('A')).toEqual({ k1: 'shared' });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ A: { k1: 'shared' }, B: { k2: 'tiled' } });
    writeFileSync(path, '{ not json');
    expect(await s.load('A')).toEqual({});
    writeFileSync(path, JSON.stringify({ A: { k1: 'fast', k2: 'tiled' } }));
    expect(await s.load('A')).toEqual({ k2: 'tiled' }); // unknown families are dropped
    const ro = join(dir, 'ro'); // a file where the cache wants a folder: unwritable even for root
    writeFileSync(ro, '');
    const warnings: string[] = [];
    const bad = fileTuneStore(join(ro, 'autotune.json'), (m) => warnings.push(m));
    await bad.save('A', { k: 'tiled' });
    await bad.save('A', { k: 'tiled' });
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toMatch(/could not save the kernel choices to .*ro\/autotune\.json.*the next run measures again/);
    // A save for this adapter among new kernels drops its choices among old ones, not other adapters'.
    writeFileSync(path, JSON.stringify({ A: { k: 'tiled' }, 'A | kernels 00000001': { k: 'shared' }, 'B | kernels 00000001': { k: 'wide' } }));
    await s.save('A | kernels 00000002', { k: 'narrow' });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ 'B | kernels 00000001': { k: 'wide' }, 'A | kernels 00000002': { k: 'narrow' } });
    expect(tuneCachePath({ DENOISE_TUNE_CACHE: '/x/y.json' })).toBe('/x/y.json');
    expect(tuneCachePath({ XDG_CACHE_HOME: '/c' })).toBe('/c/webgpu-denoise/autotune.json');
  });
});
