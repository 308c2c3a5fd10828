/**
 * The autotuner's shape keys (src/engine/tuning.ts): a key reads back as its role and dims, and a
 * shape the tuner has not measured takes the choice of the same layer at the nearest size within
 * NEAR x its output pixels (inference's tiles and strips), never another layer's.
 */
import { describe, expect, it } from 'vitest';
import { NEAR, nearestKey, parseShapeKey, shapeKey } from '../src/engine/tuning.ts';

const layer = { N: 1, H: 148, W: 148, CI: 64, OH: 148, OW: 148, CO: 64, KH: 3, KW: 3, S: 1, PT: 1, PL: 1 };
const sized = (h: number, w: number, n = 1) => ({ ...layer, N: n, H: h, W: w, OH: h, OW: w });

describe('shape keys', () => {
  it('read back as the role and dims they were made of', () => {
    const d = { N: 8, H: 128, W: 96, CI: 3, OH: 64, OW: 48, CO: 32, KH: 3, KW: 5, S: 2, PT: 0, PL: 2 };
    expect(parseShapeKey(shapeKey('weight-grad', d))).toEqual({ role: 'weight-grad', d });
    expect(parseShapeKey('forward n1 oops')).toBeNull();
  });

  it('a near size of the same layer serves; the nearest wins; beyond NEAR x none does', () => {
    const keys = [shapeKey('forward', sized(148, 148)), shapeKey('forward', sized(241, 241))];
    expect(nearestKey('forward', sized(148, 148), keys)).toBe(keys[0]); // itself
    expect(nearestKey('forward', sized(168, 148), keys)).toBe(keys[0]);
    expect(nearestKey('forward', sized(221, 241), keys)).toBe(keys[1]);
    expect(nearestKey('forward', sized(50, 256), keys)).toBe(keys[0]); // a strip: 12,800 px, 1.7x fewer
    // Size is output pixels over the batch: 4 images of 74 x 74 are one of 148 x 148.
    expect(nearestKey('forward', sized(74, 74, 4), keys)).toBe(keys[0]);
    const quarter = Math.ceil((148 * 148) / NEAR / 148);
    expect(nearestKey('forward', sized(quarter, 148), keys)).toBe(keys[0]);
    expect(nearestKey('forward', sized(quarter - 2, 148), keys)).toBeUndefined();
    expect(nearestKey('forward', sized(600, 600), keys)).toBeUndefined(); // 6.2x the larger
  });

  it("another layer's choice never serves: role, channels, kernel, stride and padding must match", () => {
    const keys = [shapeKey('forward', layer)];
    expect(nearestKey('forward', layer, keys)).toBe(keys[0]);
    for (const other of [{ CI: 32 }, { CO: 1 }, { KH: 5, KW: 5 }, { S: 2 }, { PT: 0, PL: 0 }]) {
      expect(nearestKey('forward', { ...layer, ...other }, keys), JSON.stringify(other)).toBeUndefined();
    }
    expect(nearestKey('input-grad', layer, keys)).toBeUndefined();
    expect(nearestKey('forward', layer, ['not a key', 'forward n1 2x2x64'])).toBeUndefined();
  });
});
