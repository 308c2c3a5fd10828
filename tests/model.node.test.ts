import { describe, expect, it } from 'vitest';
import { stripRowsFor } from '../src/model/evaluate.ts';
import { DISPATCH_FLOP_BUDGET } from '../src/model/tiles.ts';
import { traceModel } from '../src/model/layers.ts';
import { dncnn, seedAutoencoder, smallResidual } from '../src/model/presets.ts';

const total = (t: ReturnType<typeof traceModel>, k: 'params' | 'flops') => t.reduce((a, l) => a + l[k], 0);

describe('presets: shapes, parameter counts and FLOPs (the numbers quoted in the README)', () => {
  it('seed autoencoder on 128x128 gray: 128 -> 4 x stride-2 -> 8 -> pool 4 -> 4 x stride-2 up -> 64 -> x2 -> 128', () => {
    const t = traceModel(seedAutoencoder(1), 128, 128);
    expect(t.map((l) => l.out)).toEqual([
      [64, 64, 32], [32, 32, 64], [16, 16, 128], [8, 8, 256], [4, 4, 256],
      [8, 8, 256], [16, 16, 128], [32, 32, 64], [64, 64, 32], [128, 128, 32], [128, 128, 1],
    ]);
    // conv: 9*Cin*Cout + Cout each; by hand.
    const convs = [9 * 1 * 32 + 32, 9 * 32 * 64 + 64, 9 * 64 * 128 + 128, 9 * 128 * 256 + 256];
    const deconvs = [9 * 256 * 256 + 256, 9 * 256 * 128 + 128, 9 * 128 * 64 + 64, 9 * 64 * 32 + 32];
    expect(total(t, 'params')).toBe([...convs, ...deconvs, 9 * 32 * 1 + 1].reduce((a, b) => a + b));
    expect(total(t, 'params')).toBe(1365505);
    expect(total(t, 'flops')).toBe(2 * (64 * 64 * 9 * 32 + 32 * 32 * 9 * 32 * 64 + 16 * 16 * 9 * 64 * 128 + 8 * 8 * 9 * 128 * 256
      + 4 * 4 * 9 * 256 * 256 + 8 * 8 * 9 * 256 * 128 + 16 * 16 * 9 * 128 * 64 + 32 * 32 * 9 * 64 * 32 + 128 * 128 * 9 * 32));
  });

  it('dncnn: 17 layers, 555,137 parameters, 1.11 MFLOP per pixel', () => {
    const t = traceModel(dncnn(1), 180, 180);
    expect(t.length).toBe(17);
    expect(total(t, 'params')).toBe(640 + 15 * 36928 + 577);
    expect(total(t, 'flops') / (180 * 180)).toBe(2 * (9 * 64 + 15 * 9 * 64 * 64 + 9 * 64));
  });

  it('small: 8 layers of 32 channels, 56,097 parameters, 111,744 FLOP per pixel', () => {
    const t = traceModel(smallResidual(1), 40, 40);
    expect(total(t, 'params')).toBe(56097);
    expect(total(t, 'flops') / 1600).toBe(111744);
  });

  it('too-small images fail with a clear message', () => {
    expect(() => traceModel(seedAutoencoder(1), 16, 16)).toThrow(/a 16x16 image shrinks to 0x0 at layer maxPool2d; use larger images/);
  });
});

describe('evaluation strips (src/model/evaluate.ts stripRowsFor)', () => {
  // A depth-17 DnCNN (halo 17) on a 256-pixel-wide image: 17 layers x 256 px x 73,728 FLOP a row.
  const flopsPerRow = 17 * 256 * 73728;
  const budgetRows = Math.floor(DISPATCH_FLOP_BUDGET / (256 * 73728)) - 2 * 17;
  it('half a second of work where that is deeper than 4x the halo', () => {
    const rate = 1e12; // a GPU: 1,557 rows in half a second, past the dispatch budget (193)
    expect(stripRowsFor(rate, flopsPerRow, 17, budgetRows)).toBe(budgetRows);
    expect(stripRowsFor(2e11, flopsPerRow, 17, 1000)).toBe(Math.floor((2e11 * 0.5) / flopsPerRow));
  });
  it('at least 4x the halo on a slow adapter (8 rows read 42: the halo was most of the work)', () => {
    expect(Math.floor((5e9 * 0.5) / flopsPerRow)).toBe(7);
    expect(stripRowsFor(5e9, flopsPerRow, 17, budgetRows)).toBe(68);
    expect(stripRowsFor(5e9, flopsPerRow, 0, budgetRows)).toBe(8); // no halo: at least 8 rows
  });
  it('within the dispatch budget, and never under 8 rows', () => {
    expect(stripRowsFor(5e9, flopsPerRow, 17, 40)).toBe(40);
    expect(stripRowsFor(5e9, flopsPerRow, 17, -20)).toBe(8); // a very wide image
  });
});
