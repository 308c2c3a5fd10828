// conv2d_backward_filter_winograd: the weight gradient of a 3x3 stride-1 conv by Winograd
// F(3x3, 2x2): each 2x2 tile of dy, as a filter over its 4x4 input patch, gives its share of all 9
// taps of dw with 16 multiply-adds per (ci, co) instead of 36 (P = 16 points; F(3x3, 4x4), 36
// points, rounds too much for the conv tolerance and has no kernel). Same maths as
// conv2d_backward_filter.wgsl:
//   dw[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh+kh-PT, ow+kw-PL, ci] * dy[n,oh,ow,co]
// in four passes: conv2d_winograd_input.wgsl (V = B^T d B of x, as the forward),
// conv2d_backward_filter_winograd_dy.wgsl (Y = H e H^T of dy's tiles), this kernel (P = 16 matrix
// products over the tiles, one per point xi of the 4x4 domain, split in KS slices of tilesPer tiles:
//   part[s, xi, ci, co] = sum_{t in slice s} V[xi, t, ci] * Y[xi, t, co]
// ), and conv2d_backward_filter_winograd_output.wgsl (the slices added, dw = C^T P C).
// This pass: 8 input x 8 output channels per invocation; the 4 invocations of a quad are 4 blocks
//   of 8 output channels of the same 8 input channels, each loads V of 2 of them (lane q: ci0 + 2q
//   and ci0 + 2q + 1) and quadBroadcast hands all 8 to every lane.
// Precision: float32; each slice sums tilesPer products per point (split-K as the tiled weight
//   gradient, src/engine/ops/convLaunch.ts), the slices are added in order.
// Requires the subgroups feature and KH == 3 && KW == 3 && S == 1 && CI % 8 == 0 && CO % 32 == 0; otherwise another family.
// Layouts: v [P,T,CI] (T = N*ceil(OH/m)*ceil(OW/m) tiles, m = 2), yw [P,T,CO/4] vec4,
//   part [KS,P,CI,CO/4] vec4, row-major.
// Bindings: 0 uniform U, 1 v (read), 2 yw (read), 3 part (read_write).
// Dispatch: ceil(count / WG) workgroups, folded, count = KS*P*IB*CB invocations: IB = CI/8 input
//   channel blocks, CB = CO/8 output channel blocks (fastest).
// Cost: the weight gradient's 2*N*OH*OW*CO*9*CI FLOP, as every conv row counts it; this pass does
//   2*P*T*CI*CO (4/9 of it at even sizes). Each invocation reads 2 floats of V and 2 vec4 of Y per
//   tile and writes 256 bytes.
// Backward: none (a gradient kernel).
enable subgroups;
// Quads stay whole (count is a multiple of 4, CB being one), which the uniformity analysis cannot see.
diagnostic(off, subgroup_uniformity);

struct U { count: u32, T: u32, CI: u32, CO4: u32, IB: u32, CB: u32, tilesPer: u32, P: u32 }

override WG: u32 = 64u;
const TR: u32 = 8u; // input channels per invocation (the unrolled r0..r7 below)
const TC4: u32 = 2u; // vec4 channel groups per invocation (rL and rH below)

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> v: array<f32>;
@group(0) @binding(2) var<storage, read> yw: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> part: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count) { return; }
  let cb = g % u.CB;
  var r = g / u.CB;
  let ib = r % u.IB;
  r = r / u.IB;
  let xi = r % u.P;
  let slice = r / u.P;
  let ci0 = ib * TR;
  let c0 = cb * TC4; // < CO4; CO % 32 == 0: both groups exist
  let ca = ci0 + 2u * (lane & 3u); // this lane's 2 input channels of the quad's 8: ca, ca + 1
  let t0 = slice * u.tilesPer;
  let t1 = min(u.T, t0 + u.tilesPer);

  var r0L = vec4f(0.0); var r0H = vec4f(0.0); var r1L = vec4f(0.0); var r1H = vec4f(0.0); var r2L = vec4f(0.0); var r2H = vec4f(0.0); var r3L = vec4f(0.0); var r3H = vec4f(0.0);
  var r4L = vec4f(0.0); var r4H = vec4f(0.0); var r5L = vec4f(0.0); var r5H = vec4f(0.0); var r6L = vec4f(0.0); var r6H = vec4f(0.0); var r7L = vec4f(0.0); var r7H = vec4f(0.0);
  for (var t = t0; t < t1; t++) {
    let row = xi * u.T + t;
    let va = v[row * u.CI + ca];
    let vb = v[row * u.CI + ca + 1u];
    let yL = yw[row * u.CO4 + c0]; // Y[xi, t, 8 channels]
    let yH = yw[row * u.CO4 + c0 + 1u];
    // Input channel ci0 + j's V is lane j/2's va (j even) or vb (j odd).
    let s0 = vec4f(quadBroadcast(va, 0u)); r0L = fma(yL, s0, r0L); r0H = fma(yH, s0, r0H);
    let s1 = vec4f(quadBroadcast(vb, 0u)); r1L = fma(yL, s1, r1L); r1H = fma(yH, s1, r1H);
    let s2 = vec4f(quadBroadcast(va, 1u)); r2L = fma(yL, s2, r2L); r2H = fma(yH, s2, r2H);
    let s3 = vec4f(quadBroadcast(vb, 1u)); r3L = fma(yL, s3, r3L); r3H = fma(yH, s3, r3H);
    let s4 = vec4f(quadBroadcast(va, 2u)); r4L = fma(yL, s4, r4L); r4H = fma(yH, s4, r4H);
    let s5 = vec4f(quadBroadcast(vb, 2u)); r5L = fma(yL, s5, r5L); r5H = fma(yH, s5, r5H);
    let s6 = vec4f(quadBroadcast(va, 3u)); r6L = fma(yL, s6, r6L); r6H = fma(yH, s6, r6H);
    let s7 = vec4f(quadBroadcast(vb, 3u)); r7L = fma(yL, s7, r7L); r7H = fma(yH, s7, r7H);
  }

  let base = ((slice * u.P + xi) * u.CI + ci0) * u.CO4 + c0; // part[slice, xi, ci0, c0]
  part[base + 0u * u.CO4] = r0L; part[base + 0u * u.CO4 + 1u] = r0H;
  part[base + 1u * u.CO4] = r1L; part[base + 1u * u.CO4 + 1u] = r1H;
  part[base + 2u * u.CO4] = r2L; part[base + 2u * u.CO4 + 1u] = r2H;
  part[base + 3u * u.CO4] = r3L; part[base + 3u * u.CO4 + 1u] = r3H;
  part[base + 4u * u.CO4] = r4L; part[base + 4u * u.CO4 + 1u] = r4H;
  part[base + 5u * u.CO4] = r5L; part[base + 5u * u.CO4 + 1u] = r5H;
  part[base + 6u * u.CO4] = r6L; part[base + 6u * u.CO4 + 1u] = r6H;
  part[base + 7u * u.CO4] = r7L; part[base + 7u * u.CO4 + 1u] = r7H;
}
