// conv2d_bias_grad: the bias gradient of conv2d / conv2d_transpose, a column sum.
//   db[c] = sum_{m < M} dz[m*C + c]      (m runs over the N*OH*OW output pixels)
//   One workgroup per channel: invocation lid sums rows lid, lid+WG, ... serially, then the
//   workgroup adds its WG partial sums as a binary tree in workgroup memory. The float32 error
//   bound is ~ (M/WG + log2 WG) ulps of sum |dz| rather than M ulps. Deterministic.
// Layouts: dz [M, C] (an NHWC tensor viewed as rows of C), db [C].
// Bindings: 0 uniform U, 1 dz (read), 2 db (read_write).
// Dispatch: C workgroups (folded to 2-D by the runtime); WG must be a power of two.
// Cost: M*C adds, 4*M*C bytes read, 4*C written.
// Backward: none (a gradient kernel).
struct U { M: u32, C: u32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> dz: array<f32>;
@group(0) @binding(2) var<storage, read_write> db: array<f32>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.y * nwg.x + wid.x; // uniform across the workgroup, so the early return keeps barriers uniform
  if (c >= u.C) { return; }
  var acc = 0.0;
  for (var m = lid; m < u.M; m += WG) {
    acc += dz[m * u.C + c];
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      partial[lid] = partial[lid] + partial[lid + stride];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    db[c] = partial[0];
  }
}
