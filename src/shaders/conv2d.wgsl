// conv2d (naive): one invocation per output element, NHWC, cross-correlation as in TensorFlow.
//   y[n,oh,ow,co] = act(b[co] + sum_{kh,kw,ci} x[n, oh*S+kh-PT, ow*S+kw-PL, ci] * w[kh,kw,ci,co])
//   taps outside the input are zero padding. act (override ACT): 0 none, 1 relu (relu(0) = 0, NaN
//   passes), 2 sigmoid (from exp(-|z|), never overflows). b is skipped when hasBias = 0 (then any
//   read-only buffer may be bound to it).
// Layouts: x [N,H,W,CI], w [KH,KW,CI,CO], b [CO], y [N,OH,OW,CO], row-major. The geometry (output
//   size, PT/PL = padding before) is computed on the host (src/engine/ops/conv2d.ts).
// Bindings: 0 uniform U, 1 x (read), 2 w (read), 3 b (read), 4 y (read_write).
// Dispatch: ceil(count / WG) workgroups, count = N*OH*OW*CO, folded to 2-D by the runtime.
// Cost: 2*KH*KW*CI FLOP per output (fewer at borders); reads 8*KH*KW*CI bytes per output (no reuse).
// Backward: dz from the saved y (binary.wgsl), dx = conv2d_transpose.wgsl(dz, w),
//   dw = conv2d_backward_filter.wgsl(x, dz), db = conv2d_bias_grad.wgsl(dz).
struct U { count: u32, H: u32, W: u32, CI: u32, OH: u32, OW: u32, CO: u32, KH: u32, KW: u32, S: u32, PT: i32, PL: i32, hasBias: u32 }

override WG: u32 = 64u;
override ACT: u32 = 0u;
// ACT codes (src/engine/kernels.ts ACT; tests/kernels.node.test.ts checks they agree):
const ACT_NONE: u32 = 0u;
const ACT_RELU: u32 = 1u;
const ACT_SIGMOID: u32 = 2u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

fn activate(z: f32) -> f32 {
  switch ACT {
    case ACT_RELU: { return select(0.0, z, !(z <= 0.0)); }
    case ACT_SIGMOID: {
      let e = exp(-abs(z));
      return select(e / (1.0 + e), 1.0 / (1.0 + e), z >= 0.0);
    }
    case ACT_NONE, default: { return z; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let o = (wid.y * nwg.x + wid.x) * WG + lid;
  if (o >= u.count) { return; }
  let co = o % u.CO;
  var t = o / u.CO;
  let ow = t % u.OW;
  t = t / u.OW;
  let oh = t % u.OH;
  let n = t / u.OH;

  var acc = 0.0;
  if (u.hasBias != 0u) { acc = b[co]; }
  for (var kh = 0u; kh < u.KH; kh++) {
    let ih = i32(oh * u.S + kh) - u.PT;
    if (ih < 0 || ih >= i32(u.H)) { continue; }
    for (var kw = 0u; kw < u.KW; kw++) {
      let iw = i32(ow * u.S + kw) - u.PL;
      if (iw < 0 || iw >= i32(u.W)) { continue; }
      let xBase = ((n * u.H + u32(ih)) * u.W + u32(iw)) * u.CI;
      let wBase = (kh * u.KW + kw) * u.CI * u.CO + co;
      for (var ci = 0u; ci < u.CI; ci++) {
        acc += x[xBase + ci] * w[wBase + ci * u.CO];
      }
    }
  }
  y[o] = activate(acc);
}
