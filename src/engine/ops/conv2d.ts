/**
 * conv2d and conv2dTranspose (TensorFlow/Keras semantics, NHWC), forward and backward.
 *
 * Everything is phrased in terms of one convolution geometry `ConvGeometry`: a conv that maps
 * [N,H,W,CI] -> [N,OH,OW,CO] with weights [KH,KW,CI,CO]. Three kernels (each naive and tiled)
 * then serve both ops by duality:
 *
 *   op                 forward               dx                    dw                       db
 *   conv2d             convForward(x, w)     convTranspose(dz, w)  filterGrad(x, dz)        biasGrad(dz)
 *   conv2dTranspose    convTranspose(x, w)   convForward(dz, w)    filterGrad(dz, x)        biasGrad(dz)
 *
 * where a transposed conv uses the geometry of the conv it is the adjoint of (its output is that
 * conv's input), and its Keras weight [KH,KW,Cout_t,Cin_t] is that conv's weight [KH,KW,CI,CO].
 * A fused activation is undone first: dz = activationBackward(act, dy, y) from the saved output y,
 * except where a relu's is already done: a later conv's Winograd input gradient for y zeroes it
 * where y <= 0 in its output pass (MASK) and marks it (gradMarks, src/engine/autograd.ts).
 *
 * The forward and input-gradient launches are in src/engine/ops/convLaunch.ts, the weight and bias
 * gradients' with their split-K passes in src/engine/ops/convGrad.ts (the Winograd
 * passes in src/engine/ops/winograd.ts). Kernels: src/shaders/conv2d*.wgsl, one file per family and
 * role (naive, tiled, shared, wide, narrow, quad, window, winograd, winograd4); which one runs, its dispatch, FLOPs and bytes: the rows of src/engine/kernels.ts.
 */
import { gradMarks, isGradEnabled, record } from '../autograd.ts';
import { ShapeError } from '../errors.ts';
import type { Tensor } from '../tensor.ts';
import type { InputPair } from './winograd.ts';
import { activationBackward } from './elementwise.ts';
import { FAMILIES, type Family } from '../kernels.ts';
import { biasGradInto, filterGradInto } from './convGrad.ts';
import { convForward, convTranspose, masksInputGrad, sharesWinogradInput } from './convLaunch.ts';

/**
 * GPU vs float64 reference. Each output (and each dx element) is a float32 sum of K = KH*KW*Cin
 * products, each dw element a sum of N*OH*OW products (K up to 3136 and N*OH*OW up to 512 in the
 * tests; values in [-1, 1], so each product has variance 1/9). The partial sums random-walk to
 * ~ sqrt(k/9), and with independent roundings the error of the whole sum is ~ eps * sqrt(K) *
 * sqrt(K/9) ~ 2e-8 * K: ~6e-5 at K = 3136 (the worst-case bound K * eps * sum|terms| is never
 * approached). atol 2e-4 is ~3x that; rtol 1e-4 covers the larger outputs and gradients. The
 * tests print the share of this tolerance used: under 10% at the time of writing for every family
 * but winograd4, whose F(4x4, 3x3) transforms round several times more (25% at the worst case).
 * `npm run check` applies it at the presets' real shapes too (dw sums of 25,600 products at DnCNN's
 * batch-16 layer), where the direct and F(3x3, 2x2) weight gradients use 25-47% of it; F(3x3, 4x4)
 * used 166% on SwiftShader (97% on an H200), so winograd4 has no weight gradient.
 */
export const tolerance = { atol: 2e-4, rtol: 1e-4 };

export type ConvPadding = 'same' | 'valid';

export type ConvActivation = 'none' | 'relu' | 'sigmoid';
/**
 * Kernel family: 'naive', 'tiled' (register tiles), 'shared' or 'shared64' (workgroup-memory tiles;
 * the weight gradient has none and uses tiled), 'wide' (forward and weight gradient), 'narrow' (few
 * channels: forward and input gradient with at most 4 output channels, weight gradient with at most 4
 * input channels; tiled elsewhere), 'quad' (the tiled kernels sharing loads across a quad of
 * invocations: devices with the subgroups feature, 32-channel multiples (dw: and CI % 4 == 0); tiled elsewhere), 'window'
 * (a 3x3 stride-1 conv with at most 4 output channels, all three roles; tiled elsewhere),
 * 'winograd' (a 3x3 stride-1 conv by Winograd: the forward and input gradient by F(2x2, 3x3), the
 * weight gradient by F(3x3, 2x2); devices with the subgroups feature, CI % 4 == 0 and CO % 32 == 0
 * (dx: swapped; dw: CI % 8 == 0); tiled elsewhere), 'winograd4' (the forward and input gradient by
 * F(4x4, 3x3): 4/9 of winograd's products, at a few times its rounding; no weight gradient, tiled
 * there), 'winograd4-t16' (winograd4 with a product pass of 16 tiles an invocation, not 8),
 * 'winograd-s2' (a 3x3 stride-2 conv's forward and input gradient by a 9-point Winograd algorithm
 * per dimension: 81/144 of the direct products; CI % 4 == 0, CI <= 256 (past 128 summed in slices of 32),
 * CO % 32 == 0, dx: swapped; tiled elsewhere and for the weight gradient), 'winograd-s2-t16' (its
 * 16-tile product pass) or
 * 'auto': the family the autotuner measured
 * fastest on this device for this role and shape (src/engine/autotune.ts), or for the same layer
 * at the nearest size within 4x (src/engine/tuning.ts chosenFamily), tiled where it has not measured.
 */
export type ConvVariant = Family | 'auto';
const VARIANTS: readonly ConvVariant[] = [...FAMILIES, 'auto'];

export interface ConvOptions {
  /** 1 or 2, both spatial dims (default 1). */
  stride?: number;
  /** TensorFlow padding (default 'same'). */
  padding?: ConvPadding;
  /** Fused activation after the bias (default 'none'). */
  activation?: ConvActivation;
  /** Kernel family (default: the module default, see setConvVariant). */
  variant?: ConvVariant;
}

/** The conv [N,H,W,CI] -> [N,OH,OW,CO], weights [KH,KW,CI,CO], stride S, padding PT/PL before. */
export interface ConvGeometry {
  N: number; H: number; W: number; CI: number;
  OH: number; OW: number; CO: number;
  KH: number; KW: number; S: number; PT: number; PL: number;
}

let defaultVariant: ConvVariant = 'auto';

const variantError = (where: string, v: unknown) => new ShapeError(`${where}: variant must be ${VARIANTS.map((x) => `'${x}'`).join(', ')}, got '${String(v)}'`);

/** Sets the kernel family used when an op does not name one (benches compare them). */
export function setConvVariant(v: ConvVariant): void {
  if (!VARIANTS.includes(v)) throw variantError('setConvVariant', v);
  defaultVariant = v;
}

export function getConvVariant(): ConvVariant { return defaultVariant; }

// ---- geometry ---------------------------------------------------------------------------------

/**
 * conv2d output size and padding before, along one dim (TensorFlow rules). 'same': out = ceil(n/s),
 * padTotal = max((out-1)*s + k - n, 0), padBefore = floor(padTotal/2) (the odd pixel goes after);
 * 'valid': out = floor((n-k)/s) + 1, no padding.
 */
export function convOutputSize(op: string, n: number, k: number, s: number, padding: ConvPadding): { out: number; pad: number } {
  if (padding === 'same') {
    const out = Math.ceil(n / s);
    return { out, pad: Math.floor(Math.max((out - 1) * s + k - n, 0) / 2) };
  }
  if (n < k) throw new ShapeError(`${op}: 'valid' padding needs the input (${n}) to be at least the kernel size (${k})`);
  return { out: Math.floor((n - k) / s) + 1, pad: 0 };
}

/**
 * Keras Conv2DTranspose output size along one dim, and the padding before of the conv it is the
 * adjoint of: 'same': out = n*s, pad = floor(max(k-s, 0)/2) (exactly the 'same' conv on an input of
 * size out; not PyTorch's padding=1, output_padding=1, which is one pixel off for k3 s2);
 * 'valid': out = n*s + max(k-s, 0), pad 0.
 */
export function convTransposeOutputSize(n: number, k: number, s: number, padding: ConvPadding): { out: number; pad: number } {
  if (padding === 'same') return { out: n * s, pad: Math.floor(Math.max(k - s, 0) / 2) };
  return { out: n * s + Math.max(k - s, 0), pad: 0 };
}

interface Checked { S: number; padding: ConvPadding; act: ConvActivation; variant: ConvVariant }

function checkArgs(op: string, x: Tensor, w: Tensor, b: Tensor | null, opts: ConvOptions, wLayout: string, wIn: number, wOut: number): Checked {
  if (x.shape.length !== 4) throw new ShapeError(`${op}: x must be 4-D [N, H, W, C], got [${x.shape}]`);
  if (w.shape.length !== 4) throw new ShapeError(`${op}: w must be 4-D ${wLayout}, got [${w.shape}]`);
  const [KH, KW] = w.shape;
  if (KH > 7 || KW > 7) throw new ShapeError(`${op}: kernel sizes 1..7 are supported, got ${KH}x${KW} (w [${w.shape}])`);
  if (w.shape[wIn] !== x.shape[3]) {
    throw new ShapeError(`${op}: x has ${x.shape[3]} channels but w [${w.shape}] (${wLayout}) expects ${w.shape[wIn]}`);
  }
  const cout = w.shape[wOut];
  if (b && (b.shape.length !== 1 || b.shape[0] !== cout)) throw new ShapeError(`${op}: bias must have shape [${cout}] (Cout of w [${w.shape}]), got [${b.shape}]`);
  const S = opts.stride ?? 1;
  if (S !== 1 && S !== 2) throw new ShapeError(`${op}: stride must be 1 or 2, got ${String(S)}`);
  const padding = opts.padding ?? 'same';
  if (padding !== 'same' && padding !== 'valid') throw new ShapeError(`${op}: padding must be 'same' or 'valid', got '${String(padding)}'`);
  const act = opts.activation ?? 'none';
  if (act !== 'none' && act !== 'relu' && act !== 'sigmoid') throw new ShapeError(`${op}: activation must be 'none', 'relu' or 'sigmoid', got '${String(act)}'`);
  const variant = opts.variant ?? defaultVariant;
  if (!VARIANTS.includes(variant)) throw variantError(op, variant);
  return { S, padding, act, variant };
}

// ---- the ops ----------------------------------------------------------------------------------

/**
 * The outputs of convs activated by relu. A later conv's input gradient for such an input x can be
 * zeroed where x <= 0 in its own last pass (masksInputGrad), which is the relu's backward: it then
 * marks the gradient (gradMarks) and the conv that made x skips its `binary` reluBackward pass.
 */
const reluOutputs = new WeakSet<Tensor>();

/**
 * Where a weight or bias gradient goes: a leaf's gradient buffer (a parameter's, which autograd
 * would add it into), so the split sum adds it there itself (filterGradInto, biasGradInto) and the
 * rule returns null for it; else null, and autograd stores or adds the tensor the rule returns.
 */
function leafGrad(t: Tensor): Tensor | null {
  return !t.node && t.grad && !t.grad.disposed ? t.grad : null;
}

/** The gradient at z = act(pre), given dy and y = z: dy itself where dy is already masked by y. */
function preActivationGrad(act: ConvActivation, dy: Tensor, y: Tensor): Tensor {
  if (act === 'none' || (act === 'relu' && gradMarks.get(dy) === y)) return dy;
  return activationBackward(act, dy, y);
}

/** dx of the conv g from dz, masked for x where x is a relu's output and the kernel can. */
function inputGrad(x: Tensor, dz: Tensor, w: Tensor, g: ConvGeometry, variant: ConvVariant): Tensor {
  const mask = reluOutputs.has(x) && masksInputGrad(variant, g) ? x : null;
  const dx = convTranspose(dz, w, null, g, 'none', variant, mask);
  if (mask) gradMarks.set(dx, mask);
  return dx;
}

/**
 * 2-D convolution (cross-correlation, as TensorFlow): x [N,H,W,Cin], w [KH,KW,Cin,Cout],
 * b [Cout] | null -> y [N,OH,OW,Cout] = act(b + sum x * w); OH = ceil(H/s) ('same') or
 * floor((H-KH)/s) + 1 ('valid'), likewise OW. Saves x, w and y for backward.
 */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null, opts: ConvOptions = {}): Tensor {
  const op = 'conv2d';
  const { S, padding, act, variant } = checkArgs(op, x, w, b, opts, '[KH, KW, Cin, Cout]', 2, 3);
  const [N, H, W, CI] = x.shape;
  const [KH, KW, , CO] = w.shape;
  const gh = convOutputSize(op, H, KH, S, padding);
  const gw = convOutputSize(op, W, KW, S, padding);
  const g: ConvGeometry = { N, H, W, CI, OH: gh.out, OW: gw.out, CO, KH, KW, S, PT: gh.pad, PL: gw.pad };
  // Where winograd's weight gradient follows a Winograd forward, it reuses the forward's transformed
  // input (V: 4x x's memory, 6.25x with winograd4's; held until backward or until y is freed)
  // instead of transforming x again.
  let v: InputPair | null = null;
  const keep = isGradEnabled() && w.requiresGrad && sharesWinogradInput(variant, g) ? (t: InputPair) => { v = t; } : undefined;
  const y = convForward(x, w, b, g, act, variant, keep);
  if (act === 'relu') reluOutputs.add(y);
  return record(y, op, [x, w, b], (dy) => {
    const dz = preActivationGrad(act, dy, y);
    const dx = x.requiresGrad ? inputGrad(x, dz, w, g, variant) : null;
    const dw = w.requiresGrad ? filterGradInto(x, dz, g, variant, v, leafGrad(w)) : null;
    const db = b?.requiresGrad ? biasGradInto(dz, leafGrad(b)) : null;
    if (dz !== dy) dz.dispose();
    return [dx, dw, db];
  }, () => { v?.v.dispose(); v = null; });
}

/**
 * Keras Conv2DTranspose: x [N,H,W,Cin], w [KH,KW,Cout,Cin], b [Cout] | null -> y [N,OH,OW,Cout],
 * OH = H*s ('same') or H*s + max(KH-s, 0) ('valid'), likewise OW; the adjoint of the conv2d that
 * maps [N,OH,OW,Cout] -> [N,H,W,Cin] with weights w, plus bias and activation. Saves x, w and y.
 */
export function conv2dTranspose(x: Tensor, w: Tensor, b: Tensor | null, opts: ConvOptions = {}): Tensor {
  const op = 'conv2dTranspose';
  const { S, padding, act, variant } = checkArgs(op, x, w, b, opts, '[KH, KW, Cout, Cin]', 3, 2);
  const [N, H, W, CIt] = x.shape;
  const [KH, KW, COt] = w.shape;
  const gh = convTransposeOutputSize(H, KH, S, padding);
  const gw = convTransposeOutputSize(W, KW, S, padding);
  // The adjoint conv: [N,OH_t,OW_t,Cout_t] -> [N,H,W,Cin_t] with weights [KH,KW,Cout_t,Cin_t].
  const g: ConvGeometry = { N, H: gh.out, W: gw.out, CI: COt, OH: H, OW: W, CO: CIt, KH, KW, S, PT: gh.pad, PL: gw.pad };
  const y = convTranspose(x, w, b, g, act, variant);
  if (act === 'relu') reluOutputs.add(y);
  return record(y, op, [x, w, b], (dy) => {
    const dz = preActivationGrad(act, dy, y);
    const dx = x.requiresGrad ? convForward(dz, w, null, g, 'none', variant) : null;
    const dw = w.requiresGrad ? filterGradInto(dz, x, g, variant, null, leafGrad(w)) : null;
    const db = b?.requiresGrad ? biasGradInto(dz, leafGrad(b)) : null;
    if (dz !== dy) dz.dispose();
    return [dx, dw, db];
  });
}
