/**
 * The training-step profiler (src/model/profile.ts): one profiled step of the small preset at a
 * tiny batch accounts for every dispatch of the step, each with a known kernel, a time, a phase
 * and a layer; the groupings add up; profiling and the tags leave the step's numbers unchanged;
 * and an adapter without 'timestamp-query' gets a clear error.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { traceModel } from '../src/model/layers.ts';
import { presetSpec } from '../src/model/config.ts';
import { useGpuPage } from './support/gpu.ts';

const page = useGpuPage();

type ProfileModule = typeof import('../src/model/profile.ts');
declare global {
  interface Window { profileModule: ProfileModule }
}

const N = 2;
const SIZE = 16;
const PHASES = ['data', 'forward', 'loss', 'backward', 'optimizer'];

describe('training-step profiler', () => {
  beforeAll(async () => {
    // The harness page does not bundle the profiler: load it from the dev server by URL.
    await page().evaluate("import('/src/model/profile.ts').then((m) => { window.profileModule = m; })");
  });

  it(`profiles one step of 'small' (batch ${N}, ${SIZE}x${SIZE}): every dispatch, known kernels, phases and layers that add up`, async () => {
    const r = await page().evaluate(async (o) => {
      const m = window.profileModule;
      const app = await window.h.app();
      const p = await m.profileStep(app.defaultConfig('small', { batchSize: o.N, patchSize: o.SIZE }));
      return { p, text: m.formatProfile(p), kernels: Object.keys(window.engine.KERNELS) };
    }, { N, SIZE });
    const p = r.p;
    console.log(`[profile] small b${N} ${SIZE}x${SIZE}: ${p.dispatches.length} dispatches, ${p.totalMs.toFixed(2)} ms GPU, ${p.wallMs.toFixed(1)} ms wall`);

    expect(p.dispatches.length).toBeGreaterThan(0);
    expect(p.dispatches.length, 'one entry per dispatch of the step').toBe(p.stepDispatches);
    for (const d of p.dispatches) {
      expect(r.kernels, `kernel of ${JSON.stringify(d)}`).toContain(d.kernel);
      expect(d.ms).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(d.ms)).toBe(true);
      expect(PHASES).toContain(d.phase);
      expect(d.layer).not.toBe('(untagged)');
      expect(d.flop).toBeGreaterThanOrEqual(0);
      expect(d.bytes).toBeGreaterThan(0);
    }

    // Every layer of the model (and the residual subtraction) runs dispatches forward and backward.
    const spec = presetSpec('small', 1);
    const layers = [...spec.layers.map((l, i) => `layers.${i} ${l.type}`), 'residual'];
    for (const name of layers) {
      for (const phase of ['forward', 'backward']) {
        expect(p.dispatches.some((d) => d.layer === name && d.phase === phase), `${name} ${phase}`).toBe(true);
      }
    }
    expect(p.byLayer.map((l) => l.layer)).toEqual(['data', ...layers, 'loss', 'optimizer']);

    const kernelsOf = (phase: string) => new Set(p.dispatches.filter((d) => d.phase === phase).map((d) => d.kernel));
    expect([...kernelsOf('optimizer')].sort()).toEqual(['adam', 'fill']); // Adam and zeroGrad
    expect(kernelsOf('data')).toContain('noise');
    expect(kernelsOf('loss')).toContain('reduce');
    expect(kernelsOf('backward')).toContain('reduce_backward');

    // The groupings partition the step.
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(PHASES.map((ph) => p.byPhase[ph as keyof typeof p.byPhase].ms))).toBeCloseTo(p.totalMs, 6);
    expect(sum(PHASES.map((ph) => p.byPhase[ph as keyof typeof p.byPhase].dispatches))).toBe(p.dispatches.length);
    expect(sum(p.byLayer.map((l) => l.ms))).toBeCloseTo(p.totalMs, 6);
    expect(sum(p.byKernel.map((k) => k.ms))).toBeCloseTo(p.totalMs, 6);
    expect(sum(p.dispatches.map((d) => d.ms))).toBeCloseTo(p.totalMs, 6);
    expect(p.totalMs).toBeGreaterThan(0);

    // Forward FLOPs: the convs' (traceModel) plus one per element for the residual subtraction.
    const convFlops = sum(traceModel(spec, SIZE, SIZE).map((t) => t.flops)) * N;
    expect(p.byPhase.forward.flop).toBe(convFlops + N * SIZE * SIZE);

    for (const h of ['by phase', 'by layer (ms)', 'by kernel', ...layers]) expect(r.text).toContain(h);
  });

  it('profiling and tags leave the step unchanged: same loss and parameters with and without timestamps', async () => {
    const r = await page().evaluate(async (o) => {
      const m = window.profileModule;
      const e = window.engine;
      const app = await window.h.app();
      const config = app.defaultConfig('small', { batchSize: o.N, patchSize: o.SIZE });
      /** Two steps from the same start, the second one profiled or not: its loss and the parameters after. */
      const twoSteps = async (profiled: boolean) => {
        const b = m.stepBench(config);
        b.step(1).dispose();
        if (profiled) e.runtime().beginProfile(1024);
        const l = b.step(2);
        const timed = profiled ? (await e.runtime().endProfile()).length : 0;
        const loss = (await l.read())[0];
        l.dispose();
        const params = [...(await b.model.store.readAll()).values()].flatMap((v) => [...v]);
        b.dispose();
        return { loss, params, timed, tag: e.runtime().tag };
      };
      const plain = await twoSteps(false);
      const timed = await twoSteps(true);
      const profiled = await m.profileStep(config);
      return { plain, timed, profiledLoss: profiled.loss };
    }, { N, SIZE });
    expect(r.timed.timed).toBeGreaterThan(0);
    expect(r.timed.loss).toBe(r.plain.loss);
    expect(r.profiledLoss).toBe(r.plain.loss);
    expect(r.timed.params).toEqual(r.plain.params);
    expect(r.plain.tag, 'the step restores the runtime tag').toBe('');
  });

  it("an adapter without 'timestamp-query' gets a clear error, and the runtime keeps working", async () => {
    const r = await page().evaluate(async (o) => {
      const m = window.profileModule;
      const e = window.engine;
      const app = await window.h.app();
      const rt = e.runtime();
      const config = app.defaultConfig('small', { batchSize: o.N, patchSize: o.SIZE });
      const errorOf = async (f: () => unknown) => {
        try { await f(); return 'no error'; } catch (err) { return `${(err as Error).name}: ${(err as Error).message}`; }
      };
      const had = rt.ctx.hasTimestamps;
      const before = rt.stats.dispatches;
      rt.ctx.hasTimestamps = false; // as on an adapter without the feature
      let begin: string;
      let step: string;
      try {
        begin = await errorOf(() => rt.beginProfile());
        step = await errorOf(() => m.profileStep(config));
      } finally {
        rt.ctx.hasTimestamps = had;
      }
      const dispatched = rt.stats.dispatches - before;
      const end = await errorOf(() => rt.endProfile());
      const after = await m.profileStep(config);
      return { begin, step, end, dispatched, afterOk: after.dispatches.length === after.stepDispatches };
    }, { N, SIZE });
    expect(r.begin).toMatch(/EngineError: profiling needs the adapter's 'timestamp-query' feature, which this one lacks/);
    expect(r.step).toMatch(/EngineError: profiling needs the adapter's 'timestamp-query' feature, which this one \(.+\) lacks/);
    expect(r.dispatched, 'profileStep fails before any GPU work').toBe(0);
    expect(r.end).toMatch(/endProfile\(\) without beginProfile\(\)/);
    expect(r.afterOk).toBe(true);
  });
});
