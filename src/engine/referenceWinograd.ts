/**
 * The float64 references of the Winograd conv's passes (src/shaders/conv2d_winograd*.wgsl), sibling
 * of reference.ts. Written from the definition in Lavin & Gray, "Fast Algorithms for Convolutional
 * Neural Networks" (2016), as products with the matrices of F(m x m, 3x3), never from the WGSL's
 * written-out sums. Two schemes: F2 = F(2x2, 3x3) (the 'winograd' family, a = 4) and
 * F4 = F(4x4, 3x3) (the 'winograd4' family, a = 6):
 *   U = G g G^T (each 3x3 filter),  V = B^T d B (each a x a input patch),  Y = A^T M A (each tile),
 * where M = U (*) V summed over the input channels gives the m x m outputs of the tile's 3x3
 * stride-1 conv: tests/referenceWinograd.node.test.ts checks that composition against reference.ts's conv2d.
 * A third, S2 (the 'winograd-s2' family, m = 4, a = 9), does the same for the 3x3 stride-2 conv: its
 * patches start 2m apart, and the test checks it against the direct stride-2 conv.
 *
 * The weight gradient is Winograd F(3x3, m x m) over the same tiles: each m x m tile e of dy is a
 * filter over its a x a patch of x, giving its share of the 9 taps of dw. Its input transform is
 * the forward's B^T, so x's V above serves it:
 *   Y = H e H^T (each dy tile),  P = sum over tiles of V (*) Y,  dw = C^T P C.
 * (y = A^T (U (*) V) A is linear in U = G g G^T, so H = A and C^T = G^T; F2 moves a factor 2 between
 * them, as F(3, 2) is usually written.)
 *
 * Pure TypeScript (no GPU or runtime import): loads in Node as well as in the page.
 * Layouts: NHWC images; U [a*a, CI, CO], V [a*a, T, CI], M [a*a, T, CO] with the point xi = a*r + c
 * of the a x a domain first and the tile t = (n * TH + ty) * TW + tx, TH = ceil(OH/m), TW = ceil(OW/m).
 */
import { ShapeError } from './errors.ts';
import { type RefTensor, refTensor } from './reference.ts';

type Mat = number[][];
const transpose = (a: Mat): Mat => a[0].map((_, j) => a.map((row) => row[j]));
function matmul(a: Mat, b: Mat): Mat {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

/**
 * A Winograd scheme for a 3x3 conv's forward: its tile side m, domain side a, the conv's stride S
 * (a tile's input patch starts S*m rows after the one before; 1 where absent), and matrices.
 */
export interface WinogradForwardScheme {
  m: number;
  a: number;
  S?: number;
  /** Filter (a x 3), input (a x a) and output (m x a) matrices of the forward. */
  G: Mat; BT: Mat; AT: Mat;
}
/** A stride-1 scheme F(m x m, 3x3) (a = m + 2), with its weight gradient F(3x3, m x m). */
export interface WinogradScheme extends WinogradForwardScheme {
  /** The weight gradient's: dy tile (a x m) and output (3 x a). */
  gradH: Mat; gradCT: Mat;
}

/** F(2x2, 3x3); its weight gradient F(3x3, 2x2) with H's last row negated (so B^T is shared). */
export const F2: WinogradScheme = {
  m: 2, a: 4,
  G: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
  BT: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
  AT: [[1, 1, 1, 0], [0, 1, -1, -1]],
  gradH: [[1, 0], [0.5, 0.5], [0.5, -0.5], [0, -1]],
  gradCT: [[1, 1, 1, 0], [0, 1, -1, 0], [0, 1, 1, 1]],
};

const F4_G = [[1 / 2, 0, 0], [1 / 6, 1 / 6, 1 / 6], [1 / 6, -1 / 6, 1 / 6], [2 / 15, 1 / 15, 1 / 30], [1 / 30, -1 / 15, 2 / 15], [0, 0, 1 / 2]];
const F4_AT = [[1, 1, 1, 8, 1, 0], [0, 1, -1, 4, -2, 0], [0, 1, 1, 2, 4, 0], [0, 1, -1, 1, -8, 1]];
/**
 * F(4x4, 3x3) at the points 0, 1, -1, 1/2, -2 and infinity: in float32 its outputs carry 0.4-0.5x
 * the rounding error of Lavin & Gray's 0, 1, -1, 2, -2 (the points Barabasz et al., "Error
 * analysis and improving the accuracy of Winograd convolution for deep neural networks", 2020,
 * recommend); rows scaled so that B^T is integer and A^T's columns at 1/2 and -2 mirror each other.
 * Its weight gradient F(3x3, 4x4): H = A, C^T = G^T; no kernel runs it (it rounds about 6x as much
 * as F(3x3, 2x2): tests/winogradRounding.node.test.ts), the reference keeps it for that comparison.
 */
export const F4: WinogradScheme = {
  m: 4, a: 6,
  G: F4_G,
  BT: [[2, -3, -4, 3, 2, 0], [0, -2, 1, 5, 2, 0], [0, -2, 5, -1, -2, 0], [0, 2, 1, -2, -1, 0], [0, 1, -2, -1, 2, 0], [0, 2, -3, -4, 3, 2]],
  AT: F4_AT,
  gradH: transpose(F4_AT),
  gradCT: transpose(F4_G),
};

/**
 * The 3x3 stride-2 forward by a 9-point algorithm per dimension (the 'winograd-s2' family, m = 4,
 * a = 9): the 4 outputs y_i = w0 d_2i + w1 d_2i+1 + w2 d_2i+2 of a 9-sample patch d are F(4, 2)
 * (points 0, 1, -1, -2 and infinity) of (w0, w2) over the even samples d_0, d_2, .., d_8, plus w1
 * times the odd ones d_1, .., d_7: 9 products instead of 12 (81 instead of 144 in 2-D). The
 * matrices put F(4, 2)'s on the even samples' points 0..4 and the odd samples as points 5..8.
 * No gradient of its own (the family serves the forward only).
 */
const F42_BT = [[-2, -1, 2, 1, 0], [0, 2, 3, 1, 0], [0, -2, 1, 1, 0], [0, -1, 0, 1, 0], [0, -2, -1, 2, 1]];
const F42_G = [[-1 / 2, 0], [1 / 6, 1 / 6], [1 / 2, -1 / 2], [-1 / 6, 1 / 3], [0, 1]];
const F42_AT = [[1, 1, 1, 1, 0], [0, 1, -1, -2, 0], [0, 1, 1, 4, 0], [0, 1, -1, -8, 1]];
export const S2: WinogradForwardScheme = {
  m: 4, a: 9, S: 2,
  // Point r < 5: F(4, 2)'s row r over the even samples (column 2k); point 5 + k: odd sample 2k + 1.
  BT: Array.from({ length: 9 }, (_, r) => Array.from({ length: 9 }, (_, j) => (r < 5 ? (j % 2 === 0 ? F42_BT[r][j / 2] : 0) : (j === 2 * (r - 5) + 1 ? 1 : 0)))),
  // Point r < 5: F(4, 2)'s G on taps 0 and 2; point 5 + k: tap 1.
  G: Array.from({ length: 9 }, (_, r) => (r < 5 ? [F42_G[r][0], 0, F42_G[r][1]] : [0, 1, 0])),
  // Output i: F(4, 2)'s A^T over points 0..4, plus point 5 + i.
  AT: F42_AT.map((row, i) => [...row, ...[0, 1, 2, 3].map((k) => (k === i ? 1 : 0))]),
};

/**
 * The adjoint of S2's conv (its input gradient dx, conv2dTranspose's forward), the 'winograd-s2'
 * family's input gradient. In one dimension, with q = h + PT, an even q = 2i takes w0 dy_i + w2 dy_i-1
 * and an odd q = 2i+1 takes w1 dy_i: a tile of 8 outputs q = 8T .. 8T+7 reads the 5 samples
 * e_j = dy_4T-1+j, its even outputs F(4, 2) of (w2, w0) over e, its odd ones w1 times e_1 .. e_4.
 * B^T (9x5): F(4, 2)'s, then e_1 .. e_4; G (9x3): F(4, 2)'s on (w2, w0), then w1; A^T (8x9): output
 * 2k is F(4, 2)'s A^T row k over points 0..4, output 2k + 1 is point 5 + k.
 */
export const S2T = {
  BT: Array.from({ length: 9 }, (_, r) => Array.from({ length: 5 }, (_, j) => (r < 5 ? F42_BT[r][j] : j === r - 4 ? 1 : 0))),
  G: Array.from({ length: 9 }, (_, r) => (r < 5 ? [F42_G[r][1], 0, F42_G[r][0]] : [0, 1, 0])),
  AT: Array.from({ length: 8 }, (_, q) => Array.from({ length: 9 }, (_, r) => (q % 2 === 0 ? (r < 5 ? F42_AT[q / 2][r] : 0) : r === 5 + (q - 1) / 2 ? 1 : 0))),
};
/** S2T's tiles: 8x8 blocks of dx [N, H, W, .] from row -PT and column -PL. */
const tilesT = (H: number, W: number, PT: number, PL: number) => ({ TH: Math.ceil((H + PT) / 8), TW: Math.ceil((W + PL) / 8) });

/** w [3, 3, CI, CO] -> U [81, CO, CI], U[., co, ci] = G g G^T (S2T's G) for g = w[:, :, ci, co]. */
export function winogradWeightsT(w: RefTensor): RefTensor {
  const [KH, KW, CI, CO] = w.shape;
  if (w.shape.length !== 4 || KH !== 3 || KW !== 3) throw new ShapeError(`winogradWeightsT: w must be [3, 3, CI, CO], got [${w.shape.join(', ')}]`);
  const out = new Float64Array(81 * CO * CI);
  const GT = transpose(S2T.G);
  for (let ci = 0; ci < CI; ci++) {
    for (let co = 0; co < CO; co++) {
      const g = [0, 1, 2].map((kh) => [0, 1, 2].map((kw) => w.data[((kh * 3 + kw) * CI + ci) * CO + co]));
      const u = matmul(matmul(S2T.G, g), GT);
      for (let xi = 0; xi < 81; xi++) out[(xi * CO + co) * CI + ci] = u[Math.floor(xi / 9)][xi % 9];
    }
  }
  return refTensor([81, CO, CI], out);
}

/**
 * dy [N, OH, OW, CO] -> V [81, T, CO] for S2T's 8x8 tiles of a dx of H x W (padding before PT, PL):
 * V[., t, co] = B^T e B, e the 5x5 patch of dy at rows 4ty - 1.., columns 4tx - 1.. (0 outside dy).
 */
export function winogradInputT(dy: RefTensor, H: number, W: number, PT: number, PL: number): RefTensor {
  if (dy.shape.length !== 4) throw new ShapeError(`winogradInputT: dy must be NHWC, got [${dy.shape.join(', ')}]`);
  const [N, OH, OW, CO] = dy.shape;
  const { TH, TW } = tilesT(H, W, PT, PL);
  const T = N * TH * TW;
  const out = new Float64Array(81 * T * CO);
  const B = transpose(S2T.BT);
  for (let n = 0; n < N; n++) {
    for (let ty = 0; ty < TH; ty++) {
      for (let tx = 0; tx < TW; tx++) {
        const t = (n * TH + ty) * TW + tx;
        for (let co = 0; co < CO; co++) {
          const e = grid(5, (i, j) => {
            const oh = 4 * ty - 1 + i, ow = 4 * tx - 1 + j;
            return oh >= 0 && oh < OH && ow >= 0 && ow < OW ? dy.data[((n * OH + oh) * OW + ow) * CO + co] : 0;
          });
          const v = matmul(matmul(S2T.BT, e), B);
          for (let xi = 0; xi < 81; xi++) out[(xi * T + t) * CO + co] = v[Math.floor(xi / 9)][xi % 9];
        }
      }
    }
  }
  return refTensor([81, T, CO], out);
}

/** M [81, T, CI] -> dx [N, H, W, CI] = b + A^T M A per 8x8 tile (rows 8ty - PT.., the pixels inside), no activation. */
export function winogradOutputT(mt: RefTensor, b: RefTensor | null, N: number, H: number, W: number, PT: number, PL: number): RefTensor {
  const [P, T, CI] = mt.shape;
  const { TH, TW } = tilesT(H, W, PT, PL);
  if (P !== 81 || T !== N * TH * TW) throw new ShapeError(`winogradOutputT: M must be [81, ${N * TH * TW}, CI] for ${N} images of ${H}x${W}, got [${mt.shape.join(', ')}]`);
  const out = new Float64Array(N * H * W * CI);
  const A = transpose(S2T.AT);
  for (let n = 0; n < N; n++) {
    for (let ty = 0; ty < TH; ty++) {
      for (let tx = 0; tx < TW; tx++) {
        const t = (n * TH + ty) * TW + tx;
        for (let ci = 0; ci < CI; ci++) {
          const M = grid(9, (r, c) => mt.data[((r * 9 + c) * T + t) * CI + ci]);
          const y = matmul(matmul(S2T.AT, M), A);
          for (let i = 0; i < 8; i++) {
            for (let j = 0; j < 8; j++) {
              const h = 8 * ty - PT + i, w = 8 * tx - PL + j;
              if (h >= 0 && h < H && w >= 0 && w < W) out[((n * H + h) * W + w) * CI + ci] = y[i][j] + (b ? b.data[ci] : 0);
            }
          }
        }
      }
    }
  }
  return refTensor([N, H, W, CI], out);
}

/** Tiles of the output: ceil(OH/m) x ceil(OW/m) per image. */
export const tilesOf = (OH: number, OW: number, m = 2) => ({ TH: Math.ceil(OH / m), TW: Math.ceil(OW / m) });
/** Tiles of N images of OH x OW. */
export const winogradTileCount = (N: number, OH: number, OW: number, m = 2) => N * Math.ceil(OH / m) * Math.ceil(OW / m);
/** The a x a matrix of point xi = a*r + c, read by f. */
const grid = (a: number, f: (r: number, c: number) => number): Mat => Array.from({ length: a }, (_, r) => Array.from({ length: a }, (_, c) => f(r, c)));

/** w [3, 3, CI, CO] -> U [a*a, CI, CO], U[., ci, co] = G g G^T for g = w[:, :, ci, co]. */
export function winogradWeights(w: RefTensor, s: WinogradForwardScheme = F2): RefTensor {
  const [KH, KW, CI, CO] = w.shape;
  if (w.shape.length !== 4 || KH !== 3 || KW !== 3) throw new ShapeError(`winogradWeights: w must be [3, 3, CI, CO], got [${w.shape.join(', ')}]`);
  const P = s.a * s.a;
  const out = new Float64Array(P * CI * CO);
  const GT = transpose(s.G);
  for (let ci = 0; ci < CI; ci++) {
    for (let co = 0; co < CO; co++) {
      const g = [0, 1, 2].map((kh) => [0, 1, 2].map((kw) => w.data[((kh * 3 + kw) * CI + ci) * CO + co]));
      const u = matmul(matmul(s.G, g), GT);
      for (let xi = 0; xi < P; xi++) out[(xi * CI + ci) * CO + co] = u[Math.floor(xi / s.a)][xi % s.a];
    }
  }
  return refTensor([P, CI, CO], out);
}

/**
 * x [N, H, W, CI] -> V [a*a, T, CI] for the 3x3 conv of stride S (the scheme's) with output OH x OW
 * and padding before PT, PL: V[., t, ci] = B^T d B, d the a x a patch at rows S*m*ty - PT..,
 * columns S*m*tx - PL.. (0 outside the image).
 */
export function winogradInput(x: RefTensor, OH: number, OW: number, PT: number, PL: number, s: WinogradForwardScheme = F2): RefTensor {
  if (x.shape.length !== 4) throw new ShapeError(`winogradInput: x must be NHWC, got [${x.shape.join(', ')}]`);
  const [N, H, W, CI] = x.shape;
  const { m, a } = s;
  const step = (s.S ?? 1) * m;
  const { TH, TW } = tilesOf(OH, OW, m);
  const T = N * TH * TW;
  const out = new Float64Array(a * a * T * CI);
  const B = transpose(s.BT);
  for (let n = 0; n < N; n++) {
    for (let ty = 0; ty < TH; ty++) {
      for (let tx = 0; tx < TW; tx++) {
        const t = (n * TH + ty) * TW + tx;
        for (let ci = 0; ci < CI; ci++) {
          const d = grid(a, (i, j) => {
            const ih = step * ty - PT + i, iw = step * tx - PL + j;
            return ih >= 0 && ih < H && iw >= 0 && iw < W ? x.data[((n * H + ih) * W + iw) * CI + ci] : 0;
          });
          const v = matmul(matmul(s.BT, d), B);
          for (let xi = 0; xi < a * a; xi++) out[(xi * T + t) * CI + ci] = v[Math.floor(xi / a)][xi % a];
        }
      }
    }
  }
  return refTensor([a * a, T, CI], out);
}

/** M[xi, t, co] = sum_ci V[xi, t, ci] * U[xi, ci, co]: one matrix product per point (16 or 36). */
export function winogradProducts(v: RefTensor, u: RefTensor): RefTensor {
  const [P, T, CI] = v.shape;
  const CO = u.shape[2];
  if (u.shape[0] !== P || u.shape[1] !== CI) throw new ShapeError(`winogradProducts: V [P, T, CI] and U [P, CI, CO] expected, got [${v.shape.join(', ')}] and [${u.shape.join(', ')}]`);
  const out = new Float64Array(P * T * CO);
  for (let xi = 0; xi < P; xi++) {
    for (let t = 0; t < T; t++) {
      for (let co = 0; co < CO; co++) {
        let sum = 0;
        for (let ci = 0; ci < CI; ci++) sum += v.data[(xi * T + t) * CI + ci] * u.data[(xi * CI + ci) * CO + co];
        out[(xi * T + t) * CO + co] = sum;
      }
    }
  }
  return refTensor([P, T, CO], out);
}

/**
 * M [a*a, T, CO] -> y [N, OH, OW, CO] = b + A^T M A per tile (the m x m pixels that exist), no
 * activation (the kernel's ACT is checked through the conv's own references).
 */
export function winogradOutput(mt: RefTensor, b: RefTensor | null, N: number, OH: number, OW: number, s: WinogradForwardScheme = F2): RefTensor {
  const [P, T, CO] = mt.shape;
  const { m, a } = s;
  const { TH, TW } = tilesOf(OH, OW, m);
  if (P !== a * a || T !== N * TH * TW) throw new ShapeError(`winogradOutput: M must be [${a * a}, ${N * TH * TW}, CO] for ${N} images of ${OH}x${OW}, got [${mt.shape.join(', ')}]`);
  const out = new Float64Array(N * OH * OW * CO);
  const A = transpose(s.AT);
  for (let n = 0; n < N; n++) {
    for (let ty = 0; ty < TH; ty++) {
      for (let tx = 0; tx < TW; tx++) {
        const t = (n * TH + ty) * TW + tx;
        for (let co = 0; co < CO; co++) {
          const M = grid(a, (r, c) => mt.data[((r * a + c) * T + t) * CO + co]);
          const y = matmul(matmul(s.AT, M), A);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < m; j++) {
              const oh = m * ty + i, ow = m * tx + j;
              if (oh < OH && ow < OW) out[((n * OH + oh) * OW + ow) * CO + co] = y[i][j] + (b ? b.data[co] : 0);
            }
          }
        }
      }
    }
  }
  return refTensor([N, OH, OW, CO], out);
}

/** dy [N, OH, OW, CO] -> Y [a*a, T, CO], Y[., t, co] = H e H^T for e the tile's m x m of dy (0 past OH, OW). */
export function winogradGradDy(dy: RefTensor, s: WinogradScheme = F2): RefTensor {
  if (dy.shape.length !== 4) throw new ShapeError(`winogradGradDy: dy must be NHWC, got [${dy.shape.join(', ')}]`);
  const [N, OH, OW, CO] = dy.shape;
  const { m, a } = s;
  const { TH, TW } = tilesOf(OH, OW, m);
  const T = N * TH * TW;
  const out = new Float64Array(a * a * T * CO);
  const HT = transpose(s.gradH);
  for (let n = 0; n < N; n++) {
    for (let ty = 0; ty < TH; ty++) {
      for (let tx = 0; tx < TW; tx++) {
        const t = (n * TH + ty) * TW + tx;
        for (let co = 0; co < CO; co++) {
          const e = Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => {
            const oh = m * ty + i, ow = m * tx + j;
            return oh < OH && ow < OW ? dy.data[((n * OH + oh) * OW + ow) * CO + co] : 0;
          }));
          const y = matmul(matmul(s.gradH, e), HT);
          for (let xi = 0; xi < a * a; xi++) out[(xi * T + t) * CO + co] = y[Math.floor(xi / a)][xi % a];
        }
      }
    }
  }
  return refTensor([a * a, T, CO], out);
}

/** P[xi, ci, co] = sum_t V[xi, t, ci] * Y[xi, t, co]: one product over the tiles per point. */
export function winogradGradProducts(v: RefTensor, y: RefTensor): RefTensor {
  const [P, T, CI] = v.shape;
  const CO = y.shape[2];
  if (y.shape[0] !== P || y.shape[1] !== T) throw new ShapeError(`winogradGradProducts: V [P, T, CI] and Y [P, T, CO] expected, got [${v.shape.join(', ')}] and [${y.shape.join(', ')}]`);
  const out = new Float64Array(P * CI * CO);
  for (let xi = 0; xi < P; xi++) {
    for (let t = 0; t < T; t++) {
      for (let ci = 0; ci < CI; ci++) {
        const x = v.data[(xi * T + t) * CI + ci];
        for (let co = 0; co < CO; co++) out[(xi * CI + ci) * CO + co] += x * y.data[(xi * T + t) * CO + co];
      }
    }
  }
  return refTensor([P, CI, CO], out);
}

/** part [KS, a*a, CI, CO] -> dw [3, 3, CI, CO] = C^T P C, P the sum of the KS slices. */
export function winogradGradOutput(part: RefTensor, s: WinogradScheme = F2): RefTensor {
  const [KS, P, CI, CO] = part.shape;
  const { a } = s;
  if (part.shape.length !== 4 || P !== a * a) throw new ShapeError(`winogradGradOutput: part must be [KS, ${a * a}, CI, CO], got [${part.shape.join(', ')}]`);
  const out = new Float64Array(9 * CI * CO);
  const C = transpose(s.gradCT);
  for (let ci = 0; ci < CI; ci++) {
    for (let co = 0; co < CO; co++) {
      const Pm = grid(a, (r, c) => {
        let sum = 0;
        for (let k = 0; k < KS; k++) sum += part.data[((k * P + r * a + c) * CI + ci) * CO + co];
        return sum;
      });
      const d = matmul(matmul(s.gradCT, Pm), C);
      for (let k = 0; k < 9; k++) out[(k * CI + ci) * CO + co] = d[Math.floor(k / 3)][k % 3];
    }
  }
  return refTensor([3, 3, CI, CO], out);
}
