/**
 * Cutting a full-resolution image into tiles for a fully convolutional network, so that no
 * buffer exceeds the device's limits and no dispatch runs long enough to trip a GPU watchdog.
 *
 * Each tile owns a rectangle of output pixels (its core) and feeds the network that core plus a
 * margin of `halo` pixels on every side that is not the image border (clipped there). With
 * `halo` at least the network's receptive-field radius (DnCNN of depth d with 3x3 convs: d), every
 * output pixel of the core sees exactly the input it would see in one pass over the whole image,
 * including the zero padding at the true image border, so the stitched result equals the untiled
 * one (tests/denoise.node-gpu.test.ts checks it). Pure functions: no GPU here.
 */
import { type ModelSpec, traceModel } from './layers.ts';

/** One tile: the output rows/columns it owns [y0, y1) x [x0, x1), and the input it reads [iy0, iy1) x [ix0, ix1). */
export interface Tile {
  y0: number; y1: number; x0: number; x1: number;
  iy0: number; iy1: number; ix0: number; ix1: number;
}

/**
 * Receptive-field radius of a model made only of stride-1 'same' convolutions (sum of
 * kernel / 2 over the layers: 17 for DnCNN-S, 20 for DnCNN-B); null for any other model
 * (pooling, strides, transposed convs), which cannot be tiled exactly.
 */
export function receptiveRadius(spec: ModelSpec): number | null {
  let r = 0;
  for (const l of spec.layers) {
    if (l.type !== 'conv2d' || (l.stride ?? 1) !== 1 || (l.padding ?? 'same') !== 'same') return null;
    r += Math.floor(l.kernel / 2);
  }
  return r;
}

/** Splits n into k nearly equal consecutive parts: the boundaries 0 = b0 < b1 < ... < bk = n. */
function cuts(n: number, k: number): number[] {
  return Array.from({ length: k + 1 }, (_, i) => Math.round((i * n) / k));
}

/**
 * The tiles of an H x W image with cores of at most `tile` x `tile` output pixels (balanced:
 * ceil(H / tile) rows of tiles of nearly equal height, likewise across), each read with `halo`
 * pixels of context, in row-major order. An image no larger than one tile is one tile, read whole.
 */
export function planTiles(height: number, width: number, tile: number, halo: number): Tile[] {
  if (!(Number.isInteger(tile) && tile >= 1)) throw new RangeError(`tile side must be a positive integer, got ${tile}`);
  if (!(Number.isInteger(halo) && halo >= 0)) throw new RangeError(`halo must be an integer >= 0, got ${halo}`);
  const ys = cuts(height, Math.ceil(height / tile));
  const xs = cuts(width, Math.ceil(width / tile));
  const tiles: Tile[] = [];
  for (let i = 0; i + 1 < ys.length; i++) {
    for (let j = 0; j + 1 < xs.length; j++) {
      const [y0, y1, x0, x1] = [ys[i], ys[i + 1], xs[j], xs[j + 1]];
      tiles.push({
        y0, y1, x0, x1,
        iy0: Math.max(0, y0 - halo), iy1: Math.min(height, y1 + halo),
        ix0: Math.max(0, x0 - halo), ix1: Math.min(width, x1 + halo),
      });
    }
  }
  return tiles;
}

/**
 * Work budget of one dispatch, in FLOPs (2 per multiply-add): 2^32, about 4.3 GFLOP. Why: a GPU
 * watchdog (Windows' TDR, 2 s) resets the device when one piece of work runs too long; a weak
 * integrated GPU runs our convs at roughly 100 GFLOP/s, so a dispatch stays under ~50 ms and a
 * whole tile of DnCNN (17-20 dispatches, one submit) under ~1 s. For DnCNN's 64 -> 64 layers
 * (73,728 FLOP per pixel) that is a 241 x 241 input, a core of 207 x 207 at depth 17: the halo
 * then costs about 26% extra work on a 481 x 321 BSD68 image (6 tiles) and 35% on a 12-megapixel
 * photo (300 tiles); `--tile` trades that against the watchdog on a fast GPU.
 */
export const DISPATCH_FLOP_BUDGET = 2 ** 32;

/** FLOPs per pixel of the model's costliest layer (at 1x1: stride-1 'same' convs keep the size): what DISPATCH_FLOP_BUDGET bounds. */
export function costliestLayerFlops(spec: ModelSpec): number {
  return Math.max(...traceModel(spec, 1, 1).map((l) => l.flops), 1);
}

/** The device limits that bound a tile (GPUSupportedLimits has these two). */
export interface TileLimits { maxBufferSize: number; maxStorageBufferBindingSize: number }

export interface TileChoice {
  /** Core side in output pixels. */
  tile: number;
  /** Largest input side a tile reads (core + 2 halo). */
  inputSide: number;
  /** What bounded it, for the log: 'work per dispatch' or 'buffer size'. */
  boundBy: 'work per dispatch' | 'buffer size';
}

/**
 * The default tile for a model on a device: the largest square input whose biggest activation
 * fits one buffer binding (maxStorageBufferBindingSize, maxBufferSize) and whose costliest layer
 * stays within `budget` FLOPs per dispatch; the core is that minus the halo on both sides (at
 * least 16 pixels, so the halo never dominates).
 */
export function defaultTile(spec: ModelSpec, limits: TileLimits, budget = DISPATCH_FLOP_BUDGET): TileChoice {
  const halo = receptiveRadius(spec) ?? 0;
  // Per-pixel cost of each layer at 1x1 (stride-1 'same' convs keep the size): FLOPs, and the widest activation.
  const trace = traceModel(spec, 1, 1);
  const flopsPerPixel = costliestLayerFlops(spec);
  const channels = Math.max(spec.channels, ...trace.map((l) => l.out[2]));
  const maxBytes = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  const byBytes = Math.floor(Math.sqrt(maxBytes / (4 * channels)));
  const byWork = Math.floor(Math.sqrt(budget / flopsPerPixel));
  const inputSide = Math.min(byBytes, byWork);
  return { tile: Math.max(16, inputSide - 2 * halo), inputSide, boundBy: byWork <= byBytes ? 'work per dispatch' : 'buffer size' };
}
