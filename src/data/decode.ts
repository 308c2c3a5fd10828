/**
 * Image files to Images: format sniffing, sizes from headers, and decoding PNG, JPEG, BMP and
 * WebP, with errors that name the file and say what the bytes look like.
 *
 * Nothing here touches DOM or Node globals at module load: the browser decoder
 * (createImageBitmap + OffscreenCanvas) and the Node decoders (pngjs and jpeg-js, imported
 * lazily) are picked at call time, so the module loads in both and browser bundles never
 * pull in pngjs.
 */
import type * as JpegJs from 'jpeg-js';
import type * as PngJs from 'pngjs';
import { DEFAULT_MAX_SIDE, type Image, ImageDecodeError } from './images.ts';

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
