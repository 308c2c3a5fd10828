// conv2d_transpose_winograd_s2_input: a pass of the winograd-s2 family's input gradient
// (conv2d_transpose_winograd_s2.wgsl has its maths): each tile's 5x5 patch of dy taken to the domain,
//   V[xi, t, co] = (B^T e B)[r][c] for xi = 9r + c, e[i][j] = dy[n, 4ty - 1 + i, 4tx - 1 + j, co]
//   (0 outside dy).
// Requires (the family's input-gradient condition; dx's output channels CI are the product pass's
//   blocks of 32) KH == 3 && KW == 3 && S == 2 && CO % 4 == 0 && CO <= 256 && CI % 32 == 0; otherwise another family.
// Layouts: dy [N,OH,OW,CO/4] vec4, v [81,T,CO/4] vec4, row-major.
// Bindings: 0 uniform U, 1 dy (read), 2 v (read_write).
// Dispatch: ceil(count / WG) workgroups, folded, count = T * CO/4: one invocation per (tile, 4 channels).
// Cost: 208 * T * CO FLOP, 4 * (N*OH*OW*CO + 81*T*CO) bytes (each patch's last row and column are
//   read again by the next tile's).
// Backward: none (a pass of the input gradient).
struct U { count: u32, OH: u32, OW: u32, CO4: u32, TH: u32, TW: u32 }

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> dy: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> v: array<vec4f>;

/** B^T times 5 values (a column or a row of the patch): F(4, 2)'s, then e_1 .. e_4 as they are. */
fn bt(e: array<vec4f, 5>) -> array<vec4f, 9> {
  return array<vec4f, 9>(
    2.0 * (e[2] - e[0]) - e[1] + e[3],
    2.0 * e[1] + 3.0 * e[2] + e[3],
    e[2] + e[3] - 2.0 * e[1],
    e[3] - e[1],
    2.0 * (e[3] - e[1]) - e[2] + e[4],
    e[1], e[2], e[3], e[4]);
}

/** B^T times one column of the patch: dy at vec4 indices r[i] + o (rows clamped into dy), zero where row i or the column (oi) is off. */
fn column(r: array<u32, 5>, ri: array<bool, 5>, o: u32, oi: bool) -> array<vec4f, 9> {
  let z = vec4f(0.0);
  return bt(array<vec4f, 5>(select(z, dy[r[0] + o], ri[0] && oi), select(z, dy[r[1] + o], ri[1] && oi), select(z, dy[r[2] + o], ri[2] && oi),
                            select(z, dy[r[3] + o], ri[3] && oi), select(z, dy[r[4] + o], ri[4] && oi)));
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
  if (g >= u.count) { return; } // count = T * CO4
  let c4 = g % u.CO4;
  let t = g / u.CO4;
  let tx = t % u.TW;
  let ty = (t / u.TW) % u.TH;
  let n = t / (u.TW * u.TH);
  let h0 = i32(4u * ty) - 1;
  let w0 = i32(4u * tx) - 1;
  // Patch row i: dy's vec4 index of (row clamped, column 0, c4), and whether it is inside; column j likewise.
  var r: array<u32, 5>; var ri: array<bool, 5>; var o: array<u32, 5>; var oi: array<bool, 5>;
  for (var i = 0; i < 5; i++) {
    let ih = h0 + i;
    let iw = w0 + i;
    r[i] = (n * u.OH + u32(clamp(ih, 0, i32(u.OH) - 1))) * u.OW * u.CO4 + c4;
    ri[i] = ih >= 0 && ih < i32(u.OH);
    o[i] = u32(clamp(iw, 0, i32(u.OW) - 1)) * u.CO4;
    oi[i] = iw >= 0 && iw < i32(u.OW);
  }
  // f = B^T e, column by column (f_j[r] = (B^T e)[r][j]).
  let f0 = column(r, ri, o[0], oi[0]);
  let f1 = column(r, ri, o[1], oi[1]);
  let f2 = column(r, ri, o[2], oi[2]);
  let f3 = column(r, ri, o[3], oi[3]);
  let f4 = column(r, ri, o[4], oi[4]);
  // V = f B, row by row.
  let s = u.count; // T * CO4: the stride of one xi
  put(0u, g, s, bt(array<vec4f, 5>(f0[0], f1[0], f2[0], f3[0], f4[0])));
  put(1u, g, s, bt(array<vec4f, 5>(f0[1], f1[1], f2[1], f3[1], f4[1])));
  put(2u, g, s, bt(array<vec4f, 5>(f0[2], f1[2], f2[2], f3[2], f4[2])));
  put(3u, g, s, bt(array<vec4f, 5>(f0[3], f1[3], f2[3], f3[3], f4[3])));
  put(4u, g, s, bt(array<vec4f, 5>(f0[4], f1[4], f2[4], f3[4], f4[4])));
  put(5u, g, s, bt(array<vec4f, 5>(f0[5], f1[5], f2[5], f3[5], f4[5])));
  put(6u, g, s, bt(array<vec4f, 5>(f0[6], f1[6], f2[6], f3[6], f4[6])));
  put(7u, g, s, bt(array<vec4f, 5>(f0[7], f1[7], f2[7], f3[7], f4[7])));
  put(8u, g, s, bt(array<vec4f, 5>(f0[8], f1[8], f2[8], f3[8], f4[8])));
}
