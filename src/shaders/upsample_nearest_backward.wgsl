// upsample_nearest_backward: dX of nearest upsampling by F, gather form: each invocation sums the
// F x F blocks of V channels of one dX pixel.
//   dx[n,h,w,c] = sum_{i<F} sum_{j<F} dy[n, h*F + i, w*F + j, c]
//   V = 4 when C % 4 == 0, else 1 (override V), for the reason given in upsample_nearest.wgsl,
//   both bound as vec4 as there.
//   Summed in a fixed row-major order (deterministic; F*F terms, so float32 error <= (F*F-1) ulps
//   of sum |dy| over the block).
// Layouts: dx [N,H,W,C], dy [N,H*F,W*F,C], row-major.
// Bindings: 0 uniform U, 1 dy (read), 2 dx (read_write).
// Dispatch: ceil(count / WG) workgroups, count = N*H*W*C/V dX groups, folded to 2-D by the runtime.
// Cost: F*F - 1 adds and 4*(F*F + 1) bytes per dX element.
// Backward of: upsample_nearest.wgsl.
struct U { count: u32, H: u32, W: u32, C: u32, F: u32 }

override WG: u32 = 256u;
override V: u32 = 1u; // channels per invocation: 4 or 1, dividing C (V == 4 folds to one path)

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> dy: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> dx: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= u.count) { return; }
  let CG = u.C / V;
  let cg = i % CG;
  var t = i / CG;
  let w = t % u.W;
  let nh = t / u.W; // n * H + h
  let rowStride = u.W * u.F * u.C; // one dy row
  let corner = nh * u.F * rowStride + w * u.F * u.C + cg * V;
  let dst = i * V;
  if (V == 4u) {
    // Four channels a load step (dst, corner and C are multiples of 4: vec4 indices are / 4).
    var s = vec4f(0.0);
    let C4 = u.C / 4u;
    var row = corner / 4u;
    for (var a = 0u; a < u.F; a++) {
      var q = row;
      for (var b = 0u; b < u.F; b++) {
        s += dy[q];
        q += C4;
      }
      row += rowStride / 4u;
    }
    dx[i] = s;
  } else {
    var s = 0.0;
    var row = corner;
    for (var a = 0u; a < u.F; a++) {
      var q = row;
      for (var b = 0u; b < u.F; b++) {
        s += dy[q / 4u][q % 4u];
        q += u.C;
      }
      row += rowStride;
    }
    dx[dst / 4u][dst % 4u] = s;
  }
}
