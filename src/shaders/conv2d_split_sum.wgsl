// conv2d_split_sum: the second pass of a split-K forward conv (conv2d_wide.wgsl with KS > 1). Each
// of the KS tap slices left its raw partial sums of y; this adds them, then the bias and the
// activation that the first pass left out:
//   y[i] = act(b[i % CO] + sum_{s < KS} part[s*count + i])      for i < count = N*OH*OW*CO
// Precision: KS float32 adds per output, in slice order (deterministic), then the bias.
//   ACT: 0 none, 1 relu (relu(0) = 0, NaN passes), 2 sigmoid. b skipped when hasBias = 0 (then any
//   read-only buffer may be bound to it).
// Layouts: part [KS, count], b [CO], y [count].
// Bindings: 0 uniform U, 1 part (read), 2 b (read), 3 y (read_write). Dispatch: ceil(count / WG), folded.
// Cost: KS * count FLOP, 4 * (KS + 1) * count bytes.
// Backward: none of its own: it completes conv2d_wide.wgsl's forward, whose backward it shares.
struct U { count: u32, KS: u32, CO: u32, hasBias: u32 }

override WG: u32 = 256u;
override ACT: u32 = 0u;
// ACT codes (src/engine/kernels.ts ACT; tests/kernels.node.test.ts checks they agree):
const ACT_NONE: u32 = 0u;
const ACT_RELU: u32 = 1u;
const ACT_SIGMOID: u32 = 2u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

fn activate(z: f32) -> f32 {
  switch ACT {
    case ACT_RELU: { return select(0.0, z, !(z <= 0.0)); }
    case ACT_SIGMOID: {
      let e = exp(-abs(z));
      return select(e / (1.0 + e), 1.0 / (1.0 + e), z >= 0.0);
    }
    case ACT_NONE, default: { return z; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= u.count) { return; }
  var acc = part[i];
  for (var s = 1u; s < u.KS; s++) {
    acc += part[s * u.count + i];
  }
  if (u.hasBias != 0u) { acc += b[i % u.CO]; }
  y[i] = activate(acc);
}
