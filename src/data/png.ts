/**
 * Images out: 8-bit PNG files (downloads, the CLI, the tests) and RGBA8 pixels for canvases.
 * Synchronous and free of DOM and Node APIs, unlike decoding, so it runs the same in the
 * browser and in Node. crc32 is shared with the zip reader (archive.ts).
 */
import { zlibSync } from 'fflate';
import type { Image } from './images.ts';

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
