// conv2d_backward_filter_winograd_output: the last pass of the Winograd weight gradient
// (conv2d_backward_filter_winograd.wgsl): the KS slices' partial products added, then taken back
// from the 4x4 domain of Winograd F(3x3, 2x2) to the 3x3 taps:
//   dw[kh, kw, ci, co] = (C^T P C)[kh, kw]   with P[r, c] = sum_{s < KS} part[s, 4r + c, ci, co],
//   C^T = [[1, 1, 1, 0], [0, 1, -1, 0], [0, 1, 1, 1]]   (F(3, 2)'s output matrix).
// Requires (as conv2d_backward_filter_winograd.wgsl): KH == 3 && KW == 3 && S == 1 && CI % 8 == 0 && CO % 32 == 0.
// Layouts: part [KS,16,CI,CO/4] vec4, dw [3,3,CI,CO/4] vec4, row-major.
// Bindings: 0 uniform U, 1 part (read), 2 dw (read_write).
// Dispatch: ceil(count / WG) workgroups, folded, count = CI * CO/4: one invocation per (ci, 4
//   channels).
// Cost: (16 * (KS - 1) + 42) * CI * CO FLOP, 4 * (16 * KS + 9) * CI * CO bytes.
// Backward: none (a gradient pass).
struct U { count: u32, KS: u32 }

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> part: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> dw: array<vec4f>;

/** P[xi] for this invocation's (ci, 4 channels): the sum over the KS slices, in slice order. */
fn point(xi: u32, i: u32) -> vec4f {
  var p = vec4f(0.0);
  for (var s = 0u; s < u.KS; s++) { p += part[(s * 16u + xi) * u.count + i]; }
  return p;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid; // = ci * CO4 + co4
  if (i >= u.count) { return; }
  let p00 = point(0u, i); let p01 = point(1u, i); let p02 = point(2u, i); let p03 = point(3u, i);
  let p10 = point(4u, i); let p11 = point(5u, i); let p12 = point(6u, i); let p13 = point(7u, i);
  let p20 = point(8u, i); let p21 = point(9u, i); let p22 = point(10u, i); let p23 = point(11u, i);
  let p30 = point(12u, i); let p31 = point(13u, i); let p32 = point(14u, i); let p33 = point(15u, i);
  // q = C^T P (3x4), column by column.
  let q00 = p00 + p10 + p20; let q10 = p10 - p20; let q20 = p10 + p20 + p30;
  let q01 = p01 + p11 + p21; let q11 = p11 - p21; let q21 = p11 + p21 + p31;
  let q02 = p02 + p12 + p22; let q12 = p12 - p22; let q22 = p12 + p22 + p32;
  let q03 = p03 + p13 + p23; let q13 = p13 - p23; let q23 = p13 + p23 + p33;
  // dw = q C (3x3): row r = (q_r0 + q_r1 + q_r2, q_r1 - q_r2, q_r1 + q_r2 + q_r3); tap k = 3*kh + kw.
  let n = u.count; // CI * CO4: the stride of one tap
  dw[0u * n + i] = q00 + q01 + q02; dw[1u * n + i] = q01 - q02; dw[2u * n + i] = q01 + q02 + q03;
  dw[3u * n + i] = q10 + q11 + q12; dw[4u * n + i] = q11 - q12; dw[5u * n + i] = q11 + q12 + q13;
  dw[6u * n + i] = q20 + q21 + q22; dw[7u * n + i] = q21 - q22; dw[8u * n + i] = q21 + q22 + q23;
}
