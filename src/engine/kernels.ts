/**
 * The kernel table: one plain-data row per `.wgsl` file in src/shaders. The runtime computes
 * dispatch sizes from it, ops pick their variant from it, and the lab (lab.html) and the benchmark
 * (`npm run bench`) iterate it. tests/kernels.node.test.ts checks every row against the file's
 * reflection (wgsl_reflect) and header, and that every file has a row.
 *
 * Shapes ("dims") are plain records of integers. Conv rows take the conv geometry of
 * src/engine/ops/conv2d.ts: the conv [N,H,W,CI] -> [N,OH,OW,CO], weights [KH,KW,CI,CO], stride S,
 * padding before PT/PL. Its transposed conv and gradients are phrased in that same geometry.
 * Elementwise rows take { count }. FLOP = 2 per multiply-add; bytes = each tensor read or written
 * once (the compulsory traffic, what a roofline divides by).
 */

export type Dims = Record<string, number>;
export type Role = 'forward' | 'input-grad' | 'weight-grad' | 'bias-grad' | 'optimizer' | 'metric' | 'data' | 'autograd';
/** Kernel families: naive (one output an invocation), tiled (register tiles, no workgroup memory:
 * what CPU adapters want), shared and shared64 (workgroup-memory tiles of 32 x 32 and 64 x 64
 * outputs: what real GPUs usually want, the larger for larger layers), wide (forward and weight
 * gradient: 64 x 64 tiles for workgroups of 256, loads issued a step ahead, split-K) and narrow
 * (few channels: the forward and input gradient with outputs of at most 4 channels, a pixel an
 * invocation, weights in workgroup memory; the weight gradient of at most 4 input channels,
 * register tiles over dw's (tap, channel) rows), quad (the tiled kernels with each quad of
 * invocations sharing its input loads by quadBroadcast: adapters with the subgroups feature, at
 * 32-channel multiples; the weight gradient also CI % 4 == 0), window (a 3x3 stride-1 conv with
 * at most 4 output channels, all three roles, as register tiles that slide the window over loaded
 * input: a last layer on a CPU adapter)
 * winograd (all three roles of a 3x3 stride-1 conv by Winograd F(2x2, 3x3): 2.25x fewer
 * multiply-adds, in four passes whose product pass shares loads as quad does) and winograd4 (the
 * forward and input gradient by F(4x4, 3x3): 4x fewer, the same product pass at 36 points instead
 * of 16; no weight gradient, which F(3x3, 4x4) rounds too much for), and winograd4-t16 (winograd4
 * with a product pass of 16 tiles an invocation instead of 8: a tile variant, DERIVED below),
 * winograd-s2 (the forward and input gradient of a 3x3 stride-2 conv by a 9-point Winograd
 * algorithm per dimension: 81 multiply-adds per 4x4 block of outputs (8x8 of dx) and channel pair
 * instead of 144, the same product pass at 81 points; no weight gradient) and winograd-s2-t16 (its
 * tile variant). */
export type Variant = 'naive' | 'tiled' | 'tiled-scalar' | 'shared' | 'shared64' | 'wide' | 'narrow' | 'quad' | 'window' | 'winograd' | 'winograd4' | 'winograd-s2' | 'only';
export type Family = 'naive' | 'tiled' | 'shared' | 'shared64' | 'wide' | 'narrow' | 'quad' | 'window' | 'winograd' | 'winograd4' | 'winograd4-t16' | 'winograd-s2' | 'winograd-s2-t16';
export const FAMILIES: readonly Family[] = ['naive', 'tiled', 'shared', 'shared64', 'wide', 'narrow', 'quad', 'window', 'winograd', 'winograd4', 'winograd4-t16', 'winograd-s2', 'winograd-s2-t16'];
/**
 * Tile variants: a family that runs another family's kernels except one pass, for the roles listed.
 * The tuner times it as a family of its own, so each device keeps the tile it runs fastest (on
 * SwiftShader the 16-tile product pass, on an H200 the 8-tile one); pickKernel answers with the
 * base family's rows, and the launcher swaps the pass (src/engine/ops/convLaunch.ts).
 */
export const DERIVED: Partial<Record<Family, { base: Family; roles: readonly Role[]; product: string }>> = {
  'winograd4-t16': { base: 'winograd4', roles: ['forward', 'input-grad'], product: 'conv2d_winograd_t16' },
  'winograd-s2-t16': { base: 'winograd-s2', roles: ['forward', 'input-grad'], product: 'conv2d_winograd_t16' },
};
/** The family whose kernel rows a family runs: its own, or a tile variant's base. */
export const baseFamily = (f: Family): Family => DERIVED[f]?.base ?? f;
/** Optional WebGPU features a kernel may need (its WGSL `enable`s them). */
export type KernelFeature = 'subgroups';
/** The features a device has (a GPUSupportedFeatures, or any set of feature names). */
export interface FeatureSet { has(feature: string): boolean }

export interface KernelRow {
  /** The file src/shaders/<name>.wgsl. */
  name: string;
  /** The op that launches it (an engine module under src/engine). */
  op: string;
  /** Where the op module lives, for links (the op's module, unless the row names its own). */
  launcher: string;
  role: Role;
  /** Another op this kernel also serves, by duality (e.g. conv2d's dx is conv2dTranspose's forward). */
  alsoServes?: string;
  variant: Variant;
  /** When this variant applies (rows of one op, role and family are tried in order). */
  when?: { text: string; test(d: Dims): boolean };
  /** The optional device feature it needs; families whose kernel lacks it on a device are not offered there. */
  feature?: KernelFeature;
  /** Workgroup size: the `override WG` passed to every pipeline of this kernel. */
  wg: number;
  /** Outputs each invocation computes (a register tile), or 0 for a workgroup-cooperative reduction. */
  perInvocation: number;
  /** What perInvocation counts, where it depends on the shape (the lab shows this instead). */
  perInvocationText?: string;
  /** The dims the formulas read (and the lab asks for). */
  dims: readonly string[];
  invocations(d: Dims): number;
  /** Workgroups dispatched (folded into 2-D by the runtime when over the per-dimension limit). */
  workgroups(d: Dims): number;
  flops(d: Dims): number;
  bytes(d: Dims): number;
  /** The float64 reference that checks it (a function of src/engine/reference.ts or referenceData.ts). */
  reference: string;
  /** Kernels that compute its backward (empty for gradient, optimizer, metric and data kernels). */
  backward: readonly string[];
}

// ---- named op codes: each `<TABLE>_<KEY>` const in the WGSL must equal the value here -----------

/** Fused activation of the conv kernels (override ACT): ACT_NONE, ACT_RELU, ACT_SIGMOID. */
export const ACT = { none: 0, relu: 1, sigmoid: 2 } as const;
/** unary.wgsl's override OP: UNARY_COPY ... UNARY_CLAMP01. */
export const UNARY = { copy: 0, scale: 1, relu: 2, sigmoid: 3, neg10log: 4, clamp01: 5 } as const;
/** binary.wgsl's override OP: BINARY_ADD ... BINARY_SIGMOID_BACKWARD. */
export const BINARY = { add: 0, sub: 1, mul: 2, reluBackward: 3, sigmoidBackward: 4 } as const;
/** reduce.wgsl and reduce_backward.wgsl's override MODE: REDUCE_SQDIFF, REDUCE_ABSDIFF, REDUCE_SUM. */
export const REDUCE = { sqdiff: 0, absdiff: 1, sum: 2 } as const;
/** noise.wgsl's override KIND: NOISE_GAUSSIAN ... NOISE_SPECKLE. */
export const NOISE = { gaussian: 0, saltPepper: 1, poisson: 2, speckle: 3 } as const;
/** augment.wgsl's uniform `fill`: FILL_NEAREST, FILL_REFLECT. */
export const FILL = { nearest: 0, reflect: 1 } as const;

/** Every code table by its WGSL prefix (the test reads the WGSL consts through this). */
export const CODE_TABLES: Record<string, Record<string, number>> = { ACT, UNARY, BINARY, REDUCE, NOISE, FILL };

/** The WGSL name of a code: ('BINARY', 'reluBackward') -> 'BINARY_RELU_BACKWARD'. */
export const wgslCodeName = (table: string, key: string) => `${table}_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;

// ---- formulas ---------------------------------------------------------------------------------

const cdiv = (a: number, b: number) => Math.ceil(a / b);
const CONV_DIMS = ['N', 'H', 'W', 'CI', 'OH', 'OW', 'CO', 'KH', 'KW', 'S', 'PT', 'PL'] as const;
/** Multiply-adds of the conv (padding taps counted, as everyone quotes convs). */
const convFlops = (d: Dims) => 2 * d.N * d.OH * d.OW * d.CO * d.KH * d.KW * d.CI;
const xBytes = (d: Dims) => 4 * d.N * d.H * d.W * d.CI;
const yBytes = (d: Dims) => 4 * d.N * d.OH * d.OW * d.CO;
const wBytes = (d: Dims) => 4 * d.KH * d.KW * d.CI * d.CO;
/** Register tiles of the tiled conv kernels: P output pixels x C channels (x R input channels). */
export const TILE = {
  conv2d_tiled: { P: 8, C: 8 }, conv2d_tiled_scalar: { P: 8, C: 4 },
  conv2d_transpose_tiled: { P: 8, C: 8 }, conv2d_transpose_tiled_scalar: { P: 8, C: 8 },
  conv2d_backward_filter_tiled: { R: 8, C: 8 }, conv2d_backward_filter_tiled_scalar: { R: 8, C: 4 },
  conv2d_backward_filter_narrow: { R: 8, C: 8 }, conv2d_narrow1: { P: 8, C: 8 },
  conv2d_tiled_quad: { P: 8, C: 8 }, conv2d_transpose_tiled_quad: { P: 8, C: 8 }, conv2d_backward_filter_tiled_quad: { R: 16, C: 8 },
} as const;
/** Workgroup tiles of the shared-memory conv kernels: BM pixels x BN channels per workgroup (of 64; wide: 256). */
export const SHARED_TILE = {
  conv2d_shared: { BM: 32, BN: 32 }, conv2d_transpose_shared: { BM: 32, BN: 32 },
  conv2d_shared64: { BM: 64, BN: 64 }, conv2d_transpose_shared64: { BM: 64, BN: 64 },
  conv2d_wide: { BM: 64, BN: 64 },
} as const;
export type SharedKernel = keyof typeof SHARED_TILE;
/**
 * The window kernels' tiles: R output rows x P output columns per invocation (x C channels for the
 * input gradient; the forward takes all of its at most 4); the weight gradient's CI input channels
 * (window1's too, and narrow1's weight gradient takes as many output channels).
 */
export const WINDOW_TILE = { R: 4, P: 8, C: 4, CI: 8 } as const;
/** conv2d_backward_filter_wide's tile: K taps x C channels of dw per workgroup, M pixels a step. */
export const WIDE_FILTER_TILE = { K: 64, C: 64, M: 16 } as const;

const vec4co = { text: 'CO % 4 == 0', test: (d: Dims) => d.CO % 4 === 0 };
const scalarCo = { text: 'CO % 4 != 0', test: (d: Dims) => d.CO % 4 !== 0 };
const narrowCo = { text: 'CO <= 4 && CI % 4 == 0 && CI <= 512', test: (d: Dims) => d.CO <= 4 && d.CI % 4 === 0 && d.CI <= 512 };
const narrowCi = { text: 'CI <= 4 && CO % 4 == 0 && CO <= 512', test: (d: Dims) => d.CI <= 4 && d.CO % 4 === 0 && d.CO <= 512 };
// One input channel at 3x3 stride 1 (the gray first layers): narrow1's forward and weight gradient
// (which slides a window); other narrow weight gradients: rows of taps.
const narrow1 = { text: 'CI == 1 && CO % 4 == 0 && KH == 3 && KW == 3 && S == 1', test: (d: Dims) => d.CI === 1 && d.CO % 4 === 0 && d.KH === 3 && d.KW === 3 && d.S === 1 };
const narrowCiDw = { text: 'CI <= 4 && CO % 4 == 0 && (CI > 1 || KH != 3 || KW != 3 || S != 1)', test: (d: Dims) => d.CI <= 4 && d.CO % 4 === 0 && !narrow1.test(d) };
// A quad's 4 invocations are 4 blocks of 8 channels (of the output, or of dx's output CI).
const quadCo = { text: 'CO % 32 == 0', test: (d: Dims) => d.CO % 32 === 0 };
// The weight gradient's quad kernel also reads x as vec4 (4 input channels a load).
const quadDw = { text: 'CO % 32 == 0 && CI % 4 == 0', test: (d: Dims) => d.CO % 32 === 0 && d.CI % 4 === 0 };
const windowCo = { text: 'CO <= 4 && KH == 3 && KW == 3 && S == 1', test: (d: Dims) => d.CO <= 4 && d.KH === 3 && d.KW === 3 && d.S === 1 };
// The window forward and weight gradient: one output channel over vec4s of CI (window1), else vec4s of CO.
const window1 = { text: 'CO == 1 && CI % 4 == 0 && KH == 3 && KW == 3 && S == 1', test: (d: Dims) => d.CO === 1 && d.CI % 4 === 0 && d.KH === 3 && d.KW === 3 && d.S === 1 };
const windowNot1 = { text: 'CO <= 4 && KH == 3 && KW == 3 && S == 1 && (CO > 1 || CI % 4 != 0)', test: (d: Dims) => windowCo.test(d) && !window1.test(d) };
const quadCi = { text: 'CI % 32 == 0 && CO % 4 == 0', test: (d: Dims) => d.CI % 32 === 0 && d.CO % 4 === 0 };
// Winograd F(2x2, 3x3): 3x3 stride 1; x in vec4s of CI; the product pass's quads are 4 blocks of 8 of CO.
const winogradFwd = {
  text: 'KH == 3 && KW == 3 && S == 1 && CI % 4 == 0 && CO % 32 == 0',
  test: (d: Dims) => d.KH === 3 && d.KW === 3 && d.S === 1 && d.CI % 4 === 0 && d.CO % 32 === 0,
};
// Its input gradient: the adjoint, a 3x3 stride-1 conv from CO to CI channels (the roles swapped).
const winogradDx = {
  text: 'KH == 3 && KW == 3 && S == 1 && CO % 4 == 0 && CI % 32 == 0',
  test: (d: Dims) => d.KH === 3 && d.KW === 3 && d.S === 1 && d.CO % 4 === 0 && d.CI % 32 === 0,
};
// Its weight gradient (F(3x3, 2x2)): x in vec4s of CI (the forward's input pass), register tiles of
// 8 input x 8 output channels whose quads are 4 blocks of 8 of CO.
const winogradDw = {
  text: 'KH == 3 && KW == 3 && S == 1 && CI % 8 == 0 && CO % 32 == 0',
  test: (d: Dims) => d.KH === 3 && d.KW === 3 && d.S === 1 && d.CI % 8 === 0 && d.CO % 32 === 0,
};
// The stride-2 Winograd forward (winograd-s2): 3x3 stride 2, x in vec4s of CI, quads as above; at
// most 256 input channels, as its float32 rounding grows with the sum over them. npm run check on
// SwiftShader at the seed preset's layers, % of the conv tolerance (direct kernel: 3-21%):
//   channels summed      forward 64  128   256    input gradient 128  256 (two layers)
//   whole                        26   37   102                    47   95, 89
//   slices of 64                 26   46    55                    34   36, 39
//   slices of 32                 20   23    29                    36   40, 24
// So past 128 the product pass sums slices of 32 channels, which the output pass adds
// (src/engine/ops/winograd.ts s2Slices).
const winogradS2 = {
  text: 'KH == 3 && KW == 3 && S == 2 && CI % 4 == 0 && CI <= 256 && CO % 32 == 0',
  test: (d: Dims) => d.KH === 3 && d.KW === 3 && d.S === 2 && d.CI % 4 === 0 && d.CI <= 256 && d.CO % 32 === 0,
};
// Its input gradient: the roles of the channels swapped (dy's CO summed, in slices as above; dx's CI in blocks of 32).
const winogradS2Dx = {
  text: 'KH == 3 && KW == 3 && S == 2 && CO % 4 == 0 && CO <= 256 && CI % 32 == 0',
  test: (d: Dims) => d.KH === 3 && d.KW === 3 && d.S === 2 && d.CO % 4 === 0 && d.CO <= 256 && d.CI % 32 === 0,
};
/**
 * winograd-s2's input-gradient tiles: an 8x8 block of dx each, from row -PT and column -PL,
 * ceil((H + PT)/8) x ceil((W + PL)/8) per image.
 */
export const winogradS2DxTiles = (d: Dims) => d.N * cdiv(d.H + d.PT, 8) * cdiv(d.W + d.PL, 8);
/**
 * Winograd F(m x m, 3x3)'s tiles: an m x m block of output pixels each, ceil(OH/m) x ceil(OW/m) per
 * image; m = d.WM (the launches of src/engine/ops/winograd.ts set it; 2 where dims lack it).
 */
export const winogradTiles = (d: Dims) => d.N * cdiv(d.OH, d.WM ?? 2) * cdiv(d.OW, d.WM ?? 2);
/**
 * The points of its domain: (m + 2)^2 at stride 1 (16 or 36); (2m + 1)^2 at stride 2 (81 for
 * winograd-s2's m = 4: a tile's input patch, every pixel of it a point).
 */
export const winogradPoints = (d: Dims) => (d.S === 2 ? 2 * (d.WM ?? 4) + 1 : (d.WM ?? 2) + 2) ** 2;
/** The dims of the winograd4 family's own passes (m = 4). */
const wm4 = (d: Dims): Dims => ({ ...d, WM: 4 });
/** The dims of winograd's passes (m = 2). */
const wm2 = (d: Dims): Dims => ({ ...d, WM: 2 });
/**
 * Register tiles of the Winograd product passes: conv2d_winograd's P tiles x C channels (its TP and
 * 4 * TC4; conv2d_winograd_t16's TP is P16), conv2d_backward_filter_winograd's R input x C output channels (its TR and 4 * TC4).
 */
export const WINOGRAD_TILE = { P: 8, P16: 16, C: 8, R: 16 } as const;

type RowSpec = Omit<KernelRow, 'workgroups' | 'launcher'> & { workgroups?(d: Dims): number; launcher?: string };

const CONV = 'src/engine/ops/convLaunch.ts';
const CONV_GRAD = 'src/engine/ops/convGrad.ts';
const WINOGRAD = 'src/engine/ops/winograd.ts';
const WINOGRAD_S2 = 'src/engine/ops/winogradS2.ts';
const LAUNCHERS: Record<string, string> = {
  conv2d: CONV, elementwise: 'src/engine/ops/elementwise.ts', autograd: 'src/engine/ops/elementwise.ts',
  maxPool2d: 'src/engine/ops/pool.ts', upsampleNearest: 'src/engine/ops/upsample.ts', loss: 'src/engine/ops/loss.ts',
  ssim: 'src/engine/ops/ssim.ts', adam: 'src/engine/optim.ts', noise: 'src/engine/ops/noise.ts', augment: 'src/engine/ops/augment.ts',
};

function convRows(): RowSpec[] {
  const fwd = { op: 'conv2d', role: 'forward' as const, dims: CONV_DIMS, flops: convFlops, bytes: (d: Dims) => xBytes(d) + wBytes(d) + 4 * d.CO + yBytes(d), reference: 'conv2d' };
  const dx = { op: 'conv2d', role: 'input-grad' as const, alsoServes: 'conv2dTranspose forward', dims: CONV_DIMS, flops: convFlops, bytes: (d: Dims) => yBytes(d) + wBytes(d) + xBytes(d), reference: 'conv2dTranspose' };
  const dw = { op: 'conv2d', role: 'weight-grad' as const, alsoServes: 'conv2dTranspose weight gradient', launcher: CONV_GRAD, dims: CONV_DIMS, flops: convFlops, bytes: (d: Dims) => xBytes(d) + yBytes(d) + wBytes(d), reference: 'conv2dBackward', backward: [] };
  // A family's backward: dx and dw of its own family (the shared family's dw is the tiled one;
  // wide and narrow have neither and use the tiled ones; quad's and window's fall back to tiled
  // where their conditions fail).
  const tiledDw = ['conv2d_backward_filter_tiled', 'conv2d_backward_filter_tiled_scalar', 'conv2d_bias_grad'];
  const tiledDx = ['conv2d_transpose_tiled', 'conv2d_transpose_tiled_scalar'];
  const tiledFwd = ['conv2d_tiled', 'conv2d_tiled_scalar'];
  const fwdBack = (family: Family) => family === 'naive'
    ? ['binary', 'conv2d_transpose', 'conv2d_backward_filter', 'conv2d_bias_grad']
    : family === 'quad' ? ['binary', 'conv2d_transpose_tiled_quad', ...tiledDx, 'conv2d_backward_filter_tiled_quad', ...tiledDw]
      : family === 'window' ? ['binary', 'conv2d_transpose_window', ...tiledDx, 'conv2d_backward_filter_window1', 'conv2d_backward_filter_window', ...tiledDw]
        : ['binary', ...(family === 'tiled' || family === 'wide' || family === 'narrow' || family === 'winograd' || family === 'winograd4' ? tiledDx
          : family === 'winograd-s2' ? ['conv2d_transpose_winograd_s2', ...tiledDx] : [`conv2d_transpose_${family}`]), ...tiledDw];
  const dxBack = (family: Family) => family === 'naive'
    ? ['binary', 'conv2d', 'conv2d_backward_filter', 'conv2d_bias_grad']
    : family === 'quad' ? ['binary', 'conv2d_tiled_quad', ...tiledFwd, 'conv2d_backward_filter_tiled_quad', ...tiledDw]
      : family === 'window' ? ['binary', 'conv2d_window1', 'conv2d_window', ...tiledFwd, 'conv2d_backward_filter_window1', 'conv2d_backward_filter_window', ...tiledDw]
      : family === 'winograd-s2' ? ['binary', 'conv2d_winograd_s2_weights', ...tiledFwd, ...tiledDw]
      : ['binary', ...(family === 'tiled' || family === 'narrow' ? tiledFwd : [family === 'winograd4' ? 'conv2d_winograd4_weights' : `conv2d_${family}`]), ...tiledDw];
  return [
    { ...fwd, name: 'conv2d', variant: 'naive', wg: 64, perInvocation: 1, invocations: (d) => d.N * d.OH * d.OW * d.CO, backward: fwdBack('naive') },
    { ...fwd, name: 'conv2d_tiled', variant: 'tiled', when: vec4co, wg: 64, perInvocation: 64,
      invocations: (d) => d.N * d.OH * cdiv(d.OW, TILE.conv2d_tiled.P) * cdiv(d.CO, TILE.conv2d_tiled.C), backward: fwdBack('tiled') },
    { ...fwd, name: 'conv2d_tiled_scalar', variant: 'tiled-scalar', when: scalarCo, wg: 64, perInvocation: 32,
      invocations: (d) => d.N * d.OH * cdiv(d.OW, TILE.conv2d_tiled_scalar.P) * cdiv(d.CO, TILE.conv2d_tiled_scalar.C), backward: fwdBack('tiled') },
    // One workgroup of 64 per BM x BN block of the output [N*OH*OW, CO].
    ...(['shared', 'shared64'] as const).map((f) => {
      const t = SHARED_TILE[`conv2d_${f}`];
      return { ...fwd, name: `conv2d_${f}`, variant: f, wg: 64, perInvocation: (t.BM * t.BN) / 64,
        invocations: (d: Dims) => 64 * cdiv(d.N * d.OH * d.OW, t.BM) * cdiv(d.CO, t.BN), backward: fwdBack(f) };
    }),
    // One workgroup of 256 per 64 x 64 block of the output and slice of the taps (KS: the split
    // convForward chose, 1 where dims lack it); conv2d_split_sum adds the slices.
    { ...fwd, name: 'conv2d_wide', variant: 'wide', wg: 256, perInvocation: 16,
      invocations: (d: Dims) => 256 * (d.KS ?? 1) * cdiv(d.N * d.OH * d.OW, SHARED_TILE.conv2d_wide.BM) * cdiv(d.CO, SHARED_TILE.conv2d_wide.BN), backward: fwdBack('wide') },
    // One invocation per output pixel, all of its (at most 4) channels.
    // One input channel, 3x3 stride 1: 8 pixels of a row x 8 channels an invocation.
    { ...fwd, name: 'conv2d_narrow1', variant: 'narrow', when: narrow1, wg: 64, perInvocation: 64, perInvocationText: '8 pixels of a row x 8 channels',
      invocations: (d: Dims) => d.N * d.OH * cdiv(d.OW, TILE.conv2d_narrow1.P) * cdiv(d.CO, TILE.conv2d_narrow1.C), backward: fwdBack('narrow') },
    { ...fwd, name: 'conv2d_narrow', variant: 'narrow', when: narrowCo, wg: 64, perInvocation: 4,
      invocations: (d: Dims) => d.N * d.OH * d.OW, backward: fwdBack('narrow') },
    // conv2d_tiled's tiles and dispatch, a quad's 4 channel blocks sharing their x loads.
    { ...fwd, name: 'conv2d_tiled_quad', variant: 'quad', when: quadCo, feature: 'subgroups', wg: 64, perInvocation: 64,
      invocations: (d) => d.N * d.OH * cdiv(d.OW, TILE.conv2d_tiled_quad.P) * cdiv(d.CO, TILE.conv2d_tiled_quad.C), backward: fwdBack('quad') },
    // One invocation per 4 x 8 block of output pixels (all CO <= 4 channels; window1: one, over 4 input channels a step).
    { ...fwd, name: 'conv2d_window1', variant: 'window', when: window1, wg: 64, perInvocation: 32, perInvocationText: '32 pixels (4 rows x 8 columns), one channel',
      invocations: (d: Dims) => d.N * cdiv(d.OH, WINDOW_TILE.R) * cdiv(d.OW, WINDOW_TILE.P), backward: fwdBack('window') },
    { ...fwd, name: 'conv2d_window', variant: 'window', when: windowNot1, wg: 64, perInvocation: 128, perInvocationText: '32 pixels (4 rows x 8 columns) x CO channels',
      invocations: (d: Dims) => d.N * cdiv(d.OH, WINDOW_TILE.R) * cdiv(d.OW, WINDOW_TILE.P), backward: fwdBack('window') },
    // 16 matrix products, one per point of the 4x4 Winograd domain (36 of the 6x6 one for
    // winograd4, WM = 4): 8 tiles x 8 channels an invocation. Its row stands for winograd's four
    // passes (src/engine/ops/winograd.ts runs them), whose cost it counts as the conv's (the passes
    // below count their own).
    { ...fwd, name: 'conv2d_winograd', variant: 'winograd', when: winogradFwd, feature: 'subgroups', launcher: WINOGRAD, wg: 64, perInvocation: 64,
      perInvocationText: '8 tiles x 8 channels at one of the 16 (or 36) points', backward: fwdBack('winograd'),
      invocations: (d) => (d.KS ?? 1) * winogradPoints(d) * cdiv(winogradTiles(d), WINOGRAD_TILE.P) * cdiv(d.CO, WINOGRAD_TILE.C) },
    // The same products with 16 tiles an invocation: the winograd4-t16 family's product pass (DERIVED).
    { ...fwd, name: 'conv2d_winograd_t16', variant: 'only', when: winogradFwd, feature: 'subgroups', launcher: WINOGRAD, wg: 64, perInvocation: 128,
      perInvocationText: '16 tiles x 8 channels at one of the 36 points', backward: [],
      invocations: (d) => (d.KS ?? 1) * winogradPoints(d) * cdiv(winogradTiles(d), WINOGRAD_TILE.P16) * cdiv(d.CO, WINOGRAD_TILE.C) },
    // winograd4 (F(4x4, 3x3)): its first pass, the weights to the 6x6 domain (an invocation per
    // input channel and 4 output channels), stands for its four passes (the products are
    // conv2d_winograd's at 36 points, which count the conv's FLOPs); it counts its own cost.
    { ...fwd, name: 'conv2d_winograd4_weights', variant: 'winograd4', when: winogradFwd, feature: 'subgroups', launcher: WINOGRAD, wg: 64, perInvocation: 144,
      perInvocationText: '36 points x 4 channels (the first pass; conv2d_winograd: the products)', backward: fwdBack('winograd4'),
      invocations: (d) => d.CI * cdiv(d.CO, 4), flops: (d) => 153 * d.CI * d.CO, bytes: (d) => 4 * 45 * d.CI * d.CO, reference: 'winogradWeights' },
    // The split's second pass: count = N*OH*OW*CO outputs, each its KS slices + bias, activated.
    { name: 'conv2d_split_sum', op: 'conv2d', role: 'forward', variant: 'only', wg: 256, perInvocation: 1, dims: ['count', 'KS', 'CO'],
      invocations: (d) => d.count, flops: (d) => d.KS * d.count, bytes: (d) => 4 * ((d.KS + 1) * d.count + d.CO), reference: 'add', backward: [] },
    // conv2d_winograd's other passes: the weights (an invocation per input channel and 4 output
    // channels), the input tiles (per tile and 4 input channels) and the output tiles (per tile and
    // 4 output channels, + bias, activated; in an input gradient, MASK zeroes values where the conv's
    // input, a relu's output, is not positive, which reads y's size once more than the bytes below).
    { ...fwd, name: 'conv2d_winograd_weights', variant: 'only', when: winogradFwd, launcher: WINOGRAD, wg: 64, perInvocation: 64, perInvocationText: '16 points x 4 channels',
      invocations: (d) => d.CI * cdiv(d.CO, 4), flops: (d) => 42 * d.CI * d.CO, bytes: (d) => 4 * 25 * d.CI * d.CO, reference: 'winogradWeights', backward: [] },
    { ...fwd, name: 'conv2d_winograd_input', variant: 'only', when: winogradFwd, launcher: WINOGRAD, wg: 64, perInvocation: 64, perInvocationText: '16 points x 4 channels',
      invocations: (d) => winogradTiles(d) * cdiv(d.CI, 4), flops: (d) => 32 * winogradTiles(d) * d.CI,
      bytes: (d) => xBytes(d) + 4 * 16 * winogradTiles(d) * d.CI, reference: 'winogradInput', backward: [] },
    { ...fwd, name: 'conv2d_winograd_output', variant: 'only', when: winogradFwd, launcher: WINOGRAD, wg: 64, perInvocation: 16, perInvocationText: '2x2 pixels x 4 channels',
      invocations: (d) => winogradTiles(d) * cdiv(d.CO, 4), flops: (d) => 28 * winogradTiles(d) * d.CO,
      bytes: (d) => 4 * 16 * winogradTiles(d) * d.CO + yBytes(d) + 4 * d.CO, reference: 'winogradOutput', backward: [] },
    // winograd4's input tiles (per 4x4 tile and 4 input channels) and output tiles (per tile and 4
    // output channels, + bias, activated, MASK as winograd's).
    { ...fwd, name: 'conv2d_winograd4_input', variant: 'only', when: winogradFwd, launcher: WINOGRAD, wg: 64, perInvocation: 144, perInvocationText: '36 points x 4 channels',
      invocations: (d) => winogradTiles(wm4(d)) * cdiv(d.CI, 4), flops: (d) => 336 * winogradTiles(wm4(d)) * d.CI,
      bytes: (d) => xBytes(d) + 4 * 36 * winogradTiles(wm4(d)) * d.CI, reference: 'winogradInput', backward: [] },
    // winograd4's input pass that also writes winograd's (F(2x2, 3x3)) input tiles of the same x: a
    // conv that runs winograd4 forward and winograd's weight gradient keeps them for the latter
    // (src/engine/ops/conv2d.ts). Both as the passes above; the 2x2 tiles past ceil(OH/2) x ceil(OW/2) are not stored.
    { ...fwd, name: 'conv2d_winograd4_input_pair', variant: 'only', when: winogradDw, launcher: WINOGRAD, wg: 64, perInvocation: 208,
      perInvocationText: '36 points and 4 x 16 (four 2x2 tiles) x 4 channels',
      invocations: (d) => winogradTiles(wm4(d)) * cdiv(d.CI, 4), flops: (d) => (336 * winogradTiles(wm4(d)) + 32 * winogradTiles(wm2(d))) * d.CI,
      bytes: (d) => xBytes(d) + 4 * (36 * winogradTiles(wm4(d)) + 16 * winogradTiles(wm2(d))) * d.CI, reference: 'winogradInput', backward: [] },
    { ...fwd, name: 'conv2d_winograd4_output', variant: 'only', when: winogradFwd, launcher: WINOGRAD, wg: 64, perInvocation: 64, perInvocationText: '4x4 pixels x 4 channels',
      invocations: (d) => winogradTiles(wm4(d)) * cdiv(d.CO, 4), flops: (d) => 180 * winogradTiles(wm4(d)) * d.CO,
      bytes: (d) => 4 * 36 * winogradTiles(wm4(d)) * d.CO + yBytes(d) + 4 * d.CO, reference: 'winogradOutput', backward: [] },
    // winograd-s2 (3x3 stride 2): its first pass, the weights to the 9x9 domain (an invocation per
    // input channel and 4 output channels), stands for its four passes (the products are
    // conv2d_winograd's at 81 points, which count the conv's FLOPs); it counts its own cost. Then
    // the input patches (per 4x4 tile of outputs, a 9x9 patch of x, and 4 input channels) and the
    // output tiles (per tile and 4 output channels, + bias, activated).
    { ...fwd, name: 'conv2d_winograd_s2_weights', variant: 'winograd-s2', when: winogradS2, feature: 'subgroups', launcher: WINOGRAD, wg: 64, perInvocation: 324,
      perInvocationText: '81 points x 4 channels (the first pass; conv2d_winograd: the products)', backward: fwdBack('winograd-s2'),
      invocations: (d) => d.CI * cdiv(d.CO, 4), flops: (d) => 96 * d.CI * d.CO, bytes: (d) => 4 * 90 * d.CI * d.CO, reference: 'winogradWeights' },
    { ...fwd, name: 'conv2d_winograd_s2_input', variant: 'only', when: winogradS2, launcher: WINOGRAD, wg: 64, perInvocation: 324, perInvocationText: '81 points x 4 channels',
      invocations: (d) => winogradTiles(wm4(d)) * cdiv(d.CI, 4), flops: (d) => 288 * winogradTiles(wm4(d)) * d.CI,
      bytes: (d) => xBytes(d) + 4 * 81 * winogradTiles(wm4(d)) * d.CI, reference: 'winogradInput', backward: [] },
    { ...fwd, name: 'conv2d_winograd_s2_output', variant: 'only', when: winogradS2, launcher: WINOGRAD, wg: 64, perInvocation: 64, perInvocationText: '4x4 pixels x 4 channels',
      invocations: (d) => winogradTiles(wm4(d)) * cdiv(d.CO, 4), flops: (d) => 211 * winogradTiles(wm4(d)) * d.CO,
      bytes: (d) => 4 * 81 * winogradTiles(wm4(d)) * d.CO + yBytes(d) + 4 * d.CO, reference: 'winogradOutput', backward: [] },
    { ...dx, name: 'conv2d_transpose', variant: 'naive', wg: 64, perInvocation: 1, invocations: (d) => d.N * d.H * d.W * d.CI, backward: dxBack('naive') },
    // Output columns are grouped by phase mod S: ceil(W/S) columns per phase, in blocks of P.
    { ...dx, name: 'conv2d_transpose_tiled', variant: 'tiled', when: vec4co, wg: 64, perInvocation: 64,
      invocations: (d) => d.N * d.H * d.S * cdiv(cdiv(d.W, d.S), TILE.conv2d_transpose_tiled.P) * cdiv(d.CI, TILE.conv2d_transpose_tiled.C), backward: dxBack('tiled') },
    { ...dx, name: 'conv2d_transpose_tiled_scalar', variant: 'tiled-scalar', when: scalarCo, wg: 64, perInvocation: 64,
      invocations: (d) => d.N * d.H * d.S * cdiv(cdiv(d.W, d.S), TILE.conv2d_transpose_tiled_scalar.P) * cdiv(d.CI, TILE.conv2d_transpose_tiled_scalar.C), backward: dxBack('tiled') },
    // Per phase mod S, one workgroup of 64 per BM x BN block of that phase's [N*QH*QW, CI] output.
    ...(['shared', 'shared64'] as const).map((f) => {
      const t = SHARED_TILE[`conv2d_transpose_${f}`];
      return { ...dx, name: `conv2d_transpose_${f}`, variant: f, wg: 64, perInvocation: (t.BM * t.BN) / 64,
        invocations: (d: Dims) => 64 * d.S * d.S * cdiv(d.N * cdiv(d.H, d.S) * cdiv(d.W, d.S), t.BM) * cdiv(d.CI, t.BN), backward: dxBack(f) };
    }),
    // One invocation per output pixel, all of its (at most 4) channels.
    { ...dx, name: 'conv2d_transpose_narrow', variant: 'narrow', when: narrowCi, wg: 64, perInvocation: 4,
      invocations: (d: Dims) => d.N * d.H * d.W, backward: dxBack('narrow') },
    // conv2d_transpose_tiled's tiles and dispatch, a quad's 4 channel blocks sharing their x loads.
    { ...dx, name: 'conv2d_transpose_tiled_quad', variant: 'quad', when: quadCi, feature: 'subgroups', wg: 64, perInvocation: 64,
      invocations: (d) => d.N * d.H * d.S * cdiv(cdiv(d.W, d.S), TILE.conv2d_transpose_tiled_quad.P) * cdiv(d.CI, TILE.conv2d_transpose_tiled_quad.C), backward: dxBack('quad') },
    // One invocation per 4 x 8 block of output pixels and 4 of their channels.
    { ...dx, name: 'conv2d_transpose_window', variant: 'window', when: windowCo, wg: 64, perInvocation: 128,
      invocations: (d) => d.N * cdiv(d.H, WINDOW_TILE.R) * cdiv(d.W, WINDOW_TILE.P) * cdiv(d.CI, WINDOW_TILE.C), backward: dxBack('window') },
    // The adjoint by conv2d_winograd's passes: this row is the first (the filters flipped and
    // transposed into the 4x4 domain, an invocation per output channel and 4 input channels) and
    // stands for all four; it counts its own cost (conv2d_winograd's dispatch counts the conv's).
    { ...dx, name: 'conv2d_transpose_winograd', variant: 'winograd', when: winogradDx, feature: 'subgroups', launcher: WINOGRAD, wg: 64, perInvocation: 64,
      perInvocationText: '16 points x 4 channels of the flipped filters (the first pass; conv2d_winograd: the products)', backward: dxBack('winograd'),
      invocations: (d) => d.CO * cdiv(d.CI, 4), flops: (d) => 42 * d.CI * d.CO, bytes: (d) => 4 * 25 * d.CI * d.CO },
    // The same for winograd4: the flipped filters to the 6x6 domain, then its forward's passes.
    { ...dx, name: 'conv2d_transpose_winograd4', variant: 'winograd4', when: winogradDx, feature: 'subgroups', launcher: WINOGRAD, wg: 64, perInvocation: 144,
      perInvocationText: '36 points x 4 channels of the flipped filters (the first pass; conv2d_winograd: the products)', backward: dxBack('winograd4'),
      invocations: (d) => d.CO * cdiv(d.CI, 4), flops: (d) => 153 * d.CI * d.CO, bytes: (d) => 4 * 45 * d.CI * d.CO },
    // winograd-s2's input gradient (the adjoint of its 3x3 stride-2 conv): the filters to the 9x9
    // domain (per output channel and 4 input channels) stands for its four passes; dy's 5x5 patches
    // (per 8x8 tile of dx and 4 of dy's channels) and the tiles of dx (per tile and 4 of its channels,
    // + bias, activated, MASK as winograd's output pass). The product pass between them is
    // conv2d_winograd's at 81 points with the channels swapped (src/engine/ops/winogradS2.ts).
    { ...dx, name: 'conv2d_transpose_winograd_s2', variant: 'winograd-s2', when: winogradS2Dx, feature: 'subgroups', launcher: WINOGRAD_S2, wg: 64, perInvocation: 324,
      perInvocationText: '81 points x 4 channels of the filters (the first pass; conv2d_winograd: the products)', backward: dxBack('winograd-s2'),
      invocations: (d) => d.CO * cdiv(d.CI, 4), flops: (d) => 96 * d.CI * d.CO, bytes: (d) => 4 * 90 * d.CI * d.CO },
    { ...dx, name: 'conv2d_transpose_winograd_s2_input', variant: 'only', when: winogradS2Dx, launcher: WINOGRAD_S2, wg: 64, perInvocation: 324, perInvocationText: '81 points x 4 channels',
      invocations: (d) => winogradS2DxTiles(d) * cdiv(d.CO, 4), flops: (d) => 208 * winogradS2DxTiles(d) * d.CO,
      bytes: (d) => yBytes(d) + 4 * 81 * winogradS2DxTiles(d) * d.CO, reference: 'winogradInputT', backward: [] },
    { ...dx, name: 'conv2d_transpose_winograd_s2_output', variant: 'only', when: winogradS2Dx, launcher: WINOGRAD_S2, wg: 64, perInvocation: 256, perInvocationText: '8x8 pixels x 4 channels',
      invocations: (d) => winogradS2DxTiles(d) * cdiv(d.CI, 4), flops: (d) => 330 * winogradS2DxTiles(d) * d.CI,
      bytes: (d) => 4 * 81 * winogradS2DxTiles(d) * d.CI + xBytes(d) + 4 * d.CI, reference: 'winogradOutputT', backward: [] },
    { ...dw, name: 'conv2d_backward_filter', variant: 'naive', wg: 64, perInvocation: 1, invocations: (d) => d.KH * d.KW * d.CI * d.CO },
    // KS: the slices of the split pixel sum that filterGrad chose (1, no split, where dims lack it).
    { ...dw, name: 'conv2d_backward_filter_tiled', variant: 'tiled', when: vec4co, wg: 64, perInvocation: 64,
      invocations: (d) => (d.KS ?? 1) * d.KH * d.KW * cdiv(d.CI, TILE.conv2d_backward_filter_tiled.R) * cdiv(d.CO, TILE.conv2d_backward_filter_tiled.C) },
    { ...dw, name: 'conv2d_backward_filter_tiled_scalar', variant: 'tiled-scalar', when: scalarCo, wg: 64, perInvocation: 32,
      invocations: (d) => (d.KS ?? 1) * d.KH * d.KW * cdiv(d.CI, TILE.conv2d_backward_filter_tiled_scalar.R) * cdiv(d.CO, TILE.conv2d_backward_filter_tiled_scalar.C) },
    // 8 rows (kh, kw, ci) of dw x 8 channels an invocation, per slice of the pixel sum (as tiled).
    // One input channel: one tap row kh x 8 output channels an invocation, sliding along each row, per slice of the pixel sum.
    { ...dw, name: 'conv2d_backward_filter_narrow1', variant: 'narrow', when: narrow1, wg: 64, perInvocation: 24, perInvocationText: '3 taps x 8 output channels (one tap row of dw)',
      invocations: (d) => (d.KS ?? 1) * 3 * cdiv(d.CO, WINDOW_TILE.CI) },
    { ...dw, name: 'conv2d_backward_filter_narrow', variant: 'narrow', when: narrowCiDw, wg: 64, perInvocation: 64,
      invocations: (d) => (d.KS ?? 1) * cdiv(d.KH * d.KW * d.CI, TILE.conv2d_backward_filter_narrow.R) * cdiv(d.CO, TILE.conv2d_backward_filter_narrow.C) },
    // One workgroup of 256 per 64-tap x 64-channel block of dw and slice of the pixel sum (KS: the
    // split filterGrad chose); conv2d_backward_filter_sum adds the slices.
    { ...dw, name: 'conv2d_backward_filter_wide', variant: 'wide', wg: 256, perInvocation: 16,
      invocations: (d) => 256 * (d.KS ?? 1) * cdiv(d.KH * d.KW * d.CI, WIDE_FILTER_TILE.K) * cdiv(d.CO, WIDE_FILTER_TILE.C) },
    // 16 rows (one tap, 16 input channels) of dw x 8 channels an invocation, per slice of the pixel
    // sum (split as tiled), a quad's 4 channel blocks sharing their x loads.
    { ...dw, name: 'conv2d_backward_filter_tiled_quad', variant: 'quad', when: quadDw, feature: 'subgroups', wg: 64, perInvocation: 128,
      invocations: (d) => (d.KS ?? 1) * d.KH * d.KW * cdiv(d.CI, TILE.conv2d_backward_filter_tiled_quad.R) * cdiv(d.CO, TILE.conv2d_backward_filter_tiled_quad.C) },
    // One invocation per tap row kh and 8 input channels (all 3 taps kw, all CO <= 4 channels), per
    // slice of the pixel sum (as tiled).
    // The same for one output channel, 8 input channels as 2 vec4 (all 3 taps), per slice of the pixel sum.
    { ...dw, name: 'conv2d_backward_filter_window1', variant: 'window', when: window1, wg: 64, perInvocation: 24, perInvocationText: '24 rows of dw (3 taps x 8 input channels), one output channel',
      invocations: (d) => (d.KS ?? 1) * 3 * cdiv(d.CI, WINDOW_TILE.CI) },
    { ...dw, name: 'conv2d_backward_filter_window', variant: 'window', when: windowNot1, wg: 64, perInvocation: 96, perInvocationText: '24 rows of dw (3 taps x 8 input channels) x CO channels',
      invocations: (d) => (d.KS ?? 1) * 3 * cdiv(d.CI, WINDOW_TILE.CI) },
    // 16 matrix products over the tiles (one per point of the 4x4 domain), 16 x 8 channel pairs an
    // invocation, per slice of the tiles (KS: the split filterGrad chose). Its row stands for
    // winograd's four passes (src/engine/ops/winograd.ts) and counts the weight gradient's FLOPs.
    // winograd4 has no weight gradient: F(3x3, 4x4) rounds 6x as much as F(3x3, 2x2) and went over
    // the conv tolerance at DnCNN's 64->64 layer (tests/winogradRounding.node.test.ts).
    { ...dw, name: 'conv2d_backward_filter_winograd', variant: 'winograd', when: winogradDw, feature: 'subgroups', launcher: WINOGRAD, wg: 64, perInvocation: 128,
      perInvocationText: '16 x 8 channel pairs at one of the 16 points, over a slice of the tiles',
      invocations: (d) => (d.KS ?? 1) * winogradPoints(d) * cdiv(d.CI, WINOGRAD_TILE.R) * cdiv(d.CO, WINOGRAD_TILE.C) },
    // Its other passes: dy's tiles (an invocation per tile and 4 channels), and the slices added and
    // taken back to the 3x3 taps (per input channel and 4 output channels).
    { ...dw, name: 'conv2d_backward_filter_winograd_dy', variant: 'only', when: winogradDw, launcher: WINOGRAD, wg: 64, perInvocation: 64, perInvocationText: '16 points x 4 channels',
      invocations: (d) => winogradTiles(d) * cdiv(d.CO, 4), flops: (d) => 30 * winogradTiles(d) * d.CO,
      bytes: (d) => yBytes(d) + 4 * 16 * winogradTiles(d) * d.CO, reference: 'winogradGradDy' },
    { ...dw, name: 'conv2d_backward_filter_winograd_output', variant: 'only', when: winogradDw, launcher: WINOGRAD, wg: 64, perInvocation: 36, perInvocationText: '9 taps x 4 channels',
      invocations: (d) => d.CI * cdiv(d.CO, 4), flops: (d) => (16 * ((d.KS ?? 1) - 1) + 42) * d.CI * d.CO,
      bytes: (d) => 4 * (16 * (d.KS ?? 1) + 9) * d.CI * d.CO, reference: 'winogradGradOutput' },
    // The split's second pass: count = KH*KW*CI*CO weights, each the sum of its KS slices.
    { name: 'conv2d_backward_filter_sum', op: 'conv2d', role: 'weight-grad', variant: 'only', launcher: CONV_GRAD, wg: 256, perInvocation: 4, perInvocationText: 'V weights (V = sumV: 4 where they divide count)', dims: ['count', 'KS'],
      invocations: (d) => d.count / sumV(d), flops: (d) => (d.KS - 1) * d.count, bytes: (d) => 4 * (d.KS + 1) * d.count, reference: 'add', backward: [] },
    // Each invocation sums one channel over a slice of the M = N*OH*OW rows (KS slices, as dw).
    { name: 'conv2d_bias_grad', op: 'conv2d', role: 'bias-grad', variant: 'only', launcher: CONV_GRAD, wg: 64, perInvocation: 4, perInvocationText: 'V channels (V = channelV: 4 where they divide C) over a slice of the rows', dims: ['M', 'C'],
      invocations: (d) => ((d.KS ?? 1) * d.C) / channelV(d), flops: (d) => d.M * d.C, bytes: (d) => 4 * (d.M * d.C + d.C), reference: 'conv2dBackward', backward: [] },
  ];
}

/** An elementwise row over { count }: `flop` and `bytes` per element, `per` elements an invocation (4: the VEC4 kernels, unary.wgsl). */
function elementwise(name: string, op: string, role: Role, flop: number, bytes: number, reference: string, backward: string[] = [], wg = 256, per = 1): RowSpec {
  return { name, op, role, variant: 'only', wg, perInvocation: per, dims: ['count'], invocations: (d) => cdiv(d.count, per), flops: (d) => flop * d.count, bytes: (d) => bytes * d.count, reference, backward };
}

const ROWS: RowSpec[] = [
  ...convRows(),
  elementwise('unary', 'elementwise', 'forward', 1, 8, 'relu', ['binary', 'unary'], 256, 4),
  elementwise('binary', 'elementwise', 'forward', 1, 12, 'add', ['binary', 'unary'], 256, 4),
  elementwise('fill', 'autograd', 'autograd', 0, 4, 'zeros', [], 256, 4),
  elementwise('accumulate', 'autograd', 'autograd', 1, 12, 'add', [], 256, 4),
  { name: 'maxpool2d', op: 'maxPool2d', role: 'forward', variant: 'only', wg: 256, perInvocation: 1, dims: ['N', 'H', 'W', 'C', 'OH', 'OW'],
    invocations: (d) => d.N * d.OH * d.OW * d.C, flops: (d) => 3 * d.N * d.OH * d.OW * d.C, bytes: (d) => 4 * d.N * d.C * (d.H * d.W + 2 * d.OH * d.OW),
    reference: 'maxPool2d', backward: ['maxpool2d_backward'] },
  { name: 'maxpool2d_backward', op: 'maxPool2d', role: 'input-grad', variant: 'only', wg: 256, perInvocation: 1, dims: ['N', 'H', 'W', 'C', 'OH', 'OW'],
    invocations: (d) => d.N * d.H * d.W * d.C, flops: () => 0, bytes: (d) => 4 * d.N * d.C * (d.H * d.W + 2 * d.OH * d.OW),
    reference: 'maxPool2dBackward', backward: [] },
  // One invocation per channelV(d) channels of one input pixel (src/shaders/upsample_nearest.wgsl: why).
  { name: 'upsample_nearest', op: 'upsampleNearest', role: 'forward', variant: 'only', wg: 256, perInvocation: 4, perInvocationText: 'V*F*F outputs (V = channelV channels, each written F x F times)',
    dims: ['N', 'H', 'W', 'C', 'F'], invocations: (d) => (d.N * d.H * d.W * d.C) / channelV(d), flops: () => 0, bytes: (d) => 4 * d.N * d.H * d.W * d.C * (1 + d.F * d.F),
    reference: 'upsampleNearest', backward: ['upsample_nearest_backward'] },
  { name: 'upsample_nearest_backward', op: 'upsampleNearest', role: 'input-grad', variant: 'only', wg: 256, perInvocation: 4, perInvocationText: 'V outputs (V = channelV channels), each a sum of F*F',
    dims: ['N', 'H', 'W', 'C', 'F'], invocations: (d) => (d.N * d.H * d.W * d.C) / channelV(d), flops: (d) => d.N * d.H * d.W * d.C * (d.F * d.F - 1), bytes: (d) => 4 * d.N * d.H * d.W * d.C * (1 + d.F * d.F),
    reference: 'upsampleNearestBackward', backward: [] },
  // One workgroup per chunk of a segment, summed in workgroup memory.
  { name: 'reduce', op: 'loss', role: 'metric', variant: 'only', wg: 64, perInvocation: 0, dims: ['segments', 'segLen', 'chunks'],
    invocations: (d) => d.segments * d.chunks * 64, workgroups: (d) => d.segments * d.chunks,
    flops: (d) => 3 * d.segments * d.segLen, bytes: (d) => 8 * d.segments * d.segLen + 4 * d.segments * d.chunks,
    reference: 'mse', backward: ['reduce_backward'] },
  elementwise('reduce_backward', 'loss', 'input-grad', 3, 12, 'mseBackward'),
  { name: 'ssim', op: 'ssim', role: 'metric', variant: 'only', wg: 256, perInvocation: 0, dims: ['N', 'H', 'W', 'C'],
    invocations: (d) => d.N * ssimChunks(d) * 256, workgroups: (d) => d.N * ssimChunks(d),
    flops: (d) => 1200 * d.N * ssimMap(d), bytes: (d) => 8 * d.N * d.H * d.W * d.C + 4 * d.N * ssimChunks(d), reference: 'ssimPerImage', backward: [] },
  { name: 'ssim_mean', op: 'ssim', role: 'metric', variant: 'only', wg: 256, perInvocation: 0, dims: ['N', 'H', 'W', 'C'],
    invocations: (d) => d.N * 256, workgroups: (d) => d.N, flops: (d) => d.N * ssimChunks(d), bytes: (d) => 4 * d.N * (ssimChunks(d) + 1), reference: 'ssimPerImage', backward: [] },
  elementwise('adam', 'adam', 'optimizer', 12, 28, 'adamStep', [], 256, 4),
  elementwise('noise', 'noise', 'data', 60, 8, 'gaussianNoise'),
  elementwise('augment', 'augment', 'data', 20, 20, 'flipRotate'),
];

/**
 * Channels each invocation of the upsample passes and of conv2d_bias_grad carries (their override
 * V): 4 when they divide C, else 1.
 */
export const channelV = (d: Dims) => (d.C % 4 === 0 ? 4 : 1);
/** Weights each conv2d_backward_filter_sum invocation adds (its override V): 4 where they divide count. */
export const sumV = (d: Dims) => (d.count % 4 === 0 ? 4 : 1);

/** SSIM's valid map per image (11x11 windows) and its chunks of 256 values. */
const ssimMap = (d: Dims) => (d.H - 10) * (d.W - 10) * d.C;
const ssimChunks = (d: Dims) => cdiv(ssimMap(d), 256);

/** A row phrased in the conv geometry (CONV_DIMS): the convs, their transposes and gradients. */
export const hasConvGeometry = (row: KernelRow) => row.dims.includes('KH');

/** Every kernel, by file name. */
export const KERNELS: Readonly<Record<string, KernelRow>> = Object.freeze(Object.fromEntries(ROWS.map((r) => [r.name, Object.freeze({
  ...r,
  launcher: r.launcher ?? LAUNCHERS[r.op],
  workgroups: r.workgroups ?? ((d: Dims) => cdiv(r.invocations(d), r.wg)),
})])));

/** The row of a kernel; throws naming the known ones. */
export function kernelRow(name: string): KernelRow {
  const r = KERNELS[name];
  if (!r) throw new Error(`no kernel '${name}' in the kernel table (src/engine/kernels.ts); have: ${Object.keys(KERNELS).join(', ')}`);
  return r;
}

/** The family of a row ('tiled-scalar' is tiled; a role with one kernel is 'only'). */
export const familyOf = (r: { variant: Variant }): Family | 'only' => (r.variant === 'tiled-scalar' ? 'tiled' : r.variant);

/**
 * The families that have a kernel for an op's role at dims on a device with these features (what
 * the autotuner chooses among; `features`: the device's, e.g. runtime().ctx.device.features).
 */
export function familiesFor(op: string, role: Role, d: Dims, features: FeatureSet): Family[] {
  const out: Family[] = [];
  for (const r of ROWS) {
    const fam = familyOf(r);
    if (r.op === op && r.role === role && fam !== 'only' && !out.includes(fam) && (!r.when || r.when.test(d)) && (!r.feature || features.has(r.feature))) out.push(fam);
  }
  // A tile variant goes where its base does, for its roles, when its pass can run here.
  for (const [f, v] of Object.entries(DERIVED) as [Family, NonNullable<(typeof DERIVED)[Family]>][]) {
    const pass = KERNELS[v.product];
    if (out.includes(v.base) && v.roles.includes(role) && (!pass.feature || features.has(pass.feature))) out.push(f);
  }
  return out;
}

/**
 * The kernel an op launches for a role and family at these dims: the first row of that op, role
 * and family ('naive' or 'tiled', which covers 'tiled-scalar') whose `when` holds.
 */
export function pickKernel(op: string, role: Role, family: Family | 'only', d: Dims): KernelRow {
  const want = family === 'only' ? family : baseFamily(family);
  for (const r of ROWS) {
    if (r.op !== op || r.role !== role) continue;
    const fam = familyOf(r);
    if (fam === want && (!r.when || r.when.test(d))) return KERNELS[r.name];
  }
  throw new Error(`no ${family} kernel for ${op} ${role} at ${JSON.stringify(d)}`);
}
