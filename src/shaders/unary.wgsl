// unary: y[i] = f(x[i]) for i < count, elementwise over any shape.
//   OP 0 copy      y = x
//   OP 1 scale     y = alpha * x
//   OP 2 relu      y = x > 0 ? x : 0          (NaN passes through; relu(0) = 0)
//   OP 3 sigmoid   y = 1 / (1 + exp(-x)), computed from exp(-|x|) so it never overflows
//   OP 4 neg10log  y = -10 * log10(x), and alpha at x == 0   (per-image MSE -> PSNR, data range 1;
//                  the host passes alpha = +Inf: WGSL has no infinity literal, and log2(0) is -127
//                  on SwiftShader, which would make identical images score 382 dB)
//   OP 5 clamp01   y = min(max(x, 0), 1)       (denoised output clipped to the image range)
// VEC4 (as binary, fill, accumulate and adam): 4 floats an invocation, bound as vec4. Why: on
//   SwiftShader each storage access is a per-lane gather, and a vec4 one moves 4 floats for not
//   much more than one costs (Adam over DnCNN's parameters: 14.4 -> 6.0-8.4 ms). The host binds each
//   view rounded up to 16 bytes (vec4View, src/engine/ops/elementwise.ts); the last vec4 may hold
//   fewer than 4 of the count floats, and only those are stored: what lies past count (a
//   parameter's alignment gap) is never written.
// Bindings: 0 uniform U, 1 x (read), 2 y (read_write); both `count` floats.
// Dispatch: ceil(count / 4 / WG) workgroups, folded to 2-D by the runtime.
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
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (4u * i >= u.count) { return; }
  let v = x[i];
  var r: vec4f;
  switch OP {
    case UNARY_SCALE: { r = u.alpha * v; }
    case UNARY_RELU: { r = select(vec4f(0.0), v, !(v <= vec4f(0.0))); }
    case UNARY_SIGMOID: {
      let e = exp(-abs(v));
      r = select(e / (1.0 + e), 1.0 / (1.0 + e), v >= vec4f(0.0));
    }
    case UNARY_NEG10LOG: { r = select(-10.0 * log2(v) * 0.30102999566398120, vec4f(u.alpha), v == vec4f(0.0)); } // log10 = log2 * log10(2)
    case UNARY_CLAMP01: { r = clamp(v, vec4f(0.0), vec4f(1.0)); }
    case UNARY_COPY, default: { r = v; }
  }
  // The last vec4 may hold fewer than 4 of the count floats: only those are stored.
  let n = u.count - 4u * i;
  if (n >= 4u) { y[i] = r; return; }
  y[i].x = r.x;
  if (n > 1u) { y[i].y = r.y; }
  if (n > 2u) { y[i].z = r.z; }
}
