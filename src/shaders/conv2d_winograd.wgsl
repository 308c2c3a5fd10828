// conv2d_winograd: the forward conv by Winograd F(2x2, 3x3) (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016): each 2x2 output tile costs 16 multiply-adds per (ci, co)
// instead of 36, 2.25x fewer. (With 36 points it is also the product pass of F(4x4, 3x3):
// conv2d_winograd4_weights.wgsl.) Same maths as conv2d.wgsl for a 3x3 stride-1 conv:
//   y[n,oh,ow,co] = act(b[co] + sum_{kh,kw,ci} x[n, oh+kh-PT, ow+kw-PL, ci] * w[kh,kw,ci,co])
// in four passes: conv2d_winograd_weights.wgsl (U = G g G^T per (ci, co)), conv2d_winograd_input.wgsl
// (V = B^T d B per tile and ci), this kernel (16 matrix products, one per point xi of the 4x4 domain:
//   m[xi, t, co] = sum_ci V[xi, t, ci] * U[xi, ci, co]
// ), and conv2d_winograd_output.wgsl (y = A^T M A + b per tile, activated).
// This pass: 8 tiles x 8 channels per invocation, register tiles as conv2d_tiled_quad.wgsl: the 4
//   invocations of a quad are 4 channel blocks of the same 8 tiles, each loads the V of 2 of them
//   (lane q: tiles 2q and 2q+1) and quadBroadcast hands all 8 to every lane. V's vec4 over ci feeds
//   4 steps of the sum (its components), so a loop trip is 64 vec4 fma.
// Precision: float32 throughout; the transforms add and halve (no large constants, as in the larger
//   F(4x4, 3x3)), and the outputs agree with the direct conv to a few float32 ulps of the largest
//   term (the conv tolerance, src/engine/ops/conv2d.ts, checks it).
// Requires the subgroups feature and KH == 3 && KW == 3 && S == 1 && CI % 4 == 0 && CO % 32 == 0 (conv2d_tiled_quad's CO
//   condition; CI in vec4s); otherwise another family.
// Layouts: v [P,T,CI/4] vec4 (T = N*ceil(OH/m)*ceil(OW/m) tiles; P = 16 points for m = 2, 36 for
//   m = 4; 81 for winograd-s2), uw [P,CI,CO/4] vec4, m [KS,P,T,CO/4] vec4, row-major.
// Split channel sum (KS slices: winograd-s2 past 128 channels): slice s sums the input channels
//   4*s*KC4 .. 4*(s+1)*KC4-1 into its own m[s]; the output pass adds the KS slices. Why: summing
//   fewer channels in float32 before the output transform (whose A^T multiplies by up to 8) rounds
//   less. KS = 1, KC4 = CI/4: the whole sum.
// Bindings: 0 uniform U, 1 v (read), 2 uw (read), 3 m (read_write).
// Dispatch: ceil(count / WG) workgroups, folded, count = KS*P*TB*CB invocations: TB = ceil(T/8) tile
//   blocks, CB = CO/8 channel blocks (fastest).
// Cost: the conv's 2*N*OH*OW*CO*9*CI FLOP, as every conv row counts it; this pass does
//   2*P*T*CI*CO (4/9 of it at even sizes, 1/4 with P = 36 at multiples of 4). Each invocation reads 2 vec4 of V and 8 of U per
//   loop trip (4 steps of the sum) and writes 256 bytes.
// Backward: as conv2d_tiled.wgsl (dx: conv2d_transpose_tiled*.wgsl, dw:
//   conv2d_backward_filter_tiled*.wgsl, db: conv2d_bias_grad.wgsl), or whichever family the tuner
//   chose for those roles.
enable subgroups;
// Quads stay whole (count is a multiple of 4, CB being one), which the uniformity analysis cannot see.
diagnostic(off, subgroup_uniformity);

struct U { count: u32, T: u32, CI4: u32, CO4: u32, TB: u32, CB: u32, P: u32, KC4: u32 }

override WG: u32 = 64u;
const TP: u32 = 8u; // tiles per invocation (the unrolled p0..p7 below)
const TC4: u32 = 2u; // vec4 channel groups per invocation (pL and pH below)

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> v: array<vec4f>;
@group(0) @binding(2) var<storage, read> uw: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> m: array<vec4f>;

/** Stores one tile's 8 channels at point xi (base = its vec4 index of c0), if the tile exists. */
fn store(t: u32, base: u32, lo: vec4f, hi: vec4f) {
  if (t < u.T) { m[base] = lo; m[base + 1u] = hi; }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count) { return; }
  let cb = g % u.CB;
  let r = g / u.CB;
  let tb = r % u.TB;
  let sx = r / u.TB; // m's row block: slice ks of the channel sum, point xi
  let xi = sx % u.P;
  let ks = sx / u.P;
  let c0 = cb * TC4; // < CO4; CO % 32 == 0: both groups exist
  let t0 = tb * TP;
  // This lane's 2 tiles of the quad's 8: 2q and 2q+1 (past T: the last tile is read, not stored).
  let ta = t0 + 2u * (lane & 3u);
  let vRow = xi * u.T;
  let va0 = (vRow + min(ta, u.T - 1u)) * u.CI4;
  let vb0 = (vRow + min(ta + 1u, u.T - 1u)) * u.CI4;
  let uRow = xi * 4u * u.CI4; // U[xi, ci] is row uRow + ci, of CO4 vec4s

  var p0L = vec4f(0.0); var p0H = vec4f(0.0); var p1L = vec4f(0.0); var p1H = vec4f(0.0); var p2L = vec4f(0.0); var p2H = vec4f(0.0); var p3L = vec4f(0.0); var p3H = vec4f(0.0);
  var p4L = vec4f(0.0); var p4H = vec4f(0.0); var p5L = vec4f(0.0); var p5H = vec4f(0.0); var p6L = vec4f(0.0); var p6H = vec4f(0.0); var p7L = vec4f(0.0); var p7H = vec4f(0.0);
  let c4End = min((ks + 1u) * u.KC4, u.CI4);
  for (var c4 = ks * u.KC4; c4 < c4End; c4++) {
    let va = v[va0 + c4];
    let vb = v[vb0 + c4];
    // Tile p's V is lane p/2's va (p even) or vb (p odd).
    let s0 = quadBroadcast(va, 0u); let s1 = quadBroadcast(vb, 0u);
    let s2 = quadBroadcast(va, 1u); let s3 = quadBroadcast(vb, 1u);
    let s4 = quadBroadcast(va, 2u); let s5 = quadBroadcast(vb, 2u);
    let s6 = quadBroadcast(va, 3u); let s7 = quadBroadcast(vb, 3u);
    {
      // ci = 4*c4 + 0: U[xi, ci, c0 .. c0+7], times each tile's V[xi, t, ci].
      let row = (uRow + 4u * c4 + 0u) * u.CO4 + c0;
      let wL = uw[row]; let wH = uw[row + 1u];
      p0L = fma(wL, vec4f(s0.x), p0L); p0H = fma(wH, vec4f(s0.x), p0H);
      p1L = fma(wL, vec4f(s1.x), p1L); p1H = fma(wH, vec4f(s1.x), p1H);
      p2L = fma(wL, vec4f(s2.x), p2L); p2H = fma(wH, vec4f(s2.x), p2H);
      p3L = fma(wL, vec4f(s3.x), p3L); p3H = fma(wH, vec4f(s3.x), p3H);
      p4L = fma(wL, vec4f(s4.x), p4L); p4H = fma(wH, vec4f(s4.x), p4H);
      p5L = fma(wL, vec4f(s5.x), p5L); p5H = fma(wH, vec4f(s5.x), p5H);
      p6L = fma(wL, vec4f(s6.x), p6L); p6H = fma(wH, vec4f(s6.x), p6H);
      p7L = fma(wL, vec4f(s7.x), p7L); p7H = fma(wH, vec4f(s7.x), p7H);
    }
    {
      // ci = 4*c4 + 1: U[xi, ci, c0 .. c0+7], times each tile's V[xi, t, ci].
      let row = (uRow + 4u * c4 + 1u) * u.CO4 + c0;
      let wL = uw[row]; let wH = uw[row + 1u];
      p0L = fma(wL, vec4f(s0.y), p0L); p0H = fma(wH, vec4f(s0.y), p0H);
      p1L = fma(wL, vec4f(s1.y), p1L); p1H = fma(wH, vec4f(s1.y), p1H);
      p2L = fma(wL, vec4f(s2.y), p2L); p2H = fma(wH, vec4f(s2.y), p2H);
      p3L = fma(wL, vec4f(s3.y), p3L); p3H = fma(wH, vec4f(s3.y), p3H);
      p4L = fma(wL, vec4f(s4.y), p4L); p4H = fma(wH, vec4f(s4.y), p4H);
      p5L = fma(wL, vec4f(s5.y), p5L); p5H = fma(wH, vec4f(s5.y), p5H);
      p6L = fma(wL, vec4f(s6.y), p6L); p6H = fma(wH, vec4f(s6.y), p6H);
      p7L = fma(wL, vec4f(s7.y), p7L); p7H = fma(wH, vec4f(s7.y), p7H);
    }
    {
      // ci = 4*c4 + 2: U[xi, ci, c0 .. c0+7], times each tile's V[xi, t, ci].
      let row = (uRow + 4u * c4 + 2u) * u.CO4 + c0;
      let wL = uw[row]; let wH = uw[row + 1u];
      p0L = fma(wL, vec4f(s0.z), p0L); p0H = fma(wH, vec4f(s0.z), p0H);
      p1L = fma(wL, vec4f(s1.z), p1L); p1H = fma(wH, vec4f(s1.z), p1H);
      p2L = fma(wL, vec4f(s2.z), p2L); p2H = fma(wH, vec4f(s2.z), p2H);
      p3L = fma(wL, vec4f(s3.z), p3L); p3H = fma(wH, vec4f(s3.z), p3H);
      p4L = fma(wL, vec4f(s4.z), p4L); p4H = fma(wH, vec4f(s4.z), p4H);
      p5L = fma(wL, vec4f(s5.z), p5L); p5H = fma(wH, vec4f(s5.z), p5H);
      p6L = fma(wL, vec4f(s6.z), p6L); p6H = fma(wH, vec4f(s6.z), p6H);
      p7L = fma(wL, vec4f(s7.z), p7L); p7H = fma(wH, vec4f(s7.z), p7H);
    }
    {
      // ci = 4*c4 + 3: U[xi, ci, c0 .. c0+7], times each tile's V[xi, t, ci].
      let row = (uRow + 4u * c4 + 3u) * u.CO4 + c0;
      let wL = uw[row]; let wH = uw[row + 1u];
      p0L = fma(wL, vec4f(s0.w), p0L); p0H = fma(wH, vec4f(s0.w), p0H);
      p1L = fma(wL, vec4f(s1.w), p1L); p1H = fma(wH, vec4f(s1.w), p1H);
      p2L = fma(wL, vec4f(s2.w), p2L); p2H = fma(wH, vec4f(s2.w), p2H);
      p3L = fma(wL, vec4f(s3.w), p3L); p3H = fma(wH, vec4f(s3.w), p3H);
      p4L = fma(wL, vec4f(s4.w), p4L); p4H = fma(wH, vec4f(s4.w), p4H);
      p5L = fma(wL, vec4f(s5.w), p5L); p5H = fma(wH, vec4f(s5.w), p5H);
      p6L = fma(wL, vec4f(s6.w), p6L); p6H = fma(wH, vec4f(s6.w), p6H);
      p7L = fma(wL, vec4f(s7.w), p7L); p7H = fma(wH, vec4f(s7.w), p7H);
    }
  }

  let base = (sx * u.T + t0) * u.CO4 + c0; // m[ks, xi, t0, c0]
  store(t0 + 0u, base + 0u * u.CO4, p0L, p0H);
  store(t0 + 1u, base + 1u * u.CO4, p1L, p1H);
  store(t0 + 2u, base + 2u * u.CO4, p2L, p2H);
  store(t0 + 3u, base + 3u * u.CO4, p3L, p3H);
  store(t0 + 4u, base + 4u * u.CO4, p4L, p4H);
  store(t0 + 5u, base + 5u * u.CO4, p5L, p5H);
  store(t0 + 6u, base + 6u * u.CO4, p6L, p6H);
  store(t0 + 7u, base + 7u * u.CO4, p7L, p7H);
}
