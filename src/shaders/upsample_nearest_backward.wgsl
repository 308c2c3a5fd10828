// upsample_nearest_backward: dX of nearest upsampling by F, gather form, one invocation per dX element.
//   dx[n,h,w,c] = sum_{i<F} sum_{j<F} dy[n, h*F + i, w*F + j, c]
//   Summed in a fixed row-major order (deterministic; F*F terms, so float32 error <= (F*F-1) ulps
//   of sum |dy| over the block).
// Layouts: dx [N,H,W,C], dy [N,H*F,W*F,C], row-major.
// Bindings: 0 uniform U, 1 dy (read), 2 dx (read_write).
// Dispatch: ceil(count / WG) workgroups, count = N*H*W*C, folded to 2-D by the runtime.
// Cost: F*F - 1 adds and 4*(F*F + 1) bytes per dX element.
// Backward of: upsample_nearest.wgsl.
struct U { count: u32, H: u32, W: u32, C: u32, F: u32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= u.count) { return; }
  let c = i % u.C;
  var t = i / u.C;
  let w = t % u.W;
  t = t / u.W;
  let h = t % u.H;
  let n = t / u.H;
  let OW = u.W * u.F;
  let OH = u.H * u.F;
  let row = OW * u.C; // stride of oh in dy
  var p = ((n * OH + h * u.F) * OW + w * u.F) * u.C + c;
  var s = 0.0;
  for (var a = 0u; a < u.F; a++) {
    var q = p;
    for (var b = 0u; b < u.F; b++) {
      s += dy[q];
      q += u.C;
    }
    p += row;
  }
  dx[i] = s;
}
