// conv2d_transpose_tiled_quad: conv2d_transpose_tiled.wgsl with the x loads shared across a quad
// of invocations (the subgroups feature's quadBroadcast), as conv2d_tiled_quad.wgsl does for the
// forward conv. Same maths, tile (8 pixels of a phase x 8 channels), layouts and uniforms as
// conv2d_transpose_tiled; the sizes are those of the conv it is the adjoint of:
//   y[n,ih,iw,ci] = act(b[ci] + sum_{kh,kw,co} x[n, oh, ow, co] * w[kh,kw,ci,co])
//   over the taps with oh = (ih+PT-kh)/S and ow = (iw+PL-kw)/S exact and inside [0,OH) x [0,OW).
// Why: the 4 invocations of a quad are 4 channel blocks of the same 8 pixels (the channel block
//   varies fastest) and load the same 8 x vec4s each step; here lane q loads those of pixels 2q
//   and 2q+1 and quadBroadcast hands all 8 to every lane. Lanes must follow the local invocation
//   index (see conv2d_tiled_quad.wgsl; the autotuner checks it against the naive kernel).
// Requires the subgroups feature and CI % 32 == 0 && CO % 4 == 0 (a quad's 4 channel blocks of 8
//   exist and count is a multiple of 4); otherwise conv2d_transpose_tiled*.wgsl.
// Layouts: x [N,OH,OW,CO/4] vec4, w [KH,KW,CI,CO/4] vec4 (= a Keras transposed-conv weight
//   [KH,KW,Cout_t,Cin_t]), b [CI], y [N,H,W,CI], row-major.
// Bindings: 0 uniform U, 1 x (read), 2 w (read), 3 b (read), 4 y (read_write).
// Dispatch: as conv2d_transpose_tiled: ceil(count / WG) workgroups, count = N*H*S*QB*CB with QB =
//   ceil(ceil(W/S)/8) pixel blocks per phase and CB = CI/8 channel blocks (fastest).
// Cost: 2*N*OH*OW*CO*KH*KW*CI FLOP (minus padding), as the conv it is the adjoint of; each
//   invocation reads 160 bytes per reduction step and writes 256.
// Backward (as conv2dTranspose's forward): dz from the saved y, dx = conv2d_tiled*.wgsl(dz, w),
//   dw = conv2d_backward_filter_tiled*.wgsl(dz, x), db = conv2d_bias_grad.wgsl(dz).
enable subgroups;
// Quads stay whole (count is a multiple of 4, and the branches below depend on the quad's pixels
// only), which the uniformity analysis cannot see.
diagnostic(off, subgroup_uniformity);

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
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) lane: u32) {
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
  // CI % 32 == 0: all 8 channels exist.
  let c1 = ci0 + 1u; let c2 = ci0 + 2u; let c3 = ci0 + 3u; let c4 = ci0 + 4u; let c5 = ci0 + 5u; let c6 = ci0 + 6u; let c7 = ci0 + 7u;
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
      // This lane's 2 pixels of the quad's 8: 2q and 2q+1 (masked ones read column 0 of the row).
      let pa = 2u * (lane & 3u);
      let ka = inside(ow0 + i32(pa), iw0 + pa * u.S);
      let kb = inside(ow0 + i32(pa) + 1, iw0 + (pa + 1u) * u.S);
      let xa = select(xRow, xRow + u32(ow0 + i32(pa)), ka) * u.CO4;
      let xb = select(xRow, xRow + u32(ow0 + i32(pa) + 1), kb) * u.CO4;
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
        let va = select(vec4f(0.0), x[xa + co], ka);
        let vb = select(vec4f(0.0), x[xb + co], kb);
        // Pixel p's x is lane p/2's va (p even) or vb (p odd).
        let v0 = quadBroadcast(va, 0u); let v1 = quadBroadcast(vb, 0u);
        let v2 = quadBroadcast(va, 1u); let v3 = quadBroadcast(vb, 1u);
        let v4 = quadBroadcast(va, 2u); let v5 = quadBroadcast(vb, 2u);
        let v6 = quadBroadcast(va, 3u); let v7 = quadBroadcast(vb, 3u);
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
