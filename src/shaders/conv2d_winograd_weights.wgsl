// conv2d_winograd_weights: the first pass of the Winograd forward conv (conv2d_winograd.wgsl), the
// 3x3 filter of every (ci, co) pair taken to Winograd F(2x2, 3x3)'s 4x4 domain (Lavin & Gray 2016):
//   U[xi, ci, co] = (G g G^T)[r, c]   with xi = 4r + c, g = w[:, :, ci, co] (3x3), and
//   G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]   (4x3).
// Written out below as rows of G g (t), then t G^T: 14 adds and 8 halvings per vec4 of channels.
// Runs once per forward call (the weights change every training step); it is small: 9 reads and
// 16 writes per weight.
// Requires (as conv2d_winograd.wgsl): KH == 3 && KW == 3 && S == 1 && CI % 4 == 0 && CO % 32 == 0.
// Layouts: w [3,3,CI,CO/4] vec4, U [16,CI,CO/4] vec4, row-major.
// Bindings: 0 uniform U, 1 w (read), 2 uw (read_write).
// Dispatch: ceil(CI * CO/4 / WG) workgroups, folded; one invocation per (ci, 4 output channels).
// Cost: 42 * CI * CO FLOP, 4 * 25 * CI * CO bytes.
// Backward: none of its own: it is part of conv2d_winograd.wgsl's forward, whose backward it shares.
struct U { count: u32, CO4: u32 }

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> w: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> uw: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid; // = ci * CO4 + co4
  if (i >= u.count) { return; }
  let n = u.count; // CI * CO4: the stride of one tap (w) or one xi (U)
  // g[kh][kw]
  let g00 = w[i]; let g01 = w[n + i]; let g02 = w[2u * n + i];
  let g10 = w[3u * n + i]; let g11 = w[4u * n + i]; let g12 = w[5u * n + i];
  let g20 = w[6u * n + i]; let g21 = w[7u * n + i]; let g22 = w[8u * n + i];
  // t = G g (4x3), column by column.
  let t00 = g00; let t10 = 0.5 * (g00 + g10 + g20); let t20 = 0.5 * (g00 - g10 + g20); let t30 = g20;
  let t01 = g01; let t11 = 0.5 * (g01 + g11 + g21); let t21 = 0.5 * (g01 - g11 + g21); let t31 = g21;
  let t02 = g02; let t12 = 0.5 * (g02 + g12 + g22); let t22 = 0.5 * (g02 - g12 + g22); let t32 = g22;
  // U = t G^T (4x4), row by row: U[r] = (t_r0, (t_r0 + t_r1 + t_r2)/2, (t_r0 - t_r1 + t_r2)/2, t_r2).
  uw[0u * n + i] = t00; uw[1u * n + i] = 0.5 * (t00 + t01 + t02); uw[2u * n + i] = 0.5 * (t00 - t01 + t02); uw[3u * n + i] = t02;
  uw[4u * n + i] = t10; uw[5u * n + i] = 0.5 * (t10 + t11 + t12); uw[6u * n + i] = 0.5 * (t10 - t11 + t12); uw[7u * n + i] = t12;
  uw[8u * n + i] = t20; uw[9u * n + i] = 0.5 * (t20 + t21 + t22); uw[10u * n + i] = 0.5 * (t20 - t21 + t22); uw[11u * n + i] = t22;
  uw[12u * n + i] = t30; uw[13u * n + i] = 0.5 * (t30 + t31 + t32); uw[14u * n + i] = 0.5 * (t30 - t31 + t32); uw[15u * n + i] = t32;
}
