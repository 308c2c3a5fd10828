// conv2d_winograd4_input_pair: conv2d_winograd4_input.wgsl's pass that also writes the F(2x2, 3x3)
// input tiles of the same x (conv2d_winograd_input.wgsl's V), for a conv that runs winograd4 forward
// and winograd's weight gradient (src/engine/ops/conv2d.ts keeps them for it):
//   V4[xi, t, ci]  = (B4^T d B4)[r, c]   xi = 6r + c, d the 6x6 patch of 4x4 tile t (as winograd4_input)
//   V2[xi, t2, ci] = (B2^T e B2)[r, c]   xi = 4r + c, e the 4x4 patch of 2x2 tile t2 (as winograd_input)
// Why: each 6x6 patch (rows 4ty - PT .., columns 4tx - PL ..) holds the 4x4 patches of the 2x2
//   tiles (2ty + a, 2tx + b), a, b in {0, 1} (rows 2a .. 2a+3, columns 2b .. 2b+3 of it), so one
//   read of x serves both. On SwiftShader, where each load is a per-lane gather, this pass takes
//   about as long as conv2d_winograd_input alone (32->32 channels, batch 4, 40x40: 2.8 ms against
//   1.7 + 2.7 ms for the two passes). F2 tiles past TH2 x TW2 (odd tile counts) are not stored.
// Padding: each row and column is clamped into the image once, with a flag (inside or not); a load
//   is x at the clamped row and column, zeroed by select where either flag is off (the same values
//   as testing each load, with fewer operations per load: conv2d_winograd4_input.wgsl).
// Requires (as conv2d_backward_filter_winograd.wgsl, which reads its V2): KH == 3 && KW == 3 && S == 1 && CI % 8 == 0 && CO % 32 == 0.
// Layouts: x [N,H,W,CI/4] vec4; vv holds V4 [36,T,CI/4] vec4 (T = N*TH*TW) and after it V2
//   [16,T2,CI/4] vec4 (T2 = N*TH2*TW2, TH2 = ceil(OH/2)), row-major: one buffer, so the forward
//   keeps one tensor for the weight gradient and the product pass reads V4 from its start.
// Bindings: 0 uniform U, 1 x (read), 2 vv (read_write).
// Dispatch: ceil(T * CI/4 / WG) workgroups, folded; one invocation per (4x4 tile, 4 input channels).
// Cost: (336 + 4*32) * T * CI FLOP, 4 * (N*H*W*CI + (36*T + 16*T2)*CI) bytes.
// Backward: none of its own: it is part of conv2d_winograd4_weights.wgsl's forward, whose backward it shares.
struct U { count: u32, H: u32, W: u32, CI4: u32, TH: u32, TW: u32, PT: i32, PL: i32, TH2: u32, TW2: u32 }

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> vv: array<vec4f>;

/** B4^T times 6 values (a column or a row of the patch): conv2d_winograd4_input.wgsl's. */
fn bt(d0: vec4f, d1: vec4f, d2: vec4f, d3: vec4f, d4: vec4f, d5: vec4f) -> array<vec4f, 6> {
  let p = d1 - d3;
  let q = d2 - d4;
  return array<vec4f, 6>(
    2.0 * (d0 + d4) - 3.0 * p - 4.0 * d2,
    2.0 * (d4 - d1) + d2 + 5.0 * d3,
    5.0 * d2 - 2.0 * (d1 + d4) - d3,
    2.0 * p + q,
    p - 2.0 * q,
    2.0 * (d1 + d5) - 3.0 * q - 4.0 * d3);
}

/** B2^T times 4 values: conv2d_winograd_input.wgsl's. */
fn bt2(d0: vec4f, d1: vec4f, d2: vec4f, d3: vec4f) -> array<vec4f, 4> {
  return array<vec4f, 4>(d0 - d2, d1 + d2, d2 - d1, d1 - d3);
}

/** Stores row r of V4 (its 6 points xi = 6r + c) for invocation g; s: the stride of one xi. */
fn put(r: u32, g: u32, s: u32, row: array<vec4f, 6>) {
  let b = 6u * r * s + g;
  vv[b] = row[0]; vv[b + s] = row[1]; vv[b + 2u * s] = row[2]; vv[b + 3u * s] = row[3]; vv[b + 4u * s] = row[4]; vv[b + 5u * s] = row[5];
}

/** Stores one F2 tile's 16 points at vec4 index g of V2 (s: the stride of one xi) from B2^T of its 4 columns (f_j[r]). */
fn put2(g: u32, s: u32, f0: array<vec4f, 4>, f1: array<vec4f, 4>, f2: array<vec4f, 4>, f3: array<vec4f, 4>) {
  let b = 36u * u.count + g; // V2 starts after V4's 36 * T * CI4 vec4
  { let row = bt2(f0[0], f1[0], f2[0], f3[0]); vv[b] = row[0]; vv[b + s] = row[1]; vv[b + 2u * s] = row[2]; vv[b + 3u * s] = row[3]; }
  { let row = bt2(f0[1], f1[1], f2[1], f3[1]); vv[b + 4u * s] = row[0]; vv[b + 5u * s] = row[1]; vv[b + 6u * s] = row[2]; vv[b + 7u * s] = row[3]; }
  { let row = bt2(f0[2], f1[2], f2[2], f3[2]); vv[b + 8u * s] = row[0]; vv[b + 9u * s] = row[1]; vv[b + 10u * s] = row[2]; vv[b + 11u * s] = row[3]; }
  { let row = bt2(f0[3], f1[3], f2[3], f3[3]); vv[b + 12u * s] = row[0]; vv[b + 13u * s] = row[1]; vv[b + 14u * s] = row[2]; vv[b + 15u * s] = row[3]; }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count) { return; } // count = T * CI4
  let c4 = g % u.CI4;
  let t = g / u.CI4;
  let tx = t % u.TW;
  let ty = (t / u.TW) % u.TH;
  let n = t / (u.TW * u.TH);
  let h0 = i32(4u * ty) - u.PT;
  let w0 = i32(4u * tx) - u.PL;
  // Patch row i: x's vec4 index of (row clamped, column 0, c4), and whether it is inside; column j likewise.
  var r: array<u32, 6>; var ri: array<bool, 6>; var o: array<u32, 6>; var oi: array<bool, 6>;
  for (var i = 0; i < 6; i++) {
    let ih = h0 + i;
    let iw = w0 + i;
    r[i] = (n * u.H + u32(clamp(ih, 0, i32(u.H) - 1))) * u.W * u.CI4 + c4;
    ri[i] = ih >= 0 && ih < i32(u.H);
    o[i] = u32(clamp(iw, 0, i32(u.W) - 1)) * u.CI4;
    oi[i] = iw >= 0 && iw < i32(u.W);
  }
  let z = vec4f(0.0);
  // d_ji: column j, row i of the patch (0 outside the image).
  let d00 = select(z, x[r[0] + o[0]], ri[0] && oi[0]); let d01 = select(z, x[r[1] + o[0]], ri[1] && oi[0]); let d02 = select(z, x[r[2] + o[0]], ri[2] && oi[0]);
  let d03 = select(z, x[r[3] + o[0]], ri[3] && oi[0]); let d04 = select(z, x[r[4] + o[0]], ri[4] && oi[0]); let d05 = select(z, x[r[5] + o[0]], ri[5] && oi[0]);
  let d10 = select(z, x[r[0] + o[1]], ri[0] && oi[1]); let d11 = select(z, x[r[1] + o[1]], ri[1] && oi[1]); let d12 = select(z, x[r[2] + o[1]], ri[2] && oi[1]);
  let d13 = select(z, x[r[3] + o[1]], ri[3] && oi[1]); let d14 = select(z, x[r[4] + o[1]], ri[4] && oi[1]); let d15 = select(z, x[r[5] + o[1]], ri[5] && oi[1]);
  let d20 = select(z, x[r[0] + o[2]], ri[0] && oi[2]); let d21 = select(z, x[r[1] + o[2]], ri[1] && oi[2]); let d22 = select(z, x[r[2] + o[2]], ri[2] && oi[2]);
  let d23 = select(z, x[r[3] + o[2]], ri[3] && oi[2]); let d24 = select(z, x[r[4] + o[2]], ri[4] && oi[2]); let d25 = select(z, x[r[5] + o[2]], ri[5] && oi[2]);
  let d30 = select(z, x[r[0] + o[3]], ri[0] && oi[3]); let d31 = select(z, x[r[1] + o[3]], ri[1] && oi[3]); let d32 = select(z, x[r[2] + o[3]], ri[2] && oi[3]);
  let d33 = select(z, x[r[3] + o[3]], ri[3] && oi[3]); let d34 = select(z, x[r[4] + o[3]], ri[4] && oi[3]); let d35 = select(z, x[r[5] + o[3]], ri[5] && oi[3]);
  let d40 = select(z, x[r[0] + o[4]], ri[0] && oi[4]); let d41 = select(z, x[r[1] + o[4]], ri[1] && oi[4]); let d42 = select(z, x[r[2] + o[4]], ri[2] && oi[4]);
  let d43 = select(z, x[r[3] + o[4]], ri[3] && oi[4]); let d44 = select(z, x[r[4] + o[4]], ri[4] && oi[4]); let d45 = select(z, x[r[5] + o[4]], ri[5] && oi[4]);
  let d50 = select(z, x[r[0] + o[5]], ri[0] && oi[5]); let d51 = select(z, x[r[1] + o[5]], ri[1] && oi[5]); let d52 = select(z, x[r[2] + o[5]], ri[2] && oi[5]);
  let d53 = select(z, x[r[3] + o[5]], ri[3] && oi[5]); let d54 = select(z, x[r[4] + o[5]], ri[4] && oi[5]); let d55 = select(z, x[r[5] + o[5]], ri[5] && oi[5]);
  // V4: e_j = B4^T of column j, then V4 = e B4 row by row (conv2d_winograd4_input.wgsl).
  let e0 = bt(d00, d01, d02, d03, d04, d05); let e1 = bt(d10, d11, d12, d13, d14, d15); let e2 = bt(d20, d21, d22, d23, d24, d25);
  let e3 = bt(d30, d31, d32, d33, d34, d35); let e4 = bt(d40, d41, d42, d43, d44, d45); let e5 = bt(d50, d51, d52, d53, d54, d55);
  let s = u.count; // T * CI4: the stride of one xi of V4
  put(0u, g, s, bt(e0[0], e1[0], e2[0], e3[0], e4[0], e5[0]));
  put(1u, g, s, bt(e0[1], e1[1], e2[1], e3[1], e4[1], e5[1]));
  put(2u, g, s, bt(e0[2], e1[2], e2[2], e3[2], e4[2], e5[2]));
  put(3u, g, s, bt(e0[3], e1[3], e2[3], e3[3], e4[3], e5[3]));
  put(4u, g, s, bt(e0[4], e1[4], e2[4], e3[4], e4[4], e5[4]));
  put(5u, g, s, bt(e0[5], e1[5], e2[5], e3[5], e4[5], e5[5]));
  // V2 of the F2 tiles (2ty + a, 2tx + b): patch rows 2a .. 2a+3, columns 2b .. 2b+3.
  let s2 = u.TH2 * u.TW2 * (u.count / (u.TH * u.TW)); // T2 * CI4: the stride of one xi of V2
  let g2 = ((n * u.TH2 + 2u * ty) * u.TW2 + 2u * tx) * u.CI4 + c4; // tile (2ty, 2tx)
  let right = 2u * tx + 1u < u.TW2;
  let down = 2u * ty + 1u < u.TH2;
  put2(g2, s2, bt2(d00, d01, d02, d03), bt2(d10, d11, d12, d13), bt2(d20, d21, d22, d23), bt2(d30, d31, d32, d33));
  if (right) { put2(g2 + u.CI4, s2, bt2(d20, d21, d22, d23), bt2(d30, d31, d32, d33), bt2(d40, d41, d42, d43), bt2(d50, d51, d52, d53)); }
  if (down) { put2(g2 + u.TW2 * u.CI4, s2, bt2(d02, d03, d04, d05), bt2(d12, d13, d14, d15), bt2(d22, d23, d24, d25), bt2(d32, d33, d34, d35)); }
  if (right && down) { put2(g2 + (u.TW2 + 1u) * u.CI4, s2, bt2(d22, d23, d24, d25), bt2(d32, d33, d34, d35), bt2(d42, d43, d44, d45), bt2(d52, d53, d54, d55)); }
}
