// fill: y[i] = value for i < count. Seeds backward (dLoss/dLoss = 1) and zeroes tensors.
// Bindings: 0 uniform U, 1 y (read_write). Dispatch: ceil(count / WG), folded. Cost: 4 * count bytes.
// Backward: none (a constant).
struct U { count: u32, value: f32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= u.count) { return; }
  y[i] = u.value;
}
