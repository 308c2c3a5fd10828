/**
 * The float64 CPU reference for every op: plain nested loops, written from the maths (the
 * TensorFlow/Keras definitions), never from the WGSL kernels, so the two cannot share a bug.
 * Its own gradients are checked by central finite differences in tests/reference.node.test.ts.
 *
 * Layouts (row-major): activations NHWC [N, H, W, C]; conv2d weights [KH, KW, Cin, Cout];
 * transposed-conv weights [KH, KW, Cout, Cin] (Keras Conv2DTranspose).
 * Each forward has its backward right under it. Backward functions take dy, the gradient of the
 * loss with respect to the forward's (activated) output.
 */
import { ShapeError } from './errors.ts';

/** A float64 tensor: a shape and its row-major values. */
export interface RefTensor { shape: number[]; data: Float64Array }

export type Padding = 'same' | 'valid';
export type Activation = 'none' | 'relu' | 'sigmoid';

export interface ConvOptions {
  /** Same stride on both spatial dims; any integer >= 1. */
  stride: number;
  padding: Padding;
  /** Fused activation applied after the bias (default 'none'). */
  activation?: Activation;
}

export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 'pytorch': eps added to the bias-corrected sqrt(v); 'keras': eps added to the raw sqrt(v). */
  mode: 'pytorch' | 'keras';
}

// ---------------------------------------------------------------------------------------------
// Helpers

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function assertSameShape(op: string, a: RefTensor, b: RefTensor, what = 'a and b'): void {
  if (!sameShape(a.shape, b.shape)) throw new ShapeError(`${op}: ${what} must have the same shape, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
}

function assertRank4(op: string, t: RefTensor, what: string): void {
  if (t.shape.length !== 4) throw new ShapeError(`${op}: ${what} must be 4-D, got shape ${fmt(t.shape)}`);
  if (t.data.length !== sizeOf(t.shape)) throw new ShapeError(`${op}: ${what} has ${t.data.length} values but shape ${fmt(t.shape)}`);
}

/** A tensor of the given shape; copies data when given (its length must match), else zeros. */
export function refTensor(shape: readonly number[], data?: ArrayLike<number>): RefTensor {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`refTensor: bad dimension ${d} in shape ${fmt(shape)}`);
  }
  const n = sizeOf(shape);
  const out = new Float64Array(n);
  if (data !== undefined) {
    if (data.length !== n) throw new ShapeError(`refTensor: ${data.length} values do not fit shape ${fmt(shape)} (${n} values)`);
    for (let i = 0; i < n; i++) out[i] = data[i];
  }
  return { shape: [...shape], data: out };
}

/** A zero tensor of the given shape. */
export function zeros(shape: readonly number[]): RefTensor {
  return refTensor(shape);
}

/** sum_i a[i] * b[i] over two same-shape tensors. */
export function dot(a: RefTensor, b: RefTensor): number {
  assertSameShape('dot', a, b);
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i] * b.data[i];
  return s;
}

// ---------------------------------------------------------------------------------------------
// Activations (scalar forms shared by relu/sigmoid and the fused conv activations)

/** relu; NaN stays NaN (a NaN must never be hidden as 0). */
function reluScalar(x: number): number {
  if (Number.isNaN(x)) return NaN;
  return x > 0 ? x : 0; // also maps -0 to +0
}

/** Logistic sigmoid, stable for any |x|: exp(-|x|) lies in (0, 1], so it never overflows. */
function sigmoidScalar(x: number): number {
  const e = Math.exp(-Math.abs(x));
  return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}

function activate(z: number, act: Activation): number {
  if (act === 'relu') return reluScalar(z);
  if (act === 'sigmoid') return sigmoidScalar(z);
  return z;
}

/** d act(z) / dz given z and y = act(z). relu'(0) = 0 by convention. */
function activationSlope(z: number, y: number, act: Activation): number {
  if (act === 'relu') return z > 0 ? 1 : 0;
  if (act === 'sigmoid') return y * (1 - y); // from the output: no second exp
  return 1;
}

function checkActivation(op: string, act: Activation): void {
  if (act !== 'none' && act !== 'relu' && act !== 'sigmoid') throw new Error(`${op}: unknown activation '${String(act)}'`);
}

// ---------------------------------------------------------------------------------------------
// Geometry

/**
 * conv2d output size and leading padding along one spatial dim (TensorFlow/Keras rules).
 * 'same': out = ceil(n/s); the total padding max((out-1)*s + k - n, 0) is split with the odd
 * pixel at the end (bottom/right), as TF does. 'valid': out = floor((n-k)/s) + 1, no padding.
 */
export function convGeometry(n: number, k: number, s: number, padding: Padding): { out: number; padBefore: number } {
  if (padding === 'same') {
    const out = Math.ceil(n / s);
    const padTotal = Math.max((out - 1) * s + k - n, 0);
    return { out, padBefore: Math.floor(padTotal / 2) };
  }
  if (padding === 'valid') {
    if (n < k) throw new ShapeError(`conv2d 'valid': input size ${n} is smaller than kernel size ${k}`);
    return { out: Math.floor((n - k) / s) + 1, padBefore: 0 };
  }
  throw new Error(`unknown padding '${String(padding)}'`);
}

/**
 * Transposed-conv output size and leading crop along one spatial dim (Keras Conv2DTranspose).
 * 'same': out = n*s, crop floor(max(k-s, 0)/2) at the start; 'valid': out = n*s + max(k-s, 0).
 */
export function convTransposeGeometry(n: number, k: number, s: number, padding: Padding): { out: number; padBefore: number } {
  if (padding === 'same') return { out: n * s, padBefore: Math.floor(Math.max(k - s, 0) / 2) };
  if (padding === 'valid') return { out: n * s + Math.max(k - s, 0), padBefore: 0 };
  throw new Error(`unknown padding '${String(padding)}'`);
}

interface ConvDims {
  N: number; H: number; W: number; KH: number; KW: number;
  /** Channels of x. */
  CX: number;
  /** Channels of y. */
  CY: number;
  OH: number; OW: number; padTop: number; padLeft: number; s: number;
  act: Activation;
}

/** Validates a conv/convT call and returns its dims. For conv2d w is [KH,KW,CX,CY]; for convT [KH,KW,CY,CX]. */
function convDims(op: string, x: RefTensor, w: RefTensor, b: RefTensor | null, o: ConvOptions, transposed: boolean): ConvDims {
  assertRank4(op, x, 'x');
  assertRank4(op, w, 'w');
  const s = o.stride;
  if (!Number.isInteger(s) || s < 1) throw new Error(`${op}: stride must be an integer >= 1, got ${s}`);
  const act = o.activation ?? 'none';
  checkActivation(op, act);
  const [N, H, W, CX] = x.shape;
  const [KH, KW] = w.shape;
  if (KH < 1 || KW < 1) throw new ShapeError(`${op}: kernel must be at least 1x1, got ${fmt(w.shape)}`);
  const wCX = transposed ? w.shape[3] : w.shape[2];
  const CY = transposed ? w.shape[2] : w.shape[3];
  if (wCX !== CX) {
    const layout = transposed ? '[KH, KW, Cout, Cin]' : '[KH, KW, Cin, Cout]';
    throw new ShapeError(`${op}: x has ${CX} channels but w ${fmt(w.shape)} (${layout}) expects ${wCX}`);
  }
  if (b !== null) {
    if (b.shape.length !== 1 || b.shape[0] !== CY || b.data.length !== CY) throw new ShapeError(`${op}: bias must have shape [${CY}], got ${fmt(b.shape)}`);
  }
  const geo = transposed ? convTransposeGeometry : convGeometry;
  const gh = geo(H, KH, s, o.padding);
  const gw = geo(W, KW, s, o.padding);
  return { N, H, W, KH, KW, CX, CY, OH: gh.out, OW: gw.out, padTop: gh.padBefore, padLeft: gw.padBefore, s, act };
}

function checkDy(op: string, dy: RefTensor, shape: readonly number[]): void {
  if (!sameShape(dy.shape, shape) || dy.data.length !== sizeOf(shape)) throw new ShapeError(`${op}: dy must have the output's shape ${fmt(shape)}, got ${fmt(dy.shape)}`);
}

// ---------------------------------------------------------------------------------------------
// conv2d

/** Pre-activation z = b + correlation of x with w. x [N,H,W,Cin], w [KH,KW,Cin,Cout] -> z [N,OH,OW,Cout]. */
function conv2dPre(x: RefTensor, w: RefTensor, b: RefTensor | null, d: ConvDims): RefTensor {
  const { N, H, W, KH, KW, CX: Cin, CY: Cout, OH, OW, padTop, padLeft, s } = d;
  const z = zeros([N, OH, OW, Cout]);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let co = 0; co < Cout; co++) {
          let sum = b ? b.data[co] : 0;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * s + kh - padTop;
            if (ih < 0 || ih >= H) continue; // zero padding
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * s + kw - padLeft;
              if (iw < 0 || iw >= W) continue;
              for (let ci = 0; ci < Cin; ci++) {
                sum += x.data[((n * H + ih) * W + iw) * Cin + ci] * w.data[((kh * KW + kw) * Cin + ci) * Cout + co];
              }
            }
          }
          z.data[((n * OH + oh) * OW + ow) * Cout + co] = sum;
        }
      }
    }
  }
  return z;
}

/**
 * y[n,oh,ow,co] = act(b[co] + sum_{kh,kw,ci} x[n, oh*s+kh-padTop, ow*s+kw-padLeft, ci] * w[kh,kw,ci,co]).
 * x [N,H,W,Cin], w [KH,KW,Cin,Cout], b [Cout] or null -> y [N,OH,OW,Cout] (see convGeometry).
 */
export function conv2d(x: RefTensor, w: RefTensor, b: RefTensor | null, o: ConvOptions): RefTensor {
  const d = convDims('conv2d', x, w, b, o, false);
  const z = conv2dPre(x, w, b, d);
  for (let i = 0; i < z.data.length; i++) z.data[i] = activate(z.data[i], d.act);
  return z;
}

/** Gradients of conv2d given dy [N,OH,OW,Cout] (w.r.t. the activated output): dx, dw, db (null when b is). */
export function conv2dBackward(x: RefTensor, w: RefTensor, b: RefTensor | null, o: ConvOptions, dy: RefTensor): { dx: RefTensor; dw: RefTensor; db: RefTensor | null } {
  const d = convDims('conv2dBackward', x, w, b, o, false);
  const { N, H, W, KH, KW, CX: Cin, CY: Cout, OH, OW, padTop, padLeft, s, act } = d;
  checkDy('conv2dBackward', dy, [N, OH, OW, Cout]);
  // dz = dy * act'(z): recompute the forward to get z and y.
  const z = conv2dPre(x, w, b, d);
  const dz = new Float64Array(z.data.length);
  for (let i = 0; i < dz.length; i++) dz[i] = dy.data[i] * activationSlope(z.data[i], activate(z.data[i], act), act);
  const dx = zeros(x.shape);
  const dw = zeros(w.shape);
  const db = b ? zeros([Cout]) : null;
  // Same loops as the forward; every product x*w that fed z sends dz back to both factors.
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let co = 0; co < Cout; co++) {
          const g = dz[((n * OH + oh) * OW + ow) * Cout + co];
          if (db) db.data[co] += g;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * s + kh - padTop;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * s + kw - padLeft;
              if (iw < 0 || iw >= W) continue;
              for (let ci = 0; ci < Cin; ci++) {
                const xi = ((n * H + ih) * W + iw) * Cin + ci;
                const wi = ((kh * KW + kw) * Cin + ci) * Cout + co;
                dx.data[xi] += w.data[wi] * g;
                dw.data[wi] += x.data[xi] * g;
              }
            }
          }
        }
      }
    }
  }
  return { dx, dw, db };
}

// ---------------------------------------------------------------------------------------------
// conv2dTranspose (written directly as a scatter, independent of conv2dBackward)

/** Pre-activation z of the transposed conv. x [N,H,W,Cin], w [KH,KW,Cout,Cin] -> z [N,OH,OW,Cout]. */
function conv2dTransposePre(x: RefTensor, w: RefTensor, b: RefTensor | null, d: ConvDims): RefTensor {
  const { N, H, W, KH, KW, CX: Cin, CY: Cout, OH, OW, padTop, padLeft, s } = d;
  const z = zeros([N, OH, OW, Cout]);
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        for (let ci = 0; ci < Cin; ci++) {
          const xv = x.data[((n * H + i) * W + j) * Cin + ci];
          for (let kh = 0; kh < KH; kh++) {
            const oy = i * s + kh - padTop;
            if (oy < 0 || oy >= OH) continue; // cropped by 'same'
            for (let kw = 0; kw < KW; kw++) {
              const ox = j * s + kw - padLeft;
              if (ox < 0 || ox >= OW) continue;
              for (let co = 0; co < Cout; co++) {
                z.data[((n * OH + oy) * OW + ox) * Cout + co] += xv * w.data[((kh * KW + kw) * Cout + co) * Cin + ci];
              }
            }
          }
        }
      }
    }
  }
  if (b) {
    for (let i = 0; i < z.data.length; i++) z.data[i] += b.data[i % Cout];
  }
  return z;
}

/**
 * Keras Conv2DTranspose: each input pixel scatters its kernel-weighted copy into the output,
 * z[n, i*s+kh-padTop, j*s+kw-padLeft, co] += x[n,i,j,ci] * w[kh,kw,co,ci] (out-of-range dropped),
 * y = act(z + b[co]). x [N,H,W,Cin], w [KH,KW,Cout,Cin], b [Cout] or null -> y [N,OH,OW,Cout]
 * (see convTransposeGeometry).
 */
export function conv2dTranspose(x: RefTensor, w: RefTensor, b: RefTensor | null, o: ConvOptions): RefTensor {
  const d = convDims('conv2dTranspose', x, w, b, o, true);
  const z = conv2dTransposePre(x, w, b, d);
  for (let i = 0; i < z.data.length; i++) z.data[i] = activate(z.data[i], d.act);
  return z;
}

/** Gradients of conv2dTranspose given dy [N,OH,OW,Cout]: dx [N,H,W,Cin], dw [KH,KW,Cout,Cin], db [Cout] or null. */
export function conv2dTransposeBackward(x: RefTensor, w: RefTensor, b: RefTensor | null, o: ConvOptions, dy: RefTensor): { dx: RefTensor; dw: RefTensor; db: RefTensor | null } {
  const d = convDims('conv2dTransposeBackward', x, w, b, o, true);
  const { N, H, W, KH, KW, CX: Cin, CY: Cout, OH, OW, padTop, padLeft, s, act } = d;
  checkDy('conv2dTransposeBackward', dy, [N, OH, OW, Cout]);
  const z = conv2dTransposePre(x, w, b, d);
  const dz = new Float64Array(z.data.length);
  for (let i = 0; i < dz.length; i++) dz[i] = dy.data[i] * activationSlope(z.data[i], activate(z.data[i], act), act);
  const dx = zeros(x.shape);
  const dw = zeros(w.shape);
  let db: RefTensor | null = null;
  if (b) {
    db = zeros([Cout]);
    for (let i = 0; i < dz.length; i++) db.data[i % Cout] += dz[i];
  }
  // Same loops as the forward scatter: each product x*w that landed in z gets dz back.
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        for (let ci = 0; ci < Cin; ci++) {
          const xi = ((n * H + i) * W + j) * Cin + ci;
          for (let kh = 0; kh < KH; kh++) {
            const oy = i * s + kh - padTop;
            if (oy < 0 || oy >= OH) continue;
            for (let kw = 0; kw < KW; kw++) {
              const ox = j * s + kw - padLeft;
              if (ox < 0 || ox >= OW) continue;
              for (let co = 0; co < Cout; co++) {
                const g = dz[((n * OH + oy) * OW + ox) * Cout + co];
                const wi = ((kh * KW + kw) * Cout + co) * Cin + ci;
                dx.data[xi] += w.data[wi] * g;
                dw.data[wi] += x.data[xi] * g;
              }
            }
          }
        }
      }
    }
  }
  return { dx, dw, db };
}

// ---------------------------------------------------------------------------------------------
// maxPool2d: 2x2 window, stride 2

/**
 * y[n,oh,ow,c] = max of x over rows 2oh..2oh+1, cols 2ow..2ow+1 (cells past the edge skipped).
 * 'valid': out = floor(n/2) (a trailing odd row/col is dropped); 'same': out = ceil(n/2), the
 * padding is only at the bottom/right and padded cells never win (they are not -inf or 0, they
 * simply do not take part). x [N,H,W,C] -> y [N,OH,OW,C]; argmax[i] is the flat index into x of
 * the winner of y's element i.
 * Ties: the first maximum in scan order (0,0),(0,1),(1,0),(1,1) wins (strict >).
 * NaN: the first NaN in scan order wins and the output is NaN.
 */
export function maxPool2d(x: RefTensor, o: { padding: Padding }): { y: RefTensor; argmax: Int32Array } {
  assertRank4('maxPool2d', x, 'x');
  const [N, H, W, C] = x.shape;
  let OH: number;
  let OW: number;
  if (o.padding === 'valid') { OH = Math.floor(H / 2); OW = Math.floor(W / 2); }
  else if (o.padding === 'same') { OH = Math.ceil(H / 2); OW = Math.ceil(W / 2); }
  else throw new Error(`maxPool2d: unknown padding '${String(o.padding)}'`);
  if (OH === 0 || OW === 0) throw new ShapeError(`maxPool2d '${o.padding}': input ${fmt(x.shape)} gives an empty output`);
  const y = zeros([N, OH, OW, C]);
  const argmax = new Int32Array(y.data.length);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let bestAt = -1;
          scan: for (let dh = 0; dh < 2; dh++) {
            const ih = 2 * oh + dh;
            if (ih >= H) continue; // bottom padding: not a candidate
            for (let dw = 0; dw < 2; dw++) {
              const iw = 2 * ow + dw;
              if (iw >= W) continue; // right padding
              const at = ((n * H + ih) * W + iw) * C + c;
              const v = x.data[at];
              if (Number.isNaN(v)) { best = NaN; bestAt = at; break scan; }
              // bestAt < 0: the first real cell always enters, even when it is -Infinity.
              if (bestAt < 0 || v > best) { best = v; bestAt = at; }
            }
          }
          const yi = ((n * OH + oh) * OW + ow) * C + c;
          y.data[yi] = best;
          argmax[yi] = bestAt;
        }
      }
    }
  }
  return { y, argmax };
}

/** dx[argmax[i]] += dy[i]. xShape [N,H,W,C], dy [N,OH,OW,C] -> dx [N,H,W,C]. */
export function maxPool2dBackward(xShape: readonly number[], argmax: Int32Array, dy: RefTensor): RefTensor {
  if (xShape.length !== 4) throw new ShapeError(`maxPool2dBackward: xShape must be 4-D, got ${fmt(xShape)}`);
  if (argmax.length !== dy.data.length) throw new ShapeError(`maxPool2dBackward: argmax has ${argmax.length} entries but dy has ${dy.data.length} values`);
  const dx = zeros(xShape);
  for (let i = 0; i < argmax.length; i++) {
    const at = argmax[i];
    if (at < 0 || at >= dx.data.length) throw new ShapeError(`maxPool2dBackward: argmax[${i}] = ${at} is outside x of shape ${fmt(xShape)}`);
    dx.data[at] += dy.data[i];
  }
  return dx;
}

// ---------------------------------------------------------------------------------------------
// Nearest-neighbour upsampling

function checkFactor(op: string, f: number): void {
  if (!Number.isInteger(f) || f < 1) throw new Error(`${op}: factor must be an integer >= 1, got ${f}`);
}

/** y[n, h*f+i, w*f+j, c] = x[n,h,w,c]. x [N,H,W,C] -> y [N,H*f,W*f,C]. */
export function upsampleNearest(x: RefTensor, factor: number): RefTensor {
  assertRank4('upsampleNearest', x, 'x');
  checkFactor('upsampleNearest', factor);
  const f = factor;
  const [N, H, W, C] = x.shape;
  const OH = H * f;
  const OW = W * f;
  const y = zeros([N, OH, OW, C]);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let c = 0; c < C; c++) {
          y.data[((n * OH + oh) * OW + ow) * C + c] = x.data[((n * H + Math.floor(oh / f)) * W + Math.floor(ow / f)) * C + c];
        }
      }
    }
  }
  return y;
}

/** dx[n,h,w,c] = sum of dy over the f x f block it was copied to. dy [N,H*f,W*f,C] -> dx [N,H,W,C]. */
export function upsampleNearestBackward(dy: RefTensor, factor: number): RefTensor {
  assertRank4('upsampleNearestBackward', dy, 'dy');
  checkFactor('upsampleNearestBackward', factor);
  const f = factor;
  const [N, OH, OW, C] = dy.shape;
  if (OH % f !== 0 || OW % f !== 0) throw new ShapeError(`upsampleNearestBackward: dy ${fmt(dy.shape)} is not a multiple of factor ${f}`);
  const H = OH / f;
  const W = OW / f;
  const dx = zeros([N, H, W, C]);
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        for (let c = 0; c < C; c++) {
          let sum = 0;
          for (let i = 0; i < f; i++) {
            for (let j = 0; j < f; j++) sum += dy.data[((n * OH + h * f + i) * OW + w * f + j) * C + c];
          }
          dx.data[((n * H + h) * W + w) * C + c] = sum;
        }
      }
    }
  }
  return dx;
}

// ---------------------------------------------------------------------------------------------
// Activations as ops (any shape)

/** y = max(x, 0); NaN stays NaN. */
export function relu(x: RefTensor): RefTensor {
  const y = zeros(x.shape);
  for (let i = 0; i < y.data.length; i++) y.data[i] = reluScalar(x.data[i]);
  return y;
}

/** dx = dy where y > 0, else 0 (so the gradient at exactly 0 is 0). */
export function reluBackward(y: RefTensor, dy: RefTensor): RefTensor {
  assertSameShape('reluBackward', y, dy, 'y and dy');
  const dx = zeros(y.shape);
  for (let i = 0; i < dx.data.length; i++) dx.data[i] = y.data[i] > 0 ? dy.data[i] : 0;
  return dx;
}

/** y = 1 / (1 + exp(-x)), computed through exp(-|x|) so |x| up to 1e4 (and beyond) stays finite. */
export function sigmoid(x: RefTensor): RefTensor {
  const y = zeros(x.shape);
  for (let i = 0; i < y.data.length; i++) y.data[i] = sigmoidScalar(x.data[i]);
  return y;
}

/** dx = dy * y * (1 - y), from the saved output y. */
export function sigmoidBackward(y: RefTensor, dy: RefTensor): RefTensor {
  assertSameShape('sigmoidBackward', y, dy, 'y and dy');
  const dx = zeros(y.shape);
  for (let i = 0; i < dx.data.length; i++) dx.data[i] = dy.data[i] * y.data[i] * (1 - y.data[i]);
  return dx;
}

// ---------------------------------------------------------------------------------------------
// Elementwise (same shapes only: no broadcasting)

function zip(op: string, a: RefTensor, b: RefTensor, f: (u: number, v: number) => number): RefTensor {
  assertSameShape(op, a, b);
  const y = zeros(a.shape);
  for (let i = 0; i < y.data.length; i++) y.data[i] = f(a.data[i], b.data[i]);
  return y;
}

/** a + b. */
export function add(a: RefTensor, b: RefTensor): RefTensor { return zip('add', a, b, (u, v) => u + v); }
/** a - b. */
export function sub(a: RefTensor, b: RefTensor): RefTensor { return zip('sub', a, b, (u, v) => u - v); }
/** a * b elementwise. */
export function mul(a: RefTensor, b: RefTensor): RefTensor { return zip('mul', a, b, (u, v) => u * v); }

/** alpha * a. */
export function scale(a: RefTensor, alpha: number): RefTensor {
  const y = zeros(a.shape);
  for (let i = 0; i < y.data.length; i++) y.data[i] = alpha * a.data[i];
  return y;
}

/** Gradients of a * b: da = dy * b, db = dy * a. */
export function mulBackward(a: RefTensor, b: RefTensor, dy: RefTensor): { da: RefTensor; db: RefTensor } {
  assertSameShape('mulBackward', a, b);
  assertSameShape('mulBackward', a, dy, 'a and dy');
  return { da: mul(dy, b), db: mul(dy, a) };
}

// ---------------------------------------------------------------------------------------------
// Losses and metrics

function countOf(op: string, a: RefTensor, b: RefTensor): number {
  assertSameShape(op, a, b);
  if (a.data.length === 0) throw new ShapeError(`${op}: empty tensors have no mean`);
  return a.data.length;
}

/** mean((a - b)^2) over all elements. */
export function mse(a: RefTensor, b: RefTensor): number {
  const count = countOf('mse', a, b);
  let s = 0;
  for (let i = 0; i < count; i++) { const d = a.data[i] - b.data[i]; s += d * d; }
  return s / count;
}

/** Gradients of g * mse(a, b): da = 2 (a - b) g / count, db = -da. */
export function mseBackward(a: RefTensor, b: RefTensor, g = 1): { da: RefTensor; db: RefTensor } {
  const count = countOf('mseBackward', a, b);
  const da = zeros(a.shape);
  const db = zeros(a.shape);
  for (let i = 0; i < count; i++) {
    da.data[i] = (2 * (a.data[i] - b.data[i]) * g) / count;
    db.data[i] = -da.data[i];
  }
  return { da, db };
}

/** mean |a - b| over all elements. */
export function mae(a: RefTensor, b: RefTensor): number {
  const count = countOf('mae', a, b);
  let s = 0;
  for (let i = 0; i < count; i++) s += Math.abs(a.data[i] - b.data[i]);
  return s / count;
}

/** Gradients of g * mae(a, b): da = sign(a - b) g / count (0 where a == b), db = -da. */
export function maeBackward(a: RefTensor, b: RefTensor, g = 1): { da: RefTensor; db: RefTensor } {
  const count = countOf('maeBackward', a, b);
  const da = zeros(a.shape);
  const db = zeros(a.shape);
  for (let i = 0; i < count; i++) {
    const d = a.data[i] - b.data[i];
    const sign = d > 0 ? 1 : d < 0 ? -1 : 0; // subgradient 0 at a tie
    da.data[i] = (sign * g) / count;
    db.data[i] = -da.data[i];
  }
  return { da, db };
}

/** Per batch item (dim 0): mean of f(a - b) over that item's elements. */
function perImage(op: string, a: RefTensor, b: RefTensor, f: (d: number) => number): Float64Array {
  assertSameShape(op, a, b);
  if (a.shape.length < 1 || a.shape[0] < 1 || a.data.length === 0) throw new ShapeError(`${op}: need a non-empty batch, got shape ${fmt(a.shape)}`);
  const N = a.shape[0];
  const per = a.data.length / N;
  const out = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    let s = 0;
    for (let i = n * per; i < (n + 1) * per; i++) s += f(a.data[i] - b.data[i]);
    out[n] = s / per;
  }
  return out;
}

/** mean((a - b)^2) per batch item. */
export function msePerImage(a: RefTensor, b: RefTensor): Float64Array {
  return perImage('msePerImage', a, b, (d) => d * d);
}

/** mean |a - b| per batch item. */
export function maePerImage(a: RefTensor, b: RefTensor): Float64Array {
  return perImage('maePerImage', a, b, Math.abs);
}

/** PSNR in dB per batch item for data range 1: 10 log10(1 / mse); Infinity when identical. */
export function psnrPerImage(a: RefTensor, b: RefTensor): Float64Array {
  const m = perImage('psnrPerImage', a, b, (d) => d * d);
  const out = new Float64Array(m.length);
  for (let n = 0; n < m.length; n++) out[n] = 10 * Math.log10(1 / m[n]); // 1/0 = Infinity -> Infinity dB
  return out;
}

// ---------------------------------------------------------------------------------------------
// Adam

/**
 * One Adam step in place on p, m, v (all the same length as g); t is the 1-based step number.
 * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2, then
 * 'pytorch': p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps);
 * 'keras' (tf.keras): p -= lr * sqrt(1-b2^t) / (1-b1^t) * m / (sqrt(v) + eps).
 * The two differ only in where eps sits: Keras's eps acts like eps / sqrt(1-b2^t) in PyTorch's form.
 */
export function adamStep(p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, t: number, o: AdamOptions): void {
  if (g.length !== p.length || m.length !== p.length || v.length !== p.length) {
    throw new ShapeError(`adamStep: p, g, m, v must have the same length, got ${p.length}, ${g.length}, ${m.length}, ${v.length}`);
  }
  if (!Number.isInteger(t) || t < 1) throw new Error(`adamStep: t is the 1-based step number, got ${t}`);
  if (o.mode !== 'pytorch' && o.mode !== 'keras') throw new Error(`adamStep: unknown mode '${String(o.mode)}'`);
  const { lr, beta1: b1, beta2: b2, eps } = o;
  const bc1 = 1 - Math.pow(b1, t);
  const bc2 = 1 - Math.pow(b2, t);
  for (let i = 0; i < p.length; i++) {
    m[i] = b1 * m[i] + (1 - b1) * g[i];
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    if (o.mode === 'pytorch') {
      p[i] -= (lr * (m[i] / bc1)) / (Math.sqrt(v[i] / bc2) + eps);
    } else {
      const lrT = (lr * Math.sqrt(bc2)) / bc1;
      p[i] -= (lrT * m[i]) / (Math.sqrt(v[i]) + eps);
    }
  }
}
