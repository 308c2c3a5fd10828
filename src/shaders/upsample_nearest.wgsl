// upsample_nearest: nearest-neighbour upsampling by an integer factor F, NHWC, one invocation per output.
//   y[n,oh,ow,c] = x[n, oh / F, ow / F, c]        (integer division)
// Layouts: x [N,H,W,C], y [N,H*F,W*F,C], row-major.
// Bindings: 0 uniform U, 1 x (read), 2 y (read_write).
// Dispatch: ceil(count / WG) workgroups, count = N*H*F*W*F*C, folded to 2-D by the runtime.
// Cost: no FLOPs; 8 bytes per output (4 read, 4 written).
// Backward: upsample_nearest_backward.wgsl (sum over each F x F block).
struct U { count: u32, H: u32, W: u32, C: u32, F: u32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let o = (wid.y * nwg.x + wid.x) * WG + lid;
  if (o >= u.count) { return; }
  let OW = u.W * u.F;
  let OH = u.H * u.F;
  let c = o % u.C;
  var t = o / u.C;
  let ow = t % OW;
  t = t / OW;
  let oh = t % OH;
  let n = t / OH;
  y[o] = x[((n * u.H + oh / u.F) * u.W + ow / u.F) * u.C + c];
}
