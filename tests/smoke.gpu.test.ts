import { describe, expect, it } from 'vitest';
import { useGpuPage } from './support/gpu.ts';

const page = useGpuPage();

describe('harness', () => {
  it('runs on a real WebGPU adapter and round-trips a tensor', async () => {
    const r = await page().evaluate(async () => {
      const e = window.engine;
      const t = e.tensor([1, 2, 3, -4], [2, 2]);
      const y = e.relu(e.scale(t, 2));
      const out = Array.from(await y.read());
      return { out, arch: e.runtime().ctx.summary.architecture };
    });
    expect(r.out).toEqual([2, 4, 6, 0]);
    expect(r.arch.length).toBeGreaterThan(0);
  });
});
