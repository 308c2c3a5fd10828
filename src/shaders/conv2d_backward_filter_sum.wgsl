// conv2d_backward_filter_sum: the second pass of a split-K weight gradient. The tiled weight-gradient
// kernels (conv2d_backward_filter_tiled*.wgsl) cut the long N*OH*OW pixel sum into KS slices so that
// a GPU gets enough threads; each slice leaves its partial dw, and this adds them:
//   dw[i] = sum_{s < KS} part[s*count + i]      for i < count = KH*KW*CI*CO
// Precision: four interleaved float32 sums over the slices (s = j, j+4, ...), added pairwise
//   (deterministic).
// Layouts: part [KS, count], dw [count].
// Bindings: 0 uniform U, 1 part (read), 2 dw (read_write). Dispatch: ceil(count / WG), folded.
// Cost: (KS - 1) * count FLOP, 4 * (KS + 1) * count bytes.
// Backward: none (a gradient kernel).
struct U { count: u32, KS: u32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read_write> dw: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= u.count) { return; }
  // Four interleaved sums, as conv2d_bias_grad.wgsl (why there).
  var a0 = 0.0; var a1 = 0.0; var a2 = 0.0; var a3 = 0.0;
  var j = i;
  let step = 4u * u.count;
  var s = 0u;
  for (; s + 3u < u.KS; s += 4u) {
    a0 += part[j]; a1 += part[j + u.count]; a2 += part[j + 2u * u.count]; a3 += part[j + 3u * u.count];
    j += step;
  }
  for (; s < u.KS; s++) {
    a0 += part[j];
    j += u.count;
  }
  dw[i] = (a0 + a1) + (a2 + a3);
}
