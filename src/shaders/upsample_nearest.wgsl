// upsample_nearest: nearest-neighbour upsampling by an integer factor F, NHWC. Each invocation
// reads V channels of one input pixel and writes them to its F x F block.
//   y[n,oh,ow,c] = x[n, oh / F, ow / F, c]        (integer division)
//   V = 4 when C % 4 == 0, else 1 (override V; src/engine/ops/upsample.ts). Why not one
//   invocation per output: the index decode is integer divisions, which a CPU adapter
//   (SwiftShader) runs as scalar divide instructions lane by lane; decoding once per input group
//   does 1 / (V*F*F) of them (measured: `npm run bench -- --filter upsample`). Both are bound as
//   vec4 (VEC4: unary.wgsl), so V == 4 moves 4 channels a load and a store; V == 1 reads and
//   writes single components of them.
// Layouts: x [N,H,W,C], y [N,H*F,W*F,C], row-major.
// Bindings: 0 uniform U, 1 x (read), 2 y (read_write).
// Dispatch: ceil(count / WG) workgroups, count = N*H*W*C/V input groups, folded to 2-D by the runtime.
// Cost: no FLOPs; 4*(1 + F*F) bytes per input element (read once, written F*F times).
// Backward: upsample_nearest_backward.wgsl (sum over each F x F block).
struct U { count: u32, H: u32, W: u32, C: u32, F: u32 }

override WG: u32 = 256u;
override V: u32 = 1u; // channels per invocation: 4 or 1, dividing C (V == 4 folds to one path)

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= u.count) { return; }
  let CG = u.C / V;
  let cg = i % CG;
  var t = i / CG;
  let w = t % u.W;
  let nh = t / u.W; // n * H + h
  let rowStride = u.W * u.F * u.C; // one output row
  // The block's top-left output element: row nh*F (= (n*H + h)*F), column w*F, channel cg*V.
  let corner = nh * u.F * rowStride + w * u.F * u.C + cg * V;
  let src = i * V;
  if (V == 4u) {
    // Four channels a store step (src, corner and C are multiples of 4: vec4 indices are / 4).
    let v = x[i];
    let C4 = u.C / 4u;
    var row = corner / 4u;
    for (var a = 0u; a < u.F; a++) {
      var q = row;
      for (var b = 0u; b < u.F; b++) {
        y[q] = v;
        q += C4;
      }
      row += rowStride / 4u;
    }
  } else {
    let v = x[src / 4u][src % 4u];
    var row = corner;
    for (var a = 0u; a < u.F; a++) {
      var q = row;
      for (var b = 0u; b < u.F; b++) {
        y[q / 4u][q % 4u] = v;
        q += u.C;
      }
      row += rowStride;
    }
  }
}
