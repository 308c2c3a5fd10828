// conv2d_bias_grad: the bias gradient of conv2d / conv2d_transpose, a column sum.
//   db[c] = sum_{m < M} dz[m*C + c]      (m runs over the N*OH*OW output pixels)
// Split like the weight gradient: invocation (s, c) sums rows s*rowsPer .. min(M, (s+1)*rowsPer)
//   of column c serially and writes part[s*C + c]; conv2d_backward_filter_sum.wgsl adds the KS
//   slices (KS = 1: part is db itself). Neighbouring invocations read neighbouring channels of one
//   row, and no workgroup memory or barrier is needed (a CPU adapter pays dearly for barriers).
//   src/engine/ops/conv2d.ts biasGrad chooses KS.
// Precision: each slice sums its rows in four interleaved float32 sums (rows m0+j, m0+j+4, ...),
//   added pairwise; then KS partials, in order (deterministic).
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
  // Four interleaved sums: four loads in flight instead of a chain of dependent adds (a GPU thread
  // waits on each load otherwise), and a quarter of the loop trips (costly on a CPU adapter).
  var a0 = 0.0; var a1 = 0.0; var a2 = 0.0; var a3 = 0.0;
  var i = m0 * u.C + c;
  let step = 4u * u.C;
  var m = m0;
  for (; m + 3u < m1; m += 4u) {
    a0 += dz[i]; a1 += dz[i + u.C]; a2 += dz[i + 2u * u.C]; a3 += dz[i + 3u * u.C];
    i += step;
  }
  for (; m < m1; m++) {
    a0 += dz[i];
    i += u.C;
  }
  db[g] = (a0 + a1) + (a2 + a3);
}
