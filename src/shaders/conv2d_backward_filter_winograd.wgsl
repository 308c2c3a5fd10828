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
// This pass: 16 input x 8 output channels per invocation; the 4 invocations of a quad are 4 blocks
//   of 8 output channels of the same 16 input channels, each loads a vec4 of V over 4 of them (lane
//   q: ci0 + 4q .. ci0 + 4q + 3) and quadBroadcast hands all 16 to every lane: per tile 3 vec4
//   loads and 4 broadcasts feed 32 vec4 fma (with 8 input channels, 2 scalar and 2 vec4 loads and 8
//   broadcasts fed 16: 20-25% slower on SwiftShader). Where CI % 16 == 8, the last block's upper
//   half reads zeros and stores nothing.
// Precision: float32; each slice sums tilesPer products per point (split-K as the tiled weight
//   gradient, src/engine/ops/convGrad.ts), the slices are added in order.
// Requires the subgroups feature and KH == 3 && KW == 3 && S == 1 && CI % 8 == 0 && CO % 32 == 0; otherwise another family.
// Layouts: v [P,T,CI/4] vec4 (T = N*ceil(OH/m)*ceil(OW/m) tiles, m = 2) from vec4 V0 of its binding
//   (0, or past the V4 that conv2d_winograd4_input_pair.wgsl wrote before it), yw [P,T,CO/4] vec4,
//   part [KS,P,CI,CO/4] vec4, row-major.
// Bindings: 0 uniform U, 1 v (read), 2 yw (read), 3 part (read_write).
// Dispatch: ceil(count / WG) workgroups, folded, count = KS*P*IB*CB invocations: IB = ceil(CI/16)
//   input channel blocks, CB = CO/8 output channel blocks (fastest).
// Cost: the weight gradient's 2*N*OH*OW*CO*9*CI FLOP, as every conv row counts it; this pass does
//   2*P*T*CI*CO (4/9 of it at even sizes). Each invocation reads a vec4 of V and 2 vec4 of Y per
//   tile and writes 512 bytes.
// Backward: none (a gradient kernel).
enable subgroups;
// Quads stay whole (count is a multiple of 4, CB being one), which the uniformity analysis cannot see.
diagnostic(off, subgroup_uniformity);

struct U { count: u32, T: u32, CI: u32, CO4: u32, IB: u32, CB: u32, tilesPer: u32, P: u32, V0: u32 }

override WG: u32 = 64u;
const TR: u32 = 16u; // input channels per invocation (the unrolled r0..r15 below)
const TC4: u32 = 2u; // vec4 channel groups per invocation (rL and rH below)

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> v: array<vec4f>;
@group(0) @binding(2) var<storage, read> yw: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> part: array<vec4f>;

var<private> base: u32;
var<private> ci0: u32;

/** Stores input channel ci0 + j's 8 output channels, if that channel exists. */
fn put(j: u32, lo: vec4f, hi: vec4f) {
  if (ci0 + j < u.CI) { part[base + j * u.CO4] = lo; part[base + j * u.CO4 + 1u] = hi; }
}

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
  ci0 = ib * TR;
  let c0 = cb * TC4; // < CO4; CO % 32 == 0: both groups exist
  let CI4 = u.CI / 4u;
  let c4 = ib * 4u + (lane & 3u); // this lane's vec4 of the quad's 16 input channels
  let inside = c4 < CI4; // false for the upper half of a last block of 8
  let t0 = slice * u.tilesPer;
  let t1 = min(u.T, t0 + u.tilesPer);

  var r0L = vec4f(0.0); var r0H = vec4f(0.0); var r1L = vec4f(0.0); var r1H = vec4f(0.0); var r2L = vec4f(0.0); var r2H = vec4f(0.0); var r3L = vec4f(0.0); var r3H = vec4f(0.0);
  var r4L = vec4f(0.0); var r4H = vec4f(0.0); var r5L = vec4f(0.0); var r5H = vec4f(0.0); var r6L = vec4f(0.0); var r6H = vec4f(0.0); var r7L = vec4f(0.0); var r7H = vec4f(0.0);
  var r8L = vec4f(0.0); var r8H = vec4f(0.0); var r9L = vec4f(0.0); var r9H = vec4f(0.0); var r10L = vec4f(0.0); var r10H = vec4f(0.0); var r11L = vec4f(0.0); var r11H = vec4f(0.0);
  var r12L = vec4f(0.0); var r12H = vec4f(0.0); var r13L = vec4f(0.0); var r13H = vec4f(0.0); var r14L = vec4f(0.0); var r14H = vec4f(0.0); var r15L = vec4f(0.0); var r15H = vec4f(0.0);
  for (var t = t0; t < t1; t++) {
    let row = xi * u.T + t;
    let va = select(vec4f(0.0), v[u.V0 + row * CI4 + min(c4, CI4 - 1u)], inside);
    let yL = yw[row * u.CO4 + c0]; // Y[xi, t, 8 channels]
    let yH = yw[row * u.CO4 + c0 + 1u];
    let b0 = quadBroadcast(va, 0u); // input channels ci0 + 0 .. ci0 + 3
    r0L = fma(yL, vec4f(b0.x), r0L); r0H = fma(yH, vec4f(b0.x), r0H);
    r1L = fma(yL, vec4f(b0.y), r1L); r1H = fma(yH, vec4f(b0.y), r1H);
    r2L = fma(yL, vec4f(b0.z), r2L); r2H = fma(yH, vec4f(b0.z), r2H);
    r3L = fma(yL, vec4f(b0.w), r3L); r3H = fma(yH, vec4f(b0.w), r3H);
    let b1 = quadBroadcast(va, 1u); // input channels ci0 + 4 .. ci0 + 7
    r4L = fma(yL, vec4f(b1.x), r4L); r4H = fma(yH, vec4f(b1.x), r4H);
    r5L = fma(yL, vec4f(b1.y), r5L); r5H = fma(yH, vec4f(b1.y), r5H);
    r6L = fma(yL, vec4f(b1.z), r6L); r6H = fma(yH, vec4f(b1.z), r6H);
    r7L = fma(yL, vec4f(b1.w), r7L); r7H = fma(yH, vec4f(b1.w), r7H);
    let b2 = quadBroadcast(va, 2u); // input channels ci0 + 8 .. ci0 + 11
    r8L = fma(yL, vec4f(b2.x), r8L); r8H = fma(yH, vec4f(b2.x), r8H);
    r9L = fma(yL, vec4f(b2.y), r9L); r9H = fma(yH, vec4f(b2.y), r9H);
    r10L = fma(yL, vec4f(b2.z), r10L); r10H = fma(yH, vec4f(b2.z), r10H);
    r11L = fma(yL, vec4f(b2.w), r11L); r11H = fma(yH, vec4f(b2.w), r11H);
    let b3 = quadBroadcast(va, 3u); // input channels ci0 + 12 .. ci0 + 15
    r12L = fma(yL, vec4f(b3.x), r12L); r12H = fma(yH, vec4f(b3.x), r12H);
    r13L = fma(yL, vec4f(b3.y), r13L); r13H = fma(yH, vec4f(b3.y), r13H);
    r14L = fma(yL, vec4f(b3.z), r14L); r14H = fma(yH, vec4f(b3.z), r14H);
    r15L = fma(yL, vec4f(b3.w), r15L); r15H = fma(yH, vec4f(b3.w), r15H);
  }

  base = ((slice * u.P + xi) * u.CI + ci0) * u.CO4 + c0; // part[slice, xi, ci0, c0]
  put(0u, r0L, r0H);
  put(1u, r1L, r1H);
  put(2u, r2L, r2H);
  put(3u, r3L, r3H);
  put(4u, r4L, r4H);
  put(5u, r5L, r5H);
  put(6u, r6L, r6H);
  put(7u, r7L, r7H);
  put(8u, r8L, r8H);
  put(9u, r9L, r9H);
  put(10u, r10L, r10H);
  put(11u, r11L, r11H);
  put(12u, r12L, r12H);
  put(13u, r13L, r13H);
  put(14u, r14L, r14H);
  put(15u, r15L, r15H);
}
