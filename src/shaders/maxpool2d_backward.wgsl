// maxpool2d_backward: dX of the 2x2 stride-2 max pool, gather form, one invocation per dX element.
//   dx[n,ih,iw,c] = dy[n, ih/2, iw/2, c] if (ih/2 < OH, iw/2 < OW) and arg[n, ih/2, iw/2, c] == 2*(ih%2) + iw%2,
//                   else 0.
//   Windows do not overlap (stride = window), so each dX element has at most one window: no sums,
//   no atomics, deterministic. Rows/columns dropped by 'valid' (odd H or W) get 0. Ties and NaN
//   follow the forward's choice (maxpool2d.wgsl): only the recorded winner gets the gradient.
// Layouts: dx [N,H,W,C]; dy and arg [N,OH,OW,C] (arg: u32 window position 0..3 from the forward).
// Bindings: 0 uniform U, 1 dy (read, f32), 2 arg (read, u32), 3 dx (read_write, f32).
// Dispatch: ceil(count / WG) workgroups, count = N*H*W*C, folded to 2-D by the runtime.
// Cost: no FLOPs; bytes: 8 read + 4 written per dX element (12 * count).
// Backward of: maxpool2d.wgsl.
struct U { count: u32, H: u32, W: u32, C: u32, OH: u32, OW: u32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> arg: array<u32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= u.count) { return; }
  let c = i % u.C;
  var t = i / u.C;
  let iw = t % u.W;
  t = t / u.W;
  let ih = t % u.H;
  let n = t / u.H;
  let oh = ih >> 1u;
  let ow = iw >> 1u;
  var g = 0.0;
  if (oh < u.OH && ow < u.OW) {
    let o = ((n * u.OH + oh) * u.OW + ow) * u.C + c;
    if (arg[o] == 2u * (ih & 1u) + (iw & 1u)) { g = dy[o]; }
  }
  dx[i] = g;
}
