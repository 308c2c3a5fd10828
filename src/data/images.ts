/**
 * Image utilities shared by the browser app, the CLI and the tests: decoding, colour
 * conversion, resizing, patch extraction, data splits and PNG encoding.
 *
 * Pure TypeScript. Nothing here touches DOM or Node globals at module load: the browser
 * decoder (createImageBitmap + OffscreenCanvas) and the Node decoder (pngjs, imported
 * lazily) are picked at call time, so the module loads in both and browser bundles never
 * pull in pngjs.
 */
import type * as JpegJs from 'jpeg-js';
import type * as PngJs from 'pngjs';
import { zlibSync } from 'fflate';
import { EngineError } from '../engine/errors.ts';
import type { Rng } from '../engine/random.ts';

/**
 * An image as float32 values in [0, 1], row-major HWC: the value of channel c at (x, y)
 * is data[(y * width + x) * channels + c]; data.length = width * height * channels.
 */
export interface Image {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Float32Array;
}

/** A patch cut from an image, with the position of its top-left corner in the source. */
export interface Patch extends Image {
  x: number;
  y: number;
}

/** A file that is not a decodable image, or an image outside the size limits. */
export class ImageDecodeError extends EngineError {}

/** Default limit on width and height for decoding (a 8192^2 RGB float image is 800 MB). */
export const DEFAULT_MAX_SIDE = 8192;

// ---------------------------------------------------------------------------------------
// Colour

/**
 * Luma from RGB with the ITU-R BT.601 weights, gray = 0.299 R + 0.587 G + 0.114 B, the
 * formula of MATLAB's rgb2gray and PIL's convert('L'), with which the gray benchmark sets
 * (BSD68 from CBSD68) were made. Returns a new image; a gray input is copied.
 */
export function toGray(img: Image): Image {
  const n = img.width * img.height;
  const out = new Float32Array(n);
  if (img.channels === 1) {
    out.set(img.data);
  } else {
    const d = img.data;
    for (let i = 0; i < n; i++) out[i] = 0.299 * d[3 * i] + 0.587 * d[3 * i + 1] + 0.114 * d[3 * i + 2];
  }
  return { width: img.width, height: img.height, channels: 1, data: out };
}

/** Gray to RGB by repeating the value in R, G and B. Returns a new image; an RGB input is copied. */
export function toRgb(img: Image): Image {
  const n = img.width * img.height;
  const out = new Float32Array(3 * n);
  if (img.channels === 3) {
    out.set(img.data);
  } else {
    for (let i = 0; i < n; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = img.data[i];
  }
  return { width: img.width, height: img.height, channels: 3, data: out };
}

// ---------------------------------------------------------------------------------------
// Resizing

/**
 * Bilinear resize with half-pixel centres (align_corners = false): output pixel x samples
 * the source at (x + 0.5) * inW / outW - 0.5, clamped to the edge pixels. Matches
 * tf.image.resize(method='bilinear', antialias=False) and PyTorch's
 * interpolate(mode='bilinear', align_corners=False).
 *
 * Good for enlarging and for shrinking by less than 2x. Shrinking further skips source
 * pixels (aliasing: noise and fine texture turn into moiré); use resizeArea for that.
 */
export function resizeBilinear(img: Image, width: number, height: number): Image {
  checkSize(width, height);
  const { channels: C, data: src } = img;
  const xs = bilinearTaps(img.width, width);
  const ys = bilinearTaps(img.height, height);
  const out = new Float32Array(width * height * C);
  for (let y = 0; y < height; y++) {
    const r0 = ys.i0[y] * img.width, r1 = ys.i1[y] * img.width, fy = ys.f[y];
    for (let x = 0; x < width; x++) {
      const c0 = xs.i0[x], c1 = xs.i1[x], fx = xs.f[x];
      for (let c = 0; c < C; c++) {
        const top = src[(r0 + c0) * C + c] * (1 - fx) + src[(r0 + c1) * C + c] * fx;
        const bot = src[(r1 + c0) * C + c] * (1 - fx) + src[(r1 + c1) * C + c] * fx;
        out[(y * width + x) * C + c] = top * (1 - fy) + bot * fy;
      }
    }
  }
  return { width, height, channels: C, data: out };
}

/** For each output coordinate along one axis: the two source indices and the weight of the second. */
function bilinearTaps(inSize: number, outSize: number) {
  const i0 = new Int32Array(outSize), i1 = new Int32Array(outSize), f = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const s = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inSize - 1);
    i0[o] = Math.floor(s);
    i1[o] = Math.min(i0[o] + 1, inSize - 1);
    f[o] = s - i0[o];
  }
  return { i0, i1, f };
}

/**
 * Area-average (box filter) resize: each output pixel is the mean of the source rectangle it
 * covers, with fractional weights for partly covered source pixels (OpenCV INTER_AREA,
 * tf.image.resize(method='area')).
 *
 * The right choice for downscaling, e.g. big photos to training size: every source pixel
 * contributes, so there is no aliasing, and averaging k x k pixels of i.i.d. noise divides
 * its standard deviation by k, the way a camera with bigger pixels would. Bilinear would keep
 * the noise of the few pixels it samples. For enlarging it degenerates to nearest neighbour.
 */
export function resizeArea(img: Image, width: number, height: number): Image {
  checkSize(width, height);
  const C = img.channels;
  const wx = areaWeights(img.width, width);
  const wy = areaWeights(img.height, height);
  // Separable: rows first (H x width), then columns.
  const tmp = new Float32Array(img.height * width * C);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < width; x++) {
      for (const [sx, w] of wx[x]) {
        for (let c = 0; c < C; c++) tmp[(y * width + x) * C + c] += w * img.data[(y * img.width + sx) * C + c];
      }
    }
  }
  const out = new Float32Array(width * height * C);
  for (let y = 0; y < height; y++) {
    for (const [sy, w] of wy[y]) {
      for (let i = 0; i < width * C; i++) out[y * width * C + i] += w * tmp[sy * width * C + i];
    }
  }
  return { width, height, channels: C, data: out };
}

/** For each output index: [source index, weight] pairs, weights summing to 1. */
function areaWeights(inSize: number, outSize: number): [number, number][][] {
  const scale = inSize / outSize;
  const taps: [number, number][][] = [];
  for (let o = 0; o < outSize; o++) {
    const lo = o * scale, hi = (o + 1) * scale;
    const row: [number, number][] = [];
    for (let s = Math.floor(lo); s < Math.min(Math.ceil(hi), inSize); s++) {
      const overlap = Math.min(hi, s + 1) - Math.max(lo, s);
      if (overlap > 1e-12) row.push([s, overlap / scale]);
    }
    taps.push(row);
  }
  return taps;
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`resize target must be positive integers, got ${width}x${height}`);
  }
}

// ---------------------------------------------------------------------------------------
// Patches and splits

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

// ---------------------------------------------------------------------------------------
// Decoding

export type ImageFormat = 'png' | 'jpeg' | 'bmp' | 'webp';

/** The image format from the first bytes, or null if it is none the decoder takes. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  const at = (off: number, sig: number[]) => sig.every((b, i) => bytes[off + i] === b);
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (at(0, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (at(0, [0x42, 0x4d]) && bytes.length >= 26) return 'bmp';
  if (at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50])) return 'webp';
  return null;
}

/**
 * What some bytes look like, for error messages about files that are not what they should be,
 * e.g. "an HTML page (starts with '<!DOCTYPE html>')" or "a GIF image".
 */
export function describeBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'an empty file (0 bytes)';
  const head = bytes.subarray(0, 32);
  const ascii = String.fromCharCode(...head);
  const known: [RegExp, string][] = [
    [/^GIF8[79]a/, 'a GIF image (not supported: convert to PNG)'],
    [/^(II\*\0|MM\0\*)/, 'a TIFF image (not supported: convert to PNG)'],
    [/^....ftyp(heic|heix|mif1|avif)/s, 'a HEIC/AVIF image (not supported: convert to PNG)'],
    [/^PK\x03\x04|^PK\x05\x06/, 'a zip archive'],
    [/^%PDF/, 'a PDF document'],
    [/^\s*<(!doctype html|html|head|body)/i, 'an HTML page (a download that returned an error page?)'],
    [/^\s*<\?xml|^\s*<svg/i, 'XML/SVG (vector images are not supported)'],
    [/^\s*[{[]/, 'JSON or other text'],
    [/^\x1f\x8b/, 'a gzip file'],
  ];
  const kind = known.find(([re]) => re.test(ascii))?.[1];
  const printable = /^[\x09\x0a\x0d\x20-\x7e]*$/.test(ascii);
  const start = printable
    ? `starts with '${ascii.replace(/\s+/g, ' ').trim().slice(0, 24)}'`
    : `starts with bytes ${Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
  return kind ? `${kind}, ${start}` : start;
}

/**
 * Width and height from the file header without decoding, or null when the header is too
 * short to tell. Lets the decoders refuse huge images (decompression bombs) before allocating.
 */
export function readImageSize(bytes: Uint8Array, format: ImageFormat): { width: number; height: number } | null {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const has = (n: number) => bytes.length >= n;
  switch (format) {
    case 'png':
      // IHDR is the first chunk: length(4) "IHDR"(4) width(4, BE) height(4, BE).
      return has(24) ? { width: v.getUint32(16), height: v.getUint32(20) } : null;
    case 'bmp':
      // BITMAPINFOHEADER: int32 LE width at 18, height at 22 (negative = top-down rows).
      return has(26) ? { width: Math.abs(v.getInt32(18, true)), height: Math.abs(v.getInt32(22, true)) } : null;
    case 'webp': {
      if (!has(30)) return null;
      const chunk = String.fromCharCode(...bytes.subarray(12, 16));
      if (chunk === 'VP8X') return { width: 1 + (v.getUint32(24, true) & 0xffffff), height: 1 + (v.getUint32(27, true) & 0xffffff) };
      if (chunk === 'VP8L') {
        const bits = v.getUint32(21, true);
        return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
      }
      if (chunk === 'VP8 ') return { width: v.getUint16(26, true) & 0x3fff, height: v.getUint16(28, true) & 0x3fff };
      return null;
    }
    case 'jpeg': {
      // Walk the marker segments to the first SOFn (frame header), which holds the size.
      let p = 2;
      while (p + 4 <= bytes.length) {
        if (bytes[p] !== 0xff) return null;
        const marker = bytes[p + 1];
        if (marker === 0xff) { p++; continue; } // fill byte
        const len = v.getUint16(p + 2);
        const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
        if (isSof) return has(p + 9) ? { width: v.getUint16(p + 7), height: v.getUint16(p + 5) } : null;
        p += 2 + len;
      }
      return null;
    }
  }
}

/**
 * Walks the PNG chunk list and throws if it runs past the end of the file or stops before
 * IEND: both mean a truncated download. Decoders would say something vaguer (or, in a
 * browser, show the image half gray).
 */
function checkPngComplete(bytes: Uint8Array, name: string): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 8;
  while (p + 8 <= bytes.length) {
    const len = v.getUint32(p);
    const type = String.fromCharCode(...bytes.subarray(p + 4, p + 8));
    if (p + 12 + len > bytes.length) {
      throw new ImageDecodeError(
        `${name}: truncated PNG: chunk '${type}' needs ${len + 12} bytes at offset ${p} but the file ends at ${bytes.length}`);
    }
    if (type === 'IEND') return;
    p += 12 + len;
  }
  throw new ImageDecodeError(`${name}: truncated PNG: the file (${bytes.length} bytes) ends before the IEND chunk`);
}

export interface DecodeOptions {
  /** Largest accepted width or height in pixels (default DEFAULT_MAX_SIDE = 8192). */
  maxSide?: number;
}

/**
 * Decodes PNG, JPEG, BMP or WebP bytes into an Image in [0, 1]. `name` (a file name) is only
 * used in error messages. An image whose R, G and B are equal everywhere comes back with
 * channels = 1. Alpha is dropped (images are treated as opaque).
 *
 * In a browser: createImageBitmap + OffscreenCanvas (all four formats), without colour-space
 * conversion so the values are the file's. In Node (no createImageBitmap): PNG through pngjs and
 * JPEG through jpeg-js, each loaded on first use; BMP and WebP need the browser.
 *
 * Throws ImageDecodeError naming the file for: bytes that are not one of these formats
 * (saying what they look like), a 0 x 0 image, a side above maxSide, a truncated PNG, and any
 * decoder failure.
 */
export async function decodeImageBytes(bytes: Uint8Array, name: string, options: DecodeOptions = {}): Promise<Image> {
  const maxSide = options.maxSide ?? DEFAULT_MAX_SIDE;
  const format = sniffImageFormat(bytes);
  if (format === null) throw new ImageDecodeError(`${name}: not an image: ${describeBytes(bytes)}`);
  const checkDims = (width: number, height: number) => {
    if (width === 0 || height === 0) throw new ImageDecodeError(`${name}: the image is empty (${width}x${height} pixels)`);
    if (width > maxSide || height > maxSide) {
      throw new ImageDecodeError(`${name}: the image is ${width}x${height} pixels, over the limit of ${maxSide} px per side; scale it down first`);
    }
  };
  const size = readImageSize(bytes, format);
  if (size) checkDims(size.width, size.height);
  if (format === 'png') checkPngComplete(bytes, name);

  let rgba: Uint8Array | Uint8ClampedArray, width: number, height: number;
  if (typeof globalThis.createImageBitmap === 'function' && typeof globalThis.OffscreenCanvas === 'function') {
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(new Blob([bytes.slice()]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    } catch (e) {
      throw new ImageDecodeError(`${name}: the browser could not decode this ${format.toUpperCase()} (corrupt or truncated?): ${(e as Error).message}`);
    }
    ({ width, height } = bitmap);
    try {
      checkDims(width, height);
      const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
      if (!ctx) throw new ImageDecodeError(`${name}: no 2D canvas context available to read the pixels`);
      ctx.drawImage(bitmap, 0, 0);
      rgba = ctx.getImageData(0, 0, width, height).data;
    } finally {
      bitmap.close();
    }
  } else {
    if (format !== 'png' && format !== 'jpeg') {
      throw new ImageDecodeError(`${name}: decoding ${format.toUpperCase()} needs a browser (createImageBitmap); outside one only PNG and JPEG are supported, convert the file to PNG`);
    }
    let decoded: { width: number; height: number; data: Uint8Array };
    if (format === 'png') {
      const png = await loadPngJs();
      try {
        decoded = png.PNG.sync.read(toBuffer(bytes));
      } catch (e) {
        throw new ImageDecodeError(`${name}: corrupt PNG: ${(e as Error).message}`);
      }
    } else {
      const jpeg = await loadJpegJs();
      try {
        // RGBA as the other paths; Adobe/CMYK colour transforms as the file says.
        decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
      } catch (e) {
        throw new ImageDecodeError(`${name}: corrupt or unsupported JPEG: ${(e as Error).message}`);
      }
    }
    ({ width, height } = decoded);
    checkDims(width, height);
    rgba = decoded.data;
  }
  return rgba8ToImage(rgba, width, height);
}

/** RGBA8 pixels -> Image, gray (channels 1) when R = G = B for every pixel. */
export function rgba8ToImage(rgba: ArrayLike<number>, width: number, height: number): Image {
  const n = width * height;
  let gray = true;
  for (let i = 0; i < n && gray; i++) gray = rgba[4 * i] === rgba[4 * i + 1] && rgba[4 * i] === rgba[4 * i + 2];
  const C = gray ? 1 : 3;
  const data = new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) data[i * C + c] = rgba[4 * i + c] / 255;
  }
  return { width, height, channels: C, data };
}

// The Node decoders, imported on first use through a variable so bundlers (vite) do not try to
// resolve or bundle them (pngjs needs Node's zlib and stream); only the Node code path reaches
// this. Both are CommonJS: the module object or its default export, whichever Node hands back.
async function nodeDecoder<T>(name: 'pngjs' | 'jpeg-js'): Promise<T> {
  const m = (await import(/* @vite-ignore */ name)) as T & { default?: T };
  return m.default ?? m;
}
const loadPngJs = () => nodeDecoder<typeof PngJs>('pngjs');
const loadJpegJs = () => nodeDecoder<typeof JpegJs>('jpeg-js');

/** pngjs wants a Node Buffer; this path only runs in Node, where Buffer exists. */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// ---------------------------------------------------------------------------------------
// Encoding

/** RGBA8 pixels for a canvas ImageData (gray repeated into R, G, B; alpha 255; values clamped and rounded). */
export function imageToRgba8(img: Image): Uint8ClampedArray {
  const n = img.width * img.height;
  const out = new Uint8ClampedArray(4 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) out[4 * i + c] = img.data[i * img.channels + (img.channels === 3 ? c : 0)] * 255;
    out[4 * i + 3] = 255;
  }
  return out;
}

/**
 * Encodes an image as an 8-bit PNG (gray or RGB, no alpha): values clamped to [0, 1] and
 * rounded to 1/255. Written here on fflate's zlib rather than with pngjs so that it is
 * synchronous and also works in the browser (for "download result").
 */
export function encodePng(img: Image): Uint8Array {
  const { width: W, height: H, channels: C } = img;
  if (W < 1 || H < 1) throw new RangeError(`cannot encode an empty ${W}x${H} image`);
  const stride = W * C;
  const px = new Uint8Array(stride * H);
  for (let i = 0; i < px.length; i++) px[i] = Math.round(Math.min(Math.max(img.data[i], 0), 1) * 255);

  // Each row gets the filter (none, sub, up, average, paeth) with the smallest sum of
  // |signed residual|, the usual libpng heuristic: smaller output than no filtering at all.
  const filtered = new Uint8Array((stride + 1) * H);
  const cand = new Uint8Array(stride);
  for (let y = 0; y < H; y++) {
    const row = px.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? px.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    let best = Infinity;
    for (let f = 0; f < 5; f++) {
      let cost = 0;
      for (let i = 0; i < stride; i++) {
        const a = i >= C ? row[i - C] : 0, b = up[i], c = i >= C ? up[i - C] : 0;
        const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, c);
        const r = (row[i] - pred) & 0xff;
        cand[i] = r;
        cost += r < 128 ? r : 256 - r;
      }
      if (cost < best) {
        best = cost;
        filtered[y * (stride + 1)] = f;
        filtered.set(cand, y * (stride + 1) + 1);
      }
    }
  }

  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, W);
  hv.setUint32(4, H);
  ihdr[8] = 8; // bit depth
  ihdr[9] = C === 1 ? 0 : 2; // colour type: gray / RGB
  const chunks = [pngChunk('IHDR', ihdr), pngChunk('IDAT', zlibSync(filtered, { level: 6 })), pngChunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(8 + chunks.reduce((s, c) => s + c.length, 0));
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let p = 8;
  for (const c of chunks) { out.set(c, p); p += c.length; }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** length(4, BE) type(4) data crc32(type + data). */
function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

let CRC_TABLE: Uint32Array | undefined;
/** CRC-32 (IEEE 802.3, as PNG uses). */
export function crc32(bytes: Uint8Array): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
