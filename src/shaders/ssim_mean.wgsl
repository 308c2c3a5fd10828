// ssim_mean: out[n] = (sum_{j < chunks} partial[n * chunks + j]) / mapSize, the per-image mean of the
//   SSIM map from the per-workgroup sums that ssim.wgsl wrote. One workgroup per image: each
//   invocation sums a strided slice (chunks / WG terms), then a tree in workgroup memory.
//   Division by mapSize (not a multiplication by its float32 reciprocal) so a map of exact ones
//   averages to exactly 1.
// Layouts: partial [N, chunks]; out [N].
// Bindings: 0 uniform U, 1 partial (read), 2 out (read_write).
// Dispatch: N workgroups, folded to 2-D by the runtime; WG must be a power of two.
// Cost: chunks adds and 4 chunks bytes per image.
// Backward: none (a metric).
struct U { N: u32, chunks: u32, mapSize: u32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> acc: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let n = wid.y * nwg.x + wid.x; // uniform across the workgroup
  if (n >= u.N) { return; }
  var s = 0.0;
  for (var j = lid; j < u.chunks; j += WG) { s += partial[n * u.chunks + j]; }
  acc[lid] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { acc[lid] = acc[lid] + acc[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[n] = acc[0] / f32(u.mapSize); }
}
