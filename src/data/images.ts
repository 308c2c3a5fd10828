/**
 * The Image type shared by the browser app, the CLI and the tests, with colour conversion and
 * resizing: the core the other data modules build on. Decoding (decode.ts), PNG encoding
 * (png.ts) and patch sampling and splits (patches.ts) live in modules of their own.
 *
 * Pure TypeScript, no DOM or Node globals: loads in the browser and in Node alike.
 */
import { EngineError } from '../engine/errors.ts';

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
