// conv2d_winograd_t16: conv2d_winograd.wgsl's product pass with 16 tiles an invocation instead of 8
// (the 'winograd4-t16' family: winograd4's passes with this product pass). Same maths:
//   m[xi, t, co] = sum_ci V[xi, t, ci] * U[xi, ci, co]
// at one point xi of the domain per invocation, for tiles t0 .. t0+15 and channels c0 .. c0+7.
// Why a second tile: each loop trip loads 8 vec4 of U (4 input channels x 8 output channels) per
//   invocation, whatever its tile count, so 16 tiles feed each U load to twice the multiply-adds.
//   On SwiftShader, where every storage load is a per-lane gather, that made the pass 10-20%
//   faster; on an H200 the 8-tile pass was 10-20% faster at DnCNN's batch-128 layer (32 vec4
//   accumulators cost occupancy there: bench/results/ab-h200-winograd-product-16tiles.txt). The
//   autotuner times both families on the device at hand and keeps the faster.
// Tiling: the 4 invocations of a quad are 4 blocks of 8 channels of the same 16 tiles; each loads
//   the V of 4 of them (lane q: tiles 4q .. 4q+3) and quadBroadcast hands all 16 to every lane. A
//   loop trip is 128 vec4 fma for 4 V and 8 U loads and 16 broadcasts (conv2d_winograd: 64 for 2,
//   8 and 8).
// Precision: as conv2d_winograd.wgsl (the same sums in the same order).
// Requires the subgroups feature and KH == 3 && KW == 3 && S == 1 && CI % 4 == 0 && CO % 32 == 0; otherwise another family.
// Layouts: v [P,T,CI/4] vec4 (T = N*ceil(OH/m)*ceil(OW/m) tiles; P = 36 points, m = 4), uw [P,CI,CO/4]
//   vec4, m [KS,P,T,CO/4] vec4 (KS slices of the channel sum, as conv2d_winograd.wgsl), row-major.
// Bindings: 0 uniform U, 1 v (read), 2 uw (read), 3 m (read_write).
// Dispatch: ceil(count / WG) workgroups, folded, count = KS*P*TB*CB invocations: TB = ceil(T/16) tile
//   blocks, CB = CO/8 channel blocks (fastest).
// Cost: the conv's 2*N*OH*OW*CO*9*CI FLOP, as every conv row counts it; this pass does
//   2*P*T*CI*CO (1/4 of it at multiples of 4). Each invocation reads 4 vec4 of V and 8 of U per
//   loop trip (4 steps of the sum) and writes 512 bytes.
// Backward: none of its own: it is part of the winograd4-t16 family's forward and input gradient
//   (conv2d_winograd4_weights.wgsl's and conv2d_transpose_winograd4.wgsl's passes), whose backward it shares.
enable subgroups;
// Quads stay whole (count is a multiple of 4, CB being one), which the uniformity analysis cannot see.
diagnostic(off, subgroup_uniformity);

struct U { count: u32, T: u32, CI4: u32, CO4: u32, TB: u32, CB: u32, P: u32, KC4: u32 }

override WG: u32 = 64u;
const TP: u32 = 16u; // tiles per invocation (the unrolled p0..p15 below)
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
  // This lane's 4 tiles of the quad's 16: 4q .. 4q+3 (past T: the last tile is read, not stored).
  let ta = t0 + 4u * (lane & 3u);
  let vRow = xi * u.T;
  let va0 = (vRow + min(ta + 0u, u.T - 1u)) * u.CI4;
  let vb0 = (vRow + min(ta + 1u, u.T - 1u)) * u.CI4;
  let vc0 = (vRow + min(ta + 2u, u.T - 1u)) * u.CI4;
  let vd0 = (vRow + min(ta + 3u, u.T - 1u)) * u.CI4;
  let uRow = xi * 4u * u.CI4; // U[xi, ci] is row uRow + ci, of CO4 vec4s

  var p0L = vec4f(0.0); var p0H = vec4f(0.0); var p1L = vec4f(0.0); var p1H = vec4f(0.0); var p2L = vec4f(0.0); var p2H = vec4f(0.0); var p3L = vec4f(0.0); var p3H = vec4f(0.0);
  var p4L = vec4f(0.0); var p4H = vec4f(0.0); var p5L = vec4f(0.0); var p5H = vec4f(0.0); var p6L = vec4f(0.0); var p6H = vec4f(0.0); var p7L = vec4f(0.0); var p7H = vec4f(0.0);
  var p8L = vec4f(0.0); var p8H = vec4f(0.0); var p9L = vec4f(0.0); var p9H = vec4f(0.0); var p10L = vec4f(0.0); var p10H = vec4f(0.0); var p11L = vec4f(0.0); var p11H = vec4f(0.0);
  var p12L = vec4f(0.0); var p12H = vec4f(0.0); var p13L = vec4f(0.0); var p13H = vec4f(0.0); var p14L = vec4f(0.0); var p14H = vec4f(0.0); var p15L = vec4f(0.0); var p15H = vec4f(0.0);
  let c4End = min((ks + 1u) * u.KC4, u.CI4);
  for (var c4 = ks * u.KC4; c4 < c4End; c4++) {
    let va = v[va0 + c4]; let vb = v[vb0 + c4]; let vc = v[vc0 + c4]; let vd = v[vd0 + c4];
    // Tile p's V is lane p/4's va, vb, vc or vd (p % 4 = 0, 1, 2, 3).
    let s0 = quadBroadcast(va, 0u); let s1 = quadBroadcast(vb, 0u); let s2 = quadBroadcast(vc, 0u); let s3 = quadBroadcast(vd, 0u);
    let s4 = quadBroadcast(va, 1u); let s5 = quadBroadcast(vb, 1u); let s6 = quadBroadcast(vc, 1u); let s7 = quadBroadcast(vd, 1u);
    let s8 = quadBroadcast(va, 2u); let s9 = quadBroadcast(vb, 2u); let s10 = quadBroadcast(vc, 2u); let s11 = quadBroadcast(vd, 2u);
    let s12 = quadBroadcast(va, 3u); let s13 = quadBroadcast(vb, 3u); let s14 = quadBroadcast(vc, 3u); let s15 = quadBroadcast(vd, 3u);
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
      p8L = fma(wL, vec4f(s8.x), p8L); p8H = fma(wH, vec4f(s8.x), p8H);
      p9L = fma(wL, vec4f(s9.x), p9L); p9H = fma(wH, vec4f(s9.x), p9H);
      p10L = fma(wL, vec4f(s10.x), p10L); p10H = fma(wH, vec4f(s10.x), p10H);
      p11L = fma(wL, vec4f(s11.x), p11L); p11H = fma(wH, vec4f(s11.x), p11H);
      p12L = fma(wL, vec4f(s12.x), p12L); p12H = fma(wH, vec4f(s12.x), p12H);
      p13L = fma(wL, vec4f(s13.x), p13L); p13H = fma(wH, vec4f(s13.x), p13H);
      p14L = fma(wL, vec4f(s14.x), p14L); p14H = fma(wH, vec4f(s14.x), p14H);
      p15L = fma(wL, vec4f(s15.x), p15L); p15H = fma(wH, vec4f(s15.x), p15H);
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
      p8L = fma(wL, vec4f(s8.y), p8L); p8H = fma(wH, vec4f(s8.y), p8H);
      p9L = fma(wL, vec4f(s9.y), p9L); p9H = fma(wH, vec4f(s9.y), p9H);
      p10L = fma(wL, vec4f(s10.y), p10L); p10H = fma(wH, vec4f(s10.y), p10H);
      p11L = fma(wL, vec4f(s11.y), p11L); p11H = fma(wH, vec4f(s11.y), p11H);
      p12L = fma(wL, vec4f(s12.y), p12L); p12H = fma(wH, vec4f(s12.y), p12H);
      p13L = fma(wL, vec4f(s13.y), p13L); p13H = fma(wH, vec4f(s13.y), p13H);
      p14L = fma(wL, vec4f(s14.y), p14L); p14H = fma(wH, vec4f(s14.y), p14H);
      p15L = fma(wL, vec4f(s15.y), p15L); p15H = fma(wH, vec4f(s15.y), p15H);
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
      p8L = fma(wL, vec4f(s8.z), p8L); p8H = fma(wH, vec4f(s8.z), p8H);
      p9L = fma(wL, vec4f(s9.z), p9L); p9H = fma(wH, vec4f(s9.z), p9H);
      p10L = fma(wL, vec4f(s10.z), p10L); p10H = fma(wH, vec4f(s10.z), p10H);
      p11L = fma(wL, vec4f(s11.z), p11L); p11H = fma(wH, vec4f(s11.z), p11H);
      p12L = fma(wL, vec4f(s12.z), p12L); p12H = fma(wH, vec4f(s12.z), p12H);
      p13L = fma(wL, vec4f(s13.z), p13L); p13H = fma(wH, vec4f(s13.z), p13H);
      p14L = fma(wL, vec4f(s14.z), p14L); p14H = fma(wH, vec4f(s14.z), p14H);
      p15L = fma(wL, vec4f(s15.z), p15L); p15H = fma(wH, vec4f(s15.z), p15H);
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
      p8L = fma(wL, vec4f(s8.w), p8L); p8H = fma(wH, vec4f(s8.w), p8H);
      p9L = fma(wL, vec4f(s9.w), p9L); p9H = fma(wH, vec4f(s9.w), p9H);
      p10L = fma(wL, vec4f(s10.w), p10L); p10H = fma(wH, vec4f(s10.w), p10H);
      p11L = fma(wL, vec4f(s11.w), p11L); p11H = fma(wH, vec4f(s11.w), p11H);
      p12L = fma(wL, vec4f(s12.w), p12L); p12H = fma(wH, vec4f(s12.w), p12H);
      p13L = fma(wL, vec4f(s13.w), p13L); p13H = fma(wH, vec4f(s13.w), p13H);
      p14L = fma(wL, vec4f(s14.w), p14L); p14H = fma(wH, vec4f(s14.w), p14H);
      p15L = fma(wL, vec4f(s15.w), p15L); p15H = fma(wH, vec4f(s15.w), p15H);
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
  store(t0 + 8u, base + 8u * u.CO4, p8L, p8H);
  store(t0 + 9u, base + 9u * u.CO4, p9L, p9H);
  store(t0 + 10u, base + 10u * u.CO4, p10L, p10H);
  store(t0 + 11u, base + 11u * u.CO4, p11L, p11H);
  store(t0 + 12u, base + 12u * u.CO4, p12L, p12H);
  store(t0 + 13u, base + 13u * u.CO4, p13L, p13H);
  store(t0 + 14u, base + 14u * u.CO4, p14L, p14H);
  store(t0 + 15u, base + 15u * u.CO4, p15L, p15H);
}
