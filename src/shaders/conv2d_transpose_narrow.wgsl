// conv2d_transpose_narrow: conv2d_transpose.wgsl for outputs of at most 4 channels (the input
// gradient of a model's first layer: 1 gray or 3 colour channels, from 32 or 64), where a GEMM tile
// of 32 or 64 channels would be over nine tenths idle. Serves conv2d's input gradient and Keras
// Conv2DTranspose's forward. All sizes are those of the conv it is the adjoint of ([N,H,W,CI] ->
// [N,OH,OW,CO], weights [KH,KW,CI,CO], stride S, padding PT/PL before):
//   y[n,ih,iw,ci] = act(b[ci] + sum_{kh,kw,co} x[n, oh, ow, co] * w[kh,kw,ci,co])
//   over the taps with oh = (ih+PT-kh)/S and ow = (iw+PL-kw)/S exact and inside [0,OH) x [0,OW).
// Tiling: one invocation per output pixel computes all CI (<= 4) channels as one vec4, reading x a
//   vec4 of its CO channels at a time (CO % 4 == 0); taps that do not hit are skipped. The weights
//   are staged in workgroup memory as one vec4 over ci per (tap, co), TPC whole taps (TPC * CO <=
//   512) per stage, read by every invocation at once (a broadcast), as conv2d_narrow.wgsl.
//   ACT: 0 none, 1 relu (relu(0) = 0, NaN passes), 2 sigmoid. b skipped when hasBias = 0 (then any
//   read-only buffer may be bound to it).
// Condition: CI <= 4 && CO % 4 == 0 && CO <= 512.
// Layouts: x [N,OH,OW,CO] (read as vec4 over CO), w [KH,KW,CI,CO] (= a Keras transposed-conv weight
//   [KH,KW,Cout_t,Cin_t]), b [CI], y [N,H,W,CI], row-major.
// Bindings: 0 uniform U, 1 x (read), 2 w (read), 3 b (read), 4 y (read_write).
// Dispatch: ceil(M / WG) workgroups, M = N*H*W output pixels, folded to 2-D by the runtime.
// Cost: 2*N*OH*OW*CO*KH*KW*CI FLOP (minus padding), as the conv it is the adjoint of; per pixel
//   the hitting taps' CO floats of x read (mostly from cache: neighbours share them), CI written.
// Backward (as conv2dTranspose's forward): dz from the saved y, dx = conv2d_tiled*.wgsl (dz, w),
//   dw = conv2d_backward_filter_tiled*.wgsl(dz, x), db = conv2d_bias_grad.wgsl(dz).
struct U { H: u32, W: u32, CI: u32, OH: u32, OW: u32, CO: u32, KH: u32, KW: u32, S: u32, PT: i32, PL: i32, hasBias: u32, M: u32, TPC: u32 }

override WG: u32 = 64u;
override ACT: u32 = 0u;
// ACT codes (src/engine/kernels.ts ACT; tests/kernels.node.test.ts checks they agree):
const ACT_NONE: u32 = 0u;
const ACT_RELU: u32 = 1u;
const ACT_SIGMOID: u32 = 2u;
const WS: u32 = 512u; // (tap, co) weights staged at once

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

// Ws[(t - t0) * CO + co][ci] = w[t, ci, co] for the staged taps t0 .. t0 + TPC - 1 (0 past CI).
var<workgroup> Ws: array<vec4f, WS>;

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
  let wg = wid.y * nwg.x + wid.x;
  if (wg * WG >= u.M) { return; } // the whole workgroup: a fold of the grid past its end
  let m = wg * WG + lid;
  let live = m < u.M; // invocations past M still help stage the weights
  let iw = i32(m % u.W);
  let t = m / u.W;
  let ih = i32(t % u.H);
  let xn = (t / u.H) * u.OH;
  let CO = u.CO;
  let CO4 = CO / 4u;
  let S = i32(u.S);
  let taps = u.KH * u.KW;
  var acc = vec4f(0.0);

  for (var t0 = 0u; t0 < taps; t0 += u.TPC) {
    let nt = min(u.TPC, taps - t0);
    workgroupBarrier(); // the previous stage's reads of Ws are done
    for (var i = lid; i < nt * CO; i += WG) {
      let k = (t0 + i / CO) * u.CI * CO + i % CO; // w[t0 + i / CO, 0, i % CO]
      var v = vec4f(0.0);
      for (var c = 0u; c < u.CI; c++) { v[c] = w[k + c * CO]; }
      Ws[i] = v;
    }
    workgroupBarrier();
    if (live) {
      for (var tt = 0u; tt < nt; tt++) {
        let tap = t0 + tt;
        let th = ih + u.PT - i32(tap / u.KW);
        let tw = iw + u.PL - i32(tap % u.KW);
        if (th < 0 || tw < 0 || th % S != 0 || tw % S != 0) { continue; }
        let oh = u32(th / S);
        let ow = u32(tw / S);
        if (oh >= u.OH || ow >= u.OW) { continue; }
        let base = ((xn + oh) * u.OW + ow) * CO4;
        let wb = tt * CO;
        for (var c4 = 0u; c4 < CO4; c4++) {
          let xv = x[base + c4];
          let k = wb + 4u * c4;
          acc = fma(vec4f(xv.x), Ws[k], acc);
          acc = fma(vec4f(xv.y), Ws[k + 1u], acc);
          acc = fma(vec4f(xv.z), Ws[k + 2u], acc);
          acc = fma(vec4f(xv.w), Ws[k + 3u], acc);
        }
      }
    }
  }

  if (live) {
    for (var c = 0u; c < u.CI; c++) {
      var z = acc[c];
      if (u.hasBias != 0u) { z += b[c]; }
      y[m * u.CI + c] = activate(z);
    }
  }
}
