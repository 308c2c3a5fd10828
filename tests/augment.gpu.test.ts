import { describe, expect, it } from 'vitest';
import { type AugmentOptions, type ImageTransform, augmentParams } from '../src/engine/ops/augment.ts';
import { Rng } from '../src/engine/random.ts';
import { type RefTensor, refTensor } from '../src/engine/reference.ts';
import { fillIndex, flipRotate, rotateShift } from '../src/engine/referenceData.ts';
import { b64ToF32, f32ToB64, useGpuPage } from './support/gpu.ts';

const page = useGpuPage();

// ---- host images; their transforms are the float64 references in src/engine/referenceData.ts ----

function randomImg(seed: number, N: number, H: number, W: number, C: number): RefTensor {
  const rng = new Rng(seed);
  const m = refTensor([N, H, W, C]);
  for (let i = 0; i < m.data.length; i++) m.data[i] = Math.fround(rng.next());
  return m;
}

const imageSize = (m: RefTensor) => m.shape[1] * m.shape[2] * m.shape[3];
/** Image n of m alone, as a batch of one. */
const one = (m: RefTensor, n: number): RefTensor => ({ shape: [1, ...m.shape.slice(1)], data: m.data.slice(n * imageSize(m), (n + 1) * imageSize(m)) });
/** Image n flipped then turned k times counter-clockwise like numpy.rot90. */
const flipRot = (m: RefTensor, n: number, t: ImageTransform): Float64Array => flipRotate(one(m, n), t).data;

/** out = f(image n) for each output pixel: f(r, c) gives the source pixel (integers). */
function permute(m: RefTensor, n: number, src: (r: number, c: number) => [number, number]): Float64Array {
  const [, H, W, C] = m.shape;
  const out = new Float64Array(H * W * C);
  for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) {
    const [sr, sc] = src(r, c);
    for (let ch = 0; ch < C; ch++) out[(r * W + c) * C + ch] = m.data[((n * H + sr) * W + sc) * C + ch];
  }
  return out;
}

/** Runs applyAugment in the page with explicit transforms; returns the output. */
async function applyFrom(m: RefTensor, transforms: ImageTransform[], fill: 'nearest' | 'reflect' = 'nearest'): Promise<Float32Array> {
  const b64 = await page().evaluate(async (b64, shape, transforms, fill) => {
    const e = window.engine;
    const x = e.tensor(window.h.b64ToF32(b64), shape);
    const y = e.applyAugment(x, e.augmentParamsFrom(shape, transforms, fill));
    const out = window.h.f32ToB64(await y.read());
    x.dispose();
    y.dispose();
    return out;
  }, f32ToB64(m.data), m.shape, transforms, fill);
  return b64ToF32(b64);
}

const image = (y: Float32Array, m: RefTensor, n: number) => Array.from(y.subarray(n * imageSize(m), (n + 1) * imageSize(m)));
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]));
  return w;
};

describe('exact moves', () => {
  it('flips and 90-degree rotations are the exact permutations (square and non-square)', async () => {
    const sq = randomImg(1, 6, 6, 6, 2);
    const ts: ImageTransform[] = [{ flipH: true }, { flipV: true }, { rot90: 1 }, { rot90: 2 }, { rot90: 3 }, { flipH: true, flipV: true, rot90: 3 }];
    const y = await applyFrom(sq, ts);
    ts.forEach((t, n) => expect(image(y, sq, n), JSON.stringify(t)).toEqual(Array.from(flipRot(sq, n, t))));

    const rect = randomImg(2, 3, 5, 7, 3);
    const tr: ImageTransform[] = [{ flipH: true }, { flipV: true, rot90: 2 }, { flipH: true, flipV: true }];
    const yr = await applyFrom(rect, tr, 'reflect');
    tr.forEach((t, n) => expect(image(yr, rect, n), JSON.stringify(t)).toEqual(Array.from(flipRot(rect, n, t))));
  });

  it('identity parameters reproduce the input exactly', async () => {
    const m = randomImg(3, 2, 7, 5, 3);
    for (const fill of ['nearest', 'reflect'] as const) {
      expect(Array.from(await applyFrom(m, [{}, { angle: 0, shiftX: 0, shiftY: 0, rot90: 0 }], fill))).toEqual(Array.from(m.data));
    }
    const drawn = await page().evaluate(async (b64) => {
      const e = window.engine;
      const x = e.tensor(window.h.b64ToF32(b64), [2, 7, 5, 3]);
      return window.h.f32ToB64(await e.augment(x, { seed: 5 }).read()); // every option off
    }, f32ToB64(m.data));
    expect(Array.from(b64ToF32(drawn))).toEqual(Array.from(m.data));
  });

  it('whole-pixel shifts match the host-shifted image, borders filled by nearest or reflect', async () => {
    const m = randomImg(4, 3, 8, 9, 2);
    const shifts: [number, number][] = [[2, -3], [-4, 1], [9, 10]]; // the last moves everything out
    for (const fill of ['nearest', 'reflect'] as const) {
      const y = await applyFrom(m, shifts.map(([dy, dx]) => ({ shiftY: dy, shiftX: dx })), fill);
      shifts.forEach(([dy, dx], n) => {
        const [, H, W] = m.shape;
        const want = permute(m, n, (r, c) => [fillIndex(r - dy, H, fill), fillIndex(c - dx, W, fill)]);
        expect(image(y, m, n), `${fill} shift (${dy}, ${dx})`).toEqual(Array.from(want));
      });
    }
  });
});

describe('interpolated moves', () => {
  it('rotation by +-90 and 180 degrees through the arbitrary-angle path matches rot90', async () => {
    const sq = randomImg(5, 3, 7, 7, 2);
    const y = await applyFrom(sq, [{ angle: 90 }, { angle: -90 }, { angle: 180 }], 'reflect');
    expect(maxAbs(image(y, sq, 0), flipRot(sq, 0, { rot90: 1 }))).toBeLessThan(1e-5);
    expect(maxAbs(image(y, sq, 1), flipRot(sq, 1, { rot90: 3 }))).toBeLessThan(1e-5);
    expect(maxAbs(image(y, sq, 2), flipRot(sq, 2, { rot90: 2 }))).toBeLessThan(1e-5);
    const rect = randomImg(6, 1, 6, 9, 1);
    const yr = await applyFrom(rect, [{ angle: 180 }]);
    expect(maxAbs(image(yr, rect, 0), flipRot(rect, 0, { rot90: 2 }))).toBeLessThan(1e-5);
  });

  it('arbitrary angles and fractional shifts match a float64 bilinear reference, both fill modes', async () => {
    const m = randomImg(7, 4, 9, 12, 2);
    const cases: [number, number, number][] = [[17, 0, 0], [-33, 1.3, -2.7], [0, 0.5, 0.25], [123.4, -1.6, 3.1]];
    for (const fill of ['nearest', 'reflect'] as const) {
      const y = await applyFrom(m, cases.map(([angle, shiftY, shiftX]) => ({ angle, shiftY, shiftX })), fill);
      cases.forEach(([a, dy, dx], n) => {
        expect(maxAbs(image(y, m, n), rotateShift(one(m, n), a, dy, dx, fill).data), `${fill} angle ${a} shift (${dy}, ${dx})`).toBeLessThan(1e-5);
      });
    }
  });
});

describe('seeded draws and pairs', () => {
  const o: AugmentOptions = { seed: 42, flipH: true, flipV: true, rot90: true, rotation: 20, widthShift: 0.2, heightShift: 0.1, fill: 'reflect' };

  it('pairs stay aligned: one params object on x, 2x and one channel of x; augment() = applyAugment(augmentParams())', async () => {
    const m = randomImg(8, 6, 8, 8, 3);
    const r = await page().evaluate(async (b64, o) => {
      const e = window.engine;
      const shape = [6, 8, 8, 3];
      const data = window.h.b64ToF32(b64);
      const x = e.tensor(data, shape);
      const x2 = e.tensor(data.map((v) => 2 * v), shape);
      const g = e.tensor(data.filter((_, i) => i % 3 === 1), [6, 8, 8, 1]); // channel 1 alone
      const p = e.augmentParams(shape, o);
      const read = async (t: ReturnType<typeof e.tensor>) => Array.from(await t.read());
      return {
        a: await read(e.applyAugment(x, p)),
        a2: await read(e.applyAugment(x2, p)),
        g: await read(e.applyAugment(g, p)),
        again: await read(e.augment(x, o)),
        other: await read(e.augment(x, { ...o, seed: 43 })),
        transforms: p.transforms,
      };
    }, f32ToB64(m.data), o);
    expect(r.a2).toEqual(r.a.map((v) => 2 * v)); // scaling by 2 is exact through bilinear weights
    expect(r.g).toEqual(r.a.filter((_, i) => i % 3 === 1));
    expect(r.again).toEqual(r.a);
    expect(r.other.filter((v, i) => v !== r.a[i]).length).toBeGreaterThan(r.a.length / 2);
    expect(r.transforms).toEqual(augmentParams([6, 8, 8, 3], o).transforms); // the host twin draws the same
  });

  it('draws land in range, rot90 is skipped for non-square images, and options do not shift each other', () => {
    const N = 400;
    const p = augmentParams([N, 16, 16, 1], o).transforms;
    const share = (f: (t: (typeof p)[0]) => boolean) => p.filter(f).length / N;
    for (const [name, s] of [['flipH', share((t) => t.flipH)], ['flipV', share((t) => t.flipV)]] as const) {
      expect(Math.abs(s - 0.5), name).toBeLessThan(4 * Math.sqrt(0.25 / N));
    }
    for (let k = 0; k < 4; k++) expect(Math.abs(share((t) => t.rot90 === k) - 0.25)).toBeLessThan(4 * Math.sqrt(0.1875 / N));
    for (const t of p) {
      expect(Math.abs(t.angle)).toBeLessThanOrEqual(20);
      expect(Math.abs(t.shiftY)).toBeLessThanOrEqual(1.6);
      expect(Math.abs(t.shiftX)).toBeLessThanOrEqual(3.2);
    }
    expect(Math.max(...p.map((t) => t.angle))).toBeGreaterThan(15);
    expect(augmentParams([N, 16, 12, 1], o).transforms.every((t) => t.rot90 === 0)).toBe(true);
    const flipsOnly = augmentParams([N, 16, 16, 1], { seed: 42, flipH: true, flipV: true }).transforms;
    expect(flipsOnly.map((t) => [t.flipH, t.flipV])).toEqual(p.map((t) => [t.flipH, t.flipV]));
    expect(flipsOnly.every((t) => t.rot90 === 0 && t.angle === 0 && t.shiftX === 0 && t.shiftY === 0)).toBe(true);
  });
});

describe('bad input', () => {
  it('gets clear errors', async () => {
    const msgs = await page().evaluate(() => {
      const e = window.engine;
      const x = e.tensor(new Float32Array(2 * 4 * 6), [2, 4, 6, 1]);
      const tries: (() => unknown)[] = [
        () => e.augment(x, { seed: 1, fill: 'wrap' as 'nearest' }),
        () => e.augment(x, { seed: 1, rotation: -5 }),
        () => e.augment(x, { seed: 1, widthShift: 2 }),
        () => e.augment(x, { seed: -1 }),
        () => e.augmentParamsFrom([2, 4, 6, 1], [{ rot90: 1 }, {}]),
        () => e.augmentParamsFrom([2, 4, 6, 1], [{}]),
        () => e.augmentParamsFrom([2, 4, 6, 1], [{ angle: NaN }, {}]),
        () => e.applyAugment(x, e.augmentParams([2, 4, 4, 1], { seed: 1 })),
        () => e.augment(e.tensor(new Float32Array(4), [4]), { seed: 1 }),
      ];
      return tries.map((f) => { try { f(); return 'no error'; } catch (err) { return `${(err as Error).name}: ${(err as Error).message}`; } });
    });
    expect(msgs).toEqual([
      "EngineError: augment: fill must be 'nearest' or 'reflect', got 'wrap'",
      'EngineError: augment: rotation (degrees range) must be a finite number >= 0, got -5',
      'EngineError: augment: widthShift is a fraction of the image size and must be in [0, 1], got 2',
      'EngineError: augment: seed must be an integer in [0, 2^32), got -1',
      'ShapeError: augment: image 0: rot90 = 1 needs a square image, got 4x6',
      'ShapeError: augmentParamsFrom: 1 transforms for 2 images',
      'EngineError: augment: image 0: angle must be finite, got NaN',
      'ShapeError: applyAugment: parameters are for [2, 4, 4, *] images, got [2,4,6,1]',
      'ShapeError: augment: images must be NHWC (rank 4), got shape [4]',
    ]);
  });
});
