// conv2d_transpose (naive): the adjoint of conv2d.wgsl, in gather form, one invocation per output
// element. Serves conv2d's input gradient (x = dz, no bias, ACT 0) and the forward of Keras
// Conv2DTranspose. All sizes are those of the conv it is the adjoint of: that conv maps
// [N,H,W,CI] -> [N,OH,OW,CO] with weights [KH,KW,CI,CO], stride S and padding PT/PL before.
//   y[n,ih,iw,ci] = act(b[ci] + sum_{kh,kw,co} x[n, oh, ow, co] * w[kh,kw,ci,co])
//   over the taps with oh = (ih+PT-kh)/S and ow = (iw+PL-kw)/S exact (divisible) and inside
//   [0,OH) x [0,OW). ACT: 0 none, 1 relu, 2 sigmoid. b skipped when hasBias = 0.
// Layouts: x [N,OH,OW,CO], w [KH,KW,CI,CO] (= a Keras transposed-conv weight [KH,KW,Cout_t,Cin_t]),
//   b [CI], y [N,H,W,CI], row-major.
// Bindings: 0 uniform U, 1 x (read), 2 w (read), 3 b (read), 4 y (read_write).
// Dispatch: ceil(count / WG) workgroups, count = N*H*W*CI, folded to 2-D by the runtime.
// Cost: 2*CO FLOP per valid tap, about KH*KW*CO*2/S^2 per output; 8 bytes read per multiply-add.
// Backward (as conv2dTranspose's forward): dz from the saved y, dx = conv2d.wgsl(dz, w),
//   dw = conv2d_backward_filter.wgsl(dz, x), db = conv2d_bias_grad.wgsl(dz).
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
  let ci = o % u.CI;
  var t = o / u.CI;
  let iw = t % u.W;
  t = t / u.W;
  let ih = t % u.H;
  let n = t / u.H;
  let S = i32(u.S);

  var acc = 0.0;
  if (u.hasBias != 0u) { acc = b[ci]; }
  for (var kh = 0u; kh < u.KH; kh++) {
    let th = i32(ih) + u.PT - i32(kh); // = oh * S for a contributing tap
    if (th < 0 || th % S != 0) { continue; }
    let oh = th / S;
    if (oh >= i32(u.OH)) { continue; }
    for (var kw = 0u; kw < u.KW; kw++) {
      let tw = i32(iw) + u.PL - i32(kw);
      if (tw < 0 || tw % S != 0) { continue; }
      let ow = tw / S;
      if (ow >= i32(u.OW)) { continue; }
      let xBase = ((n * u.OH + u32(oh)) * u.OW + u32(ow)) * u.CO;
      let wBase = ((kh * u.KW + kw) * u.CI + ci) * u.CO;
      for (var co = 0u; co < u.CO; co++) {
        acc += x[xBase + co] * w[wBase + co];
      }
    }
  }
  y[o] = activate(acc);
}
