/**
 * The short version of `npm run bench:soak`: the real training loop (augmentation and a blind
 * noise range on, so the noise op uploads per-image sigmas) over three epochs: every step is
 * one submit, and after the first epoch no buffer is created and the bytes in use stay flat.
 */
import { describe, expect, it } from 'vitest';
import { soakConfig, soakInPage } from '../bench/soak.ts';
import { useGpuPage } from './support/gpu.ts';

const page = useGpuPage();

describe('soak (short)', () => {
  it('24 real training steps: one submit each, no new buffers and flat memory after the first epoch', async () => {
    const config = soakConfig(24, 8, {
      batchSize: 4, patchSize: 24, valPatchSize: 32,
      noise: { kind: 'gaussian', sigma: [0, 55] },
      augment: { flip: true, rot90: true, rotation: 10, shift: 0.1 },
    });
    const r = await page().evaluate(soakInPage, { config, steps: 24, warmup: 9, trainImages: 8 });
    console.log(`[soak] ${r.steps} steps in ${r.seconds.toFixed(1)} s on ${r.adapter}; bytes in use ${r.bytesInUseMin}..${r.bytesInUseMax}`);
    expect(r.steps).toBe(24);
    expect(r.nonFinite).toBe(0);
    expect(r.submitsPerStep).toEqual({ 1: 24 }); // all 24 steps: one submit each
    expect(r.newBuffers).toBe(0);
    expect(r.bytesInUseMax).toBe(r.bytesInUseMin);
  });
});
