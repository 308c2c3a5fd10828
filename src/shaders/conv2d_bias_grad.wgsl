// conv2d_bias_grad: the bias gradient of conv2d / conv2d_transpose, a column sum.
//   db[c] = sum_{m < M} dz[m*C + c]      (m runs over the N*OH*OW output pixels)
// Split like the weight gradient: invocation (s, c) sums rows s*rowsPer .. min(M, (s+1)*rowsPer)
//   of column c serially and writes part[s*C + c]; conv2d_backward_filter_sum.wgsl adds the KS
//   slices (KS = 1: part is db itself). Neighbouring invocations read neighbouring channels of one
//   row, and no workgroup memory or barrier is needed (a CPU adapter pays dearly for barriers).
//   src/engine/ops/conv2d.ts biasGrad chooses KS.
// Precision: each slice sums its rows in four interleaved float32 sums (rows m0+j, m0+j+4, ...),
//   added pairwise; then KS partials, in order (deterministic).
// V = 4 when C % 4 == 0, else 1 (override V): an invocation sums V neighbouring columns, bound as
//   vec4 (VEC4: unary.wgsl; V == 1 reads and writes single components). Same sums per column.
// Layouts: dz [M, C] (an NHWC tensor viewed as rows of C), db [KS, C].
// Bindings: 0 uniform U, 1 dz (read), 2 db (read_write).
// Dispatch: ceil(count / V / WG) workgroups, count = KS*C (channels fastest), folded.
// Cost: M*C adds, 4*M*C bytes read, 4*KS*C written.
// Backward: none (a gradient kernel).
struct U { count: u32, M: u32, C: u32, rowsPer: u32 }

override WG: u32 = 64u;
override V: u32 = 1u; // columns per invocation: 4 or 1, dividing C (V == 4 folds to one path)

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> dz: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> db: array<vec4f>;

/** dz's value (V == 4: vec4; V == 1: its x, the float) at index i of V-wide elements. */
fn at(i: u32) -> vec4f {
  if (V == 4u) { return dz[i]; }
  return vec4f(dz[i / 4u][i % 4u], 0.0, 0.0, 0.0);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count / V) { return; }
  let CV = u.C / V; // V-wide columns a row
  let c = g % CV;
  let s = g / CV;
  let m0 = s * u.rowsPer;
  let m1 = min(m0 + u.rowsPer, u.M);
  // Four interleaved sums: four loads in flight instead of a chain of dependent adds (a GPU thread
  // waits on each load otherwise), and a quarter of the loop trips (costly on a CPU adapter).
  var a0 = vec4f(0.0); var a1 = vec4f(0.0); var a2 = vec4f(0.0); var a3 = vec4f(0.0);
  var i = m0 * CV + c;
  let step = 4u * CV;
  var m = m0;
  for (; m + 3u < m1; m += 4u) {
    a0 += at(i); a1 += at(i + CV); a2 += at(i + 2u * CV); a3 += at(i + 3u * CV);
    i += step;
  }
  for (; m < m1; m++) {
    a0 += at(i);
    i += CV;
  }
  let r = (a0 + a1) + (a2 + a3);
  if (V == 4u) { db[g] = r; } else { db[g / 4u][g % 4u] = r.x; }
}
