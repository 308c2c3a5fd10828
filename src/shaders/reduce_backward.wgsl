// reduce_backward: gradient of a mean loss L = mean_i f(a_i, b_i) with respect to a (or b), elementwise.
//   MODE 0 (MSE)  d[i] = scale * (a[i] - b[i]) * g[0]          scale = +2/count for dA, -2/count for dB
//   MODE 1 (MAE)  d[i] = scale * sign(a[i] - b[i]) * g[0]      scale = +1/count for dA, -1/count for dB;
//                 sign(0) = 0, so a == b gives a zero gradient.
//   g is the upstream gradient of the scalar loss, read from its GPU buffer (no host read-back), so
//   a scaled loss (e.g. 3 * mse) back-propagates correctly inside one command stream.
//   dB = -dA exactly: negating `scale` only flips the sign bit of every product.
// Layouts: a, b, d flat [count]; g [1].
// Bindings: 0 uniform U, 1 a (read), 2 b (read), 3 g (read), 4 d (read_write).
// Dispatch: ceil(count / WG) workgroups, folded to 2-D by the runtime.
// Cost: 3 FLOP and 12 bytes per element.
// Backward of: reduce.wgsl (MODE 0/1 with one segment).
struct U { count: u32, scale: f32 }

override WG: u32 = 256u;
override MODE: u32 = 0u;
// MODE codes (src/engine/kernels.ts REDUCE; tests/kernels.node.test.ts checks they agree):
const REDUCE_SQDIFF: u32 = 0u;
const REDUCE_ABSDIFF: u32 = 1u;
const REDUCE_SUM: u32 = 2u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> d: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= u.count) { return; }
  let diff = a[i] - b[i];
  var f: f32;
  switch MODE {
    case REDUCE_ABSDIFF: { f = sign(diff); }
    case REDUCE_SQDIFF, default: { f = diff; }
  }
  d[i] = u.scale * f * g[0];
}
