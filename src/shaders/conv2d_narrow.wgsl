// conv2d_narrow: conv2d.wgsl for outputs of at most 4 channels (a model's last layer: 64 -> 1 gray,
// 32 -> 3 colour), where a GEMM tile of 32 or 64 channels would be over nine tenths idle.
//   y[n,oh,ow,co] = act(b[co] + sum_{kh,kw,ci} x[n, oh*S+kh-PT, ow*S+kw-PL, ci] * w[kh,kw,ci,co])
// Tiling: one invocation per output pixel computes all CO (<= 4) channels as one vec4, reading x a
//   vec4 of input channels at a time (CI % 4 == 0). The weights, a few KB, are staged in workgroup
//   memory as one vec4 over CO per (tap, ci), TPC whole taps (TPC * CI <= 512) per stage: every
//   invocation reads the same weight at once (a broadcast), so the inner loop is one global vec4
//   load, four workgroup loads and four vec4 multiply-adds, with no index arithmetic.
//   ACT: 0 none, 1 relu (relu(0) = 0, NaN passes), 2 sigmoid. b skipped when hasBias = 0 (then any
//   read-only buffer may be bound to it).
// Condition: CO <= 4 && CI % 4 == 0 && CI <= 512.
// Layouts: x [N,H,W,CI] (read as vec4 over CI), w [KH,KW,CI,CO], b [CO], y [N,OH,OW,CO], row-major.
// Bindings: 0 uniform U, 1 x (read), 2 w (read), 3 b (read), 4 y (read_write).
// Dispatch: ceil(M / WG) workgroups, M = N*OH*OW pixels, folded to 2-D by the runtime.
// Cost: 2*N*OH*OW*CO*KH*KW*CI FLOP (minus padding; 4 channels' worth computed); per pixel KH*KW*CI
//   floats of x read (mostly from cache: neighbours share them) and CO written.
// Backward: as conv2d.wgsl (dx: the tiled or shared conv2d_transpose kernels, dw:
//   conv2d_backward_filter_tiled_scalar.wgsl, db: conv2d_bias_grad.wgsl).
struct U { H: u32, W: u32, CI: u32, OH: u32, OW: u32, CO: u32, KH: u32, KW: u32, S: u32, PT: i32, PL: i32, hasBias: u32, M: u32, TPC: u32 }

override WG: u32 = 64u;
override ACT: u32 = 0u;
// ACT codes (src/engine/kernels.ts ACT; tests/kernels.node.test.ts checks they agree):
const ACT_NONE: u32 = 0u;
const ACT_RELU: u32 = 1u;
const ACT_SIGMOID: u32 = 2u;
const WS: u32 = 512u; // (tap, ci) weights staged at once

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

// Ws[(t - t0) * CI + ci][co] = w[t, ci, co] for the staged taps t0 .. t0 + TPC - 1 (0 past CO).
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
  let ow = m % u.OW;
  let t = m / u.OW;
  let ih0 = i32((t % u.OH) * u.S) - u.PT;
  let iw0 = i32(ow * u.S) - u.PL;
  let xn = (t / u.OH) * u.H;
  let CI = u.CI;
  let CI4 = CI / 4u;
  let taps = u.KH * u.KW;
  var acc = vec4f(0.0);

  for (var t0 = 0u; t0 < taps; t0 += u.TPC) {
    let nt = min(u.TPC, taps - t0);
    workgroupBarrier(); // the previous stage's reads of Ws are done
    for (var i = lid; i < nt * CI; i += WG) {
      let k = (t0 * CI + i) * u.CO; // w[t0 + i / CI, i % CI, 0]
      var v = vec4f(0.0);
      for (var c = 0u; c < u.CO; c++) { v[c] = w[k + c]; }
      Ws[i] = v;
    }
    workgroupBarrier();
    if (live) {
      for (var tt = 0u; tt < nt; tt++) {
        let tap = t0 + tt;
        let ih = ih0 + i32(tap / u.KW);
        let iw = iw0 + i32(tap % u.KW);
        if (ih < 0 || ih >= i32(u.H) || iw < 0 || iw >= i32(u.W)) { continue; }
        let base = ((xn + u32(ih)) * u.W + u32(iw)) * CI4;
        let wb = tt * CI;
        for (var c4 = 0u; c4 < CI4; c4++) {
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
    for (var c = 0u; c < u.CO; c++) {
      var z = acc[c];
      if (u.hasBias != 0u) { z += b[c]; }
      y[m * u.CO + c] = activate(z);
    }
  }
}
