// conv2d_backward_filter_tiled_quad: the weight gradient with register tiles of 16 input x 8 output
// channels of one tap, the x loads shared across a quad of invocations (the subgroups feature's
// quadBroadcast), as conv2d_tiled_quad.wgsl does for the forward conv. Same maths, split-K and
// layouts as conv2d_backward_filter_tiled:
//   dw[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*S+kh-PT, ow*S+kw-PL, ci] * dz[n,oh,ow,co]
// Why: the 4 invocations of a quad are 4 output-channel blocks of the same tap and input channels
//   (the channel block varies fastest) and need the same 16 x values per pixel; lane q loads those
//   of channels ci0+4q .. ci0+4q+3 as one vec4 and quadBroadcast hands all 16 to every lane. A pixel
//   is then 3 loads and 4 broadcasts for 32 vec4 fma (with 8 input channels it was 4 loads and 8
//   broadcasts for 16): on SwiftShader, where each storage load is a per-lane gather, the seed's
//   stride-2 weight gradients ran 7-35% faster (bench/results/swiftshader-dw-quad16/); 32 input or
//   16 output channels an invocation were slower again. Lanes must follow the local invocation
//   index (see conv2d_tiled_quad.wgsl; the autotuner checks it against the naive kernel).
// Requires the subgroups feature and CO % 32 == 0 && CI % 4 == 0 (a quad's 4 channel blocks of 8
//   exist, count is a multiple of 4, and x is read as vec4); otherwise conv2d_backward_filter_tiled*.wgsl.
// Layouts: x [N,H,W,CI/4] vec4, dz [N,OH,OW,CO/4] vec4, dw [KS,KH,KW,CI,CO/4] vec4, row-major.
// Bindings: 0 uniform U, 1 x (read), 2 dz (read), 3 dw (read_write).
// Dispatch: ceil(count / WG) workgroups, folded, count = KS*KH*KW*IB*CB with IB = ceil(CI/16) and
//   CB = CO/8 (fastest); slice s of the pixel sum takes rows (n, oh) s*rowsPer .. (s+1)*rowsPer-1.
// Cost: 2*N*OH*OW*KH*KW*CI*CO FLOP (minus padding); each invocation reads 48 bytes per pixel.
// Backward: none (a gradient kernel).
enable subgroups;
// Quads stay whole (count is a multiple of 4, and the branches below depend on the quad's tap and
// slice only), which the uniformity analysis cannot see.
diagnostic(off, subgroup_uniformity);

struct U { count: u32, N: u32, H: u32, W: u32, CI: u32, OH: u32, OW: u32, CO4: u32, KH: u32, KW: u32, S: u32, PT: i32, PL: i32, IB: u32, CB: u32, KS: u32, rowsPer: u32, slice: u32 }

override WG: u32 = 64u;
const TR: u32 = 16u; // input channels per invocation (the unrolled r0..r15 below)
const TC4: u32 = 2u; // vec4 groups of output channels per invocation (rL and rH below)

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read> dz: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> dw: array<vec4f>;

/**
 * Outputs o in [0, count) whose input position o*S + k - pad lies in [0, size): returns
 * [first, end). Integer maths in i32 because k - pad may be negative.
 */
fn validRange(k: u32, pad: i32, size: u32, count: u32) -> vec2u {
  let S = i32(u.S);
  let lo = pad - i32(k); // need o*S >= lo
  let first = select(0, (lo + S - 1) / S, lo > 0);
  let hi = i32(size) - 1 + pad - i32(k); // need o*S <= hi
  let end = select(0, min(hi / S + 1, i32(count)), hi >= 0);
  return vec2u(u32(first), u32(max(end, first)));
}

/** Stores the 8 channels of row ci (groups co4 and co4+1: CO % 32 == 0, both exist). */
fn store(base: u32, row: u32, co4: u32, lo: vec4f, hi: vec4f) {
  let i = base + row * u.CO4 + co4;
  dw[i] = lo;
  dw[i + 1u] = hi;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count) { return; }
  let cb = g % u.CB;
  var t = g / u.CB;
  let ib = t % u.IB;
  t = t / u.IB;
  let kw = t % u.KW;
  t = t / u.KW;
  let kh = t % u.KH;
  let s = t / u.KH; // the slice of the pixel sum
  let co4 = cb * TC4; // < CO4
  let co4b = co4 + 1u;
  let ci0 = ib * TR; // < CI
  let CI4 = u.CI / 4u;
  // This lane's 4 input channels of the quad's 16 (clamped past CI: computed, not stored).
  let xo = min(ci0 / 4u + (lane & 3u), CI4 - 1u);

  // Row j's 8 channels accumulate in rjL (co4) and rjH (co4b): vec4s updated by fma (see
  // conv2d_tiled.wgsl: SwiftShader makes a mat2x4f += mat * scalar a multiply and an add).
  var r0L = vec4f(0.0); var r0H = vec4f(0.0);
  var r1L = vec4f(0.0); var r1H = vec4f(0.0);
  var r2L = vec4f(0.0); var r2H = vec4f(0.0);
  var r3L = vec4f(0.0); var r3H = vec4f(0.0);
  var r4L = vec4f(0.0); var r4H = vec4f(0.0);
  var r5L = vec4f(0.0); var r5H = vec4f(0.0);
  var r6L = vec4f(0.0); var r6H = vec4f(0.0);
  var r7L = vec4f(0.0); var r7H = vec4f(0.0);
  var r8L = vec4f(0.0); var r8H = vec4f(0.0);
  var r9L = vec4f(0.0); var r9H = vec4f(0.0);
  var r10L = vec4f(0.0); var r10H = vec4f(0.0);
  var r11L = vec4f(0.0); var r11H = vec4f(0.0);
  var r12L = vec4f(0.0); var r12H = vec4f(0.0);
  var r13L = vec4f(0.0); var r13H = vec4f(0.0);
  var r14L = vec4f(0.0); var r14H = vec4f(0.0);
  var r15L = vec4f(0.0); var r15H = vec4f(0.0);

  let rh = validRange(kh, u.PT, u.H, u.OH);
  let rw = validRange(kw, u.PL, u.W, u.OW);
  let r0 = s * u.rowsPer;
  let r1 = min(r0 + u.rowsPer, u.N * u.OH);
  for (var r = r0; r < r1; r++) {
    let n = r / u.OH;
    let oh = r % u.OH;
    if (oh >= rh.x && oh < rh.y) {
      let ih = u32(i32(oh * u.S + kh) - u.PT);
      let xRow = (n * u.H + ih) * u.W;
      let dzRow = (n * u.OH + oh) * u.OW;
      for (var ow = rw.x; ow < rw.y; ow++) {
        let iw = u32(i32(ow * u.S + kw) - u.PL);
        let xv = x[(xRow + iw) * CI4 + xo]; // x[n,ih,iw, 4 channels]
        let dp = (dzRow + ow) * u.CO4;
        let dL = dz[dp + co4]; // dz[n,oh,ow, 8 channels]
        let dH = dz[dp + co4b];
        // Row j's x is lane j/4's xv, component j%4.
        let q0 = quadBroadcast(xv, 0u);
        r0L = fma(dL, vec4f(q0.x), r0L); r0H = fma(dH, vec4f(q0.x), r0H);
        r1L = fma(dL, vec4f(q0.y), r1L); r1H = fma(dH, vec4f(q0.y), r1H);
        r2L = fma(dL, vec4f(q0.z), r2L); r2H = fma(dH, vec4f(q0.z), r2H);
        r3L = fma(dL, vec4f(q0.w), r3L); r3H = fma(dH, vec4f(q0.w), r3H);
        let q1 = quadBroadcast(xv, 1u);
        r4L = fma(dL, vec4f(q1.x), r4L); r4H = fma(dH, vec4f(q1.x), r4H);
        r5L = fma(dL, vec4f(q1.y), r5L); r5H = fma(dH, vec4f(q1.y), r5H);
        r6L = fma(dL, vec4f(q1.z), r6L); r6H = fma(dH, vec4f(q1.z), r6H);
        r7L = fma(dL, vec4f(q1.w), r7L); r7H = fma(dH, vec4f(q1.w), r7H);
        let q2 = quadBroadcast(xv, 2u);
        r8L = fma(dL, vec4f(q2.x), r8L); r8H = fma(dH, vec4f(q2.x), r8H);
        r9L = fma(dL, vec4f(q2.y), r9L); r9H = fma(dH, vec4f(q2.y), r9H);
        r10L = fma(dL, vec4f(q2.z), r10L); r10H = fma(dH, vec4f(q2.z), r10H);
        r11L = fma(dL, vec4f(q2.w), r11L); r11H = fma(dH, vec4f(q2.w), r11H);
        let q3 = quadBroadcast(xv, 3u);
        r12L = fma(dL, vec4f(q3.x), r12L); r12H = fma(dH, vec4f(q3.x), r12H);
        r13L = fma(dL, vec4f(q3.y), r13L); r13H = fma(dH, vec4f(q3.y), r13H);
        r14L = fma(dL, vec4f(q3.z), r14L); r14H = fma(dH, vec4f(q3.z), r14H);
        r15L = fma(dL, vec4f(q3.w), r15L); r15H = fma(dH, vec4f(q3.w), r15H);
      }
    }
  }

  let base = s * u.slice;
  let row = (kh * u.KW + kw) * u.CI + ci0; // dw row of input channel ci0
  let m = u.CI - ci0; // input channels left: a multiple of 4, >= 4
  store(base, row, co4, r0L, r0H); store(base, row + 1u, co4, r1L, r1H); store(base, row + 2u, co4, r2L, r2H); store(base, row + 3u, co4, r3L, r3H);
  if (m > 4u) { store(base, row + 4u, co4, r4L, r4H); store(base, row + 5u, co4, r5L, r5H); store(base, row + 6u, co4, r6L, r6H); store(base, row + 7u, co4, r7L, r7H); }
  if (m > 8u) { store(base, row + 8u, co4, r8L, r8H); store(base, row + 9u, co4, r9L, r9H); store(base, row + 10u, co4, r10L, r10H); store(base, row + 11u, co4, r11L, r11H); }
  if (m > 12u) { store(base, row + 12u, co4, r12L, r12H); store(base, row + 13u, co4, r13L, r13H); store(base, row + 14u, co4, r14L, r14H); store(base, row + 15u, co4, r15L, r15H); }
}
