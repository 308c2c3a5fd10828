/**
 * Training-data sampling: patches cut at random or on a grid, DnCNN's 8 flips/rotations and
 * seeded index splits. Apart from images.ts because only the data pipeline and the tests use
 * it. Deterministic given the caller's Rng, so a seed reproduces a training set.
 */
import type { Rng } from '../engine/random.ts';
import type { Image, Patch } from './images.ts';

/** Copies the size x size square at (x, y). */
export function cropPatch(img: Image, x: number, y: number, size: number): Patch {
  const C = img.channels;
  const data = new Float32Array(size * size * C);
  for (let r = 0; r < size; r++) {
    const start = ((y + r) * img.width + x) * C;
    data.set(img.data.subarray(start, start + size * C), r * size * C);
  }
  return { width: size, height: size, channels: C, data, x, y };
}

function checkPatchSize(img: Image, size: number): void {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`patch size must be a positive integer, got ${size}`);
  if (size > img.width || size > img.height) {
    throw new RangeError(`patch size ${size} does not fit in a ${img.width}x${img.height} image`);
  }
}

/** `count` size x size patches at uniformly random positions (overlaps allowed), drawn from rng. */
export function randomPatches(img: Image, size: number, count: number, rng: Rng): Patch[] {
  checkPatchSize(img, size);
  const out: Patch[] = [];
  for (let i = 0; i < count; i++) {
    const x = rng.int(0, img.width - size);
    const y = rng.int(0, img.height - size);
    out.push(cropPatch(img, x, y, size));
  }
  return out;
}

/**
 * Patches on a regular grid, top-left corners at multiples of `stride`, row by row, as in
 * DnCNN's data generation. Count: (floor((W - size) / stride) + 1) * (floor((H - size) / stride) + 1);
 * a strip narrower than the stride at the right and bottom edges is not covered.
 */
export function extractPatchesGrid(img: Image, size: number, stride: number): Patch[] {
  checkPatchSize(img, size);
  if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`stride must be a positive integer, got ${stride}`);
  const out: Patch[] = [];
  for (let y = 0; y + size <= img.height; y += stride) {
    for (let x = 0; x + size <= img.width; x += stride) out.push(cropPatch(img, x, y, size));
  }
  return out;
}

/**
 * One of the 8 flips/rotations of a square-symmetry group (mode 0..7; 0 = identity,
 * 1..3 = rotations by 90, 180, 270 degrees, 4..7 = the same after a horizontal flip),
 * the data augmentation of DnCNN. Swaps width and height for odd rotations.
 */
export function augment8(img: Image, mode: number): Image {
  if (!Number.isInteger(mode) || mode < 0 || mode > 7) throw new RangeError(`augment mode must be 0..7, got ${mode}`);
  const { width: W, height: H, channels: C } = img;
  const rot = mode % 4, flip = mode >= 4;
  const outW = rot % 2 === 0 ? W : H, outH = rot % 2 === 0 ? H : W;
  const out = new Float32Array(img.data.length);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      // Source of output (x, y): undo the rotation (counter-clockwise), then the flip.
      let sx: number, sy: number;
      if (rot === 0) { sx = x; sy = y; } else if (rot === 1) { sx = W - 1 - y; sy = x; } else if (rot === 2) { sx = W - 1 - x; sy = H - 1 - y; } else { sx = y; sy = H - 1 - x; }
      if (flip) sx = W - 1 - sx;
      for (let c = 0; c < C; c++) out[(y * outW + x) * C + c] = img.data[(sy * W + sx) * C + c];
    }
  }
  return { width: outW, height: outH, channels: C, data: out };
}

/**
 * Seeded random split of the indices 0..n-1: shuffles them with rng, then cuts the shuffled
 * list into parts of round(fraction * n) (cumulative rounding, so sizes add up exactly).
 * Every index lands in exactly one part: if the fractions sum to less than 1, the remaining
 * indices form one extra last part. E.g. splitIndices(10, [0.6, 0.4], rng) -> parts of 6 and 4;
 * splitIndices(10, [0.8], rng) -> parts of 8 and 2.
 * Throws on negative or non-finite fractions and on a sum above 1.
 */
export function splitIndices(n: number, fractions: number[], rng: Rng): number[][] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (fractions.length === 0) throw new RangeError('splitIndices needs at least one fraction');
  for (const f of fractions) {
    if (!Number.isFinite(f) || f < 0) throw new RangeError(`fractions must be finite and >= 0, got ${f}`);
  }
  const total = fractions.reduce((a, b) => a + b, 0);
  const EPS = 1e-9; // 0.1 + 0.2 + 0.7 is 0.9999999999999999 in floating point
  if (total > 1 + EPS) throw new RangeError(`fractions sum to ${total}, more than 1`);
  const idx = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const parts: number[][] = [];
  let cum = 0, start = 0;
  for (let k = 0; k < fractions.length; k++) {
    cum += fractions[k];
    const end = k === fractions.length - 1 && Math.abs(cum - 1) <= EPS ? n : Math.min(n, Math.round(cum * n));
    parts.push(idx.slice(start, end));
    start = end;
  }
  if (total < 1 - EPS) parts.push(idx.slice(start));
  return parts;
}
