// conv2d_transpose_winograd4: the input gradient of a 3x3 stride-1 conv (its adjoint) by Winograd
// F(4x4, 3x3), as conv2d_winograd4_weights.wgsl's passes compute the forward. The adjoint is itself
// a 3x3 stride-1 conv: of dy [N,OH,OW,CO] with the filters flipped and transposed,
//   dx[n,ih,iw,ci] = sum_{kh,kw,co} dy[n, ih+PT-kh, iw+PL-kw, co] * w[kh,kw,ci,co]
//                  = sum_{kh,kw,co} dy[n, ih-(2-PT)+kh, iw-(2-PL)+kw, co] * w[2-kh,2-kw,ci,co],
// so it takes padding 2-PT, 2-PL and runs conv2d_winograd4_input.wgsl, conv2d_winograd.wgsl (36
// points) and conv2d_winograd4_output.wgsl on dy after this kernel, its first pass: the flipped
// filters in the 6x6 domain,
//   U[xi, co, ci] = (G g G^T)[r, c]   with xi = 6r + c, g[kh][kw] = w[2-kh, 2-kw, ci, co],
//   G as in conv2d_winograd4_weights.wgsl.
// Requires the subgroups feature (the product pass) and KH == 3 && KW == 3 && S == 1 && CO % 4 == 0 && CI % 32 == 0 (the forward's
//   condition with the roles of CI and CO swapped); otherwise another family.
// Layouts: w [3,3,CI,CO] (read as scalars: 4 input channels a vec4), U [36,CO,CI/4] vec4, row-major.
// Bindings: 0 uniform U, 1 w (read), 2 uw (read_write).
// Dispatch: ceil(count / WG) workgroups, folded, count = CO * CI/4: one invocation per (co, 4 input
//   channels).
// Cost: this pass 153 * CI * CO FLOP, 4 * 45 * CI * CO bytes. The input gradient's FLOPs (the conv's
//   2*N*OH*OW*CO*9*CI, as every conv row counts them) go with conv2d_winograd's dispatch, which
//   does 1/4 of them at sizes that are multiples of 4.
// Backward (as conv2dTranspose's forward): dz from the saved y, dx = conv2d_tiled*.wgsl(dz, w),
//   dw = conv2d_backward_filter_tiled*.wgsl(dz, x), db = conv2d_bias_grad.wgsl(dz), or whichever
//   family the tuner chose for those roles.
struct U { count: u32, CI4: u32, CO: u32 }

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> uw: array<vec4f>;

/** w[k, 4 channels from 4*c4, co] as a vec4 (k = 3*kh + kw). */
fn tap(k: u32, c4: u32, co: u32) -> vec4f {
  let i = (k * 4u * u.CI4 + 4u * c4) * u.CO + co;
  return vec4f(w[i], w[i + u.CO], w[i + 2u * u.CO], w[i + 3u * u.CO]);
}

/** G times a column (g0, g1, g2) of 3 taps: its 6 rows (conv2d_winograd4_weights.wgsl's gt). */
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
  let i = (wid.y * nwg.x + wid.x) * WG + lid; // = co * CI4 + c4
  if (i >= u.count) { return; }
  let c4 = i % u.CI4;
  let co = i / u.CI4;
  let n = u.count; // CO * CI4: the stride of one xi in U
  // t = G g (6x3) column kw by column, g[kh][kw] = w[2-kh, 2-kw]: tap 8 - (3*kh + kw).
  let t0 = gt(tap(8u, c4, co), tap(5u, c4, co), tap(2u, c4, co));
  let t1 = gt(tap(7u, c4, co), tap(4u, c4, co), tap(1u, c4, co));
  let t2 = gt(tap(6u, c4, co), tap(3u, c4, co), tap(0u, c4, co));
  // U = t G^T (6x6), row by row.
  put(0u, i, n, gt(t0[0], t1[0], t2[0]));
  put(1u, i, n, gt(t0[1], t1[1], t2[1]));
  put(2u, i, n, gt(t0[2], t1[2], t2[2]));
  put(3u, i, n, gt(t0[3], t1[3], t2[3]));
  put(4u, i, n, gt(t0[4], t1[4], t2[4]));
  put(5u, i, n, gt(t0[5], t1[5], t2[5]));
}
