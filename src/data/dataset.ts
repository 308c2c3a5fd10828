/**
 * Data sets: decode a list of files (keeping the usable ones and saying why others were
 * skipped), unify channels, split, and cut training batches.
 */
import { EngineError } from '../engine/errors.ts';
import { Rng } from '../engine/random.ts';
import { decodeImageBytes } from './decode.ts';
import { type Image, resizeArea, toGray, toRgb } from './images.ts';
import { cropPatch } from './patches.ts';

export class DataError extends EngineError {}

export interface NamedBytes { name: string; bytes: Uint8Array }
export interface NamedImage { name: string; image: Image }
export interface LoadReport {
  images: NamedImage[];
  skipped: { name: string; reason: string }[];
  /** Images whose channel count was converted to the requested one. */
  converted: string[];
}

/**
 * Decodes every file; bad ones are skipped with their reason, never fatal unless none is left.
 * channels: 1 (gray), 3 (RGB), or 'auto' (gray if every image is gray, else RGB).
 */
export async function decodeAll(
  files: NamedBytes[],
  o: { channels: 1 | 3 | 'auto'; maxSide?: number; onProgress?: (done: number, total: number) => void },
): Promise<LoadReport> {
  if (!files.length) throw new DataError('no files given: pick image files, a folder or a zip with PNG, JPEG, BMP or WebP images');
  const decoded: NamedImage[] = [];
  const skipped: LoadReport['skipped'] = [];
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    try {
      decoded.push({ name: f.name, image: await decodeImageBytes(f.bytes, f.name, { maxSide: o.maxSide }) });
    } catch (e) {
      skipped.push({ name: f.name, reason: (e as Error).message });
    }
    o.onProgress?.(i + 1, files.length);
  }
  if (!decoded.length) {
    throw new DataError(`none of the ${files.length} files is a usable image:\n${skipped.slice(0, 5).map((s) => `  ${s.reason}`).join('\n')}`);
  }
  const want = o.channels === 'auto' ? (decoded.every((d) => d.image.channels === 1) ? 1 : 3) : o.channels;
  const converted: string[] = [];
  const images = decoded.map((d) => {
    if (d.image.channels === want) return d;
    converted.push(d.name);
    return { name: d.name, image: want === 1 ? toGray(d.image) : toRgb(d.image) };
  });
  return { images, skipped, converted };
}

/** Area-resizes every image to size x size (the original project's 128 x 128 preparation). */
export function resizeAll(images: NamedImage[], size: number): NamedImage[] {
  return images.map((d) => ({ name: d.name, image: d.image.width === size && d.image.height === size ? d.image : resizeArea(d.image, size, size) }));
}

/** Concatenates equally sized images into one NHWC batch. */
export function stack(images: Image[]): Float32Array {
  const n = images[0].data.length;
  const out = new Float32Array(images.length * n);
  images.forEach((im, i) => {
    if (im.data.length !== n) throw new DataError('stack(): images differ in size');
    out.set(im.data, i * n);
  });
  return out;
}

/**
 * Draws training batches of random size x size patches (or whole images when every image is
 * exactly that size), seeded, cycling through the images in a shuffled order each epoch.
 */
export class BatchSampler {
  private order: number[] = [];
  private pos = 0;
  private readonly rng: Rng;

  constructor(private readonly images: Image[], readonly size: number, seed: number) {
    if (!images.length) throw new DataError('no training images');
    for (const im of images) {
      if (im.width < size || im.height < size) {
        throw new DataError(`a ${im.width}x${im.height} training image is smaller than the ${size}x${size} patches; lower the patch size`);
      }
    }
    this.rng = new Rng(seed);
  }

  /** n patches as an NHWC Float32Array [n, size, size, C]. */
  next(n: number): Float32Array {
    const C = this.images[0].channels;
    const out = new Float32Array(n * this.size * this.size * C);
    for (let i = 0; i < n; i++) {
      if (this.pos >= this.order.length) {
        this.order = this.rng.shuffle(this.images.map((_, j) => j));
        this.pos = 0;
      }
      const im = this.images[this.order[this.pos++]];
      const x = this.rng.int(0, im.width - this.size);
      const y = this.rng.int(0, im.height - this.size);
      out.set(cropPatch(im, x, y, this.size).data, i * this.size * this.size * C);
    }
    return out;
  }
}

/** Fixed validation patches: the centre crop of each image (deterministic, so epochs compare). */
export function centreCrops(images: Image[], size: number): Image[] {
  return images.map((im) => {
    const s = Math.min(size, im.width, im.height);
    return cropPatch(im, Math.floor((im.width - s) / 2), Math.floor((im.height - s) / 2), s);
  });
}
