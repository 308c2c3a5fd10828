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
// Padding: each patch row and column is clamped into the image once, with a flag (inside or not);
// rows outside are zeroed by select as they are loaded, columns after B^T (a column of zeros stays
// zeros): the same values as testing each load, about 10% faster on SwiftShader.
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

/** B^T times one column of the patch: x at vec4 indices r[i] + o (rows clamped into the image), row i zeroed where ri[i] is off. */
fn column(r: array<u32, 6>, ri: array<bool, 6>, o: u32) -> array<vec4f, 6> {
  let z = vec4f(0.0);
  return bt(select(z, x[r[0] + o], ri[0]), select(z, x[r[1] + o], ri[1]), select(z, x[r[2] + o], ri[2]),
            select(z, x[r[3] + o], ri[3]), select(z, x[r[4] + o], ri[4]), select(z, x[r[5] + o], ri[5]));
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
  // e = B^T d, column by column (e_j[r] = (B^T d)[r][j]); a column outside the image is 0.
  let e0 = column(r, ri, o[0]); let e1 = column(r, ri, o[1]); let e2 = column(r, ri, o[2]);
  let e3 = column(r, ri, o[3]); let e4 = column(r, ri, o[4]); let e5 = column(r, ri, o[5]);
  let z = vec4f(0.0);
  // V = e B, row by row.
  let s = u.count; // T * CI4: the stride of one xi
  put(0u, g, s, bt(select(z, e0[0], oi[0]), select(z, e1[0], oi[1]), select(z, e2[0], oi[2]), select(z, e3[0], oi[3]), select(z, e4[0], oi[4]), select(z, e5[0], oi[5])));
  put(1u, g, s, bt(select(z, e0[1], oi[0]), select(z, e1[1], oi[1]), select(z, e2[1], oi[2]), select(z, e3[1], oi[3]), select(z, e4[1], oi[4]), select(z, e5[1], oi[5])));
  put(2u, g, s, bt(select(z, e0[2], oi[0]), select(z, e1[2], oi[1]), select(z, e2[2], oi[2]), select(z, e3[2], oi[3]), select(z, e4[2], oi[4]), select(z, e5[2], oi[5])));
  put(3u, g, s, bt(select(z, e0[3], oi[0]), select(z, e1[3], oi[1]), select(z, e2[3], oi[2]), select(z, e3[3], oi[3]), select(z, e4[3], oi[4]), select(z, e5[3], oi[5])));
  put(4u, g, s, bt(select(z, e0[4], oi[0]), select(z, e1[4], oi[1]), select(z, e2[4], oi[2]), select(z, e3[4], oi[3]), select(z, e4[4], oi[4]), select(z, e5[4], oi[5])));
  put(5u, g, s, bt(select(z, e0[5], oi[0]), select(z, e1[5], oi[1]), select(z, e2[5], oi[2]), select(z, e3[5], oi[3]), select(z, e4[5], oi[4]), select(z, e5[5], oi[5])));
}
