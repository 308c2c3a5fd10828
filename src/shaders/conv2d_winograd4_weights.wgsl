// conv2d_winograd4_weights: the forward conv of a 3x3 stride-1 conv by Winograd F(4x4, 3x3) (the
// 'winograd4' family; Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016): each
// 4x4 output tile costs 36 multiply-adds per (ci, co) instead of 144, 4x fewer (F(2x2, 3x3), the
// 'winograd' family: 2.25x). Same maths as conv2d.wgsl for a 3x3 stride-1 conv:
//   y[n,oh,ow,co] = act(b[co] + sum_{kh,kw,ci} x[n, oh+kh-PT, ow+kw-PL, ci] * w[kh,kw,ci,co])
// in four passes: this kernel (U = G g G^T per (ci, co)), conv2d_winograd4_input.wgsl (V = B^T d B
// per tile and ci), conv2d_winograd.wgsl (the products, one per point xi of the 6x6 domain:
//   m[xi, t, co] = sum_ci V[xi, t, ci] * U[xi, ci, co]
// , the same kernel as F(2x2, 3x3)'s at 36 points instead of 16), and conv2d_winograd4_output.wgsl
// (y = A^T M A + b per tile, activated). This pass: the filter of every (ci, co) pair to the domain,
//   U[xi, ci, co] = (G g G^T)[r, c]   with xi = 6r + c, g = w[:, :, ci, co] (3x3), and
//   G = [[1/2, 0, 0], [1/6, 1/6, 1/6], [1/6, -1/6, 1/6], [2/15, 1/15, 1/30], [1/30, -1/15, 2/15], [0, 0, 1/2]]
// (the points 0, 1, -1, 1/2, -2 and infinity). Its row in the kernel table stands for the four passes.
// Precision: float32; the transforms' larger coefficients (B^T's 5s, A^T's 8s) make the outputs
//   carry several times F(2x2, 3x3)'s rounding. These points keep it to 0.4-0.5x that of the
//   usual 0, 1, -1, 2, -2 (Barabasz et al. 2020; src/engine/referenceWinograd.ts F4), inside
//   the conv tolerance (src/engine/ops/conv2d.ts) at the test shapes, which print its share.
// Requires the subgroups feature (the product pass) and KH == 3 && KW == 3 && S == 1 && CI % 4 == 0 && CO % 32 == 0 (as
//   conv2d_winograd.wgsl); otherwise another family.
// Layouts: w [3,3,CI,CO/4] vec4, U [36,CI,CO/4] vec4, row-major.
// Bindings: 0 uniform U, 1 w (read), 2 uw (read_write).
// Dispatch: ceil(CI * CO/4 / WG) workgroups, folded; one invocation per (ci, 4 output channels).
// Cost: this pass 153 * CI * CO FLOP, 4 * 45 * CI * CO bytes; the conv's 2*N*OH*OW*CO*9*CI FLOP go
//   with conv2d_winograd's dispatch, which does 1/4 of them at sizes that are multiples of 4.
// Backward: as conv2d_tiled.wgsl (dx: conv2d_transpose_tiled*.wgsl, dw:
//   conv2d_backward_filter_tiled*.wgsl, db: conv2d_bias_grad.wgsl), or whichever family the tuner
//   chose for those roles.
struct U { count: u32, CO4: u32 }

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> w: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> uw: array<vec4f>;

/** G times a column (g0, g1, g2) of 3 taps: its 6 rows. */
fn gt(g0: vec4f, g1: vec4f, g2: vec4f) -> array<vec4f, 6> {
  let e = g0 + g2;
  return array<vec4f, 6>(0.5 * g0, (e + g1) / 6.0, (e - g1) / 6.0, (4.0 * g0 + 2.0 * g1 + g2) / 30.0, (g0 - 2.0 * g1 + 4.0 * g2) / 30.0, 0.5 * g2);
}

/** Stores row r of U (its 6 points xi = 6r + c). */
fn put(r: u32, i: u32, n: u32, row: array<vec4f, 6>) {
  let b = 6u * r * n + i;
  uw[b] = row[0]; uw[b + n] = row[1]; uw[b + 2u * n] = row[2]; uw[b + 3u * n] = row[3]; uw[b + 4u * n] = row[4]; uw[b + 5u * n] = row[5];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid; // = ci * CO4 + co4
  if (i >= u.count) { return; }
  let n = u.count; // CI * CO4: the stride of one tap (w) or one xi (U)
  // t = G g (6x3), column kw by column: tap k = 3*kh + kw.
  let t0 = gt(w[i], w[3u * n + i], w[6u * n + i]);
  let t1 = gt(w[n + i], w[4u * n + i], w[7u * n + i]);
  let t2 = gt(w[2u * n + i], w[5u * n + i], w[8u * n + i]);
  // U = t G^T (6x6), row by row.
  put(0u, i, n, gt(t0[0], t1[0], t2[0]));
  put(1u, i, n, gt(t0[1], t1[1], t2[1]));
  put(2u, i, n, gt(t0[2], t1[2], t2[2]));
  put(3u, i, n, gt(t0[3], t1[3], t2[3]));
  put(4u, i, n, gt(t0[4], t1[4], t2[4]));
  put(5u, i, n, gt(t0[5], t1[5], t2[5]));
}
