// reduce: segmented sums of f(a, b), one workgroup per chunk, summed in workgroup memory.
//   The input is S segments of segLen contiguous elements; each segment is cut into `chunks` chunks
//   of chunkLen elements (the last one shorter). Workgroup g = s * chunks + j writes
//     out[g] = scale * sum_{i in chunk j of segment s} f(a[i], b[i])
//   MODE 0  f = (a - b)^2       (MSE)
//   MODE 1  f = |a - b|         (MAE)
//   MODE 2  f = a               (plain sum; b unused: second pass over partial sums)
//   One pass: chunks = 1, scale = 1/segLen gives per-segment means. Two passes (segments longer than
//   one chunk, e.g. a whole 1M-element batch): pass 1 writes S*chunks partial sums with scale 1,
//   pass 2 (MODE 2) reduces each segment's partials with scale 1/segLen; see src/engine/ops/loss.ts.
// Precision: each invocation sums a strided slice of the chunk serially with Kahan's compensation
//   (chunkLen / WG terms, 64 by default, for ~2 ulps whatever their count), then the first WG/TAIL
//   invocations add TAIL partials each and invocation 0 adds those: ~ (2 + 2 TAIL) ulps per pass
//   of sum |f|, not segLen ulps. Few invocations doing more serial work, because a CPU adapter
//   (SwiftShader) pays per invocation: with 256 invocations of 16 plain terms and a binary tree,
//   its MSE of 25,600 values took 2.6 ms; this way 0.9 ms.
//   NaN in any term propagates to the sum.
// Layouts: a, b flat [S * segLen]; out [S * chunks].
// Bindings: 0 uniform U, 1 a (read), 2 b (read; may alias a), 3 out (read_write).
// Dispatch: `total` = S * chunks workgroups, folded to 2-D by the runtime; WG must be a power of two.
// Cost: 3 FLOP and 8 bytes per element read (MODE 0/1), plus 4 bytes per workgroup written.
// Backward: reduce_backward.wgsl (MSE and MAE gradients, elementwise).
struct U { total: u32, segLen: u32, chunkLen: u32, chunks: u32, scale: f32 }

override WG: u32 = 64u;
override MODE: u32 = 0u;
// MODE codes (src/engine/kernels.ts REDUCE; tests/kernels.node.test.ts checks they agree):
const REDUCE_SQDIFF: u32 = 0u;
const REDUCE_ABSDIFF: u32 = 1u;
const REDUCE_SUM: u32 = 2u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

var<workgroup> partial: array<f32, WG>;
const TAIL: u32 = 8u; // partials each of the first WG / TAIL invocations adds

fn term(i: u32) -> f32 {
  switch MODE {
    case REDUCE_SQDIFF: { let d = a[i] - b[i]; return d * d; }
    case REDUCE_ABSDIFF: { return abs(a[i] - b[i]); }
    case REDUCE_SUM, default: { return a[i]; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = wid.y * nwg.x + wid.x; // uniform across the workgroup, so the early return keeps barriers uniform
  if (g >= u.total) { return; }
  let s = g / u.chunks;
  let j = g % u.chunks;
  let segStart = s * u.segLen;
  let start = segStart + j * u.chunkLen;
  let end = min(start + u.chunkLen, segStart + u.segLen);

  var acc = 0.0;
  var lost = 0.0; // Kahan: what acc's rounding dropped, added back with the next term
  for (var i = start + lid; i < end; i += WG) {
    let y = term(i) - lost;
    let t = acc + y;
    lost = (t - acc) - y;
    acc = t;
  }
  partial[lid] = acc;
  workgroupBarrier();
  // Then the WG partials in two serial levels of TAIL.
  if (lid < WG / TAIL) {
    var t = 0.0;
    for (var k = 0u; k < TAIL; k++) { t += partial[lid * TAIL + k]; }
    partial[lid * TAIL] = t;
  }
  workgroupBarrier();
  if (lid == 0u) {
    var t = 0.0;
    for (var k = 0u; k < WG; k += TAIL) { t += partial[k]; }
    out[g] = t * u.scale;
  }
}
