// adam: one fused update over every parameter of a model, held in flat buffers.
//   m = b1 m + (1 - b1) g
//   v = b2 v + (1 - b2) g^2
//   p = p - stepSize * m / (sqrt(v) * vScale + eps)
// The bias corrections are folded into stepSize and vScale on the host in float64:
//   PyTorch (default): stepSize = lr / (1 - b1^t),                vScale = 1 / sqrt(1 - b2^t)
//                      i.e. p -= lr * mhat / (sqrt(vhat) + eps)
//   Keras:             stepSize = lr * sqrt(1 - b2^t) / (1 - b1^t), vScale = 1
//                      i.e. p -= lr_t * m / (sqrt(v) + eps)
// 1 - beta1 and 1 - beta2 come from the host too: in float32, 1 - 0.999 is off by 1.3e-5 relative
// (0.999 is not representable), which moved every step-1 update by that much.
// Layout: p, g, m, v are `count` floats (parameters packed at 256-byte boundaries; the gaps hold
// zeros, whose update is exactly zero), read as vec4 (VEC4: unary.wgsl): count is a multiple of 64. Bindings: 0 uniform U, 1 g (read), 2 p (read_write), 3 m (read_write),
// 4 v (read_write).
// Dispatch: count / 4 / WG workgroups (rounded up), folded. Cost: ~12 FLOP and 28 bytes per parameter.
// Backward: none (the optimiser is not differentiated).
struct U { count: u32, stepSize: f32, vScale: f32, beta1: f32, beta2: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, eps: f32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> g: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> p: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> m: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> v: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= u.count / 4u) { return; }
  let gi = g[i];
  let mi = u.beta1 * m[i] + u.oneMinusBeta1 * gi;
  let vi = u.beta2 * v[i] + u.oneMinusBeta2 * gi * gi;
  m[i] = mi;
  v[i] = vi;
  p[i] = p[i] - u.stepSize * mi / (sqrt(vi) * u.vScale + u.eps);
}
