/**
 * The float64 references of the Winograd conv's passes (src/shaders/conv2d_winograd*.wgsl), sibling
 * of reference.ts. Written from the definition in Lavin & Gray, "Fast Algorithms for Convolutional
 * Neural Networks" (2016), as products with the matrices of F(2x2, 3x3), never from the WGSL's
 * written-out sums:
 *   U = G g G^T (each 3x3 filter),  V = B^T d B (each 4x4 input patch),  Y = A^T M A (each tile),
 * where M = U (*) V summed over the input channels gives the 2x2 outputs of the tile's 3x3 stride-1
 * conv: tests/referenceWinograd.node.test.ts checks that composition against reference.ts's conv2d.
 *
 * The weight gradient is Winograd F(3x3, 2x2) over the same tiles: each 2x2 tile e of dy is a
 * filter over its 4x4 patch of x, giving its share of the 9 taps of dw. With F(3, 2)'s filter matrix
 * H (last row negated), its input transform is F(2, 3)'s B^T, so x's V above serves it:
 *   Y = H e H^T (each dy tile),  P = sum over tiles of V (*) Y,  dw = C^T P C.
 *
 * Pure TypeScript (no GPU or runtime import): loads in Node as well as in the page.
 * Layouts: NHWC images; U [16, CI, CO], V [16, T, CI], M [16, T, CO] with the point xi = 4r + c of
 * the 4x4 domain first and the tile t = (n * TH + ty) * TW + tx, TH = ceil(OH/2), TW = ceil(OW/2).
 */
import { ShapeError } from './errors.ts';
import { type RefTensor, refTensor } from './reference.ts';

/** F(2x2, 3x3)'s matrices. */
export const WINOGRAD_G = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]];
export const WINOGRAD_BT = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]];
export const WINOGRAD_AT = [[1, 1, 1, 0], [0, 1, -1, -1]];
/** F(3x3, 2x2)'s filter matrix (the last row negated, so that its input matrix is WINOGRAD_BT) and output matrix. */
export const WINOGRAD_GRAD_H = [[1, 0], [0.5, 0.5], [0.5, -0.5], [0, -1]];
export const WINOGRAD_GRAD_CT = [[1, 1, 1, 0], [0, 1, -1, 0], [0, 1, 1, 1]];

type Mat = number[][];
const transpose = (a: Mat): Mat => a[0].map((_, j) => a.map((row) => row[j]));
function matmul(a: Mat, b: Mat): Mat {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

/** Tiles of the output: ceil(OH/2) x ceil(OW/2) per image. */
export const tilesOf = (OH: number, OW: number) => ({ TH: Math.ceil(OH / 2), TW: Math.ceil(OW / 2) });
/** Tiles of N images of OH x OW. */
export const winogradTileCount = (N: number, OH: number, OW: number) => N * Math.ceil(OH / 2) * Math.ceil(OW / 2);

/** w [3, 3, CI, CO] -> U [16, CI, CO], U[., ci, co] = G g G^T for g = w[:, :, ci, co]. */
export function winogradWeights(w: RefTensor): RefTensor {
  const [KH, KW, CI, CO] = w.shape;
  if (w.shape.length !== 4 || KH !== 3 || KW !== 3) throw new ShapeError(`winogradWeights: w must be [3, 3, CI, CO], got [${w.shape.join(', ')}]`);
  const out = new Float64Array(16 * CI * CO);
  const GT = transpose(WINOGRAD_G);
  for (let ci = 0; ci < CI; ci++) {
    for (let co = 0; co < CO; co++) {
      const g = [0, 1, 2].map((kh) => [0, 1, 2].map((kw) => w.data[((kh * 3 + kw) * CI + ci) * CO + co]));
      const u = matmul(matmul(WINOGRAD_G, g), GT);
      for (let xi = 0; xi < 16; xi++) out[(xi * CI + ci) * CO + co] = u[xi >> 2][xi & 3];
    }
  }
  return refTensor([16, CI, CO], out);
}

/**
 * x [N, H, W, CI] -> V [16, T, CI] for the 3x3 stride-1 conv with output OH x OW and padding
 * before PT, PL: V[., t, ci] = B^T d B, d the 4x4 patch at rows 2ty - PT.., columns 2tx - PL..
 * (0 outside the image).
 */
export function winogradInput(x: RefTensor, OH: number, OW: number, PT: number, PL: number): RefTensor {
  if (x.shape.length !== 4) throw new ShapeError(`winogradInput: x must be NHWC, got [${x.shape.join(', ')}]`);
  const [N, H, W, CI] = x.shape;
  const { TH, TW } = tilesOf(OH, OW);
  const T = N * TH * TW;
  const out = new Float64Array(16 * T * CI);
  const B = transpose(WINOGRAD_BT);
  for (let n = 0; n < N; n++) {
    for (let ty = 0; ty < TH; ty++) {
      for (let tx = 0; tx < TW; tx++) {
        const t = (n * TH + ty) * TW + tx;
        for (let ci = 0; ci < CI; ci++) {
          const d = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => {
            const ih = 2 * ty - PT + i, iw = 2 * tx - PL + j;
            return ih >= 0 && ih < H && iw >= 0 && iw < W ? x.data[((n * H + ih) * W + iw) * CI + ci] : 0;
          }));
          const v = matmul(matmul(WINOGRAD_BT, d), B);
          for (let xi = 0; xi < 16; xi++) out[(xi * T + t) * CI + ci] = v[xi >> 2][xi & 3];
        }
      }
    }
  }
  return refTensor([16, T, CI], out);
}

/** M[xi, t, co] = sum_ci V[xi, t, ci] * U[xi, ci, co]: the 16 matrix products. */
export function winogradProducts(v: RefTensor, u: RefTensor): RefTensor {
  const [, T, CI] = v.shape;
  const CO = u.shape[2];
  if (v.shape[0] !== 16 || u.shape[0] !== 16 || u.shape[1] !== CI) throw new ShapeError(`winogradProducts: V [16, T, CI] and U [16, CI, CO] expected, got [${v.shape.join(', ')}] and [${u.shape.join(', ')}]`);
  const out = new Float64Array(16 * T * CO);
  for (let xi = 0; xi < 16; xi++) {
    for (let t = 0; t < T; t++) {
      for (let co = 0; co < CO; co++) {
        let s = 0;
        for (let ci = 0; ci < CI; ci++) s += v.data[(xi * T + t) * CI + ci] * u.data[(xi * CI + ci) * CO + co];
        out[(xi * T + t) * CO + co] = s;
      }
    }
  }
  return refTensor([16, T, CO], out);
}

/**
 * M [16, T, CO] -> y [N, OH, OW, CO] = b + A^T M A per tile (the 2x2 pixels that exist), no
 * activation (the kernel's ACT is checked through the conv's own references).
 */
export function winogradOutput(m: RefTensor, b: RefTensor | null, N: number, OH: number, OW: number): RefTensor {
  const [, T, CO] = m.shape;
  const { TH, TW } = tilesOf(OH, OW);
  if (m.shape[0] !== 16 || T !== N * TH * TW) throw new ShapeError(`winogradOutput: M must be [16, ${N * TH * TW}, CO] for ${N} images of ${OH}x${OW}, got [${m.shape.join(', ')}]`);
  const out = new Float64Array(N * OH * OW * CO);
  const A = transpose(WINOGRAD_AT);
  for (let n = 0; n < N; n++) {
    for (let ty = 0; ty < TH; ty++) {
      for (let tx = 0; tx < TW; tx++) {
        const t = (n * TH + ty) * TW + tx;
        for (let co = 0; co < CO; co++) {
          const M = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => m.data[((r * 4 + c) * T + t) * CO + co]));
          const y = matmul(matmul(WINOGRAD_AT, M), A);
          for (let i = 0; i < 2; i++) {
            for (let j = 0; j < 2; j++) {
              const oh = 2 * ty + i, ow = 2 * tx + j;
              if (oh < OH && ow < OW) out[((n * OH + oh) * OW + ow) * CO + co] = y[i][j] + (b ? b.data[co] : 0);
            }
          }
        }
      }
    }
  }
  return refTensor([N, OH, OW, CO], out);
}

/** dy [N, OH, OW, CO] -> Y [16, T, CO], Y[., t, co] = H e H^T for e the tile's 2x2 of dy (0 past OH, OW). */
export function winogradGradDy(dy: RefTensor): RefTensor {
  if (dy.shape.length !== 4) throw new ShapeError(`winogradGradDy: dy must be NHWC, got [${dy.shape.join(', ')}]`);
  const [N, OH, OW, CO] = dy.shape;
  const { TH, TW } = tilesOf(OH, OW);
  const T = N * TH * TW;
  const out = new Float64Array(16 * T * CO);
  const HT = transpose(WINOGRAD_GRAD_H);
  for (let n = 0; n < N; n++) {
    for (let ty = 0; ty < TH; ty++) {
      for (let tx = 0; tx < TW; tx++) {
        const t = (n * TH + ty) * TW + tx;
        for (let co = 0; co < CO; co++) {
          const e = [0, 1].map((i) => [0, 1].map((j) => {
            const oh = 2 * ty + i, ow = 2 * tx + j;
            return oh < OH && ow < OW ? dy.data[((n * OH + oh) * OW + ow) * CO + co] : 0;
          }));
          const y = matmul(matmul(WINOGRAD_GRAD_H, e), HT);
          for (let xi = 0; xi < 16; xi++) out[(xi * T + t) * CO + co] = y[xi >> 2][xi & 3];
        }
      }
    }
  }
  return refTensor([16, T, CO], out);
}

/** P[xi, ci, co] = sum_t V[xi, t, ci] * Y[xi, t, co]: the 16 products over the tiles. */
export function winogradGradProducts(v: RefTensor, y: RefTensor): RefTensor {
  const [, T, CI] = v.shape;
  const CO = y.shape[2];
  if (v.shape[0] !== 16 || y.shape[0] !== 16 || y.shape[1] !== T) throw new ShapeError(`winogradGradProducts: V [16, T, CI] and Y [16, T, CO] expected, got [${v.shape.join(', ')}] and [${y.shape.join(', ')}]`);
  const out = new Float64Array(16 * CI * CO);
  for (let xi = 0; xi < 16; xi++) {
    for (let t = 0; t < T; t++) {
      for (let ci = 0; ci < CI; ci++) {
        const a = v.data[(xi * T + t) * CI + ci];
        for (let co = 0; co < CO; co++) out[(xi * CI + ci) * CO + co] += a * y.data[(xi * T + t) * CO + co];
      }
    }
  }
  return refTensor([16, CI, CO], out);
}

/** part [KS, 16, CI, CO] -> dw [3, 3, CI, CO] = C^T P C, P the sum of the KS slices. */
export function winogradGradOutput(part: RefTensor): RefTensor {
  const [KS, sixteen, CI, CO] = part.shape;
  if (part.shape.length !== 4 || sixteen !== 16) throw new ShapeError(`winogradGradOutput: part must be [KS, 16, CI, CO], got [${part.shape.join(', ')}]`);
  const out = new Float64Array(9 * CI * CO);
  const C = transpose(WINOGRAD_GRAD_CT);
  for (let ci = 0; ci < CI; ci++) {
    for (let co = 0; co < CO; co++) {
      const P = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => {
        let s = 0;
        for (let k = 0; k < KS; k++) s += part.data[((k * 16 + r * 4 + c) * CI + ci) * CO + co];
        return s;
      }));
      const d = matmul(matmul(WINOGRAD_GRAD_CT, P), C);
      for (let k = 0; k < 9; k++) out[(k * CI + ci) * CO + co] = d[Math.floor(k / 3)][k % 3];
    }
  }
  return refTensor([3, 3, CI, CO], out);
}
