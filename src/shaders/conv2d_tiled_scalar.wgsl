// conv2d_tiled_scalar: conv2d_tiled.wgsl for any CO (scalar weight loads); used when CO % 4 != 0,
// e.g. a last layer with 1 or 3 output channels.
//   y[n,oh,ow,co] = act(b[co] + sum_{kh,kw,ci} x[n, oh*S+kh-PT, ow*S+kw-PL, ci] * w[kh,kw,ci,co])
//   Each invocation computes 8 consecutive output pixels of one row times 4 output channels (a
//   vec4 accumulator per pixel): per reduction step 8 + 4 scalar loads feed 32 multiply-adds.
//   Unrolled by hand, fixed 8 x 4 (see conv2d_tiled.wgsl for why). Padding taps and pixels past OW
//   read an in-bounds address and are masked to zero; channels past CO read a clamped channel and
//   are not stored. ACT: 0 none, 1 relu, 2 sigmoid. b skipped when hasBias = 0.
// Layouts: x [N,H,W,CI], w [KH,KW,CI,CO], b [CO], y [N,OH,OW,CO], row-major.
// Bindings: 0 uniform U, 1 x (read), 2 w (read), 3 b (read), 4 y (read_write).
// Dispatch: ceil(count / WG) workgroups, count = N*OH*PB*CB, PB = ceil(OW/8), CB = ceil(CO/4);
//   the channel block varies fastest.
// Cost: 2*N*OH*OW*CO*KH*KW*CI FLOP; each invocation reads 48 bytes per reduction step.
// Backward: as conv2d.wgsl.
struct U { count: u32, H: u32, W: u32, CI: u32, OH: u32, OW: u32, CO: u32, KH: u32, KW: u32, S: u32, PT: i32, PL: i32, hasBias: u32, PB: u32, CB: u32 }

override WG: u32 = 64u;
override ACT: u32 = 0u;
// ACT codes (src/engine/kernels.ts ACT; tests/kernels.node.test.ts checks they agree):
const ACT_NONE: u32 = 0u;
const ACT_RELU: u32 = 1u;
const ACT_SIGMOID: u32 = 2u;
const TP: u32 = 8u; // output pixels per invocation (the unrolled a0..a7 below)
const TC: u32 = 4u; // output channels per invocation (the components of each vec4)

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
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

fn inside(iw: i32, ow: u32) -> bool {
  return iw >= 0 && iw < i32(u.W) && ow < u.OW;
}

/** Stores one pixel's channels co0 .. co0+3 that exist. */
fn store(pix: u32, co0: u32, a: vec4f) {
  let v = activate(a);
  let i = pix * u.CO + co0;
  y[i] = v.x;
  if (co0 + 1u < u.CO) { y[i + 1u] = v.y; }
  if (co0 + 2u < u.CO) { y[i + 2u] = v.z; }
  if (co0 + 3u < u.CO) { y[i + 3u] = v.w; }
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
  let co0 = cb * TC; // < CO
  let last = u.CO - 1u;
  let c1 = min(co0 + 1u, last); // clamped channels: computed, not stored
  let c2 = min(co0 + 2u, last);
  let c3 = min(co0 + 3u, last);
  let ow0 = pb * TP; // < OW

  var bias = vec4f(0.0);
  if (u.hasBias != 0u) { bias = vec4f(b[co0], b[c1], b[c2], b[c3]); }
  var a0 = bias; var a1 = bias; var a2 = bias; var a3 = bias;
  var a4 = bias; var a5 = bias; var a6 = bias; var a7 = bias;

  let S = i32(u.S);
  for (var kh = 0u; kh < u.KH; kh++) {
    let ih = i32(oh * u.S + kh) - u.PT;
    if (ih < 0 || ih >= i32(u.H)) { continue; }
    let xRow = (n * u.H + u32(ih)) * u.W;
    for (var kw = 0u; kw < u.KW; kw++) {
      let iw0 = i32(ow0 * u.S + kw) - u.PL;
      let k0 = inside(iw0, ow0);
      let k1 = inside(iw0 + S, ow0 + 1u);
      let k2 = inside(iw0 + 2 * S, ow0 + 2u);
      let k3 = inside(iw0 + 3 * S, ow0 + 3u);
      let k4 = inside(iw0 + 4 * S, ow0 + 4u);
      let k5 = inside(iw0 + 5 * S, ow0 + 5u);
      let k6 = inside(iw0 + 6 * S, ow0 + 6u);
      let k7 = inside(iw0 + 7 * S, ow0 + 7u);
      let x0 = select(xRow, xRow + u32(iw0), k0) * u.CI;
      let x1 = select(xRow, xRow + u32(iw0 + S), k1) * u.CI;
      let x2 = select(xRow, xRow + u32(iw0 + 2 * S), k2) * u.CI;
      let x3 = select(xRow, xRow + u32(iw0 + 3 * S), k3) * u.CI;
      let x4 = select(xRow, xRow + u32(iw0 + 4 * S), k4) * u.CI;
      let x5 = select(xRow, xRow + u32(iw0 + 5 * S), k5) * u.CI;
      let x6 = select(xRow, xRow + u32(iw0 + 6 * S), k6) * u.CI;
      let x7 = select(xRow, xRow + u32(iw0 + 7 * S), k7) * u.CI;
      let wTap = (kh * u.KW + kw) * u.CI;
      for (var ci = 0u; ci < u.CI; ci++) {
        let wRow = (wTap + ci) * u.CO;
        let wv = vec4f(w[wRow + co0], w[wRow + c1], w[wRow + c2], w[wRow + c3]);
        a0 += wv * select(0.0, x[x0 + ci], k0);
        a1 += wv * select(0.0, x[x1 + ci], k1);
        a2 += wv * select(0.0, x[x2 + ci], k2);
        a3 += wv * select(0.0, x[x3 + ci], k3);
        a4 += wv * select(0.0, x[x4 + ci], k4);
        a5 += wv * select(0.0, x[x5 + ci], k5);
        a6 += wv * select(0.0, x[x6 + ci], k6);
        a7 += wv * select(0.0, x[x7 + ci], k7);
      }
    }
  }

  let pix = (n * u.OH + oh) * u.OW + ow0;
  store(pix, co0, a0);
  if (ow0 + 1u < u.OW) { store(pix + 1u, co0, a1); }
  if (ow0 + 2u < u.OW) { store(pix + 2u, co0, a2); }
  if (ow0 + 3u < u.OW) { store(pix + 3u, co0, a3); }
  if (ow0 + 4u < u.OW) { store(pix + 4u, co0, a4); }
  if (ow0 + 5u < u.OW) { store(pix + 5u, co0, a5); }
  if (ow0 + 6u < u.OW) { store(pix + 6u, co0, a6); }
  if (ow0 + 7u < u.OW) { store(pix + 7u, co0, a7); }
}
