/**
 * conv2d and conv2dTranspose on the GPU: forward and all three gradients against the float64
 * reference (src/engine/reference.ts) for every kernel family (naive, tiled, shared, shared64),
 * each vs naive agreement,
 * hand-computed golden cases, which kernels actually ran, and misuse errors.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as ref from '../src/engine/reference.ts';
import { convTransposeOutputSize, tolerance } from '../src/engine/ops/conv2d.ts';
import { Rng } from '../src/engine/random.ts';
import { familiesFor } from '../src/engine/kernels.ts';
import { convGeometry } from '../src/lab/benchRows.ts';
import { type OpCase, type RefT, checkOp, compare, toleranceShare } from './support/checkOp.ts';
import { b64ToF32, f32ToB64, useGpuPage } from './support/gpu.ts';

const page = useGpuPage();

type Op = 'conv2d' | 'conv2dTranspose';
type Variant = 'naive' | 'tiled' | 'shared' | 'shared64' | 'wide' | 'narrow' | 'quad' | 'window' | 'winograd' | 'winograd4' | 'winograd4-t16' | 'winograd-s2' | 'winograd-s2-t16';
const FAMILIES = ['naive', 'tiled', 'shared', 'shared64', 'wide', 'narrow', 'quad', 'window', 'winograd', 'winograd4', 'winograd4-t16', 'winograd-s2', 'winograd-s2-t16'] as const;
interface ConvSpec {
  N: number; H: number; W: number; CI: number; CO: number; KH: number; KW: number;
  stride: 1 | 2; padding: 'same' | 'valid'; activation: 'none' | 'relu' | 'sigmoid'; bias: boolean;
  /** Ask for x's gradient too (default true; a first layer needs none). */
  dx?: boolean;
}

/** A case name from its shapes, e.g. `conv2d x[2,7,5,3] k3x3 co8 s2 same relu +b`. */
const name = (op: Op, s: ConvSpec) =>
  `${op} x[${s.N},${s.H},${s.W},${s.CI}] k${s.KH}x${s.KW} co${s.CO} s${s.stride} ${s.padding} ${s.activation}${s.bias ? ' +b' : ''}${s.dx === false ? ' (no dx)' : ''}`;

const wShape = (op: Op, s: ConvSpec) => (op === 'conv2d' ? [s.KH, s.KW, s.CI, s.CO] : [s.KH, s.KW, s.CO, s.CI]);

/** A checkOp case for conv2d / conv2dTranspose with every gradient against the float64 reference. */
function convCase(op: Op, s: ConvSpec, variant: Variant): OpCase {
  const o = { stride: s.stride, padding: s.padding, activation: s.activation };
  return {
    op,
    inputs: [
      { shape: [s.N, s.H, s.W, s.CI], grad: s.dx !== false },
      { shape: wShape(op, s), grad: true },
      ...(s.bias ? [{ shape: [s.CO], grad: true }] : []),
    ],
    attrs: { ...o, variant },
    tol: tolerance,
    reference: ([x, w, b], dy) => {
      const bb = b ?? null;
      const y = op === 'conv2d' ? ref.conv2d(x, w, bb, o) : ref.conv2dTranspose(x, w, bb, o);
      if (!dy) return { y, grads: [] };
      const g = op === 'conv2d' ? ref.conv2dBackward(x, w, bb, o, dy) : ref.conv2dTransposeBackward(x, w, bb, o, dy);
      return { y, grads: [g.dx, g.dw, g.db] };
    },
  };
}

// Fixed cases, each run for both ops and every kernel family. What each one is for:
const SPECS: ConvSpec[] = [
  // size-1 everything: 1x1 image, N = Cin = Cout = 1, 1x1 kernel
  { N: 1, H: 1, W: 1, CI: 1, CO: 1, KH: 1, KW: 1, stride: 1, padding: 'same', activation: 'none', bias: true },
  // 1x1 image with a 3x3 'same' kernel (only the centre tap is inside), stride 2
  { N: 1, H: 1, W: 1, CI: 3, CO: 4, KH: 3, KW: 3, stride: 2, padding: 'same', activation: 'relu', bias: true },
  // odd sizes 7x5, batch 2, stride 2 'same' (odd padding pixel at the bottom/right), Cout = 3 (scalar tiled kernels)
  { N: 2, H: 7, W: 5, CI: 2, CO: 3, KH: 3, KW: 3, stride: 2, padding: 'same', activation: 'relu', bias: true },
  // non-square kernel, 'valid' with stride 2 that drops a trailing row, sigmoid, no bias
  { N: 1, H: 7, W: 6, CI: 2, CO: 3, KH: 3, KW: 2, stride: 2, padding: 'valid', activation: 'sigmoid', bias: false },
  // k5 'same', Cin = 1 (a first layer), Cout = 12 (vec4 groups, a half-used 8-channel block), no dx
  { N: 3, H: 9, W: 11, CI: 1, CO: 12, KH: 5, KW: 5, stride: 1, padding: 'same', activation: 'relu', bias: true, dx: false },
  // k7 'same' stride 2 on a small image (most taps in the padding), Cout = 1 (a last layer)
  { N: 2, H: 6, W: 9, CI: 5, CO: 1, KH: 7, KW: 7, stride: 2, padding: 'same', activation: 'sigmoid', bias: true },
  // k7 'valid' on exactly 7x7 (one output pixel), Cin 64: K = 3136 products per output
  { N: 1, H: 7, W: 7, CI: 64, CO: 8, KH: 7, KW: 7, stride: 1, padding: 'valid', activation: 'none', bias: true },
  // 64 -> 64 channels, k3 stride 1 (the DnCNN layer), width 10: a full and a partial 8-pixel block
  { N: 2, H: 5, W: 10, CI: 64, CO: 64, KH: 3, KW: 3, stride: 1, padding: 'same', activation: 'relu', bias: true },
  // k3 stride 2 'same', 32 -> 16 (the REDNet encoder/decoder layer), even size
  { N: 2, H: 8, W: 8, CI: 32, CO: 16, KH: 3, KW: 3, stride: 2, padding: 'same', activation: 'relu', bias: true },
  // k1 stride 2 'valid' (taps skip pixels), channels not multiples of 4 on either side
  { N: 2, H: 5, W: 7, CI: 6, CO: 5, KH: 1, KW: 1, stride: 2, padding: 'valid', activation: 'none', bias: false },
  // non-square 5x3 'valid' stride 1 with 12 -> 8 channels, wide row (three pixel blocks)
  { N: 1, H: 10, W: 19, CI: 12, CO: 8, KH: 5, KW: 3, stride: 1, padding: 'valid', activation: 'none', bias: true },
  // 2x4 kernel, stride 2, 'same' with even kernels (padding before = floor of half of an odd total)
  { N: 1, H: 6, W: 7, CI: 4, CO: 4, KH: 2, KW: 4, stride: 2, padding: 'same', activation: 'sigmoid', bias: false },
  // realistic: DnCNN's 64 -> 64 k3 layer on 16x16 patches, batch 2 (dw sums 512 products)
  { N: 2, H: 16, W: 16, CI: 64, CO: 64, KH: 3, KW: 3, stride: 1, padding: 'same', activation: 'relu', bias: true },
  // realistic: REDNet's strided 32 -> 64 k3 layer on 24x24 patches, batch 2
  { N: 2, H: 24, W: 24, CI: 32, CO: 64, KH: 3, KW: 3, stride: 2, padding: 'same', activation: 'relu', bias: true },
  // split-K weight gradient: 4096 pixels in 4 slices of 32 rows (vec4 kernel, then the sum pass)
  { N: 4, H: 32, W: 32, CI: 5, CO: 8, KH: 3, KW: 3, stride: 1, padding: 'same', activation: 'relu', bias: true },
  // split-K, scalar kernel: 63 (n, oh) rows in 2 slices of 32 and 31, 'valid' taps
  { N: 3, H: 23, W: 50, CI: 3, CO: 3, KH: 3, KW: 3, stride: 1, padding: 'valid', activation: 'none', bias: false },
  // shared tiles: 2 x 9 x 13 = 234 pixels (full and partial 32- and 64-pixel blocks), 72 channels
  // (two full 32-channel blocks and a partial one; a full 64-channel block and a partial one),
  // K = 9 x 20 = 180 (11 full 16-tap steps and a partial one), stride 2 with odd sizes (phases of
  // 5 x 7, 5 x 6, 4 x 7 and 4 x 6 pixels)
  { N: 2, H: 9, W: 13, CI: 20, CO: 72, KH: 3, KW: 3, stride: 2, padding: 'same', activation: 'relu', bias: true },
  // quad kernels at odd sizes: 32 -> 96 channels (three quads of 8-channel blocks; dx's CI = 32, one
  // quad), width 13 (a full and a partial 8-pixel block, the partial one's lanes loading masked
  // pixels), stride 2 (dx's phases), k5
  { N: 2, H: 7, W: 13, CI: 32, CO: 96, KH: 5, KW: 5, stride: 2, padding: 'same', activation: 'relu', bias: true },
  // winograd-s2 past 128 channels summed: the forward's 160 input channels (and the input
  // gradient's 160 of dy) in 5 slices of 32, which its output passes add
  { N: 1, H: 9, W: 7, CI: 160, CO: 32, KH: 3, KW: 3, stride: 2, padding: 'same', activation: 'relu', bias: true },
  { N: 1, H: 9, W: 7, CI: 32, CO: 160, KH: 3, KW: 3, stride: 2, padding: 'same', activation: 'none', bias: true },
  // quad's weight gradient (16 input channels an invocation, 4 a lane): 36 input channels, two full
  // blocks and one of 4 (three lanes of each quad clamped), 'valid' at stride 2
  { N: 2, H: 9, W: 10, CI: 36, CO: 32, KH: 3, KW: 3, stride: 2, padding: 'valid', activation: 'none', bias: true },
  // window (3x3 stride 1, CO <= 4): 11 x 13 (a full and a partial 4-row block, a full and a
  // partial 8-column block), sigmoid; 'valid' (no padding) with CO = 2, one full block and a
  // partial one in each direction
  { N: 2, H: 11, W: 13, CI: 12, CO: 3, KH: 3, KW: 3, stride: 1, padding: 'same', activation: 'sigmoid', bias: true },
  { N: 1, H: 7, W: 19, CI: 5, CO: 2, KH: 3, KW: 3, stride: 1, padding: 'valid', activation: 'relu', bias: false },
  // window's weight gradient split in 2 slices (64 rows of 40 pixels), 9 input channels (a full
  // and a clamped 8-channel block), CO = 4
  { N: 2, H: 32, W: 40, CI: 9, CO: 4, KH: 3, KW: 3, stride: 1, padding: 'same', activation: 'none', bias: true },
  // window1 (CO = 1, CI % 4 == 0): 12 input channels (a full and a half 8-channel block), 40 rows of
  // 23 pixels in 3 slices of its split; 'valid' with 4 channels (one half block)
  { N: 2, H: 20, W: 23, CI: 12, CO: 1, KH: 3, KW: 3, stride: 1, padding: 'same', activation: 'none', bias: true },
  { N: 1, H: 9, W: 14, CI: 4, CO: 1, KH: 3, KW: 3, stride: 1, padding: 'valid', activation: 'sigmoid', bias: true },
  // narrow1 (CI = 1, 3x3 stride 1): 12 output channels (a full and a half 8-channel block), 3 slices; 'valid'
  { N: 2, H: 20, W: 23, CI: 1, CO: 12, KH: 3, KW: 3, stride: 1, padding: 'same', activation: 'relu', bias: true },
  { N: 1, H: 9, W: 14, CI: 1, CO: 4, KH: 3, KW: 3, stride: 1, padding: 'valid', activation: 'none', bias: false },
  // winograd (3x3 stride 1, CI % 4 == 0, CO % 32 == 0): 9 x 11 'same' (a partial last 2x2 tile in
  // each direction; 60 tiles: 7 full 8-tile blocks and a partial one), relu; 'valid' 7 x 10 -> 5 x 8
  // (a partial row of tiles), CI = 12 (three vec4s), CO = 64, sigmoid, no bias. For winograd4 (4x4
  // tiles) the same: 9 x 11 has a last tile of 1 row and 3 columns (18 tiles: 2 full 8-tile blocks
  // and a partial one), 5 x 8 a last row of tiles of 1 row.
  { N: 2, H: 9, W: 11, CI: 8, CO: 32, KH: 3, KW: 3, stride: 1, padding: 'same', activation: 'relu', bias: true },
  { N: 1, H: 7, W: 10, CI: 12, CO: 64, KH: 3, KW: 3, stride: 1, padding: 'valid', activation: 'sigmoid', bias: false },
  // winograd's weight gradient (CI % 8 == 0, CO % 32 == 0) split in 2 slices of 256 tiles
  { N: 2, H: 32, W: 32, CI: 8, CO: 32, KH: 3, KW: 3, stride: 1, padding: 'same', activation: 'none', bias: true },
  // winograd-s2 (3x3 stride 2, CI % 4 == 0, CI <= 128, CO % 32 == 0): 17 x 13 'same' -> 9 x 7 (last
  // 4x4 tiles of 1 row and 3 columns; 12 tiles: a full 8-tile block and a partial one, 16-tile: one
  // partial), padding 1 before; 'valid' 12 x 19 -> 5 x 9, CI = 12 (three vec4s), CO = 64, no bias.
  // Its input gradient (CO <= 128, CI % 32 == 0) in conv2d's dx of the last (5 x 6, padding 1
  // before: dx's 8x8 tiles start at row and column -1) and conv2dTranspose's forward of the first
  // two (the conv it is the adjoint of has 32 and 64 input channels: 8x8 tiles of 17 x 13 and 12 x 19).
  { N: 2, H: 17, W: 13, CI: 8, CO: 32, KH: 3, KW: 3, stride: 2, padding: 'same', activation: 'relu', bias: true },
  { N: 1, H: 12, W: 19, CI: 12, CO: 64, KH: 3, KW: 3, stride: 2, padding: 'valid', activation: 'sigmoid', bias: false },
  { N: 2, H: 5, W: 6, CI: 32, CO: 8, KH: 3, KW: 3, stride: 2, padding: 'same', activation: 'none', bias: true },
];

/** Seeded random cases: every kernel size 1..7 (square or not), stride, padding, activation, bias. */
function randomSpecs(seed: number, count: number): ConvSpec[] {
  const rng = new Rng(seed);
  const pick = <T>(a: readonly T[]): T => a[rng.int(0, a.length - 1)];
  const out: ConvSpec[] = [];
  while (out.length < count) {
    const KH = rng.int(1, 7);
    const KW = rng.next() < 0.3 ? rng.int(1, 7) : KH;
    const padding = pick(['same', 'valid'] as const);
    const H = rng.int(padding === 'valid' ? KH : 1, KH + 9);
    const W = rng.int(padding === 'valid' ? KW : 1, KW + 9);
    out.push({
      N: rng.int(1, 3), H, W, CI: pick([1, 2, 3, 4, 5, 8, 12, 16]), CO: pick([1, 2, 3, 4, 6, 8, 12, 16]), KH, KW,
      stride: pick([1, 2] as const), padding, activation: pick(['none', 'relu', 'sigmoid'] as const), bias: rng.next() < 0.7,
    });
  }
  return out;
}
const RANDOM = randomSpecs(2024, 12);

let worstShare = 0;
let worstCase = '';
let checks = 0;
afterAll(() => {
  console.log(`conv: ${checks} GPU-vs-reference checks, worst error ${(worstShare * 100).toFixed(1)}% of the tolerance (${worstCase})`);
});

/**
 * Whether family v has a kernel of its own for some role of this case (on SwiftShader, which has
 * subgroups): where it has none, the op runs the tiled kernels, which the 'tiled' pass checks
 * already (the fallback itself: 'kernel selection' below).
 */
function servesCase(op: Op, s: ConvSpec, v: Variant): boolean {
  if (v === 'naive' || v === 'tiled') return true;
  const k = s.KH, st = s.stride;
  // The geometry of the conv the kernels run: the layer's own, or for a transposed conv the conv it is the adjoint of.
  // Only the channels, kernel sizes and stride matter to the families' conditions.
  const up = (n: number) => convTransposeOutputSize(n, k, st, s.padding).out;
  const d = op === 'conv2d' ? convGeometry(s.N, s.H, s.W, s.CI, s.CO, k, st, s.padding) : convGeometry(s.N, up(s.H), up(s.W), s.CO, s.CI, k, st, s.padding);
  d.KW = s.KW;
  const subgroups = new Set(['subgroups']);
  return (['forward', 'input-grad', 'weight-grad'] as const).some((role) => familiesFor('conv2d', role, d, subgroups).includes(v));
}

describe('conv vs the float64 reference (forward, dx, dw, db)', () => {
  for (const op of ['conv2d', 'conv2dTranspose'] as const) {
    SPECS.concat(RANDOM).forEach((s, i) => {
      it(`${name(op, s)}`, async () => {
        for (const v of FAMILIES) {
          if (!servesCase(op, s, v)) continue;
          const { share } = await checkOp(page(), convCase(op, s, v), 100 + i);
          checks++;
          if (share > worstShare) { worstShare = share; worstCase = `${name(op, s)} ${v}`; }
        }
      });
    });
  }
});

/** Runs an op in the page with the given inputs and dy; returns y and the gradients. */
async function runOnGpu(op: Op, inputs: RefT[], dy: RefT, attrs: Record<string, unknown>) {
  const res = await page().evaluate((req) => window.h.runOp(req), {
    op,
    inputs: inputs.map((t) => ({ b64: f32ToB64(t.data), shape: t.shape, grad: true })),
    attrs,
    dy: f32ToB64(dy.data),
  });
  return { y: b64ToF32(res.y.b64), shape: res.y.shape, grads: res.grads.map((g) => (g === null ? null : b64ToF32(g))) };
}

describe('tiled and shared vs naive on identical inputs', () => {
  const specs: ConvSpec[] = [
    { N: 2, H: 9, W: 13, CI: 16, CO: 24, KH: 3, KW: 3, stride: 1, padding: 'same', activation: 'relu', bias: true },
    { N: 1, H: 12, W: 11, CI: 8, CO: 7, KH: 5, KW: 3, stride: 2, padding: 'same', activation: 'none', bias: true },
    { N: 3, H: 8, W: 9, CI: 3, CO: 32, KH: 4, KW: 4, stride: 2, padding: 'valid', activation: 'sigmoid', bias: true },
    // Narrow outputs (conv2d_narrow's forward): 9 taps of 64 and 128 input channels take two and
    // three stages of weights in workgroup memory; a first layer's input gradient (one channel from
    // 64: conv2d_transpose_narrow, two stages).
    { N: 2, H: 6, W: 7, CI: 64, CO: 1, KH: 3, KW: 3, stride: 1, padding: 'same', activation: 'none', bias: true },
    { N: 1, H: 7, W: 6, CI: 128, CO: 3, KH: 3, KW: 3, stride: 2, padding: 'same', activation: 'relu', bias: true },
    { N: 2, H: 7, W: 9, CI: 1, CO: 64, KH: 3, KW: 3, stride: 1, padding: 'same', activation: 'relu', bias: true },
    // The quad family: 32 -> 64 and 64 -> 32, width 11 (a partial pixel block).
    { N: 2, H: 6, W: 11, CI: 32, CO: 64, KH: 3, KW: 3, stride: 1, padding: 'same', activation: 'relu', bias: true },
    { N: 1, H: 9, W: 11, CI: 64, CO: 32, KH: 3, KW: 3, stride: 2, padding: 'same', activation: 'none', bias: true },
    // The window family: a last layer 32 -> 1 and 16 -> 4, 3x3 stride 1.
    { N: 2, H: 10, W: 17, CI: 32, CO: 1, KH: 3, KW: 3, stride: 1, padding: 'same', activation: 'none', bias: true },
    { N: 1, H: 5, W: 8, CI: 16, CO: 4, KH: 3, KW: 3, stride: 1, padding: 'same', activation: 'sigmoid', bias: true },
  ];
  for (const op of ['conv2d', 'conv2dTranspose'] as const) {
    for (const s of specs) {
      it(name(op, s), async () => {
        const rng = new Rng(7);
        const rand = (shape: number[]): RefT => ({ shape, data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.fround(rng.uniform(-1, 1))) });
        const inputs = [rand([s.N, s.H, s.W, s.CI]), rand(wShape(op, s)), rand([s.CO])];
        const o = { stride: s.stride, padding: s.padding, activation: s.activation };
        const yShape = (op === 'conv2d' ? ref.conv2d(inputs[0], inputs[1], null, o) : ref.conv2dTranspose(inputs[0], inputs[1], null, o)).shape;
        const dy = rand(yShape);
        const naive = await runOnGpu(op, inputs, dy, { ...o, variant: 'naive' });
        for (const v of ['tiled', 'shared', 'shared64', 'wide', 'narrow', 'quad', 'window', 'winograd', 'winograd4', 'winograd4-t16', 'winograd-s2', 'winograd-s2-t16'] as const) {
          const got = await runOnGpu(op, inputs, dy, { ...o, variant: v });
          expect(got.shape).toEqual(naive.shape);
          const problems = [
            compare(`${v} y`, naive.shape, got.y, naive.y, tolerance),
            ...['dx', 'dw', 'db'].map((what, i) => compare(`${v} ${what}`, inputs[i].shape, got.grads[i]!, naive.grads[i]!, tolerance)),
          ].filter((p) => p !== null);
          expect(problems.join('\n')).toBe('');
          // Different summation orders, so not bit-identical in general, but close.
          expect(toleranceShare(got.y, naive.y, tolerance)).toBeLessThan(0.5);
        }
      });
    }
  }
});

describe('golden cases (hand-computed)', () => {
  it('conv2d x[1,3,3,1] w[2,2,1,1] b[1] valid s1: y, dx, dw, db', async () => {
    const x = { shape: [1, 3, 3, 1], data: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]) };
    const w = { shape: [2, 2, 1, 1], data: Float64Array.from([1, 2, 3, 4]) };
    const b = { shape: [1], data: Float64Array.from([1]) };
    const dy = { shape: [1, 2, 2, 1], data: Float64Array.from([1, -1, 2, 0.5]) };
    for (const variant of FAMILIES) {
      const r = await runOnGpu('conv2d', [x, w, b], dy, { padding: 'valid', variant });
      expect(r.shape).toEqual([1, 2, 2, 1]);
      // y[i,j] = 1 + x[i,j]*1 + x[i,j+1]*2 + x[i+1,j]*3 + x[i+1,j+1]*4
      expect(Array.from(r.y)).toEqual([38, 48, 68, 78]);
      // dx[a,b] = sum_{i,j} dy[i,j] * w[a-i, b-j]
      expect(Array.from(r.grads[0]!)).toEqual([1, 1, -2, 5, 5.5, -3, 6, 9.5, 2]);
      // dw[p,q] = sum_{i,j} x[i+p, j+q] * dy[i,j]
      expect(Array.from(r.grads[1]!)).toEqual([9.5, 12, 17, 19.5]);
      expect(Array.from(r.grads[2]!)).toEqual([2.5]);
    }
  });

  it('conv2dTranspose x[1,2,2,1] w[2,2,1,1] valid s2: each input pixel stamps w scaled', async () => {
    const x = { shape: [1, 2, 2, 1], data: Float64Array.from([1, 2, 3, 4]) };
    const w = { shape: [2, 2, 1, 1], data: Float64Array.from([1, 2, 3, 4]) };
    const dy = { shape: [1, 4, 4, 1], data: new Float64Array(16).fill(1) };
    for (const variant of FAMILIES) {
      const r = await runOnGpu('conv2dTranspose', [x, w], dy, { stride: 2, padding: 'valid', variant });
      expect(r.shape).toEqual([1, 4, 4, 1]);
      expect(Array.from(r.y)).toEqual([1, 2, 2, 4, 3, 4, 6, 8, 3, 6, 4, 8, 9, 12, 12, 16]);
      // dy = 1 everywhere: dx[i,j] = sum w = 10, dw[p,q] = sum x = 10.
      expect(Array.from(r.grads[0]!)).toEqual([10, 10, 10, 10]);
      expect(Array.from(r.grads[1]!)).toEqual([10, 10, 10, 10]);
    }
  });

  it("conv2dTranspose x[1,1,2,1] w[1,3,1,1] same s2: Keras crops nothing before (PyTorch's padding=1 would shift it left)", async () => {
    const x = { shape: [1, 1, 2, 1], data: Float64Array.from([1, 10]) };
    const w = { shape: [1, 3, 1, 1], data: Float64Array.from([1, 2, 3]) };
    const dy = { shape: [1, 2, 4, 1], data: Float64Array.from([1, 0, 0, 0, 0, 0, 0, 0]) };
    for (const variant of FAMILIES) {
      const r = await runOnGpu('conv2dTranspose', [x, w], dy, { stride: 2, padding: 'same', variant });
      // out = 2x4; pad before = floor(max(k - s, 0) / 2) = 0 on both dims. Row 0 gets
      // x[0]*w = [1, 2, 3] at columns 0..2 plus x[1]*w = [10, 20, 30] at columns 2..4 (4 cropped);
      // row 1 is reached by no tap of a 1-row kernel. PyTorch (padding=1, output_padding=1) would
      // give row 0 = [2, 13, 20, 30].
      expect(r.shape).toEqual([1, 2, 4, 1]);
      expect(Array.from(r.y)).toEqual([1, 2, 13, 20, 0, 0, 0, 0]);
    }
  });
});

describe('weight and bias gradients added into a gradient that exists', () => {
  it('a second backward doubles dw and db exactly (split sums add in place; whole ones through accumulate)', async () => {
    const r = await page().evaluate(async () => {
      const e = window.engine;
      const rt = e.runtime();
      const out: Record<string, { same: boolean; ran: string }> = {};
      // 2 x 40 x 40 pixels: the tiled weight gradient and the bias gradient are split in slices
      // (conv2d_backward_filter_sum); naive and winograd write theirs whole.
      for (const [name, op, ci, co, variant] of [
        ['tiled', 'conv2d', 8, 8, 'tiled'], ['window1', 'conv2d', 8, 1, 'window'], ['naive', 'conv2d', 4, 4, 'naive'],
        ['winograd', 'conv2d', 8, 32, 'winograd'], ['transpose', 'conv2dTranspose', 8, 4, 'tiled'],
      ] as const) {
        let s = 1;
        const rnd = (n: number) => Float32Array.from({ length: n }, () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648 - 0.5; });
        const x = e.tensor(rnd(2 * 40 * 40 * ci), [2, 40, 40, ci]);
        const w = e.requireGrad(e.tensor(rnd(9 * ci * co), op === 'conv2d' ? [3, 3, ci, co] : [3, 3, co, ci]));
        const b = e.requireGrad(e.tensor(rnd(co), [co]));
        const dy = e.tensor(rnd(2 * 40 * 40 * co), [2, 40, 40, co]);
        const grads: number[][] = [];
        const ran: string[] = [];
        for (let k = 0; k < 2; k++) {
          const y = op === 'conv2d' ? e.conv2d(x, w, b, { variant }) : e.conv2dTranspose(x, w, b, { variant });
          rt.onDispatch = (n) => { if (k === 1) ran.push(n); };
          e.backward(y, dy);
          rt.onDispatch = null;
          grads.push([...(await w.grad!.read()), ...(await b.grad!.read())]);
          y.dispose();
        }
        out[name] = { same: grads[1].every((v, i) => v === 2 * grads[0][i]) && grads[0].some((v) => v !== 0), ran: ran.join(' ') };
      }
      return out;
    });
    for (const [name, v] of Object.entries(r)) expect(v.same, `${name}: ${v.ran}`).toBe(true);
    // Split sums add in place: no accumulate pass after them; whole gradients keep theirs.
    expect(r.tiled.ran).toMatch(/conv2d_backward_filter_sum.*conv2d_bias_grad conv2d_backward_filter_sum$/);
    expect(r.tiled.ran).not.toContain('accumulate');
    expect(r.naive.ran).toContain('accumulate');
  });
});

describe('kernel selection', () => {
  it('the variant option and setConvVariant pick the kernels; CO % 4 picks vec4 or scalar tiled kernels', async () => {
    const r = await page().evaluate(async () => {
      const e = window.engine;
      const rt = e.runtime();
      const ran: string[] = [];
      rt.onDispatch = (k) => { if (k.startsWith('conv2d')) ran.push(k); };
      const run = (co: number, opts: Record<string, unknown>, ci = 4) => {
        const x = e.requireGrad(e.tensor(new Float32Array(2 * 5 * 5 * ci).fill(0.5), [2, 5, 5, ci]));
        const w = e.requireGrad(e.tensor(new Float32Array(9 * ci * co).fill(0.25), [3, 3, ci, co]));
        const b = e.requireGrad(e.tensor(new Float32Array(co), [co]));
        const y = e.conv2d(x, w, b, opts);
        e.backward(y, e.tensor(new Float32Array(y.size).fill(1), y.shape));
        for (const t of [x, w, b]) { t.grad?.dispose(); t.dispose(); }
        y.dispose();
        const out = ran.splice(0);
        return out.join(' ');
      };
      const before = e.getConvVariant();
      const res = {
        before,
        tiled4: run(8, { variant: 'tiled' }),
        tiled3: run(3, { variant: 'tiled' }),
        naive: run(8, { variant: 'naive' }),
        defaultNaive: (e.setConvVariant('naive'), run(8, {})),
        defaultTiled: (e.setConvVariant('tiled'), run(8, {})),
        shared4: run(8, { variant: 'shared' }),
        shared3: run(3, { variant: 'shared' }),
        // quad needs CO % 32 == 0 (dx: CI % 32 == 0, here 4): tiled where that fails
        quad32: run(32, { variant: 'quad' }),
        quad8: run(8, { variant: 'quad' }),
        // window: the forward of a 3x3 stride-1 conv with CO <= 4; tiled for the rest
        window3: run(3, { variant: 'window' }),
        // window1: one output channel over 4 input channels a step (CI % 4 == 0), forward and dw
        window1: run(1, { variant: 'window' }),
        window1ci3: run(1, { variant: 'window' }, 3),
        // winograd: a 3x3 stride-1 conv's forward (CI % 4 == 0, CO % 32 == 0: its four passes) and
        // input gradient (CO % 4 == 0, CI % 32 == 0; here CI = 4: tiled); tiled for the rest
        winograd32: run(32, { variant: 'winograd' }),
        winograd8: run(8, { variant: 'winograd' }),
        winograd4_32: run(32, { variant: 'winograd4' }),
        winograd4_8: run(8, { variant: 'winograd4' }),
        winograd4t16_32: run(32, { variant: 'winograd4-t16' }),
        winograd4t16_8: run(8, { variant: 'winograd4-t16' }),
        // winograd-s2: a 3x3 stride-2 conv's forward (CI % 4 == 0, CO % 32 == 0); tiled for the rest, and at stride 1
        winogradS2_32: run(32, { variant: 'winograd-s2', stride: 2 }),
        winogradS2_8: run(8, { variant: 'winograd-s2', stride: 2 }),
        winogradS2t16_32: run(32, { variant: 'winograd-s2-t16', stride: 2 }),
        winogradS2_s1: run(32, { variant: 'winograd-s2' }),
        // and its input gradient (CO % 4 == 0, CO <= 128, CI % 32 == 0)
        winogradS2dx: run(8, { variant: 'winograd-s2', stride: 2 }, 32),
        winogradS2t16dx: run(8, { variant: 'winograd-s2-t16', stride: 2 }, 32),
        subgroups: rt.ctx.device.features.has('subgroups'),
        // 'auto' with no measured choice for these shapes: tiled
        auto: (e.clearTuned(), e.setConvVariant('auto'), run(8, {})),
        // 'auto' after a choice: shared for the forward only
        autoTuned: (e.setTuned(e.currentAdapterKey(), { [e.shapeKey('forward', { N: 2, H: 5, W: 5, CI: 4, OH: 5, OW: 5, CO: 8, KH: 3, KW: 3, S: 1, PT: 1, PL: 1 })]: 'shared' }), run(8, {})),
        transposeTiled: '',
      };
      const x = e.requireGrad(e.tensor(new Float32Array(5 * 5 * 3), [1, 5, 5, 3]));
      const w = e.requireGrad(e.tensor(new Float32Array(9 * 8 * 3), [3, 3, 8, 3]));
      const y = e.conv2dTranspose(x, w, null, { stride: 2 });
      e.backward(y, e.tensor(new Float32Array(y.size).fill(1), y.shape));
      res.transposeTiled = ran.splice(0).join(' ');
      for (const t of [x, w]) { t.grad?.dispose(); t.dispose(); }
      y.dispose();
      e.setConvVariant(before);
      e.clearTuned();
      rt.onDispatch = null;
      return res;
    });
    expect(r.before).toBe('auto');
    // Backward order: dx (transposed), dw (filter), db (bias); no activation, so no dz kernel.
    expect(r.tiled4).toBe('conv2d_tiled conv2d_transpose_tiled conv2d_backward_filter_tiled conv2d_bias_grad');
    expect(r.tiled3).toBe('conv2d_tiled_scalar conv2d_transpose_tiled_scalar conv2d_backward_filter_tiled_scalar conv2d_bias_grad');
    expect(r.naive).toBe('conv2d conv2d_transpose conv2d_backward_filter conv2d_bias_grad');
    expect(r.defaultNaive).toBe(r.naive);
    expect(r.defaultTiled).toBe(r.tiled4);
    // The shared family has no weight gradient of its own: dw is the tiled one, at any CO.
    expect(r.shared4).toBe('conv2d_shared conv2d_transpose_shared conv2d_backward_filter_tiled conv2d_bias_grad');
    expect(r.shared3).toBe('conv2d_shared conv2d_transpose_shared conv2d_backward_filter_tiled_scalar conv2d_bias_grad');
    // The suite's adapters (SwiftShader in Chromium and in Node's Dawn) have subgroups: quad runs.
    expect(r.subgroups).toBe(true);
    expect(r.quad32).toBe('conv2d_tiled_quad conv2d_transpose_tiled conv2d_backward_filter_tiled_quad conv2d_bias_grad');
    expect(r.quad8).toBe(r.tiled4);
    expect(r.window3).toBe('conv2d_window conv2d_transpose_window conv2d_backward_filter_window conv2d_bias_grad');
    expect(r.window1).toBe('conv2d_window1 conv2d_transpose_window conv2d_backward_filter_window1 conv2d_bias_grad');
    expect(r.window1ci3).toBe('conv2d_window conv2d_transpose_window conv2d_backward_filter_window conv2d_bias_grad');
    expect(r.winograd32).toBe('conv2d_winograd_weights conv2d_winograd_input conv2d_winograd conv2d_winograd_output conv2d_transpose_tiled conv2d_backward_filter_tiled conv2d_bias_grad');
    expect(r.winograd8).toBe(r.tiled4);
    // winograd4: the same passes at F(4x4, 3x3) (the product pass is conv2d_winograd's, at 36 points).
    expect(r.winograd4_32).toBe('conv2d_winograd4_weights conv2d_winograd4_input conv2d_winograd conv2d_winograd4_output conv2d_transpose_tiled conv2d_backward_filter_tiled conv2d_bias_grad');
    expect(r.winograd4_8).toBe(r.tiled4);
    // winograd4-t16: winograd4's passes with the 16-tile product pass in place of conv2d_winograd.
    expect(r.winograd4t16_32).toBe(r.winograd4_32.replace(' conv2d_winograd ', ' conv2d_winograd_t16 '));
    expect(r.winograd4t16_8).toBe(r.tiled4);
    // winograd-s2: its own weights, input and output passes around conv2d_winograd's product (81 points).
    expect(r.winogradS2_32).toBe('conv2d_winograd_s2_weights conv2d_winograd_s2_input conv2d_winograd conv2d_winograd_s2_output conv2d_transpose_tiled conv2d_backward_filter_tiled conv2d_bias_grad');
    expect(r.winogradS2_8).toBe(r.tiled4);
    expect(r.winogradS2t16_32).toBe(r.winogradS2_32.replace(' conv2d_winograd ', ' conv2d_winograd_t16 '));
    expect(r.winogradS2_s1).toBe(r.tiled4);
    expect(r.winogradS2dx).toBe('conv2d_tiled conv2d_transpose_winograd_s2 conv2d_transpose_winograd_s2_input conv2d_winograd conv2d_transpose_winograd_s2_output conv2d_backward_filter_tiled conv2d_bias_grad');
    expect(r.winogradS2t16dx).toBe(r.winogradS2dx.replace(' conv2d_winograd ', ' conv2d_winograd_t16 '));
    expect(r.auto).toBe(r.tiled4);
    expect(r.autoTuned).toBe('conv2d_shared conv2d_transpose_tiled conv2d_backward_filter_tiled conv2d_bias_grad');
    // conv2dTranspose with Cin_t = 3 (the reduction): scalar transposed forward; dx = conv forward
    // with CO = Cin_t = 3 (scalar); dw = filter gradient with CO = 3 (scalar).
    expect(r.transposeTiled).toBe('conv2d_transpose_tiled_scalar conv2d_tiled_scalar conv2d_backward_filter_tiled_scalar');
  });

  // 4096 pixels of 0.5 against dy = 1: dw[kh,kw,ci,co] = 0.5 * (pixels whose tap lands inside), exact
  // in float32. The tiled kernels split by rows of pixels, the wide one in four slices of 1024 pixels
  // for its one 64 x 64 block of dw (the fewest pixels a slice keeps).
  for (const [variant, kernels] of [
    ['tiled', 'conv2d_tiled conv2d_backward_filter_tiled conv2d_backward_filter_sum'],
    ['wide', 'conv2d_wide conv2d_backward_filter_wide conv2d_backward_filter_sum'],
  ] as const) {
    it(`a long pixel sum splits the ${variant} weight gradient (split-K): ${kernels}`, async () => {
      const ran = await page().evaluate(async (variant) => {
        const e = window.engine;
        const rt = e.runtime();
        const out: string[] = [];
        rt.onDispatch = (k) => { if (k.startsWith('conv2d')) out.push(k); };
        const x = e.tensor(new Float32Array(4 * 32 * 32 * 5).fill(0.5), [4, 32, 32, 5]);
        const w = e.requireGrad(e.tensor(new Float32Array(9 * 5 * 8).fill(0.25), [3, 3, 5, 8]));
        const y = e.conv2d(x, w, null, { variant });
        e.backward(y, e.tensor(new Float32Array(y.size).fill(1), y.shape));
        const dw = await w.grad!.read();
        for (const t of [x, w, y]) t.dispose();
        rt.onDispatch = null;
        const split = e.wideFilterSplit({ N: 4, H: 32, W: 32, CI: 5, OH: 32, OW: 32, CO: 8, KH: 3, KW: 3, S: 1, PT: 1, PL: 1 });
        return { kernels: out.join(' '), split, dw0: dw[0], dwCenter: dw[4 * 5 * 8] };
      }, variant);
      expect(ran.kernels).toBe(kernels);
      if (variant === 'wide') expect(ran.split).toEqual({ KS: 4, MPER: 1024 });
      expect(ran.dwCenter).toBe(0.5 * 4 * 32 * 32);
      expect(ran.dw0).toBe(0.5 * 4 * 31 * 31);
    });
  }

  it('a small output with a long tap sum splits the wide forward (split-K): conv2d_wide in slices, then conv2d_split_sum adds bias and activation', async () => {
    const ran = await page().evaluate(async () => {
      const e = window.engine;
      const rt = e.runtime();
      const out: string[] = [];
      rt.onDispatch = (k) => { if (k.startsWith('conv2d')) out.push(k); };
      // K = 3*3*32 = 288 taps = 18 steps of 16: four slices of 5 steps (the last 3).
      const x = e.tensor(new Float32Array(4 * 4 * 32).fill(0.5), [1, 4, 4, 32]);
      const w = e.tensor(new Float32Array(9 * 32 * 8).fill(0.25), [3, 3, 32, 8]);
      const b = e.tensor(new Float32Array(8).fill(-20), [8]);
      const y = e.conv2d(x, w, b, { variant: 'wide', activation: 'relu' });
      const v = await y.read();
      for (const t of [x, w, b, y]) t.dispose();
      rt.onDispatch = null;
      return { kernels: out.join(' '), split: e.wideSplit({ N: 1, H: 4, W: 4, CI: 32, OH: 4, OW: 4, CO: 8, KH: 3, KW: 3, S: 1, PT: 1, PL: 1 }), corner: v[0], edge: v[8], center: v[(4 + 1) * 8] };
    });
    expect(ran.split).toEqual({ KS: 4, KPER: 80 });
    expect(ran.kernels).toBe('conv2d_wide conv2d_split_sum');
    // y = relu(-20 + 0.125 * 32 * taps inside): exact in float32; the bias and relu come after the
    // slices are added (each slice's partial sum alone is positive).
    expect(ran.center).toBe(16);
    expect(ran.edge).toBe(4);
    expect(ran.corner).toBe(0);
  });
});

describe('misuse gets a ShapeError naming the problem', () => {
  it('bad ranks, channels, bias, stride, kernel, padding, activation, variant', async () => {
    const errors = await page().evaluate(() => {
      const e = window.engine;
      const made: { dispose(): void }[] = [];
      const t = (shape: number[]) => { const x = e.empty(shape); made.push(x); return x; };
      const errorOf = (f: () => unknown) => {
        try { const y = f() as { dispose?: () => void }; y?.dispose?.(); return 'no error'; } catch (err) { return `${(err as Error).name}: ${(err as Error).message}`; }
      };
      const x = t([1, 5, 5, 3]);
      const w = t([3, 3, 3, 8]);
      const res = [
        errorOf(() => e.conv2d(t([5, 5, 3]), w, null)),
        errorOf(() => e.conv2d(x, t([3, 3, 3]), null)),
        errorOf(() => e.conv2d(x, t([3, 3, 4, 8]), null)),
        errorOf(() => e.conv2d(x, w, t([7]))),
        errorOf(() => e.conv2d(x, w, t([1, 8]))),
        errorOf(() => e.conv2d(x, w, null, { stride: 3 })),
        errorOf(() => e.conv2d(x, t([8, 8, 3, 8]), null)),
        errorOf(() => e.conv2d(x, w, null, { padding: 'full' as 'same' })),
        errorOf(() => e.conv2d(t([1, 2, 5, 3]), w, null, { padding: 'valid' })),
        errorOf(() => e.conv2d(x, w, null, { activation: 'tanh' as 'relu' })),
        errorOf(() => e.conv2d(x, w, null, { variant: 'fast' as 'tiled' })),
        errorOf(() => e.conv2dTranspose(x, w, null)),
        errorOf(() => e.conv2dTranspose(t([1, 5, 5, 8]), w, t([8]))),
        errorOf(() => e.setConvVariant('fast' as 'tiled')),
      ];
      for (const m of made) m.dispose();
      return res;
    });
    expect(errors).toEqual([
      'ShapeError: conv2d: x must be 4-D [N, H, W, C], got [5,5,3]',
      'ShapeError: conv2d: w must be 4-D [KH, KW, Cin, Cout], got [3,3,3]',
      'ShapeError: conv2d: x has 3 channels but w [3,3,4,8] ([KH, KW, Cin, Cout]) expects 4',
      'ShapeError: conv2d: bias must have shape [8] (Cout of w [3,3,3,8]), got [7]',
      'ShapeError: conv2d: bias must have shape [8] (Cout of w [3,3,3,8]), got [1,8]',
      'ShapeError: conv2d: stride must be 1 or 2, got 3',
      'ShapeError: conv2d: kernel sizes 1..7 are supported, got 8x8 (w [8,8,3,8])',
      "ShapeError: conv2d: padding must be 'same' or 'valid', got 'full'",
      "ShapeError: conv2d: 'valid' padding needs the input (2) to be at least the kernel size (3)",
      "ShapeError: conv2d: activation must be 'none', 'relu' or 'sigmoid', got 'tanh'",
      "ShapeError: conv2d: variant must be 'naive', 'tiled', 'shared', 'shared64', 'wide', 'narrow', 'quad', 'window', 'winograd', 'winograd4', 'winograd4-t16', 'winograd-s2', 'winograd-s2-t16', 'auto', got 'fast'",
      'ShapeError: conv2dTranspose: x has 3 channels but w [3,3,3,8] ([KH, KW, Cout, Cin]) expects 8',
      'ShapeError: conv2dTranspose: bias must have shape [3] (Cout of w [3,3,3,8]), got [8]',
      "ShapeError: setConvVariant: variant must be 'naive', 'tiled', 'shared', 'shared64', 'wide', 'narrow', 'quad', 'window', 'winograd', 'winograd4', 'winograd4-t16', 'winograd-s2', 'winograd-s2-t16', 'auto', got 'fast'",
    ]);
  });
});
