// conv2d_tiled_quad: conv2d_tiled.wgsl with the input loads shared across a quad of invocations
// (the subgroups feature's quadBroadcast). Same maths, tile (8 pixels x 8 channels), layouts and
// uniforms as conv2d_tiled:
//   y[n,oh,ow,co] = act(b[co] + sum_{kh,kw,ci} x[n, oh*S+kh-PT, ow*S+kw-PL, ci] * w[kh,kw,ci,co])
// Why: the channel block varies fastest, so the 4 invocations of a quad (4 consecutive lanes) are 4
//   channel blocks of the same 8 pixels and load the same 8 x values each step. Here each lane loads
//   2 of them (lane q: pixels 2q and 2q+1) and quadBroadcast hands all 8 to every lane: 2 x loads a
//   step instead of 8. On SwiftShader (subgroups of 4, one SIMD lane an invocation, where a
//   scalar load per lane is a gather) that measured 1.14-1.20x over conv2d_tiled at 32 and 64
//   channels. That a quad is 4 consecutive invocations of one pixel block holds where lanes follow
//   the local invocation index, as they do on the adapters we have; the autotuner checks every
//   family against the naive kernel before it times it, so an adapter that lays lanes out otherwise
//   never chooses this one.
// Requires the subgroups feature, and CO % 32 == 0 (the 4 channel blocks of 8 of a quad exist, and
//   count is a multiple of 4, so a quad leaves at the bounds guard together); otherwise
//   conv2d_tiled.wgsl.
// Layouts: x [N,H,W,CI], w [KH,KW,CI,CO/4] vec4, b [CO/4] vec4, y [N,OH,OW,CO/4] vec4, row-major.
// Bindings: 0 uniform U, 1 x (read), 2 w (read), 3 b (read), 4 y (read_write).
// Dispatch: as conv2d_tiled: ceil(count / WG) workgroups, count = N*OH*PB*CB invocations, PB =
//   ceil(OW/8) pixel blocks per row, CB = CO/8 channel blocks (fastest).
// Cost: 2*N*OH*OW*CO*KH*KW*CI FLOP (minus padding); each invocation reads 40 bytes per reduction
//   step (KH*KW*CI steps) and writes 256.
// Backward: as conv2d_tiled.wgsl (dx: conv2d_transpose_tiled*.wgsl, dw: conv2d_backward_filter_tiled*.wgsl,
//   db: conv2d_bias_grad.wgsl).
enable subgroups;
// Quads stay whole (count is a multiple of 4, and the branches below depend on the quad's pixels
// only), which the uniformity analysis cannot see.
diagnostic(off, subgroup_uniformity);

struct U { count: u32, H: u32, W: u32, CI: u32, OH: u32, OW: u32, CO4: u32, KH: u32, KW: u32, S: u32, PT: i32, PL: i32, hasBias: u32, PB: u32, CB: u32 }

override WG: u32 = 64u;
override ACT: u32 = 0u;
// ACT codes (src/engine/kernels.ts ACT; tests/kernels.node.test.ts checks they agree):
const ACT_NONE: u32 = 0u;
const ACT_RELU: u32 = 1u;
const ACT_SIGMOID: u32 = 2u;
const TP: u32 = 8u; // output pixels per invocation (the unrolled p0..p7 below)
const TC4: u32 = 2u; // vec4 channel groups per invocation (pL and pH below)

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

/** Whether output column ow exists and its input column iw is inside the image (not padding). */
fn inside(iw: i32, ow: u32) -> bool {
  return iw >= 0 && iw < i32(u.W) && ow < u.OW;
}

/** Stores one pixel's 8 channels (groups c0, c0+1; the second only if it exists). */
fn store(pix: u32, c0: u32, lo: vec4f, hi: vec4f) {
  let i = pix * u.CO4 + c0;
  y[i] = activate(lo);
  if (c0 + 1u < u.CO4) { y[i + 1u] = activate(hi); }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count) { return; }
  let cb = g % u.CB;
  var t = g / u.CB;
  let pb = t % u.PB;
  t = t / u.PB;
  let oh = t % u.OH;
  let n = t / u.OH;
  let c0 = cb * TC4; // < CO4
  let c1 = c0 + 1u; // CO % 32 == 0: both groups exist
  let ow0 = pb * TP; // < OW

  // Pixel p's 8 channels accumulate in pL (c0) and pH (c1): separate vec4s updated by fma, which
  // SwiftShader compiles to one multiply-add per lane (a mat2x4f += mat * scalar is a multiply
  // and an add, and measured ~20% slower).
  var bl = vec4f(0.0); var bh = vec4f(0.0);
  if (u.hasBias != 0u) { bl = b[c0]; bh = b[c1]; }
  var p0L = bl; var p0H = bh; var p1L = bl; var p1H = bh; var p2L = bl; var p2H = bh; var p3L = bl; var p3H = bh;
  var p4L = bl; var p4H = bh; var p5L = bl; var p5H = bh; var p6L = bl; var p6H = bh; var p7L = bl; var p7H = bh;

  let S = i32(u.S);
  for (var kh = 0u; kh < u.KH; kh++) {
    let ih = i32(oh * u.S + kh) - u.PT;
    if (ih < 0 || ih >= i32(u.H)) { continue; }
    let xRow = (n * u.H + u32(ih)) * u.W;
    for (var kw = 0u; kw < u.KW; kw++) {
      // Pixel p reads input column iw0 + p*S; masked pixels read column 0 of the row (in bounds).
      let iw0 = i32(ow0 * u.S + kw) - u.PL;
      // This lane's 2 pixels of the quad's 8: 2q and 2q+1 (masked ones read column 0 of the row).
      let q = lane & 3u;
      let pa = 2u * q;
      let ka = inside(iw0 + i32(pa) * S, ow0 + pa);
      let kb = inside(iw0 + i32(pa + 1u) * S, ow0 + pa + 1u);
      let xa = select(xRow, xRow + u32(iw0 + i32(pa) * S), ka) * u.CI;
      let xb = select(xRow, xRow + u32(iw0 + i32(pa + 1u) * S), kb) * u.CI;
      let wTap = (kh * u.KW + kw) * u.CI;
      for (var ci = 0u; ci < u.CI; ci++) {
        let wRow = (wTap + ci) * u.CO4;
        let wL = w[wRow + c0]; // w[kh,kw,ci, 8 channels]
        let wH = w[wRow + c1];
        let va = select(0.0, x[xa + ci], ka);
        let vb = select(0.0, x[xb + ci], kb);
        // Pixel p's value is lane p/2's va (p even) or vb (p odd).
        let s0 = vec4f(quadBroadcast(va, 0u)); p0L = fma(wL, s0, p0L); p0H = fma(wH, s0, p0H);
        let s1 = vec4f(quadBroadcast(vb, 0u)); p1L = fma(wL, s1, p1L); p1H = fma(wH, s1, p1H);
        let s2 = vec4f(quadBroadcast(va, 1u)); p2L = fma(wL, s2, p2L); p2H = fma(wH, s2, p2H);
        let s3 = vec4f(quadBroadcast(vb, 1u)); p3L = fma(wL, s3, p3L); p3H = fma(wH, s3, p3H);
        let s4 = vec4f(quadBroadcast(va, 2u)); p4L = fma(wL, s4, p4L); p4H = fma(wH, s4, p4H);
        let s5 = vec4f(quadBroadcast(vb, 2u)); p5L = fma(wL, s5, p5L); p5H = fma(wH, s5, p5H);
        let s6 = vec4f(quadBroadcast(va, 3u)); p6L = fma(wL, s6, p6L); p6H = fma(wH, s6, p6H);
        let s7 = vec4f(quadBroadcast(vb, 3u)); p7L = fma(wL, s7, p7L); p7H = fma(wH, s7, p7H);
      }
    }
  }

  let pix = (n * u.OH + oh) * u.OW + ow0;
  store(pix, c0, p0L, p0H);
  if (ow0 + 1u < u.OW) { store(pix + 1u, c0, p1L, p1H); }
  if (ow0 + 2u < u.OW) { store(pix + 2u, c0, p2L, p2H); }
  if (ow0 + 3u < u.OW) { store(pix + 3u, c0, p3L, p3H); }
  if (ow0 + 4u < u.OW) { store(pix + 4u, c0, p4L, p4H); }
  if (ow0 + 5u < u.OW) { store(pix + 5u, c0, p5L, p5H); }
  if (ow0 + 6u < u.OW) { store(pix + 6u, c0, p6L, p6H); }
  if (ow0 + 7u < u.OW) { store(pix + 7u, c0, p7L, p7H); }
}
