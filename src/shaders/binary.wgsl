// binary: out[i] = f(a[i], b[i]) for i < count, elementwise, same shapes.
//   OP 0 add               out = a + b        (backward: dA = dB = dOut)
//   OP 1 sub               out = a - b        (backward: dA = dOut, dB = -dOut)
//   OP 2 mul               out = a * b        (backward: dA = dOut * b, dB = dOut * a, this kernel)
//   OP 3 relu_backward     out = b > 0 ? a : 0     (a = dY, b = saved relu output y)
//   OP 4 sigmoid_backward  out = a * b * (1 - b)   (a = dY, b = saved sigmoid output y)
// Bindings: 0 uniform U, 1 a (read), 2 b (read), 3 out (read_write); all `count` floats, bound as
// vec4 (VEC4: unary.wgsl). Dispatch: ceil(count / 4 / WG) workgroups, folded to 2-D. Cost: count * 1-3 FLOP, 12 * count bytes.
// Backward: as listed per OP (binary.wgsl itself for mul, unary.wgsl scale for sub).
struct U { count: u32 }

override WG: u32 = 256u;
override OP: u32 = 0u;
// OP codes (src/engine/kernels.ts BINARY; tests/kernels.node.test.ts checks they agree):
const BINARY_ADD: u32 = 0u;
const BINARY_SUB: u32 = 1u;
const BINARY_MUL: u32 = 2u;
const BINARY_RELU_BACKWARD: u32 = 3u;
const BINARY_SIGMOID_BACKWARD: u32 = 4u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> a: array<vec4f>;
@group(0) @binding(2) var<storage, read> b: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (4u * i >= u.count) { return; }
  let x = a[i];
  let z = b[i];
  var r: vec4f;
  switch OP {
    case BINARY_SUB: { r = x - z; }
    case BINARY_MUL: { r = x * z; }
    case BINARY_RELU_BACKWARD: { r = select(vec4f(0.0), x, z > vec4f(0.0)); }
    case BINARY_SIGMOID_BACKWARD: { r = x * z * (1.0 - z); }
    case BINARY_ADD, default: { r = x + z; }
  }
  // The last vec4 may hold fewer than 4 of the count floats: only those are stored.
  let n = u.count - 4u * i;
  if (n >= 4u) { out[i] = r; return; }
  out[i].x = r.x;
  if (n > 1u) { out[i].y = r.y; }
  if (n > 2u) { out[i].z = r.z; }
}
