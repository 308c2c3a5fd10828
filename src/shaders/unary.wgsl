// unary: y[i] = f(x[i]) for i < count, elementwise over any shape.
//   OP 0 copy      y = x
//   OP 1 scale     y = alpha * x
//   OP 2 relu      y = x > 0 ? x : 0          (NaN passes through; relu(0) = 0)
//   OP 3 sigmoid   y = 1 / (1 + exp(-x)), computed from exp(-|x|) so it never overflows
//   OP 4 neg10log  y = -10 * log10(x), and alpha at x == 0   (per-image MSE -> PSNR, data range 1;
//                  the host passes alpha = +Inf: WGSL has no infinity literal, and log2(0) is -127
//                  on SwiftShader, which would make identical images score 382 dB)
//   OP 5 clamp01   y = min(max(x, 0), 1)       (denoised output clipped to the image range)
// Bindings: 0 uniform U, 1 x (read), 2 y (read_write); both `count` floats.
// Dispatch: ceil(count / WG) workgroups, folded to 2-D by the runtime.
// Cost: count * ~1-20 FLOP, 8 * count bytes. Backward: binary.wgsl (relu/sigmoid backward), scale by itself.
struct U { count: u32, alpha: f32 }

override WG: u32 = 256u;
override OP: u32 = 0u;
// OP codes (src/engine/kernels.ts UNARY; tests/kernels.node.test.ts checks they agree):
const UNARY_COPY: u32 = 0u;
const UNARY_SCALE: u32 = 1u;
const UNARY_RELU: u32 = 2u;
const UNARY_SIGMOID: u32 = 3u;
const UNARY_NEG10LOG: u32 = 4u;
const UNARY_CLAMP01: u32 = 5u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= u.count) { return; }
  let v = x[i];
  var r: f32;
  switch OP {
    case UNARY_SCALE: { r = u.alpha * v; }
    case UNARY_RELU: { r = select(0.0, v, !(v <= 0.0)); }
    case UNARY_SIGMOID: {
      let e = exp(-abs(v));
      r = select(e / (1.0 + e), 1.0 / (1.0 + e), v >= 0.0);
    }
    case UNARY_NEG10LOG: { r = select(-10.0 * log2(v) * 0.30102999566398120, u.alpha, v == 0.0); } // log10 = log2 * log10(2)
    case UNARY_CLAMP01: { r = clamp(v, 0.0, 1.0); }
    case UNARY_COPY, default: { r = v; }
  }
  y[i] = r;
}
