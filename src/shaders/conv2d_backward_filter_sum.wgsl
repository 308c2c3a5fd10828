// conv2d_backward_filter_sum: the second pass of a split-K weight gradient. The tiled weight-gradient
// kernels (conv2d_backward_filter_tiled*.wgsl) cut the long N*OH*OW pixel sum into KS slices so that
// a GPU gets enough threads; each slice leaves its partial dw, and this adds them:
//   dw[i] = sum_{s < KS} part[s*count + i]      for i < count = KH*KW*CI*CO
// Precision: four interleaved float32 sums over the slices (s = j, j+4, ...), added pairwise
//   (deterministic).
// V = 4 when count % 4 == 0, else 1 (override V): an invocation adds V neighbouring weights, bound
//   as vec4 (VEC4: unary.wgsl; V == 1 reads and writes single components). Same sums per weight.
// ACC: dw += the sum (dw[i] + sum, as autograd's accumulate.wgsl would add it): the gradient goes
//   straight into a parameter's gradient buffer, where it would otherwise be written to a new
//   tensor and added there in a pass of its own (src/engine/ops/convGrad.ts inSlices).
// Layouts: part [KS, count], dw [count].
// Bindings: 0 uniform U, 1 part (read), 2 dw (read_write). Dispatch: ceil(count / V / WG), folded.
// Cost: (KS - 1) * count FLOP, 4 * (KS + 1) * count bytes.
// Backward: none (a gradient kernel).
struct U { count: u32, KS: u32 }

override WG: u32 = 256u;
override V: u32 = 1u; // weights per invocation: 4 or 1, dividing count (V == 4 folds to one path)
override ACC: bool = false;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> part: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> dw: array<vec4f>;

/** part's value (V == 4: vec4; V == 1: its x, the float) at index j of V-wide elements. */
fn at(j: u32) -> vec4f {
  if (V == 4u) { return part[j]; }
  return vec4f(part[j / 4u][j % 4u], 0.0, 0.0, 0.0);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  let n = u.count / V; // V-wide elements a slice
  if (i >= n) { return; }
  // Four interleaved sums, as conv2d_bias_grad.wgsl (why there).
  var a0 = vec4f(0.0); var a1 = vec4f(0.0); var a2 = vec4f(0.0); var a3 = vec4f(0.0);
  var j = i;
  let step = 4u * n;
  var s = 0u;
  for (; s + 3u < u.KS; s += 4u) {
    a0 += at(j); a1 += at(j + n); a2 += at(j + 2u * n); a3 += at(j + 3u * n);
    j += step;
  }
  for (; s < u.KS; s++) {
    a0 += at(j);
    j += n;
  }
  let r = (a0 + a1) + (a2 + a3);
  if (V == 4u) {
    if (ACC) { dw[i] = dw[i] + r; } else { dw[i] = r; }
  } else {
    if (ACC) { dw[i / 4u][i % 4u] = dw[i / 4u][i % 4u] + r.x; } else { dw[i / 4u][i % 4u] = r.x; }
  }
}
