// conv2d_winograd_s2_input: a pass of the winograd-s2 family (conv2d_winograd_s2_weights.wgsl has its
// maths): each tile's 9x9 input patch taken to the domain,
//   V[xi, t, ci] = (B^T d B)[r][c] for xi = 9r + c, d[i][j] = x[n, 8ty - PT + i, 8tx - PL + j, ci]
//   (0 outside the image).
// Requires KH == 3 && KW == 3 && S == 2 && CI % 4 == 0 && CI <= 256 && CO % 32 == 0; otherwise another family.
// Layouts: x [N,H,W,CI/4] vec4, v [81,T,CI/4] vec4, row-major.
// Bindings: 0 uniform U, 1 x (read), 2 v (read_write).
// Dispatch: ceil(count / WG) workgroups, folded, count = T * CI/4: one invocation per (tile, 4 channels).
// Cost: 288 * T * CI FLOP, 4 * (N*H*W*CI + 81*T*CI) bytes (each patch's last row and column are read
//   again by the next tile's).
// Backward: none (a pass of the forward).
struct U { count: u32, H: u32, W: u32, CI4: u32, TH: u32, TW: u32, PT: i32, PL: i32 }

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> v: array<vec4f>;

/** B^T times 9 values (a column or a row of the patch): F(4, 2)'s on the even ones, then the odd ones as they are. */
fn bt(d: array<vec4f, 9>) -> array<vec4f, 9> {
  let p = d[2]; let q = d[4]; let r = d[6];
  return array<vec4f, 9>(
    2.0 * (q - d[0]) - p + r,
    2.0 * p + 3.0 * q + r,
    q + r - 2.0 * p,
    r - p,
    2.0 * (r - p) - q + d[8],
    d[1], d[3], d[5], d[7]);
}

/** B^T times one column of the patch: x at vec4 indices r[i] + o (rows clamped into the image), zero where row i or the column (oi) is off. */
fn column(r: array<u32, 9>, ri: array<bool, 9>, o: u32, oi: bool) -> array<vec4f, 9> {
  let z = vec4f(0.0);
  return bt(array<vec4f, 9>(
    select(z, x[r[0] + o], ri[0] && oi), select(z, x[r[1] + o], ri[1] && oi), select(z, x[r[2] + o], ri[2] && oi),
    select(z, x[r[3] + o], ri[3] && oi), select(z, x[r[4] + o], ri[4] && oi), select(z, x[r[5] + o], ri[5] && oi),
    select(z, x[r[6] + o], ri[6] && oi), select(z, x[r[7] + o], ri[7] && oi), select(z, x[r[8] + o], ri[8] && oi)));
}

/** Stores row r of V (its 9 points xi = 9r + c) for invocation g; s: the stride of one xi. */
fn put(r: u32, g: u32, s: u32, q: array<vec4f, 9>) {
  let b = 9u * r * s + g;
  v[b] = q[0]; v[b + s] = q[1]; v[b + 2u * s] = q[2]; v[b + 3u * s] = q[3]; v[b + 4u * s] = q[4];
  v[b + 5u * s] = q[5]; v[b + 6u * s] = q[6]; v[b + 7u * s] = q[7]; v[b + 8u * s] = q[8];
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
  let h0 = i32(8u * ty) - u.PT;
  let w0 = i32(8u * tx) - u.PL;
  // Patch row i: x's vec4 index of (row clamped, column 0, c4), and whether it is inside; column j likewise.
  var r: array<u32, 9>; var ri: array<bool, 9>; var o: array<u32, 9>; var oi: array<bool, 9>;
  for (var i = 0; i < 9; i++) {
    let ih = h0 + i;
    let iw = w0 + i;
    r[i] = (n * u.H + u32(clamp(ih, 0, i32(u.H) - 1))) * u.W * u.CI4 + c4;
    ri[i] = ih >= 0 && ih < i32(u.H);
    o[i] = u32(clamp(iw, 0, i32(u.W) - 1)) * u.CI4;
    oi[i] = iw >= 0 && iw < i32(u.W);
  }
  // e = B^T d, column by column (e_j[r] = (B^T d)[r][j]).
  let e0 = column(r, ri, o[0], oi[0]);
  let e1 = column(r, ri, o[1], oi[1]);
  let e2 = column(r, ri, o[2], oi[2]);
  let e3 = column(r, ri, o[3], oi[3]);
  let e4 = column(r, ri, o[4], oi[4]);
  let e5 = column(r, ri, o[5], oi[5]);
  let e6 = column(r, ri, o[6], oi[6]);
  let e7 = column(r, ri, o[7], oi[7]);
  let e8 = column(r, ri, o[8], oi[8]);
  // V = e B, row by row.
  let s = u.count; // T * CI4: the stride of one xi
  put(0u, g, s, bt(array<vec4f, 9>(e0[0], e1[0], e2[0], e3[0], e4[0], e5[0], e6[0], e7[0], e8[0])));
  put(1u, g, s, bt(array<vec4f, 9>(e0[1], e1[1], e2[1], e3[1], e4[1], e5[1], e6[1], e7[1], e8[1])));
  put(2u, g, s, bt(array<vec4f, 9>(e0[2], e1[2], e2[2], e3[2], e4[2], e5[2], e6[2], e7[2], e8[2])));
  put(3u, g, s, bt(array<vec4f, 9>(e0[3], e1[3], e2[3], e3[3], e4[3], e5[3], e6[3], e7[3], e8[3])));
  put(4u, g, s, bt(array<vec4f, 9>(e0[4], e1[4], e2[4], e3[4], e4[4], e5[4], e6[4], e7[4], e8[4])));
  put(5u, g, s, bt(array<vec4f, 9>(e0[5], e1[5], e2[5], e3[5], e4[5], e5[5], e6[5], e7[5], e8[5])));
  put(6u, g, s, bt(array<vec4f, 9>(e0[6], e1[6], e2[6], e3[6], e4[6], e5[6], e6[6], e7[6], e8[6])));
  put(7u, g, s, bt(array<vec4f, 9>(e0[7], e1[7], e2[7], e3[7], e4[7], e5[7], e6[7], e7[7], e8[7])));
  put(8u, g, s, bt(array<vec4f, 9>(e0[8], e1[8], e2[8], e3[8], e4[8], e5[8], e6[8], e7[8], e8[8])));
}
