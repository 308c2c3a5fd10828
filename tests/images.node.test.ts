import { readFileSync, readdirSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImageBytes, describeBytes } from '../src/data/decode.ts';
import { type Image, ImageDecodeError, resizeArea, resizeBilinear, toGray, toRgb } from '../src/data/images.ts';
import { augment8, extractPatchesGrid, randomPatches, splitIndices } from '../src/data/patches.ts';
import { crc32, encodePng, imageToRgba8 } from '../src/data/png.ts';
import { Rng } from '../src/engine/random.ts';

const read = (path: string) => new Uint8Array(readFileSync(path));

/** An image whose value at (x, y, c) is f(x, y, c). */
function make(width: number, height: number, channels: 1 | 3, f: (x: number, y: number, c: number) => number): Image {
  const data = new Float32Array(width * height * channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) {
    data[(y * width + x) * channels + c] = f(x, y, c);
  }
  return { width, height, channels, data };
}

async function decodeError(bytes: Uint8Array, name: string, maxSide?: number): Promise<Error> {
  try {
    await decodeImageBytes(bytes, name, { maxSide });
  } catch (e) {
    expect(e).toBeInstanceOf(ImageDecodeError);
    return e as Error;
  }
  throw new Error('expected decodeImageBytes to throw');
}

/** A valid PNG with IHDR width/height patched (CRC fixed, so only the size is wrong). */
function pngWithSize(width: number, height: number): Uint8Array {
  const b = new Uint8Array(PNG.sync.write(Object.assign(new PNG({ width: 2, height: 2 }), { data: Buffer.alloc(16, 255) })));
  const v = new DataView(b.buffer, b.byteOffset);
  v.setUint32(16, width);
  v.setUint32(20, height);
  v.setUint32(29, crc32(b.subarray(12, 29)));
  return b;
}

describe('decodeImageBytes on the built-in data', () => {
  it('decodes Set12 as gray 256x256 and 512x512 with values in [0, 1]', async () => {
    const a = await decodeImageBytes(read('data/set12/01.png'), '01.png');
    expect([a.width, a.height, a.channels, a.data.length]).toEqual([256, 256, 1, 256 * 256]);
    const b = await decodeImageBytes(read('data/set12/08.png'), '08.png');
    expect([b.width, b.height, b.channels]).toEqual([512, 512, 1]);
    for (const img of [a, b]) {
      let lo = Infinity, hi = -Infinity;
      for (const v of img.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
      expect(hi - lo).toBeGreaterThan(0.5); // a real picture, not a flat one
    }
  });

  it('matches pngjs pixel for pixel (value = byte / 255)', async () => {
    const bytes = read('data/set12/03.png');
    const ref = PNG.sync.read(Buffer.from(bytes));
    const img = await decodeImageBytes(bytes, '03.png');
    let maxErr = 0;
    for (let i = 0; i < img.width * img.height; i++) maxErr = Math.max(maxErr, Math.abs(img.data[i] - ref.data[4 * i] / 255));
    expect(maxErr).toBeLessThan(1e-7);
  });

  it('decodes CBSD68 as RGB 481x321 or 321x481 in [0, 1]', async () => {
    const names = readdirSync('data/cbsd68').sort().slice(0, 4);
    for (const n of names) {
      const img = await decodeImageBytes(read(`data/cbsd68/${n}`), n);
      expect(img.channels).toBe(3);
      expect([[481, 321], [321, 481]]).toContainEqual([img.width, img.height]);
      expect(img.data.length).toBe(img.width * img.height * 3);
      expect(img.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    }
  });

  it('decodes every built-in image with the expected size and colour', async () => {
    const expectOf: Record<string, { count: number; channels: number; sizes: number[][] }> = {
      train400: { count: 400, channels: 1, sizes: [[180, 180]] },
      set12: { count: 12, channels: 1, sizes: [[256, 256], [512, 512]] },
      bsd68: { count: 68, channels: 1, sizes: [[481, 321], [321, 481]] },
      cbsd68: { count: 68, channels: 3, sizes: [[481, 321], [321, 481]] },
    };
    for (const [dir, want] of Object.entries(expectOf)) {
      const names = readdirSync(`data/${dir}`).filter((n) => n.endsWith('.png'));
      expect(names.length).toBe(want.count);
      for (const n of names) {
        const img = await decodeImageBytes(read(`data/${dir}/${n}`), n);
        expect(img.channels).toBe(want.channels);
        expect(want.sizes).toContainEqual([img.width, img.height]);
      }
    }
  });
});

describe('decode errors', () => {
  it('names a non-image file and says what it looks like', async () => {
    const html = new TextEncoder().encode('<!DOCTYPE html><html><body>404 Not Found</body></html>');
    const e = await decodeError(html, 'photo.png');
    expect(e.message).toMatch(/^photo\.png: not an image: an HTML page .*starts with '<!DOCTYPE html><html><bo'/);
    expect((await decodeError(new Uint8Array(0), 'empty.png')).message).toMatch(/empty\.png: not an image: an empty file \(0 bytes\)/);
    expect((await decodeError(new Uint8Array([0, 1, 2, 250]), 'x.bin')).message).toMatch(/not an image: starts with bytes 00 01 02 fa/);
    expect((await decodeError(new TextEncoder().encode('GIF89a....'), 'a.gif')).message).toMatch(/a GIF image \(not supported/);
  });

  it('rejects a 0x0 image and one over the size limit before decoding', async () => {
    expect((await decodeError(pngWithSize(0, 0), 'zero.png')).message).toMatch(/zero\.png: the image is empty \(0x0 pixels\)/);
    expect((await decodeError(pngWithSize(9000, 10), 'huge.png')).message)
      .toMatch(/huge\.png: the image is 9000x10 pixels, over the limit of 8192 px per side/);
    expect((await decodeError(read('data/set12/01.png'), '01.png', 100)).message).toMatch(/256x256 pixels, over the limit of 100 px/);
  });

  it('reports a truncated PNG', async () => {
    const full = read('data/set12/01.png');
    const e = await decodeError(full.subarray(0, Math.floor(full.length / 2)), 'cut.png');
    expect(e.message).toMatch(/^cut\.png: truncated PNG: chunk 'IDAT' needs \d+ bytes at offset \d+ but the file ends at \d+/);
    const noEnd = await decodeError(full.subarray(0, full.length - 12), 'noend.png'); // IEND chunk cut off exactly
    expect(noEnd.message).toMatch(/noend\.png: truncated PNG: the file \(\d+ bytes\) ends before the IEND chunk/);
  });

  it('reports a PNG with corrupt data', async () => {
    const bytes = read('data/set12/01.png').slice();
    bytes[100] ^= 0xff; // inside the first IDAT: its CRC no longer matches
    expect((await decodeError(bytes, 'bad.png')).message).toMatch(/^bad\.png: corrupt PNG: /);
  });

  it('explains that BMP and WebP need a browser in Node; a broken JPEG is reported as such', async () => {
    const bmp = new Uint8Array([0x42, 0x4d, 0x3a, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0, 0x28, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 24, 0]);
    expect((await decodeError(bmp, 'a.bmp')).message).toMatch(/a\.bmp: decoding BMP needs a browser/);
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
    expect((await decodeError(jpeg, 'a.jpg')).message).toMatch(/^a\.jpg: corrupt or unsupported JPEG: /);
  });

  it('decodes JPEG in Node: colour and gray pictures, values within JPEG rounding of the original', async () => {
    const { encode } = await import('jpeg-js');
    // A smooth 40x24 colour gradient and its gray version, encoded at quality 100.
    const W = 40, H = 24;
    const rgba = new Uint8Array(W * H * 4), gray = new Uint8Array(W * H * 4);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const i = 4 * (y * W + x);
      rgba.set([4 * x + 40, 8 * y + 30, 200 - 2 * x - 3 * y, 255], i);
      const v = 5 * x + 2 * y + 20;
      gray.set([v, v, v, 255], i);
    }
    for (const [src, C] of [[rgba, 3], [gray, 1]] as const) {
      const bytes = new Uint8Array(encode({ width: W, height: H, data: src }, 100).data);
      const img = await decodeImageBytes(bytes, 'photo.jpg');
      expect([img.width, img.height, img.channels]).toEqual([W, H, C]);
      let worst = 0;
      for (let p = 0; p < W * H; p++) for (let c = 0; c < C; c++) worst = Math.max(worst, Math.abs(img.data[p * C + c] * 255 - src[4 * p + c]));
      expect(worst, `${C === 3 ? 'colour' : 'gray'}: largest 8-bit difference`).toBeLessThanOrEqual(4);
    }
  });

  it('describeBytes recognises common non-images', () => {
    expect(describeBytes(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]))).toMatch(/^a zip archive/);
    expect(describeBytes(new TextEncoder().encode('%PDF-1.7'))).toMatch(/^a PDF document/);
  });
});

describe('colour conversion', () => {
  it('toGray uses the ITU-R BT.601 weights 0.299, 0.587, 0.114', () => {
    const rgb = make(3, 1, 3, (x, _y, c) => (x === c ? 1 : 0)); // pure red, green, blue
    const g = toGray(rgb);
    expect(g.channels).toBe(1);
    expect(Array.from(g.data).map((v) => +v.toFixed(6))).toEqual([0.299, 0.587, 0.114]);
    const mixed = toGray(make(1, 1, 3, (_x, _y, c) => [0.2, 0.4, 0.8][c]));
    expect(mixed.data[0]).toBeCloseTo(0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.8, 6);
    expect(toGray(make(1, 1, 3, () => 1)).data[0]).toBeCloseTo(1, 6); // weights sum to 1
  });

  it('toGray of a CBSD68 picture is its BSD68 version up to 8-bit rounding', async () => {
    // BSD68 was made from CBSD68 with MATLAB's rgb2gray (BT.601), sorted names pair up:
    // 101085.png <-> test001.png. Other weights (e.g. BT.709's .2126/.7152/.0722) miss by several levels.
    const c = readdirSync('data/cbsd68').sort();
    const b = readdirSync('data/bsd68').sort();
    for (const k of [0, 1, 2]) {
      const g = toGray(await decodeImageBytes(read(`data/cbsd68/${c[k]}`), c[k]));
      const ref = await decodeImageBytes(read(`data/bsd68/${b[k]}`), b[k]);
      expect([g.width, g.height, ref.channels]).toEqual([ref.width, ref.height, 1]);
      let maxErr = 0;
      g.data.forEach((v, i) => { maxErr = Math.max(maxErr, Math.abs(v - ref.data[i])); });
      expect(maxErr * 255).toBeLessThan(0.52);
    }
  });

  it('toRgb repeats gray; toGray of that gives it back', () => {
    const gray = make(4, 3, 1, (x, y) => (x + 4 * y) / 11);
    const rgb = toRgb(gray);
    expect(rgb.channels).toBe(3);
    expect(Array.from(rgb.data.subarray(15, 18))).toEqual([gray.data[5], gray.data[5], gray.data[5]]);
    const back = toGray(rgb);
    for (let i = 0; i < 12; i++) expect(back.data[i]).toBeCloseTo(gray.data[i], 6);
  });

  it('copies rather than aliases', () => {
    const gray = make(2, 2, 1, () => 0.5);
    const g = toGray(gray);
    g.data[0] = 0;
    expect(gray.data[0]).toBe(0.5);
  });
});

describe('resizing', () => {
  it('keeps a constant image constant (bilinear and area, up and down, gray and RGB)', () => {
    for (const C of [1, 3] as const) {
      const img = make(37, 23, C, (_x, _y, c) => 0.25 + 0.25 * c);
      for (const [w, h] of [[80, 51], [10, 7], [37, 23], [1, 1], [5, 40]]) {
        for (const out of [resizeBilinear(img, w, h), resizeArea(img, w, h)]) {
          expect([out.width, out.height, out.channels]).toEqual([w, h, C]);
          for (let i = 0; i < out.data.length; i++) expect(out.data[i]).toBeCloseTo(0.25 + 0.25 * (i % C), 6);
        }
      }
    }
  });

  it('bilinear 2x2 -> 4x4 with half-pixel centres, computed by hand', () => {
    // Input [[0, .1], [.2, .3]]. Output coordinate x samples the source at (x + .5) / 2 - .5 =
    // -.25, .25, .75, 1.25, clamped to 0, .25, .75, 1, so value = .1 * sx + .2 * sy.
    const img: Image = { width: 2, height: 2, channels: 1, data: new Float32Array([0, 0.1, 0.2, 0.3]) };
    const out = resizeBilinear(img, 4, 4);
    const want = [
      0, 0.025, 0.075, 0.1,
      0.05, 0.075, 0.125, 0.15,
      0.15, 0.175, 0.225, 0.25,
      0.2, 0.225, 0.275, 0.3,
    ];
    Array.from(out.data).forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
  });

  it('area 4x2 -> 2x1 averages 2x2 blocks; 3 -> 2 uses fractional coverage', () => {
    const img: Image = { width: 4, height: 2, channels: 1, data: new Float32Array([0, 0.2, 0.4, 0.6, 0.1, 0.3, 0.5, 0.7]) };
    const out = resizeArea(img, 2, 1);
    expect(out.data[0]).toBeCloseTo(0.15, 6);
    expect(out.data[1]).toBeCloseTo(0.55, 6);
    // Row [0, .3, .9] to 2 pixels: each covers 1.5 source pixels: (0 + .5*.3)/1.5 and (.5*.3 + .9)/1.5.
    const frac = resizeArea({ width: 3, height: 1, channels: 1, data: new Float32Array([0, 0.3, 0.9]) }, 2, 1);
    expect(frac.data[0]).toBeCloseTo(0.1, 6);
    expect(frac.data[1]).toBeCloseTo(0.7, 6);
  });

  it('area downscaling averages noise away; bilinear does not', () => {
    const rng = new Rng(7);
    const noise = make(64, 64, 1, () => 0.5 + 0.1 * rng.normal());
    const std = (img: Image) => {
      const m = img.data.reduce((a, b) => a + b, 0) / img.data.length;
      return Math.sqrt(img.data.reduce((a, b) => a + (b - m) ** 2, 0) / img.data.length);
    };
    expect(std(resizeArea(noise, 8, 8))).toBeLessThan(0.1 / 8 * 1.5); // 8x8 blocks: std / 8
    expect(std(resizeBilinear(noise, 8, 8))).toBeGreaterThan(0.05);
  });

  it('rejects a non-positive target size', () => {
    expect(() => resizeBilinear(make(2, 2, 1, () => 0), 0, 3)).toThrow(/positive integers, got 0x3/);
  });
});

describe('patches', () => {
  const img = make(50, 40, 3, (x, y, c) => (x + 100 * y + 10000 * c) / 1e6);

  it('randomPatches: count, size, content at the reported position, reproducible', () => {
    const p = randomPatches(img, 16, 25, new Rng(3));
    expect(p.length).toBe(25);
    for (const q of p) {
      expect([q.width, q.height, q.channels, q.data.length]).toEqual([16, 16, 3, 16 * 16 * 3]);
      expect(q.x).toBeGreaterThanOrEqual(0);
      expect(q.x).toBeLessThanOrEqual(50 - 16);
      expect(q.y).toBeLessThanOrEqual(40 - 16);
      // pixel (5, 7) of the patch, channel 2, is source pixel (x + 5, y + 7)
      expect(q.data[(7 * 16 + 5) * 3 + 2]).toBe(Math.fround((q.x + 5 + 100 * (q.y + 7) + 20000) / 1e6));
    }
    const again = randomPatches(img, 16, 25, new Rng(3));
    expect(again.map((q) => [q.x, q.y])).toEqual(p.map((q) => [q.x, q.y]));
    expect(new Set(p.map((q) => `${q.x},${q.y}`)).size).toBeGreaterThan(15); // positions do vary
    expect(() => randomPatches(img, 41, 1, new Rng(1))).toThrow(/patch size 41 does not fit in a 50x40 image/);
  });

  it('extractPatchesGrid: count and positions', () => {
    // x: 0, 10, 20, 30 (30 + 16 <= 50); y: 0, 10, 20 (20 + 16 <= 40) -> 12 patches.
    const p = extractPatchesGrid(img, 16, 10);
    expect(p.length).toBe(12);
    expect(p.map((q) => [q.x, q.y]).slice(0, 5)).toEqual([[0, 0], [10, 0], [20, 0], [30, 0], [0, 10]]);
    expect(p[11].data[0]).toBe(Math.fround((30 + 100 * 20) / 1e6));
    // DnCNN's setting on a Train400 image: 180x180, patch 40, stride 10 -> 15 x 15 = 225.
    expect(extractPatchesGrid(make(180, 180, 1, () => 0), 40, 10).length).toBe(225);
    expect(extractPatchesGrid(img, 40, 1).length).toBe(11 * 1);
  });

  it('augment8: the 8 modes are distinct, rotations swap sizes, mode 2 is 180 degrees', () => {
    const small = make(3, 2, 1, (x, y) => (x + 3 * y) / 10);
    const outs = Array.from({ length: 8 }, (_, m) => augment8(small, m));
    expect(new Set(outs.map((o) => Array.from(o.data).join())).size).toBe(8);
    expect([outs[1].width, outs[1].height]).toEqual([2, 3]);
    expect(Array.from(outs[2].data)).toEqual(Array.from(small.data).reverse());
    // mode 4 is a horizontal flip
    expect(Array.from(outs[4].data).map((v) => Math.round(v * 10))).toEqual([2, 1, 0, 5, 4, 3]);
  });
});

describe('splitIndices', () => {
  it('partitions 0..n-1 exactly, with the requested sizes', () => {
    const [a, b] = splitIndices(400, [0.6, 0.4], new Rng(1));
    expect(a.length).toBe(240);
    expect(b.length).toBe(160);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    const parts = splitIndices(10, [0.1, 0.2, 0.7], new Rng(2)); // sums to 0.9999999999999999
    expect(parts.map((p) => p.length)).toEqual([1, 2, 7]);
    const odd = splitIndices(7, [0.5, 0.5], new Rng(2));
    expect(odd[0].length + odd[1].length).toBe(7);
  });

  it('puts the rest in an extra part when fractions sum to less than 1', () => {
    const parts = splitIndices(10, [0.8], new Rng(5));
    expect(parts.map((p) => p.length)).toEqual([8, 2]);
    expect(parts.flat().sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('is reproducible for a seed, differs across seeds, and shuffles', () => {
    const s1 = splitIndices(100, [0.5, 0.5], new Rng(42));
    expect(splitIndices(100, [0.5, 0.5], new Rng(42))).toEqual(s1);
    expect(splitIndices(100, [0.5, 0.5], new Rng(43))).not.toEqual(s1);
    expect(s1[0]).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('throws on bad fractions', () => {
    expect(() => splitIndices(10, [0.7, 0.4], new Rng(1))).toThrow(/sum to 1.1\d*, more than 1/);
    expect(() => splitIndices(10, [1.2, -0.2], new Rng(1))).toThrow(/>= 0, got -0.2/);
    expect(() => splitIndices(10, [NaN], new Rng(1))).toThrow(/finite/);
    expect(() => splitIndices(10, [], new Rng(1))).toThrow(/at least one fraction/);
  });
});

describe('encoding', () => {
  it('encodePng round-trips gray and RGB through pngjs and decodeImageBytes', async () => {
    for (const C of [1, 3] as const) {
      const img = make(33, 17, C, (x, y, c) => ((x * 7 + y * 13 + c * 50) % 256) / 255);
      const png = encodePng(img);
      const ref = PNG.sync.read(Buffer.from(png));
      expect([ref.width, ref.height]).toEqual([33, 17]);
      expect(ref.data[4 * 5 + (C === 3 ? 2 : 0)]).toBe((5 * 7 + (C === 3 ? 100 : 0)) % 256);
      const back = await decodeImageBytes(png, 'roundtrip.png');
      expect(back.channels).toBe(C);
      let maxErr = 0;
      back.data.forEach((v, i) => { maxErr = Math.max(maxErr, Math.abs(v - img.data[i])); });
      expect(maxErr).toBeLessThan(1e-6);
    }
  });

  it('encodePng clamps and rounds; re-encoding a real image keeps it and compresses', async () => {
    const img: Image = { width: 3, height: 1, channels: 1, data: new Float32Array([-0.5, 0.5, 2]) };
    expect(Array.from(PNG.sync.read(Buffer.from(encodePng(img))).data.filter((_, i) => i % 4 === 0))).toEqual([0, 128, 255]);
    const orig = read('data/set12/05.png');
    const decoded = await decodeImageBytes(orig, '05.png');
    const again = encodePng(decoded);
    expect(again.length).toBeLessThan(decoded.width * decoded.height * 0.9);
    expect(Array.from((await decodeImageBytes(again, 'again.png')).data)).toEqual(Array.from(decoded.data));
  });

  it('imageToRgba8 expands gray, scales to 0..255 and sets alpha', () => {
    const gray: Image = { width: 2, height: 1, channels: 1, data: new Float32Array([0, 1]) };
    expect(Array.from(imageToRgba8(gray))).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    const rgb: Image = { width: 1, height: 1, channels: 3, data: new Float32Array([0.2, 1.5, -1]) };
    expect(Array.from(imageToRgba8(rgb))).toEqual([51, 255, 0, 255]);
  });
});
