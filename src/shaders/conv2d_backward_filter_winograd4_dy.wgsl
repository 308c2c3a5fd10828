// conv2d_backward_filter_winograd4_dy: the weight gradient of a 3x3 stride-1 conv by Winograd
// F(3x3, 4x4) (the 'winograd4' family): each 4x4 tile of dy, as a filter over its 6x6 input patch,
// gives its share of all 9 taps of dw with 36 multiply-adds per (ci, co) instead of 144. Same maths
// as conv2d_backward_filter.wgsl:
//   dw[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh+kh-PT, ow+kw-PL, ci] * dy[n,oh,ow,co]
// in four passes: conv2d_winograd4_input.wgsl (V = B^T d B of x, as the forward), this kernel
// (Y = H e H^T of dy's tiles), conv2d_backward_filter_winograd.wgsl (the products over the tiles,
// one per point of the 6x6 domain, in split-K slices; the same kernel as F(3x3, 2x2)'s at 36
// points), and conv2d_backward_filter_winograd4_output.wgsl (the slices added, dw = C^T P C). The
// forward y = A^T (U (*) V) A is linear in U = G g G^T, so H = A and C^T = G^T. This pass:
//   Y[xi, t, co] = (H e H^T)[r, c]   with xi = 6r + c, e[i][j] = dy[n, 4ty + i, 4tx + j, co] (0 past
//   OH or OW), t = (n * TH + ty) * TW + tx as in conv2d_winograd4_input.wgsl, and
//   H = [[1, 0, 0, 0], [1, 1, 1, 1], [1, -1, 1, -1], [8, 4, 2, 1], [1, -2, 4, -8], [0, 0, 0, 1]]
//   (A of the points 0, 1, -1, 1/2, -2 and infinity: conv2d_winograd4_weights.wgsl).
// Its row in the kernel table stands for the four passes.
// Requires the subgroups feature (the product pass) and KH == 3 && KW == 3 && S == 1 && CI % 8 == 0 && CO % 32 == 0 (as
//   conv2d_backward_filter_winograd.wgsl); otherwise another family.
// Layouts: dy [N,OH,OW,CO/4] vec4, Y [36,T,CO/4] vec4 (T = N*TH*TW), row-major.
// Bindings: 0 uniform U, 1 dy (read), 2 yw (read_write).
// Dispatch: ceil(count / WG) workgroups, folded, count = T * CO/4: one invocation per (tile, 4
//   channels).
// Cost: this pass 160 * T * CO FLOP, 4 * (N*OH*OW*CO + 36*T*CO) bytes; the weight gradient's
//   2*N*OH*OW*CO*9*CI FLOP go with conv2d_backward_filter_winograd's dispatch, which does 1/4 of
//   them at sizes that are multiples of 4.
// Backward: none (a gradient pass).
struct U { count: u32, OH: u32, OW: u32, CO4: u32, TH: u32, TW: u32 }

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> dy: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> yw: array<vec4f>;

/** dy[n, oh, ow, 4 channels from c4], or 0 past the output's edge. */
fn load(n: u32, oh: u32, ow: u32, c4: u32) -> vec4f {
  let inside = oh < u.OH && ow < u.OW;
  let i = select(0u, ((n * u.OH + oh) * u.OW + ow) * u.CO4 + c4, inside);
  return select(vec4f(0.0), dy[i], inside);
}

/** H times 4 values (a column or a row of the tile). */
fn h(e0: vec4f, e1: vec4f, e2: vec4f, e3: vec4f) -> array<vec4f, 6> {
  let p = e0 + e2;
  let q = e1 + e3;
  return array<vec4f, 6>(e0, p + q, p - q, 8.0 * e0 + 4.0 * e1 + 2.0 * e2 + e3, e0 - 2.0 * e1 + 4.0 * e2 - 8.0 * e3, e3);
}

/** H times column ow of the tile (rows oh .. oh + 3). */
fn column(n: u32, oh: u32, ow: u32, c4: u32) -> array<vec4f, 6> {
  return h(load(n, oh, ow, c4), load(n, oh + 1u, ow, c4), load(n, oh + 2u, ow, c4), load(n, oh + 3u, ow, c4));
}

/** Stores row r of Y (its 6 points xi = 6r + c) for invocation g; s: the stride of one xi. */
fn put(r: u32, g: u32, s: u32, row: array<vec4f, 6>) {
  let b = 6u * r * s + g;
  yw[b] = row[0]; yw[b + s] = row[1]; yw[b + 2u * s] = row[2]; yw[b + 3u * s] = row[3]; yw[b + 4u * s] = row[4]; yw[b + 5u * s] = row[5];
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
  let oh = 4u * ty;
  let ow = 4u * tx;
  // k = H e (6x4), column by column (k_j[r] = (H e)[r][j]).
  let k0 = column(n, oh, ow, c4); let k1 = column(n, oh, ow + 1u, c4);
  let k2 = column(n, oh, ow + 2u, c4); let k3 = column(n, oh, ow + 3u, c4);
  // Y = k H^T (6x6), row by row.
  let s = u.count; // T * CO4: the stride of one xi
  put(0u, g, s, h(k0[0], k1[0], k2[0], k3[0]));
  put(1u, g, s, h(k0[1], k1[1], k2[1], k3[1]));
  put(2u, g, s, h(k0[2], k1[2], k2[2], k3[2]));
  put(3u, g, s, h(k0[3], k1[3], k2[3], k3[3]));
  put(4u, g, s, h(k0[4], k1[4], k2[4], k3[4]));
  put(5u, g, s, h(k0[5], k1[5], k2[5], k3[5]));
}
