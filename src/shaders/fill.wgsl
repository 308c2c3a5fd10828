// fill: y[i] = value for i < count. Seeds backward (dLoss/dLoss = 1) and zeroes tensors.
// Bindings: 0 uniform U, 1 y (read_write), `count` floats bound as vec4 (VEC4: unary.wgsl).
// Dispatch: ceil(count / 4 / WG), folded. Cost: 4 * count bytes.
// Backward: none (a constant).
struct U { count: u32, value: f32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read_write> y: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (4u * i >= u.count) { return; }
  // The last vec4 may hold fewer than 4 of the count floats: only those are stored.
  let n = u.count - 4u * i;
  if (n >= 4u) { y[i] = vec4f(u.value); return; }
  y[i].x = u.value;
  if (n > 1u) { y[i].y = u.value; }
  if (n > 2u) { y[i].z = u.value; }
}
