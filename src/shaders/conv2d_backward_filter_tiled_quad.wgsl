// conv2d_backward_filter_tiled_quad: conv2d_backward_filter_tiled.wgsl with the x loads shared across a
// quad of invocations (the subgroups feature's quadBroadcast), as conv2d_tiled_quad.wgsl does for
// the forward conv. Same maths, tile (8 input x 8 output channels of one tap), split-K, layouts and
// uniforms as conv2d_backward_filter_tiled:
//   dw[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*S+kh-PT, ow*S+kw-PL, ci] * dz[n,oh,ow,co]
// Why: the 4 invocations of a quad are 4 output-channel blocks of the same tap and input channels
//   (the channel block varies fastest) and load the same 8 x values per pixel; here lane q loads
//   those of channels ci0+2q and ci0+2q+1 and quadBroadcast hands all 8 to every lane. Lanes must
//   follow the local invocation index (see conv2d_tiled_quad.wgsl; the autotuner checks it against
//   the naive kernel).
// Requires the subgroups feature and CO % 32 == 0 (a quad's 4 channel blocks of 8 exist and count is
//   a multiple of 4); otherwise conv2d_backward_filter_tiled*.wgsl.
// Layouts: x [N,H,W,CI], dz [N,OH,OW,CO/4] vec4, dw [KS,KH,KW,CI,CO/4] vec4, row-major.
// Bindings: 0 uniform U, 1 x (read), 2 dz (read), 3 dw (read_write).
// Dispatch: as conv2d_backward_filter_tiled: ceil(count / WG) workgroups, count = KS*KH*KW*IB*CB
//   with IB = ceil(CI/8) and CB = CO/8 (fastest).
// Cost: 2*N*OH*OW*KH*KW*CI*CO FLOP (minus padding); each invocation reads 40 bytes per pixel.
// Backward: none (a gradient kernel).
enable subgroups;
// Quads stay whole (count is a multiple of 4, and the branches below depend on the quad's tap and
// slice only), which the uniformity analysis cannot see.
diagnostic(off, subgroup_uniformity);

struct U { count: u32, N: u32, H: u32, W: u32, CI: u32, OH: u32, OW: u32, CO4: u32, KH: u32, KW: u32, S: u32, PT: i32, PL: i32, IB: u32, CB: u32, KS: u32, rowsPer: u32, slice: u32 }

override WG: u32 = 64u;
const TR: u32 = 8u; // input channels per invocation (the unrolled r0..r7 below)
const TC4: u32 = 2u; // vec4 groups of output channels per invocation (rL and rH below)

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
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

/** Stores the 8 channels of row ci (groups co4, co4+1; the second only if it exists). */
fn store(base: u32, row: u32, co4: u32, lo: vec4f, hi: vec4f) {
  let i = base + row * u.CO4 + co4;
  dw[i] = lo;
  if (co4 + 1u < u.CO4) { dw[i + 1u] = hi; }
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
  let co4b = co4 + 1u; // CO % 32 == 0: both groups exist
  let ci0 = ib * TR; // < CI
  let last = u.CI - 1u;
  let c1 = min(ci0 + 1u, last); // clamped channels: computed, not stored
  let c2 = min(ci0 + 2u, last);
  let c3 = min(ci0 + 3u, last);
  let c4 = min(ci0 + 4u, last);
  let c5 = min(ci0 + 5u, last);
  let c6 = min(ci0 + 6u, last);
  let c7 = min(ci0 + 7u, last);
  // This lane's 2 input channels of the quad's 8: 2q and 2q+1.
  let q = lane & 3u;
  let ca = select(select(ci0, c2, q == 1u), select(c4, c6, q == 3u), q >= 2u);
  let cb2 = select(select(c1, c3, q == 1u), select(c5, c7, q == 3u), q >= 2u);

  // Row j's 8 channels accumulate in rjL (co4) and rjH (co4b): vec4s updated by fma (see
  // conv2d_tiled.wgsl: SwiftShader makes a mat2x4f += mat * scalar a multiply and an add).
  var r0L = vec4f(0.0); var r0H = vec4f(0.0); var r1L = vec4f(0.0); var r1H = vec4f(0.0);
  var r2L = vec4f(0.0); var r2H = vec4f(0.0); var r3L = vec4f(0.0); var r3H = vec4f(0.0);
  var r4L = vec4f(0.0); var r4H = vec4f(0.0); var r5L = vec4f(0.0); var r5H = vec4f(0.0);
  var r6L = vec4f(0.0); var r6H = vec4f(0.0); var r7L = vec4f(0.0); var r7H = vec4f(0.0);

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
        let xp = (xRow + iw) * u.CI;
        let dp = (dzRow + ow) * u.CO4;
        let dL = dz[dp + co4]; // dz[n,oh,ow, 8 channels]
        let dH = dz[dp + co4b];
        let va = x[xp + ca];
        let vb = x[xp + cb2];
        // Row j's x is lane j/2's va (j even) or vb (j odd).
        let s0 = vec4f(quadBroadcast(va, 0u)); r0L = fma(dL, s0, r0L); r0H = fma(dH, s0, r0H);
        let s1 = vec4f(quadBroadcast(vb, 0u)); r1L = fma(dL, s1, r1L); r1H = fma(dH, s1, r1H);
        let s2 = vec4f(quadBroadcast(va, 1u)); r2L = fma(dL, s2, r2L); r2H = fma(dH, s2, r2H);
        let s3 = vec4f(quadBroadcast(vb, 1u)); r3L = fma(dL, s3, r3L); r3H = fma(dH, s3, r3H);
        let s4 = vec4f(quadBroadcast(va, 2u)); r4L = fma(dL, s4, r4L); r4H = fma(dH, s4, r4H);
        let s5 = vec4f(quadBroadcast(vb, 2u)); r5L = fma(dL, s5, r5L); r5H = fma(dH, s5, r5H);
        let s6 = vec4f(quadBroadcast(va, 3u)); r6L = fma(dL, s6, r6L); r6H = fma(dH, s6, r6H);
        let s7 = vec4f(quadBroadcast(vb, 3u)); r7L = fma(dL, s7, r7L); r7H = fma(dH, s7, r7H);
      }
    }
  }

  let base = s * u.slice;
  let row = (kh * u.KW + kw) * u.CI + ci0; // dw row of input channel ci0
  let m = u.CI - ci0; // input channels left, >= 1
  store(base, row, co4, r0L, r0H);
  if (m > 1u) { store(base, row + 1u, co4, r1L, r1H); }
  if (m > 2u) { store(base, row + 2u, co4, r2L, r2H); }
  if (m > 3u) { store(base, row + 3u, co4, r3L, r3H); }
  if (m > 4u) { store(base, row + 4u, co4, r4L, r4H); }
  if (m > 5u) { store(base, row + 5u, co4, r5L, r5H); }
  if (m > 6u) { store(base, row + 6u, co4, r6L, r6H); }
  if (m > 7u) { store(base, row + 7u, co4, r7L, r7H); }
}
