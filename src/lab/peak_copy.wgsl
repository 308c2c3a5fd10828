// peak_copy: the adapter's memory-bandwidth ceiling (lab only, not an engine kernel: src/lab/peak.ts).
//   dst[i] = src[i] over a large buffer of vec4f (each invocation copies one 16-byte vec4;
//   consecutive invocations touch consecutive vec4s, so every access is fully coalesced).
//   The buffers are sized well past any last-level cache, so this streams DRAM.
// Layouts: src, dst [count] vec4. Bindings: 0 uniform U, 1 src (read), 2 dst (read_write).
// Dispatch: ceil(count / WG) workgroups (folded 2-D by the caller when over the limit).
// Cost: 0 FLOP; 32 bytes moved per invocation (16 read + 16 written): GB/s = 2 * bytes / time.
struct U { count: u32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> src: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= u.count) { return; }
  dst[i] = src[i];
}
