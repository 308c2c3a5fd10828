// conv2d_transpose_winograd: the input gradient of a 3x3 stride-1 conv (its adjoint) by Winograd
// F(2x2, 3x3), as conv2d_winograd.wgsl computes the forward. The adjoint is itself a 3x3 stride-1
// conv: of dy [N,OH,OW,CO] with the filters flipped and transposed,
//   dx[n,ih,iw,ci] = sum_{kh,kw,co} dy[n, ih+PT-kh, iw+PL-kw, co] * w[kh,kw,ci,co]
//                  = sum_{kh,kw,co} dy[n, ih-(2-PT)+kh, iw-(2-PL)+kw, co] * w[2-kh,2-kw,ci,co],
// so it takes padding 2-PT, 2-PL and runs conv2d_winograd_input.wgsl, conv2d_winograd.wgsl and
// conv2d_winograd_output.wgsl on dy after this kernel, its first pass: the flipped filters in the
// 4x4 domain,
//   U[xi, co, ci] = (G g G^T)[r, c]   with xi = 4r + c, g[kh][kw] = w[2-kh, 2-kw, ci, co],
//   G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]   (as conv2d_winograd_weights.wgsl).
// Requires the subgroups feature (the product pass) and KH == 3 && KW == 3 && S == 1 && CO % 4 == 0 && CI % 32 == 0 (the forward's
//   condition with the roles of CI and CO swapped); otherwise another family.
// Layouts: w [3,3,CI,CO] (read as scalars: 4 input channels a vec4), U [16,CO,CI/4] vec4, row-major.
// Bindings: 0 uniform U, 1 w (read), 2 uw (read_write).
// Dispatch: ceil(count / WG) workgroups, folded, count = CO * CI/4: one invocation per (co, 4 input
//   channels).
// Cost: this pass 42 * CI * CO FLOP, 4 * 25 * CI * CO bytes. The input gradient's FLOPs (the conv's
//   2*N*OH*OW*CO*9*CI, as every conv row counts them) go with conv2d_winograd's dispatch, which
//   does 4/9 of them at even sizes.
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

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid; // = co * CI4 + c4
  if (i >= u.count) { return; }
  let c4 = i % u.CI4;
  let co = i / u.CI4;
  let n = u.count; // CO * CI4: the stride of one xi in U
  // g[kh][kw] = w[2-kh, 2-kw]: tap 8 - (3*kh + kw).
  let g00 = tap(8u, c4, co); let g01 = tap(7u, c4, co); let g02 = tap(6u, c4, co);
  let g10 = tap(5u, c4, co); let g11 = tap(4u, c4, co); let g12 = tap(3u, c4, co);
  let g20 = tap(2u, c4, co); let g21 = tap(1u, c4, co); let g22 = tap(0u, c4, co);
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
