import { describe, expect, it } from 'vitest';
import { errorOf, useGpuPage } from './support/gpu.ts';

const page = useGpuPage();

describe('misuse gets a clear error before WebGPU sees it', () => {
  it('mismatched shapes', async () => {
    expect(await errorOf(page(), `e.add(e.tensor([1,2,3,4],[2,2]), e.tensor([1,2,3],[3]))`))
      .toBe('ShapeError: add: shapes [2,2] and [3] differ');
    expect(await errorOf(page(), `e.tensor([1,2,3],[2,2])`)).toBe('ShapeError: tensor(): 3 values do not fill shape [2,2] (4 values)');
    expect(await errorOf(page(), `e.empty([2,0,3])`)).toMatch(/ShapeError: bad shape \[2,0,3\]/);
  });

  it('a disposed tensor', async () => {
    expect(await errorOf(page(), `const t = e.tensor([1,2],[2], 'x'); t.dispose(); e.relu(t);`))
      .toBe("TensorError: relu was given a disposed tensor 'x' of shape [2]");
    expect(await errorOf(page(), `const t = e.tensor([1,2],[2]); t.dispose(); await t.read();`))
      .toBe('TensorError: read() was given a disposed tensor of shape [2]');
  });

  it('a wrong, missing or extra binding, and a wrong uniform', async () => {
    const setup = `const t = e.tensor([1,2],[2]); const v = t.view(); const rt = e.runtime();`;
    expect(await errorOf(page(), `${setup} rt.launch('unary', { uniforms: { count: 2, alpha: 1 }, bindings: { x: v }, dims: { count: 2 } });`))
      .toBe("BindingError: kernel 'unary': binding 'y' (@binding(2), read_write) was not given");
    expect(await errorOf(page(), `${setup} rt.launch('unary', { uniforms: { count: 2, alpha: 1 }, bindings: { x: v, y: v, z: v }, dims: { count: 2 } });`))
      .toBe("BindingError: kernel 'unary': no binding named 'z' (bindings: x, y)");
    expect(await errorOf(page(), `${setup} rt.launch('unary', { uniforms: { count: 2, alpha: 1 }, bindings: { x: v, y: v }, dims: { count: 2 } });`))
      .toBe("BindingError: kernel 'unary': writable binding 'y' overlaps binding 'x'");
    expect(await errorOf(page(), `${setup} const o = e.empty([2]); rt.launch('unary', { uniforms: { count: 2 }, bindings: { x: v, y: o.view() }, dims: { count: 2 } });`))
      .toBe("BindingError: kernel 'unary': uniform 'alpha' was not given");
    expect(await errorOf(page(), `${setup} const o = e.empty([2]); rt.launch('unary', { uniforms: { count: -2, alpha: 1 }, bindings: { x: v, y: o.view() }, dims: { count: 2 } });`))
      .toBe("BindingError: kernel 'unary': uniform 'count' is u32 but got -2");
    expect(await errorOf(page(), `${setup} const o = e.empty([2]); rt.launch('unary', { uniforms: { count: 2, alpha: 1, beta: 3 }, bindings: { x: v, y: o.view() }, dims: { count: 2 } });`))
      .toBe("BindingError: kernel 'unary': unknown uniform 'beta' (struct U has count, alpha)");
    expect(await errorOf(page(), `e.runtime().launch('nope', { bindings: {}, dims: {} })`)).toMatch(/^BindingError: no kernel named 'nope' in src\/shaders \(have: .*unary/);
    expect(await errorOf(page(), `${setup} const o = e.empty([2]); rt.launch('unary', { uniforms: { count: 2, alpha: 1 }, bindings: { x: v, y: o.view() }, dims: { count: 2 }, constants: { NOPE: 1 } });`))
      .toBe("BindingError: kernel 'unary' has no override 'NOPE' (has: WG, OP)");
    // Dispatch sizes come from the kernel table: its dims must be given, and WG is not the caller's.
    expect(await errorOf(page(), `${setup} const o = e.empty([2]); rt.launch('unary', { uniforms: { count: 2, alpha: 1 }, bindings: { x: v, y: o.view() }, dims: {} });`))
      .toBe("BindingError: kernel 'unary': dims.count must be an integer (dims: count), got undefined");
    expect(await errorOf(page(), `${setup} const o = e.empty([2]); rt.launch('unary', { uniforms: { count: 2, alpha: 1 }, bindings: { x: v, y: o.view() }, dims: { count: 2 }, constants: { WG: 64 } });`))
      .toBe("BindingError: kernel 'unary': WG comes from the kernel table (256), not from constants");
    // A query set holds 4096 timestamps at most: two per profiled dispatch.
    expect(await errorOf(page(), `e.runtime().beginProfile(4096)`))
      .toBe('EngineError: beginProfile: capacity must be an integer in 1..2048 (two timestamps each, 4096 per query set at most), got 4096');
  });

  it('a buffer over the device limit', async () => {
    const msg = await errorOf(page(), `e.empty([1024, 1024, 1024])`);
    expect(msg).toMatch(/^LimitError: tensor\[1024,1024,1024\] needs 4294967296 bytes, over this device's limit of \d+ bytes per buffer/);
  });

  it('a shader compile error names the kernel, the message and the source line', async () => {
    const msg = await page().evaluate(async () => {
      const e = window.engine;
      const src = `struct U { count: u32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let bad: f32 = u.count;
  y[g.x] = bad;
}`;
      try {
        await e.compileModule(e.runtime().device, e.reflectKernel('broken', src));
        return 'no error';
      } catch (err) {
        return `${(err as Error).name}: ${(err as Error).message}`;
      }
    });
    expect(msg).toMatch(/^ShaderCompileError: kernel 'broken' failed to compile:/);
    expect(msg).toMatch(/broken\.wgsl:6:\d+: /);
    expect(msg).toContain('| let bad: f32 = u.count;');
  });

  it('every kernel in src/shaders compiles and follows the binding conventions', async () => {
    const r = await page().evaluate(() => {
      const e = window.engine;
      return Object.keys(e.kernelSources).map((name) => {
        const info = e.runtime().info(name);
        return { name, uniform: info.uniform?.fields.map((f) => f.name) ?? [], storage: info.storage.map((s) => s.name) };
      });
    });
    expect(r.length).toBeGreaterThanOrEqual(5);
    for (const k of r) expect(k.storage.length, k.name).toBeGreaterThan(0);
  });

  it('a dispatch over the per-dimension workgroup limit folds into a 2-D grid', async () => {
    const r = await page().evaluate(async () => {
      const e = window.engine;
      const rt = e.runtime();
      const limit = rt.limits.maxComputeWorkgroupsPerDimension;
      const n = (limit + 3) * 256 + 5; // one elementwise op needing more than `limit` workgroups
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = (i % 1000) - 500;
      const y = e.relu(e.tensor(data, [n]));
      const out = await y.read();
      let wrong = 0;
      for (let i = 0; i < n; i++) if (out[i] !== Math.max(data[i], 0)) wrong++;
      return { limit, n, wrong, fold: e.foldWorkgroups(Math.ceil(n / 256), limit) };
    });
    expect(r.wrong).toBe(0);
    expect(r.fold[1]).toBe(2);
    expect(r.fold[0] * r.fold[1]).toBeGreaterThanOrEqual(Math.ceil(r.n / 256));
  });

  it('tidy disposes what a block created and keeps what it returns', async () => {
    const r = await page().evaluate(async () => {
      const e = window.engine;
      const before = e.runtime().stats.bytesInUse;
      let inner: InstanceType<typeof e.Tensor> | null = null;
      const kept = e.tidy(() => {
        const a = e.tensor([1, -2, 3], [3]);
        inner = e.relu(a);
        return e.scale(inner, 2);
      });
      const values = Array.from(await kept.read());
      const innerDisposed = inner!.disposed;
      kept.dispose();
      return { values, innerDisposed, leaked: e.runtime().stats.bytesInUse - before };
    });
    expect(r).toEqual({ values: [2, 0, 6], innerDisposed: true, leaked: 0 });
  });

  // Last: destroying the device ends this page's engine.
  it('a lost device is reported with its reason, and later work refuses with it', async () => {
    const r = await page().evaluate(async () => {
      const e = window.engine;
      const rt = e.runtime();
      rt.device.destroy();
      const lost = await rt.ctx.lost;
      let later = 'no error';
      try { e.relu(e.tensor([1], [1])); } catch (err) { later = `${(err as Error).name}: ${(err as Error).message}`; }
      return { lost: lost.message, later };
    });
    expect(r.lost).toMatch(/^WebGPU device lost \(reason: destroyed\)/);
    expect(r.later).toMatch(/engine is not initialised|DeviceLostError: WebGPU device lost/);
  });
});
