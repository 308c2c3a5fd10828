// conv2d_winograd_s2_weights: the first pass of the winograd-s2 family, a 3x3 stride-2 conv's forward
// by a 9-point Winograd algorithm per dimension. Same maths as conv2d.wgsl for a 3x3 stride-2 conv:
//   y[n,oh,ow,co] = act(b[co] + sum_{kh,kw,ci} x[n, 2oh+kh-PT, 2ow+kw-PL, ci] * w[kh,kw,ci,co])
// Each output row i of a tile reads input rows 2i .. 2i+2 of the tile's 9-row patch: taps 0 and 2 on
//   the even rows, tap 1 on the odd ones. In one dimension the 4 outputs y_i = w0 d_2i + w1 d_2i+1 +
//   w2 d_2i+2 of a 9-sample patch d split into (w0, w2) over the 5 even samples, Winograd F(4, 2) at
//   the points 0, 1, -1, -2 and infinity (5 products), plus w1 times the 4 odd samples (4 products):
//   9 products for 4 outputs instead of 12, so 81 for a 4x4 tile instead of 144. With
//     B^T = F(4, 2)'s [[-2, -1, 2, 1, 0], [0, 2, 3, 1, 0], [0, -2, 1, 1, 0], [0, -1, 0, 1, 0],
//           [0, -2, -1, 2, 1]] on d_0, d_2, .., d_8, then d_1, d_3, d_5, d_7 as they are;
//     G = [[-1/2, 0], [1/6, 1/6], [1/2, -1/2], [-1/6, 1/3], [0, 1]] on (w0, w2), then w1 four times;
//     A^T = [F(4, 2)'s [[1, 1, 1, 1, 0], [0, 1, -1, -2, 0], [0, 1, 1, 4, 0], [0, 1, -1, -8, 1]] | I4]
//   (src/engine/referenceWinograd.ts S2 holds them as 9x9, 9x3 and 4x9 matrices), a 4x4 tile of the
//   2-D conv is y = A^T [(G g G^T) (*) (B^T d B)] A, in four passes as winograd4's:
//   U = G g G^T for every (ci, co) filter         conv2d_winograd_s2_weights (this pass)  [81, CI, CO]
//   V = B^T d B for every tile's 9x9 input patch   conv2d_winograd_s2_input                [81, T, CI]
//   M[xi] = V[xi] U[xi] for the 81 points xi       conv2d_winograd (or _t16)               [KS, 81, T, CO]
//   y = act(b + A^T M A) for every tile            conv2d_winograd_s2_output               [N, OH, OW, CO]
//   (T = N * ceil(OH/4) * ceil(OW/4) tiles, t = (n * TH + ty) * TW + tx; a tile's patch starts at
//   input row 8ty - PT and column 8tx - PL and shares its last row and column with the next tile's.)
// Why: on SwiftShader the direct stride-2 kernels ran at about 15% of the FMA peak; the product pass
//   does 81/144 of their multiply-adds and is the faster loop per multiply-add. In float32 the
//   scheme rounds less than winograd4's F(4x4, 3x3), whose points it shares
//   (tests/winogradRounding.node.test.ts); but its rounding grows with the sum over input channels,
//   so past 128 of them the product pass sums slices of 32 and the output pass adds the slices, and
//   it takes at most 256 (src/engine/kernels.ts winogradS2 has the measurements).
// Requires the subgroups feature (the product pass) and KH == 3 && KW == 3 && S == 2 && CI % 4 == 0 && CI <= 256 && CO % 32 == 0; otherwise another family.
// This pass: U[xi, ci, co] = (G g G^T)[r][c] for xi = 9r + c, g = w[:, :, ci, co].
// Layouts: w [3,3,CI,CO/4] vec4, uw [81,CI,CO/4] vec4, row-major.
// Bindings: 0 uniform U, 1 w (read), 2 uw (read_write).
// Dispatch: ceil(count / WG) workgroups, folded, count = CI * CO/4: one invocation per (ci, 4 channels).
// Cost: 96 * CI * CO FLOP, 4 * 90 * CI * CO bytes.
// Backward: dx by the family's own input gradient (conv2d_transpose_winograd_s2.wgsl, where its
//   condition holds; conv2d_transpose_tiled*.wgsl elsewhere), dw by conv2d_backward_filter_tiled*.wgsl,
//   db by conv2d_bias_grad.wgsl.
struct U { count: u32, CO4: u32 }

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> w: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> uw: array<vec4f>;

/** G times 3 taps (g0, g1, g2): F(4, 2)'s G on (g0, g2), then g1 four times. */
fn gm(g0: vec4f, g1: vec4f, g2: vec4f) -> array<vec4f, 9> {
  return array<vec4f, 9>(-0.5 * g0, (g0 + g2) * (1.0 / 6.0), 0.5 * (g0 - g2), (2.0 * g2 - g0) * (1.0 / 6.0), g2, g1, g1, g1, g1);
}

/** Stores row r of U (its 9 points xi = 9r + c) for invocation g; s: the stride of one xi. */
fn put(r: u32, g: u32, s: u32, q: array<vec4f, 9>) {
  let b = 9u * r * s + g;
  uw[b] = q[0]; uw[b + s] = q[1]; uw[b + 2u * s] = q[2]; uw[b + 3u * s] = q[3]; uw[b + 4u * s] = q[4];
  uw[b + 5u * s] = q[5]; uw[b + 6u * s] = q[6]; uw[b + 7u * s] = q[7]; uw[b + 8u * s] = q[8];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count) { return; } // count = CI * CO4; g = ci * CO4 + c4
  let s = u.count; // CI * CO4: the stride of one tap of w and of one point of U
  // e = G g, column by column (e_kw[r] = (G g)[r][kw]; tap (kh, kw) is w's row 3kh + kw).
  let e0 = gm(w[g], w[3u * s + g], w[6u * s + g]);
  let e1 = gm(w[s + g], w[4u * s + g], w[7u * s + g]);
  let e2 = gm(w[2u * s + g], w[5u * s + g], w[8u * s + g]);
  // U = e G^T, row by row.
  put(0u, g, s, gm(e0[0], e1[0], e2[0]));
  put(1u, g, s, gm(e0[1], e1[1], e2[1]));
  put(2u, g, s, gm(e0[2], e1[2], e2[2]));
  put(3u, g, s, gm(e0[3], e1[3], e2[3]));
  put(4u, g, s, gm(e0[4], e1[4], e2[4]));
  put(5u, g, s, gm(e0[5], e1[5], e2[5]));
  put(6u, g, s, gm(e0[6], e1[6], e2[6]));
  put(7u, g, s, gm(e0[7], e1[7], e2[7]));
  put(8u, g, s, gm(e0[8], e1[8], e2[8]));
}
