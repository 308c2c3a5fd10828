// conv2d_backward_filter_winograd4_output: the last pass of the Winograd F(3x3, 4x4) weight
// gradient (conv2d_backward_filter_winograd4_dy.wgsl): the KS slices' partial products added, then
// taken back from the 6x6 domain to the 3x3 taps:
//   dw[kh, kw, ci, co] = (C^T P C)[kh, kw]   with P[r, c] = sum_{s < KS} part[s, 6r + c, ci, co],
//   C^T = G^T = [[1/2, 1/6, 1/6, 2/15, 1/30, 0], [0, 1/6, -1/6, 1/15, -1/15, 0], [0, 1/6, 1/6, 1/30, 2/15, 1/2]]
//   (the points 0, 1, -1, 1/2, -2 and infinity: conv2d_winograd4_weights.wgsl).
// Requires (as conv2d_backward_filter_winograd.wgsl): KH == 3 && KW == 3 && S == 1 && CI % 8 == 0 && CO % 32 == 0.
// Layouts: part [KS,36,CI,CO/4] vec4, dw [3,3,CI,CO/4] vec4, row-major.
// Bindings: 0 uniform U, 1 part (read), 2 dw (read_write).
// Dispatch: ceil(count / WG) workgroups, folded, count = CI * CO/4: one invocation per (ci, 4
//   channels).
// Cost: (36 * (KS - 1) + 180) * CI * CO FLOP, 4 * (36 * KS + 9) * CI * CO bytes.
// Backward: none (a gradient pass).
struct U { count: u32, KS: u32 }

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> part: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> dw: array<vec4f>;

/** P[xi] for this invocation's (ci, 4 channels): the sum over the KS slices, in slice order. */
fn point(xi: u32, i: u32) -> vec4f {
  var p = vec4f(0.0);
  for (var s = 0u; s < u.KS; s++) { p += part[(s * 36u + xi) * u.count + i]; }
  return p;
}

/** G^T times 6 values (a column or a row of P). */
fn gtT(p0: vec4f, p1: vec4f, p2: vec4f, p3: vec4f, p4: vec4f, p5: vec4f) -> array<vec4f, 3> {
  let a = p1 + p2;
  let b = p1 - p2;
  return array<vec4f, 3>(0.5 * p0 + a / 6.0 + (4.0 * p3 + p4) / 30.0, b / 6.0 + (p3 - p4) / 15.0, a / 6.0 + (p3 + 4.0 * p4) / 30.0 + 0.5 * p5);
}

/** G^T times column c of P (points c, 6 + c, ..., 30 + c). */
fn column(c: u32, i: u32) -> array<vec4f, 3> {
  return gtT(point(c, i), point(6u + c, i), point(12u + c, i), point(18u + c, i), point(24u + c, i), point(30u + c, i));
}

/** Stores tap row kh (its 3 taps k = 3*kh + kw). */
fn put(kh: u32, i: u32, n: u32, row: array<vec4f, 3>) {
  let b = 3u * kh * n + i;
  dw[b] = row[0]; dw[b + n] = row[1]; dw[b + 2u * n] = row[2];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid; // = ci * CO4 + co4
  if (i >= u.count) { return; }
  // q = C^T P (3x6), column by column (q_c[kh] = (C^T P)[kh][c]).
  let q0 = column(0u, i); let q1 = column(1u, i); let q2 = column(2u, i);
  let q3 = column(3u, i); let q4 = column(4u, i); let q5 = column(5u, i);
  // dw = q C (3x3), row by row.
  let n = u.count; // CI * CO4: the stride of one tap
  put(0u, i, n, gtT(q0[0], q1[0], q2[0], q3[0], q4[0], q5[0]));
  put(1u, i, n, gtT(q0[1], q1[1], q2[1], q3[1], q4[1], q5[1]));
  put(2u, i, n, gtT(q0[2], q1[2], q2[2], q3[2], q4[2], q5[2]));
}
