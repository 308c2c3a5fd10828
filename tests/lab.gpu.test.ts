/**
 * The lab's kernel cases (src/lab/cases.ts): every kernel of the table, run alone at a small shape,
 * matches its float64 reference within its op's tolerance, and the case really launched it.
 */
import { describe, expect, it } from 'vitest';
import { KERNELS } from '../src/engine/kernels.ts';
import { useGpuPage } from './support/gpu.ts';

const page = useGpuPage();

describe('every kernel of the table, checked alone against its reference', () => {
  for (const name of Object.keys(KERNELS)) {
    it(name, async () => {
      const r = await page().evaluate(async (name) => {
        const { checkKernel, smallDims } = await window.h.lab();
        const { KERNELS } = window.engine;
        const c = await checkKernel(name, smallDims(KERNELS[name]), 3);
        return { pass: c.pass, share: c.share, maxErr: c.maxErr, bad: c.bad, dispatched: c.dispatched, n: c.output.data.length };
      }, name);
      expect(r.dispatched).toContain(name);
      expect(r.n).toBeGreaterThan(0);
      expect(r, `${name}: worst error ${r.maxErr} = ${(r.share * 100).toFixed(1)}% of the tolerance`).toMatchObject({ pass: true, bad: 0 });
    });
  }
});
