// conv2d_transpose_winograd_s2: the first pass of the winograd-s2 family's input gradient, the adjoint of
// a 3x3 stride-2 conv (conv2d's dx, and conv2dTranspose's forward) by the 9-point algorithm of
// conv2d_winograd_s2_weights.wgsl run the other way. Same maths as conv2d_transpose.wgsl:
//   dx[n,h,w,ci] = act(b[ci] + sum_{kh,kw,co: 2oh+kh-PT = h, 2ow+kw-PL = w} dy[n,oh,ow,co] * w[kh,kw,ci,co])
// In one dimension, with q = h + PT: an even q = 2i takes w0 dy_i + w2 dy_i-1, an odd q = 2i+1 takes
//   w1 dy_i. A tile of 8 outputs q = 8T .. 8T+7 reads the 5 samples e_j = dy_4T-1+j: its even
//   outputs are Winograd F(4, 2) of the filter (w2, w0) over e (5 products), its odd ones w1 times
//   e_1 .. e_4 (4 products): 9 products for 8 outputs instead of 12, so 81 for an 8x8 tile of dx
//   instead of 144. The matrices are the forward's F(4, 2) ones (conv2d_winograd_s2_weights.wgsl),
//   with the filter's taps reversed:
//     B^T = F(4, 2)'s B^T on e_0 .. e_4, then e_1, e_2, e_3, e_4 as they are (9x5);
//     G = F(4, 2)'s G on (w2, w0), then w1 four times (9x3);
//     A^T: output 2k is F(4, 2)'s A^T row k over points 0..4, output 2k+1 is point 5 + k (8x9)
//   (src/engine/referenceWinograd.ts S2T), and an 8x8 tile of dx is A^T [(G g G^T) (*) (B^T e B)] A,
//   in four passes:
//   U = G g G^T for every (co, ci) filter          conv2d_transpose_winograd_s2 (this pass)  [81, CO, CI]
//   V = B^T e B for every tile's 5x5 patch of dy    conv2d_transpose_winograd_s2_input        [81, T, CO]
//   M[xi] = V[xi] U[xi] for the 81 points xi        conv2d_winograd (or _t16)                 [KS, 81, T, CI]
//   dx = act(b + A^T M A) for every tile            conv2d_transpose_winograd_s2_output       [N, H, W, CI]
//   (T = N * ceil((H + PT)/8) * ceil((W + PL)/8) tiles, t = (n * TH + ty) * TW + tx; a tile covers
//   dx rows 8ty - PT .. 8ty - PT + 7, and its patch dy rows 4ty - 1 .. 4ty + 3, 0 outside dy.)
// Why: as the forward's (conv2d_winograd_s2_weights.wgsl); the transform gains are the same, and so
//   are the slices of the channel sum past 128 channels and the limit of 256 (here dy's, CO).
// Requires (the family's input-gradient condition; dx's output channels CI are the product pass's
//   blocks of 32) KH == 3 && KW == 3 && S == 2 && CO % 4 == 0 && CO <= 256 && CI % 32 == 0; otherwise another family.
// This pass: U[xi, co, ci] = (G g G^T)[r][c] for xi = 9r + c, g[kh][kw] = w[kh, kw, ci, co]: the
//   forward's G applied to the taps in reverse order (so gm below is conv2d_winograd_s2_weights's).
// Layouts: w [3,3,CI,CO] (scalars: 4 input channels are 4 loads CO apart), uw [81,CO,CI/4] vec4, row-major.
// Bindings: 0 uniform U, 1 w (read), 2 uw (read_write).
// Dispatch: ceil(count / WG) workgroups, folded, count = CO * CI/4: one invocation per (co, 4 input channels).
// Cost: 96 * CI * CO FLOP, 4 * 90 * CI * CO bytes.
// Backward (as conv2dTranspose's forward): dz from the saved y, dx = the conv's forward kernels,
//   dw = conv2d_backward_filter_tiled*.wgsl (the input gradient of conv2d has none: a gradient).
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

/** The forward's G (conv2d_winograd_s2_weights.wgsl's gm): called here with each 3 taps in reverse, which makes it this direction's G. */
fn gm(g0: vec4f, g1: vec4f, g2: vec4f) -> array<vec4f, 9> {
  return array<vec4f, 9>(-0.5 * g0, (g0 + g2) * (1.0 / 6.0), 0.5 * (g0 - g2), (2.0 * g2 - g0) * (1.0 / 6.0), g2, g1, g1, g1, g1);
}

/** Stores row r of U (its 9 points xi = 9r + c) for invocation i; n: the stride of one xi. */
fn put(r: u32, i: u32, n: u32, q: array<vec4f, 9>) {
  let b = 9u * r * n + i;
  uw[b] = q[0]; uw[b + n] = q[1]; uw[b + 2u * n] = q[2]; uw[b + 3u * n] = q[3]; uw[b + 4u * n] = q[4];
  uw[b + 5u * n] = q[5]; uw[b + 6u * n] = q[6]; uw[b + 7u * n] = q[7]; uw[b + 8u * n] = q[8];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid; // = co * CI4 + c4
  if (i >= u.count) { return; }
  let c4 = i % u.CI4;
  let co = i / u.CI4;
  let n = u.count; // CO * CI4: the stride of one xi in U
  // e = G g (9x3) column kw by column, the taps of each column in reverse: g[kh][kw] is tap 3*kh + kw.
  let e0 = gm(tap(6u, c4, co), tap(3u, c4, co), tap(0u, c4, co));
  let e1 = gm(tap(7u, c4, co), tap(4u, c4, co), tap(1u, c4, co));
  let e2 = gm(tap(8u, c4, co), tap(5u, c4, co), tap(2u, c4, co));
  // U = e G^T, row by row, the columns in reverse too.
  put(0u, i, n, gm(e2[0], e1[0], e0[0]));
  put(1u, i, n, gm(e2[1], e1[1], e0[1]));
  put(2u, i, n, gm(e2[2], e1[2], e0[2]));
  put(3u, i, n, gm(e2[3], e1[3], e0[3]));
  put(4u, i, n, gm(e2[4], e1[4], e0[4]));
  put(5u, i, n, gm(e2[5], e1[5], e0[5]));
  put(6u, i, n, gm(e2[6], e1[6], e0[6]));
  put(7u, i, n, gm(e2[7], e1[7], e0[7]));
  put(8u, i, n, gm(e2[8], e1[8], e0[8]));
}
