// conv2d_backward_filter_narrow: the weight gradient of a conv with few input channels (a first
// layer: CI <= 4), register-tiled over the rows of dw rather than over input channels. With the
// conv [N,H,W,CI] -> [N,OH,OW,CO], stride S, padding PT/PL before:
//   dw[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*S+kh-PT, ow*S+kw-PL, ci] * dz[n,oh,ow,co]
// GEMM view: M = KH*KW*CI rows (kh, kw, ci), N_gemm = CO, reduction over the N*OH*OW pixels.
//   conv2d_backward_filter_tiled gives each invocation 8 input channels of one tap, so with CI = 1
//   seven eighths of its multiply-adds are padding. Here each invocation owns 8 consecutive rows
//   m0 .. m0+7 of dw (several taps) times 8 output channels (two vec4 groups): per pixel 8 x
//   scalars (each row's own tap, masked to zero outside the image) and 2 dz vec4s feed 64
//   multiply-adds. Unrolled by hand, fixed 8 x 8 (see conv2d_tiled.wgsl for why). Rows past M read
//   a clamped row and are not stored; a channel group past CO/4 likewise.
// Split-K as conv2d_backward_filter_tiled.wgsl: the N*OH*OW pixel sum in KS slices of rowsPer
//   (n, oh) rows; slice s writes dw[s*slice ..] and conv2d_backward_filter_sum.wgsl adds them.
// Precision: each weight sums rowsPer*OW products serially in float32, then KS partials.
// Runs when CI <= 4 && CO % 4 == 0 && (CI > 1 || KH != 3 || KW != 3 || S != 1) (one input channel at
//   3x3 stride 1: conv2d_backward_filter_narrow1.wgsl; dz and dw are read as vec4 over co; more input channels fill
//   conv2d_backward_filter_tiled's tiles).
// Layouts: x [N,H,W,CI], dz [N,OH,OW,CO/4] vec4, dw [KS,KH,KW,CI,CO/4] vec4, row-major.
// Bindings: 0 uniform U, 1 x (read), 2 dz (read), 3 dw (read_write).
// Dispatch: ceil(count / WG) workgroups, count = KS*MB*CB with MB = ceil(KH*KW*CI/8) and
//   CB = ceil(CO/8) (fastest).
// Cost: 2*N*OH*OW*KH*KW*CI*CO FLOP (minus padding); each invocation reads 64 bytes per pixel.
// Backward: none (a gradient kernel).
struct U { count: u32, N: u32, H: u32, W: u32, CI: u32, OH: u32, OW: u32, CO4: u32, KH: u32, KW: u32, S: u32, PT: i32, PL: i32, MB: u32, CB: u32, KS: u32, rowsPer: u32, slice: u32 }

override WG: u32 = 64u;
const TR: u32 = 8u; // dw rows per invocation (the unrolled r0..r7 below)
const TC4: u32 = 2u; // vec4 groups of output channels per invocation (rL and rH below)

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dz: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> dw: array<vec4f>;

/** One dw row m = (kh*KW + kw)*CI + ci: its tap's offsets from (oh*S, ow*S) and its channel. */
struct Row { dh: i32, dv: i32, ci: u32 }

fn rowOf(m: u32) -> Row {
  let tap = m / u.CI;
  return Row(i32(tap / u.KW) - u.PT, i32(tap % u.KW) - u.PL, m % u.CI);
}

/** x at the row's tap for the pixel whose input row ih (validity hv, base xb) and column ow*S = ws; 0 in the padding. */
fn xAt(r: Row, xb: i32, hv: bool, ws: i32) -> f32 {
  let iw = ws + r.dv;
  let ok = hv && iw >= 0 && iw < i32(u.W);
  return select(0.0, x[select(0u, u32((xb + iw) * i32(u.CI)) + r.ci, ok)], ok);
}

/** Stores the 8 channels of dw row m (groups co4, co4+1; the second only if it exists). */
fn store(base: u32, m: u32, co4: u32, lo: vec4f, hi: vec4f) {
  let i = base + m * u.CO4 + co4;
  dw[i] = lo;
  if (co4 + 1u < u.CO4) { dw[i + 1u] = hi; }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count) { return; }
  let cb = g % u.CB;
  var t = g / u.CB;
  let mb = t % u.MB;
  let s = t / u.MB; // the slice of the pixel sum
  let co4 = cb * TC4; // < CO4
  let co4b = min(co4 + 1u, u.CO4 - 1u); // clamped: computed, not stored, when past CO
  let M = u.KH * u.KW * u.CI;
  let m0 = mb * TR; // < M
  let last = M - 1u;
  let q0 = rowOf(m0); // clamped rows: computed, not stored
  let q1 = rowOf(min(m0 + 1u, last));
  let q2 = rowOf(min(m0 + 2u, last));
  let q3 = rowOf(min(m0 + 3u, last));
  let q4 = rowOf(min(m0 + 4u, last));
  let q5 = rowOf(min(m0 + 5u, last));
  let q6 = rowOf(min(m0 + 6u, last));
  let q7 = rowOf(min(m0 + 7u, last));

  // Row j's 8 channels accumulate in rjL (co4) and rjH (co4b), updated by fma.
  var r0L = vec4f(0.0); var r0H = vec4f(0.0); var r1L = vec4f(0.0); var r1H = vec4f(0.0);
  var r2L = vec4f(0.0); var r2H = vec4f(0.0); var r3L = vec4f(0.0); var r3H = vec4f(0.0);
  var r4L = vec4f(0.0); var r4H = vec4f(0.0); var r5L = vec4f(0.0); var r5H = vec4f(0.0);
  var r6L = vec4f(0.0); var r6H = vec4f(0.0); var r7L = vec4f(0.0); var r7H = vec4f(0.0);

  let H = i32(u.H);
  let p0 = s * u.rowsPer;
  let p1 = min(p0 + u.rowsPer, u.N * u.OH);
  for (var p = p0; p < p1; p++) {
    let n = p / u.OH;
    let hs = i32((p % u.OH) * u.S); // oh * S
    let nH = i32(n * u.H);
    // Row j reads input row hs + dh_j: valid or not for the whole pixel row.
    let h0 = hs + q0.dh; let v0 = h0 >= 0 && h0 < H; let b0 = (nH + h0) * i32(u.W);
    let h1 = hs + q1.dh; let v1 = h1 >= 0 && h1 < H; let b1 = (nH + h1) * i32(u.W);
    let h2 = hs + q2.dh; let v2 = h2 >= 0 && h2 < H; let b2 = (nH + h2) * i32(u.W);
    let h3 = hs + q3.dh; let v3 = h3 >= 0 && h3 < H; let b3 = (nH + h3) * i32(u.W);
    let h4 = hs + q4.dh; let v4 = h4 >= 0 && h4 < H; let b4 = (nH + h4) * i32(u.W);
    let h5 = hs + q5.dh; let v5 = h5 >= 0 && h5 < H; let b5 = (nH + h5) * i32(u.W);
    let h6 = hs + q6.dh; let v6 = h6 >= 0 && h6 < H; let b6 = (nH + h6) * i32(u.W);
    let h7 = hs + q7.dh; let v7 = h7 >= 0 && h7 < H; let b7 = (nH + h7) * i32(u.W);
    var dp = p * u.OW * u.CO4;
    for (var ow = 0u; ow < u.OW; ow++) {
      let ws = i32(ow * u.S);
      let dL = dz[dp + co4]; // dz[n,oh,ow, 8 channels]
      let dH = dz[dp + co4b];
      dp += u.CO4;
      let s0 = vec4f(xAt(q0, b0, v0, ws));
      r0L = fma(dL, s0, r0L); r0H = fma(dH, s0, r0H);
      let s1 = vec4f(xAt(q1, b1, v1, ws));
      r1L = fma(dL, s1, r1L); r1H = fma(dH, s1, r1H);
      let s2 = vec4f(xAt(q2, b2, v2, ws));
      r2L = fma(dL, s2, r2L); r2H = fma(dH, s2, r2H);
      let s3 = vec4f(xAt(q3, b3, v3, ws));
      r3L = fma(dL, s3, r3L); r3H = fma(dH, s3, r3H);
      let s4 = vec4f(xAt(q4, b4, v4, ws));
      r4L = fma(dL, s4, r4L); r4H = fma(dH, s4, r4H);
      let s5 = vec4f(xAt(q5, b5, v5, ws));
      r5L = fma(dL, s5, r5L); r5H = fma(dH, s5, r5H);
      let s6 = vec4f(xAt(q6, b6, v6, ws));
      r6L = fma(dL, s6, r6L); r6H = fma(dH, s6, r6H);
      let s7 = vec4f(xAt(q7, b7, v7, ws));
      r7L = fma(dL, s7, r7L); r7H = fma(dH, s7, r7H);
    }
  }

  let base = s * u.slice;
  let left = M - m0; // rows left, >= 1
  store(base, m0, co4, r0L, r0H);
  if (left > 1u) { store(base, m0 + 1u, co4, r1L, r1H); }
  if (left > 2u) { store(base, m0 + 2u, co4, r2L, r2H); }
  if (left > 3u) { store(base, m0 + 3u, co4, r3L, r3H); }
  if (left > 4u) { store(base, m0 + 4u, co4, r4L, r4H); }
  if (left > 5u) { store(base, m0 + 5u, co4, r5L, r5H); }
  if (left > 6u) { store(base, m0 + 6u, co4, r6L, r6H); }
  if (left > 7u) { store(base, m0 + 7u, co4, r7L, r7H); }
}
