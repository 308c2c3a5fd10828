// conv2d_bias_grad: the bias gradient of conv2d / conv2d_transpose, a column sum.
//   db[c] = sum_{m < M} dz[m*C + c]      (m runs over the N*OH*OW output pixels)
// Split like the weight gradient: invocation (s, c) sums rows s*rowsPer .. min(M, (s+1)*rowsPer)
//   of column c serially and writes part[s*C + c]; conv2d_backward_filter_sum.wgsl adds the KS
//   slices (KS = 1: part is db itself). Neighbouring invocations read neighbouring channels of one
//   row, and no workgroup memory or barrier is needed (a CPU adapter pays dearly for barriers).
//   src/engine/ops/conv2d.ts biasGrad chooses KS.
// Precision: rowsPer float32 adds per slice, then KS partials, in order (deterministic).
// Layouts: dz [M, C] (an NHWC tensor viewed as rows of C), db [KS, C].
// Bindings: 0 uniform U, 1 dz (read), 2 db (read_write).
// Dispatch: ceil(count / WG) workgroups, count = KS*C (channels fastest), folded.
// Cost: M*C adds, 4*M*C bytes read, 4*KS*C written.
// Backward: none (a gradient kernel).
struct U { count: u32, M: u32, C: u32, rowsPer: u32 }

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> dz: array<f32>;
@group(0) @binding(2) var<storage, read_write> db: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count) { return; }
  let c = g % u.C;
  let s = g / u.C;
  let m0 = s * u.rowsPer;
  let m1 = min(m0 + u.rowsPer, u.M);
  var acc = 0.0;
  for (var m = m0; m < m1; m++) {
    acc += dz[m * u.C + c];
  }
  db[g] = acc;
}
