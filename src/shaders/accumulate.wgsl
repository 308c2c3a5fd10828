// accumulate: acc[i] += g[i] for i < count, in place. Gradient accumulation when a tensor feeds
// several ops (WGSL has no float atomics, so each contribution is a separate, ordered dispatch).
// Bindings: 0 uniform U, 1 g (read), 2 acc (read_write), `count` floats bound as vec4 (VEC4:
// unary.wgsl). Dispatch: ceil(count / 4 / WG), folded.
// Cost: count FLOP, 12 * count bytes.
// Backward: none (used only inside backward).
struct U { count: u32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> g: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> acc: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (4u * i >= u.count) { return; }
  let r = acc[i] + g[i];
  // The last vec4 may hold fewer than 4 of the count floats: only those are stored.
  let n = u.count - 4u * i;
  if (n >= 4u) { acc[i] = r; return; }
  acc[i].x = r.x;
  if (n > 1u) { acc[i].y = r.y; }
  if (n > 2u) { acc[i].z = r.z; }
}
