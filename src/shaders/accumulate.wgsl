// accumulate: acc[i] += g[i] for i < count, in place. Gradient accumulation when a tensor feeds
// several ops (WGSL has no float atomics, so each contribution is a separate, ordered dispatch).
// Bindings: 0 uniform U, 1 g (read), 2 acc (read_write). Dispatch: ceil(count / WG), folded.
// Cost: count FLOP, 12 * count bytes.
// Backward: none (used only inside backward).
struct U { count: u32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> acc: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= u.count) { return; }
  acc[i] = acc[i] + g[i];
}
