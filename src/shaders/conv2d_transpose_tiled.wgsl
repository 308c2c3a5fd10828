// conv2d_transpose_tiled: conv2d_transpose.wgsl as a register-tiled gather, vec4 over the
// reduction channels. Serves conv2d's input gradient and Keras Conv2DTranspose's forward. All sizes
// are those of the conv it is the adjoint of ([N,H,W,CI] -> [N,OH,OW,CO], weights [KH,KW,CI,CO],
// stride S, padding PT/PL before):
//   y[n,ih,iw,ci] = act(b[ci] + sum_{kh,kw,co} x[n, oh, ow, co] * w[kh,kw,ci,co])
//   over the taps with oh = (ih+PT-kh)/S and ow = (iw+PL-kw)/S exact and inside [0,OH) x [0,OW).
// Tiling: each invocation computes 8 output pixels of one row that share a phase modulo S,
//   iw = r + S*q for q = q0 .. q0+7 (consecutive for S = 1), times 8 output channels ci0 .. ci0+7.
//   Pixels of one phase use the same taps (kh, kw) and read 8 consecutive x pixels ow = q + (r+PL-kw)/S,
//   so no invocation tests taps that cannot contribute (3/4 of them for S = 2). Per reduction step
//   (4 channels co of one tap) it loads 8 x vec4s and 8 weight vec4s (w[kh,kw,ci,co..co+3] is
//   contiguous) and does 256 multiply-adds as 64 vec4 fma (outer products).
//   Unrolled by hand, fixed 8 x 8 (see conv2d_tiled.wgsl for why). Pixels in the padding or past
//   OW/W read an in-bounds address and are masked to zero; output channels past CI read a clamped
//   channel and are not stored. ACT: 0 none, 1 relu, 2 sigmoid. b skipped when hasBias = 0.
// Requires CO % 4 == 0 (x and w are read as vec4 over co); otherwise conv2d_transpose_tiled_scalar.
// Layouts: x [N,OH,OW,CO/4] vec4, w [KH,KW,CI,CO/4] vec4 (= a Keras transposed-conv weight
//   [KH,KW,Cout_t,Cin_t]), b [CI], y [N,H,W,CI], row-major.
// Bindings: 0 uniform U, 1 x (read), 2 w (read), 3 b (read), 4 y (read_write).
// Dispatch: ceil(count / WG) workgroups, count = N*H*S*QB*CB with QB = ceil(ceil(W/S)/8) pixel
//   blocks per phase and CB = ceil(CI/8) channel blocks (fastest).
// Cost: 2*N*OH*OW*CO*KH*KW*CI FLOP (minus padding), as the conv it is the adjoint of; each
//   invocation reads 256 bytes per reduction step and writes 256.
// Backward (as conv2dTranspose's forward): dz from the saved y, dx = conv2d_tiled*.wgsl(dz, w),
//   dw = conv2d_backward_filter_tiled*.wgsl(dz, x), db = conv2d_bias_grad.wgsl(dz).
struct U { count: u32, H: u32, W: u32, CI: u32, OH: u32, OW: u32, CO4: u32, KH: u32, KW: u32, S: u32, PT: i32, PL: i32, hasBias: u32, QB: u32, CB: u32 }

override WG: u32 = 64u;
override ACT: u32 = 0u;
// ACT codes (src/engine/kernels.ts ACT; tests/kernels.node.test.ts checks they agree):
const ACT_NONE: u32 = 0u;
const ACT_RELU: u32 = 1u;
const ACT_SIGMOID: u32 = 2u;
const TP: u32 = 8u; // output pixels per invocation (the unrolled p0..p7 below)
const TC: u32 = 8u; // output channels per invocation (pL and pH below)

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read> w: array<vec4f>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

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

/** Whether output column iw exists and its tap reads an x column ow inside [0, OW). */
fn inside(ow: i32, iw: u32) -> bool {
  return ow >= 0 && ow < i32(u.OW) && iw < u.W;
}

/** Stores one pixel's channels ci0 .. ci0+7 that exist. */
fn store(pix: u32, ci0: u32, l: vec4f, h: vec4f) {
  let lo = activate(l);
  let hi = activate(h);
  let i = pix * u.CI + ci0;
  let m = u.CI - ci0; // channels left, >= 1
  y[i] = lo.x;
  if (m > 1u) { y[i + 1u] = lo.y; }
  if (m > 2u) { y[i + 2u] = lo.z; }
  if (m > 3u) { y[i + 3u] = lo.w; }
  if (m > 4u) { y[i + 4u] = hi.x; }
  if (m > 5u) { y[i + 5u] = hi.y; }
  if (m > 6u) { y[i + 6u] = hi.z; }
  if (m > 7u) { y[i + 7u] = hi.w; }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count) { return; }
  let cb = g % u.CB;
  var t = g / u.CB;
  let qb = t % u.QB;
  t = t / u.QB;
  let r = t % u.S; // phase: output columns r, r+S, r+2S, ...
  t = t / u.S;
  let ih = t % u.H;
  let n = t / u.H;
  let ci0 = cb * TC; // < CI
  let last = u.CI - 1u;
  let c1 = min(ci0 + 1u, last); // clamped channels: computed, not stored
  let c2 = min(ci0 + 2u, last);
  let c3 = min(ci0 + 3u, last);
  let c4 = min(ci0 + 4u, last);
  let c5 = min(ci0 + 5u, last);
  let c6 = min(ci0 + 6u, last);
  let c7 = min(ci0 + 7u, last);
  let q0 = qb * TP;
  let iw0 = r + u.S * q0; // output column of pixel 0; pixel p is at iw0 + p*S

  // Pixel p's 8 channels accumulate in pL (ci0..ci0+3) and pH (ci0+4..ci0+7), vec4s updated by
  // fma as outer products (see the loop).
  var bl = vec4f(0.0); var bh = vec4f(0.0);
  if (u.hasBias != 0u) { bl = vec4f(b[ci0], b[c1], b[c2], b[c3]); bh = vec4f(b[c4], b[c5], b[c6], b[c7]); }
  var p0L = bl; var p0H = bh; var p1L = bl; var p1H = bh; var p2L = bl; var p2H = bh; var p3L = bl; var p3H = bh;
  var p4L = bl; var p4H = bh; var p5L = bl; var p5H = bh; var p6L = bl; var p6H = bh; var p7L = bl; var p7H = bh;

  let S = i32(u.S);
  for (var kh = 0u; kh < u.KH; kh++) {
    let th = i32(ih) + u.PT - i32(kh); // = oh * S for a contributing tap
    if (th < 0 || th % S != 0) { continue; }
    let oh = th / S;
    if (oh >= i32(u.OH)) { continue; }
    let xRow = (n * u.OH + u32(oh)) * u.OW;
    for (var kw = 0u; kw < u.KW; kw++) {
      let d = i32(r) + u.PL - i32(kw); // the phase's taps: d divisible by S (d % S is 0 or negative)
      if (d % S != 0) { continue; }
      let ow0 = i32(q0) + d / S; // x column read by pixel 0; pixel p reads ow0 + p
      let k0 = inside(ow0, iw0);
      let k1 = inside(ow0 + 1, iw0 + u.S);
      let k2 = inside(ow0 + 2, iw0 + 2u * u.S);
      let k3 = inside(ow0 + 3, iw0 + 3u * u.S);
      let k4 = inside(ow0 + 4, iw0 + 4u * u.S);
      let k5 = inside(ow0 + 5, iw0 + 5u * u.S);
      let k6 = inside(ow0 + 6, iw0 + 6u * u.S);
      let k7 = inside(ow0 + 7, iw0 + 7u * u.S);
      let x0 = select(xRow, xRow + u32(ow0), k0) * u.CO4;
      let x1 = select(xRow, xRow + u32(ow0 + 1), k1) * u.CO4;
      let x2 = select(xRow, xRow + u32(ow0 + 2), k2) * u.CO4;
      let x3 = select(xRow, xRow + u32(ow0 + 3), k3) * u.CO4;
      let x4 = select(xRow, xRow + u32(ow0 + 4), k4) * u.CO4;
      let x5 = select(xRow, xRow + u32(ow0 + 5), k5) * u.CO4;
      let x6 = select(xRow, xRow + u32(ow0 + 6), k6) * u.CO4;
      let x7 = select(xRow, xRow + u32(ow0 + 7), k7) * u.CO4;
      let wTap = (kh * u.KW + kw) * u.CI;
      let w0 = (wTap + ci0) * u.CO4;
      let w1 = (wTap + c1) * u.CO4;
      let w2 = (wTap + c2) * u.CO4;
      let w3 = (wTap + c3) * u.CO4;
      let w4 = (wTap + c4) * u.CO4;
      let w5 = (wTap + c5) * u.CO4;
      let w6 = (wTap + c6) * u.CO4;
      let w7 = (wTap + c7) * u.CO4;
      for (var co = 0u; co < u.CO4; co++) {
        // Wj = w[kh,kw,ci0+j, 4 co]. For each of the 4 co (component c), the 8 channels' weights
        // are (W0[c] .. W7[c]): every pixel adds x[p][c] times them, 64 vec4 fma in all. (As 64
        // dot products, vec4 * mat4x4, SwiftShader spends a multiply and an add per term.)
        let W0 = w[w0 + co]; let W1 = w[w1 + co]; let W2 = w[w2 + co]; let W3 = w[w3 + co];
        let W4 = w[w4 + co]; let W5 = w[w5 + co]; let W6 = w[w6 + co]; let W7 = w[w7 + co];
        let v0 = select(vec4f(0.0), x[x0 + co], k0);
        let v1 = select(vec4f(0.0), x[x1 + co], k1);
        let v2 = select(vec4f(0.0), x[x2 + co], k2);
        let v3 = select(vec4f(0.0), x[x3 + co], k3);
        let v4 = select(vec4f(0.0), x[x4 + co], k4);
        let v5 = select(vec4f(0.0), x[x5 + co], k5);
        let v6 = select(vec4f(0.0), x[x6 + co], k6);
        let v7 = select(vec4f(0.0), x[x7 + co], k7);
        let lx = vec4f(W0.x, W1.x, W2.x, W3.x); let hx = vec4f(W4.x, W5.x, W6.x, W7.x);
        p0L = fma(vec4f(v0.x), lx, p0L); p0H = fma(vec4f(v0.x), hx, p0H);
        p1L = fma(vec4f(v1.x), lx, p1L); p1H = fma(vec4f(v1.x), hx, p1H);
        p2L = fma(vec4f(v2.x), lx, p2L); p2H = fma(vec4f(v2.x), hx, p2H);
        p3L = fma(vec4f(v3.x), lx, p3L); p3H = fma(vec4f(v3.x), hx, p3H);
        p4L = fma(vec4f(v4.x), lx, p4L); p4H = fma(vec4f(v4.x), hx, p4H);
        p5L = fma(vec4f(v5.x), lx, p5L); p5H = fma(vec4f(v5.x), hx, p5H);
        p6L = fma(vec4f(v6.x), lx, p6L); p6H = fma(vec4f(v6.x), hx, p6H);
        p7L = fma(vec4f(v7.x), lx, p7L); p7H = fma(vec4f(v7.x), hx, p7H);
        let ly = vec4f(W0.y, W1.y, W2.y, W3.y); let hy = vec4f(W4.y, W5.y, W6.y, W7.y);
        p0L = fma(vec4f(v0.y), ly, p0L); p0H = fma(vec4f(v0.y), hy, p0H);
        p1L = fma(vec4f(v1.y), ly, p1L); p1H = fma(vec4f(v1.y), hy, p1H);
        p2L = fma(vec4f(v2.y), ly, p2L); p2H = fma(vec4f(v2.y), hy, p2H);
        p3L = fma(vec4f(v3.y), ly, p3L); p3H = fma(vec4f(v3.y), hy, p3H);
        p4L = fma(vec4f(v4.y), ly, p4L); p4H = fma(vec4f(v4.y), hy, p4H);
        p5L = fma(vec4f(v5.y), ly, p5L); p5H = fma(vec4f(v5.y), hy, p5H);
        p6L = fma(vec4f(v6.y), ly, p6L); p6H = fma(vec4f(v6.y), hy, p6H);
        p7L = fma(vec4f(v7.y), ly, p7L); p7H = fma(vec4f(v7.y), hy, p7H);
        let lz = vec4f(W0.z, W1.z, W2.z, W3.z); let hz = vec4f(W4.z, W5.z, W6.z, W7.z);
        p0L = fma(vec4f(v0.z), lz, p0L); p0H = fma(vec4f(v0.z), hz, p0H);
        p1L = fma(vec4f(v1.z), lz, p1L); p1H = fma(vec4f(v1.z), hz, p1H);
        p2L = fma(vec4f(v2.z), lz, p2L); p2H = fma(vec4f(v2.z), hz, p2H);
        p3L = fma(vec4f(v3.z), lz, p3L); p3H = fma(vec4f(v3.z), hz, p3H);
        p4L = fma(vec4f(v4.z), lz, p4L); p4H = fma(vec4f(v4.z), hz, p4H);
        p5L = fma(vec4f(v5.z), lz, p5L); p5H = fma(vec4f(v5.z), hz, p5H);
        p6L = fma(vec4f(v6.z), lz, p6L); p6H = fma(vec4f(v6.z), hz, p6H);
        p7L = fma(vec4f(v7.z), lz, p7L); p7H = fma(vec4f(v7.z), hz, p7H);
        let lw = vec4f(W0.w, W1.w, W2.w, W3.w); let hw = vec4f(W4.w, W5.w, W6.w, W7.w);
        p0L = fma(vec4f(v0.w), lw, p0L); p0H = fma(vec4f(v0.w), hw, p0H);
        p1L = fma(vec4f(v1.w), lw, p1L); p1H = fma(vec4f(v1.w), hw, p1H);
        p2L = fma(vec4f(v2.w), lw, p2L); p2H = fma(vec4f(v2.w), hw, p2H);
        p3L = fma(vec4f(v3.w), lw, p3L); p3H = fma(vec4f(v3.w), hw, p3H);
        p4L = fma(vec4f(v4.w), lw, p4L); p4H = fma(vec4f(v4.w), hw, p4H);
        p5L = fma(vec4f(v5.w), lw, p5L); p5H = fma(vec4f(v5.w), hw, p5H);
        p6L = fma(vec4f(v6.w), lw, p6L); p6H = fma(vec4f(v6.w), hw, p6H);
        p7L = fma(vec4f(v7.w), lw, p7L); p7H = fma(vec4f(v7.w), hw, p7H);
      }
    }
  }

  if (iw0 >= u.W) { return; }
  let pix = (n * u.H + ih) * u.W + iw0;
  store(pix, ci0, p0L, p0H);
  if (iw0 + u.S < u.W) { store(pix + u.S, ci0, p1L, p1H); }
  if (iw0 + 2u * u.S < u.W) { store(pix + 2u * u.S, ci0, p2L, p2H); }
  if (iw0 + 3u * u.S < u.W) { store(pix + 3u * u.S, ci0, p3L, p3H); }
  if (iw0 + 4u * u.S < u.W) { store(pix + 4u * u.S, ci0, p4L, p4H); }
  if (iw0 + 5u * u.S < u.W) { store(pix + 5u * u.S, ci0, p5L, p5H); }
  if (iw0 + 6u * u.S < u.W) { store(pix + 6u * u.S, ci0, p6L, p6H); }
  if (iw0 + 7u * u.S < u.W) { store(pix + 7u * u.S, ci0, p7L, p7H); }
}
