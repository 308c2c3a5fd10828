// conv2d_narrow1: conv2d.wgsl for a 3x3 stride-1 conv with one input channel (the gray presets'
// first layers, 1 -> 32 or 64), as register tiles along a row of output pixels.
//   y[n,oh,ow,co] = act(b[co] + sum_{kh,kw} x[n, oh+kh-PT, ow+kw-PL] * w[kh,kw,0,co])
// Why: with one input channel each output pixel costs 9 multiply-adds per channel and 9 input
//   values, and the tiled kernels load a pixel's 9 values for each of its channel blocks. Here each
//   invocation computes 8 pixels of one row (ow0 .. ow0+7) x 8 channels (two vec4): it loads the
//   3 x 10 input patch their windows cover once and the 9 taps' weights (18 vec4), then adds tap
//   (kh, kw) of pixel j as x{kh}_{j+kw} * w{kh*3+kw}: 144 vec4 fma for 30 + 18 loads and 16 stores.
//   On SwiftShader, where every storage load is a per-lane gather, loads are what these layers cost.
//   Unrolled by hand (see conv2d_tiled.wgsl for why); patch rows and columns outside the image read
//   a clamped address and are masked to zero; pixels past OW are computed and not stored, and where
//   CO % 8 == 4 the last block's upper vec4 reads a clamped weight and is not stored. ACT: 0 none,
//   1 relu, 2 sigmoid. b skipped when hasBias = 0 (then any read-only buffer may be bound to it).
// Requires CI == 1 && CO % 4 == 0 && KH == 3 && KW == 3 && S == 1; otherwise another family.
// Layouts: x [N,H,W] (CI = 1), w [3,3,1,CO/4] vec4, b [CO/4] vec4, y [N,OH,OW,CO/4] vec4, row-major.
// Bindings: 0 uniform U, 1 x (read), 2 w (read), 3 b (read), 4 y (read_write).
// Dispatch: ceil(count / WG) workgroups, count = N*OH*PB*CB with PB = ceil(OW/8) column blocks and
//   CB = ceil(CO/8) channel blocks (fastest).
// Cost: 2*N*OH*OW*CO*9 FLOP (minus padding); each invocation reads 30 x floats and 18 w vec4 and
//   writes 16 vec4.
// Backward: as conv2d_tiled.wgsl (dx: conv2d_transpose_tiled*.wgsl; dw: conv2d_backward_filter_narrow1.wgsl,
//   db: conv2d_bias_grad.wgsl).
struct U { count: u32, H: u32, W: u32, OH: u32, OW: u32, CO4: u32, PT: i32, PL: i32, hasBias: u32, PB: u32, CB: u32 }

override WG: u32 = 64u;
const TP: u32 = 8u; // pixels per invocation (the unrolled a0 .. a7 below)
const TC4: u32 = 2u; // vec4 channel groups per invocation (aL and aH below)
override ACT: u32 = 0u;
// ACT codes (src/engine/kernels.ts ACT; tests/kernels.node.test.ts checks they agree):
const ACT_NONE: u32 = 0u;
const ACT_RELU: u32 = 1u;
const ACT_SIGMOID: u32 = 2u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4f>;
@group(0) @binding(3) var<storage, read> b: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> y: array<vec4f>;

fn activate(z: vec4f) -> vec4f {
  switch ACT {
    case ACT_RELU: { return select(vec4f(0.0), z, !(z <= vec4f(0.0))); }
    case ACT_SIGMOID: {
      let e = exp(-abs(z));
      return select(e / (1.0 + e), 1.0 / (1.0 + e), z >= vec4f(0.0));
    }
    case ACT_NONE, default: { return z; }
  }
}

/** x at input row base xr (valid or not: rv), column iw; 0 in the padding. */
fn xAt(xr: u32, rv: bool, iw: i32) -> f32 {
  return select(0.0, x[xr + u32(clamp(iw, 0, i32(u.W) - 1))], rv && iw >= 0 && iw < i32(u.W));
}

/** Stores pixel (row base p, column ow)'s 8 channels from vec4 oL, if the pixel exists (the upper vec4 if it does). */
fn put(p: u32, ow: u32, oL: u32, hi: bool, lo: vec4f, up: vec4f) {
  if (ow >= u.OW) { return; }
  let i = (p + ow) * u.CO4 + oL;
  y[i] = activate(lo);
  if (hi) { y[i + 1u] = activate(up); }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count) { return; }
  let cb = g % u.CB;
  var t = g / u.CB;
  let pb = t % u.PB;
  t = t / u.PB;
  let oh = t % u.OH;
  let n = t / u.OH;
  let oL = TC4 * cb;
  let oH = min(oL + 1u, u.CO4 - 1u); // clamped: computed, not stored
  let hi = oL + 1u < u.CO4;
  let ow0 = pb * TP;
  // The 9 taps' weights, channels oL and oH.
  let w0L = w[0u * u.CO4 + oL]; let w0H = w[0u * u.CO4 + oH];
  let w1L = w[1u * u.CO4 + oL]; let w1H = w[1u * u.CO4 + oH];
  let w2L = w[2u * u.CO4 + oL]; let w2H = w[2u * u.CO4 + oH];
  let w3L = w[3u * u.CO4 + oL]; let w3H = w[3u * u.CO4 + oH];
  let w4L = w[4u * u.CO4 + oL]; let w4H = w[4u * u.CO4 + oH];
  let w5L = w[5u * u.CO4 + oL]; let w5H = w[5u * u.CO4 + oH];
  let w6L = w[6u * u.CO4 + oL]; let w6H = w[6u * u.CO4 + oH];
  let w7L = w[7u * u.CO4 + oL]; let w7H = w[7u * u.CO4 + oH];
  let w8L = w[8u * u.CO4 + oL]; let w8H = w[8u * u.CO4 + oH];
  // The 3 x 10 input patch: rows oh-PT .. oh-PT+2, columns ow0-PL .. ow0-PL+9.
  let iw0 = i32(ow0) - u.PL;
  let ih0 = i32(oh) - u.PT + 0; let v0 = ih0 >= 0 && ih0 < i32(u.H); let r0 = (n * u.H + u32(clamp(ih0, 0, i32(u.H) - 1))) * u.W;
  let ih1 = i32(oh) - u.PT + 1; let v1 = ih1 >= 0 && ih1 < i32(u.H); let r1 = (n * u.H + u32(clamp(ih1, 0, i32(u.H) - 1))) * u.W;
  let ih2 = i32(oh) - u.PT + 2; let v2 = ih2 >= 0 && ih2 < i32(u.H); let r2 = (n * u.H + u32(clamp(ih2, 0, i32(u.H) - 1))) * u.W;
  let x0_0 = xAt(r0, v0, iw0 + 0); let x0_1 = xAt(r0, v0, iw0 + 1); let x0_2 = xAt(r0, v0, iw0 + 2); let x0_3 = xAt(r0, v0, iw0 + 3); let x0_4 = xAt(r0, v0, iw0 + 4); let x0_5 = xAt(r0, v0, iw0 + 5); let x0_6 = xAt(r0, v0, iw0 + 6); let x0_7 = xAt(r0, v0, iw0 + 7); let x0_8 = xAt(r0, v0, iw0 + 8); let x0_9 = xAt(r0, v0, iw0 + 9);
  let x1_0 = xAt(r1, v1, iw0 + 0); let x1_1 = xAt(r1, v1, iw0 + 1); let x1_2 = xAt(r1, v1, iw0 + 2); let x1_3 = xAt(r1, v1, iw0 + 3); let x1_4 = xAt(r1, v1, iw0 + 4); let x1_5 = xAt(r1, v1, iw0 + 5); let x1_6 = xAt(r1, v1, iw0 + 6); let x1_7 = xAt(r1, v1, iw0 + 7); let x1_8 = xAt(r1, v1, iw0 + 8); let x1_9 = xAt(r1, v1, iw0 + 9);
  let x2_0 = xAt(r2, v2, iw0 + 0); let x2_1 = xAt(r2, v2, iw0 + 1); let x2_2 = xAt(r2, v2, iw0 + 2); let x2_3 = xAt(r2, v2, iw0 + 3); let x2_4 = xAt(r2, v2, iw0 + 4); let x2_5 = xAt(r2, v2, iw0 + 5); let x2_6 = xAt(r2, v2, iw0 + 6); let x2_7 = xAt(r2, v2, iw0 + 7); let x2_8 = xAt(r2, v2, iw0 + 8); let x2_9 = xAt(r2, v2, iw0 + 9);
  var bL = vec4f(0.0); var bH = vec4f(0.0);
  if (u.hasBias != 0u) { bL = b[oL]; bH = b[oH]; }
  let p = (n * u.OH + oh) * u.OW;
  let a0L = fma(vec4f(x2_2), w8L, fma(vec4f(x2_1), w7L, fma(vec4f(x2_0), w6L, fma(vec4f(x1_2), w5L, fma(vec4f(x1_1), w4L, fma(vec4f(x1_0), w3L, fma(vec4f(x0_2), w2L, fma(vec4f(x0_1), w1L, fma(vec4f(x0_0), w0L, bL)))))))));
  let a0H = fma(vec4f(x2_2), w8H, fma(vec4f(x2_1), w7H, fma(vec4f(x2_0), w6H, fma(vec4f(x1_2), w5H, fma(vec4f(x1_1), w4H, fma(vec4f(x1_0), w3H, fma(vec4f(x0_2), w2H, fma(vec4f(x0_1), w1H, fma(vec4f(x0_0), w0H, bH)))))))));
  put(p, ow0 + 0u, oL, hi, a0L, a0H);
  let a1L = fma(vec4f(x2_3), w8L, fma(vec4f(x2_2), w7L, fma(vec4f(x2_1), w6L, fma(vec4f(x1_3), w5L, fma(vec4f(x1_2), w4L, fma(vec4f(x1_1), w3L, fma(vec4f(x0_3), w2L, fma(vec4f(x0_2), w1L, fma(vec4f(x0_1), w0L, bL)))))))));
  let a1H = fma(vec4f(x2_3), w8H, fma(vec4f(x2_2), w7H, fma(vec4f(x2_1), w6H, fma(vec4f(x1_3), w5H, fma(vec4f(x1_2), w4H, fma(vec4f(x1_1), w3H, fma(vec4f(x0_3), w2H, fma(vec4f(x0_2), w1H, fma(vec4f(x0_1), w0H, bH)))))))));
  put(p, ow0 + 1u, oL, hi, a1L, a1H);
  let a2L = fma(vec4f(x2_4), w8L, fma(vec4f(x2_3), w7L, fma(vec4f(x2_2), w6L, fma(vec4f(x1_4), w5L, fma(vec4f(x1_3), w4L, fma(vec4f(x1_2), w3L, fma(vec4f(x0_4), w2L, fma(vec4f(x0_3), w1L, fma(vec4f(x0_2), w0L, bL)))))))));
  let a2H = fma(vec4f(x2_4), w8H, fma(vec4f(x2_3), w7H, fma(vec4f(x2_2), w6H, fma(vec4f(x1_4), w5H, fma(vec4f(x1_3), w4H, fma(vec4f(x1_2), w3H, fma(vec4f(x0_4), w2H, fma(vec4f(x0_3), w1H, fma(vec4f(x0_2), w0H, bH)))))))));
  put(p, ow0 + 2u, oL, hi, a2L, a2H);
  let a3L = fma(vec4f(x2_5), w8L, fma(vec4f(x2_4), w7L, fma(vec4f(x2_3), w6L, fma(vec4f(x1_5), w5L, fma(vec4f(x1_4), w4L, fma(vec4f(x1_3), w3L, fma(vec4f(x0_5), w2L, fma(vec4f(x0_4), w1L, fma(vec4f(x0_3), w0L, bL)))))))));
  let a3H = fma(vec4f(x2_5), w8H, fma(vec4f(x2_4), w7H, fma(vec4f(x2_3), w6H, fma(vec4f(x1_5), w5H, fma(vec4f(x1_4), w4H, fma(vec4f(x1_3), w3H, fma(vec4f(x0_5), w2H, fma(vec4f(x0_4), w1H, fma(vec4f(x0_3), w0H, bH)))))))));
  put(p, ow0 + 3u, oL, hi, a3L, a3H);
  let a4L = fma(vec4f(x2_6), w8L, fma(vec4f(x2_5), w7L, fma(vec4f(x2_4), w6L, fma(vec4f(x1_6), w5L, fma(vec4f(x1_5), w4L, fma(vec4f(x1_4), w3L, fma(vec4f(x0_6), w2L, fma(vec4f(x0_5), w1L, fma(vec4f(x0_4), w0L, bL)))))))));
  let a4H = fma(vec4f(x2_6), w8H, fma(vec4f(x2_5), w7H, fma(vec4f(x2_4), w6H, fma(vec4f(x1_6), w5H, fma(vec4f(x1_5), w4H, fma(vec4f(x1_4), w3H, fma(vec4f(x0_6), w2H, fma(vec4f(x0_5), w1H, fma(vec4f(x0_4), w0H, bH)))))))));
  put(p, ow0 + 4u, oL, hi, a4L, a4H);
  let a5L = fma(vec4f(x2_7), w8L, fma(vec4f(x2_6), w7L, fma(vec4f(x2_5), w6L, fma(vec4f(x1_7), w5L, fma(vec4f(x1_6), w4L, fma(vec4f(x1_5), w3L, fma(vec4f(x0_7), w2L, fma(vec4f(x0_6), w1L, fma(vec4f(x0_5), w0L, bL)))))))));
  let a5H = fma(vec4f(x2_7), w8H, fma(vec4f(x2_6), w7H, fma(vec4f(x2_5), w6H, fma(vec4f(x1_7), w5H, fma(vec4f(x1_6), w4H, fma(vec4f(x1_5), w3H, fma(vec4f(x0_7), w2H, fma(vec4f(x0_6), w1H, fma(vec4f(x0_5), w0H, bH)))))))));
  put(p, ow0 + 5u, oL, hi, a5L, a5H);
  let a6L = fma(vec4f(x2_8), w8L, fma(vec4f(x2_7), w7L, fma(vec4f(x2_6), w6L, fma(vec4f(x1_8), w5L, fma(vec4f(x1_7), w4L, fma(vec4f(x1_6), w3L, fma(vec4f(x0_8), w2L, fma(vec4f(x0_7), w1L, fma(vec4f(x0_6), w0L, bL)))))))));
  let a6H = fma(vec4f(x2_8), w8H, fma(vec4f(x2_7), w7H, fma(vec4f(x2_6), w6H, fma(vec4f(x1_8), w5H, fma(vec4f(x1_7), w4H, fma(vec4f(x1_6), w3H, fma(vec4f(x0_8), w2H, fma(vec4f(x0_7), w1H, fma(vec4f(x0_6), w0H, bH)))))))));
  put(p, ow0 + 6u, oL, hi, a6L, a6H);
  let a7L = fma(vec4f(x2_9), w8L, fma(vec4f(x2_8), w7L, fma(vec4f(x2_7), w6L, fma(vec4f(x1_9), w5L, fma(vec4f(x1_8), w4L, fma(vec4f(x1_7), w3L, fma(vec4f(x0_9), w2L, fma(vec4f(x0_8), w1L, fma(vec4f(x0_7), w0L, bL)))))))));
  let a7H = fma(vec4f(x2_9), w8H, fma(vec4f(x2_8), w7H, fma(vec4f(x2_7), w6H, fma(vec4f(x1_9), w5H, fma(vec4f(x1_8), w4H, fma(vec4f(x1_7), w3H, fma(vec4f(x0_9), w2H, fma(vec4f(x0_8), w1H, fma(vec4f(x0_7), w0H, bH)))))))));
  put(p, ow0 + 7u, oL, hi, a7L, a7H);
}
