// conv2d_winograd4_input: the second pass of the Winograd F(4x4, 3x3) forward conv
// (conv2d_winograd4_weights.wgsl): each 6x6 input patch of a 4x4 output tile taken to the domain:
//   V[xi, t, ci] = (B^T d B)[r, c]   with xi = 6r + c, d[i][j] = x[n, 4ty - PT + i, 4tx - PL + j, ci]
//   (0 outside the image), t = (n * TH + ty) * TW + tx over TH = ceil(OH/4) x TW = ceil(OW/4) tiles,
//   B^T = [[2, -3, -4, 3, 2, 0], [0, -2, 1, 5, 2, 0], [0, -2, 5, -1, -2, 0],
//          [0, 2, 1, -2, -1, 0], [0, 1, -2, -1, 2, 0], [0, 2, -3, -4, 3, 2]]
//   (the points 0, 1, -1, 1/2, -2 and infinity: conv2d_winograd4_weights.wgsl).
// Neighbouring tiles overlap by 2 columns and rows (stride 4, patch 6): each input value is read
// by up to 4 tiles, 2.25 reads per value against F(2x2, 3x3)'s 4. Written out below as B^T
// applied to each column of d, then to each row of the result (bt: 28 operations a call).
// Requires (as conv2d_winograd.wgsl): KH == 3 && KW == 3 && S == 1 && CI % 4 == 0 && CO % 32 == 0.
// Layouts: x [N,H,W,CI/4] vec4, V [36,T,CI/4] vec4 (T = N*TH*TW), row-major.
// Bindings: 0 uniform U, 1 x (read), 2 v (read_write).
// Dispatch: ceil(T * CI/4 / WG) workgroups, folded; one invocation per (tile, 4 input channels).
// Cost: 336 * T * CI FLOP, 4 * (N*H*W*CI + 36*T*CI) bytes.
// Backward: none of its own: it is part of conv2d_winograd4_weights.wgsl's forward, whose backward it shares.
struct U { count: u32, H: u32, W: u32, CI4: u32, TH: u32, TW: u32, PT: i32, PL: i32 }

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> v: array<vec4f>;

/** x[n, ih, iw, 4 channels from c4], or 0 outside the image (padding). */
fn load(n: u32, ih: i32, iw: i32, c4: u32) -> vec4f {
  let inside = ih >= 0 && ih < i32(u.H) && iw >= 0 && iw < i32(u.W);
  let i = select(0u, ((n * u.H + u32(ih)) * u.W + u32(iw)) * u.CI4 + c4, inside);
  return select(vec4f(0.0), x[i], inside);
}

/** B^T times 6 values (a column or a row of the patch). */
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

/** B^T times column iw of the patch (rows h0 .. h0 + 5). */
fn column(n: u32, h0: i32, iw: i32, c4: u32) -> array<vec4f, 6> {
  return bt(load(n, h0, iw, c4), load(n, h0 + 1, iw, c4), load(n, h0 + 2, iw, c4), load(n, h0 + 3, iw, c4), load(n, h0 + 4, iw, c4), load(n, h0 + 5, iw, c4));
}

/** Stores row r of V (its 6 points xi = 6r + c) for invocation g; s: the stride of one xi. */
fn put(r: u32, g: u32, s: u32, row: array<vec4f, 6>) {
  let b = 6u * r * s + g;
  v[b] = row[0]; v[b + s] = row[1]; v[b + 2u * s] = row[2]; v[b + 3u * s] = row[3]; v[b + 4u * s] = row[4]; v[b + 5u * s] = row[5];
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
  // e = B^T d, column by column (e_j[r] = (B^T d)[r][j]).
  let e0 = column(n, h0, w0, c4); let e1 = column(n, h0, w0 + 1, c4); let e2 = column(n, h0, w0 + 2, c4);
  let e3 = column(n, h0, w0 + 3, c4); let e4 = column(n, h0, w0 + 4, c4); let e5 = column(n, h0, w0 + 5, c4);
  // V = e B, row by row.
  let s = u.count; // T * CI4: the stride of one xi
  put(0u, g, s, bt(e0[0], e1[0], e2[0], e3[0], e4[0], e5[0]));
  put(1u, g, s, bt(e0[1], e1[1], e2[1], e3[1], e4[1], e5[1]));
  put(2u, g, s, bt(e0[2], e1[2], e2[2], e3[2], e4[2], e5[2]));
  put(3u, g, s, bt(e0[3], e1[3], e2[3], e3[3], e4[3], e5[3]));
  put(4u, g, s, bt(e0[4], e1[4], e2[4], e3[4], e4[4], e5[4]));
  put(5u, g, s, bt(e0[5], e1[5], e2[5], e3[5], e4[5], e5[5]));
}
