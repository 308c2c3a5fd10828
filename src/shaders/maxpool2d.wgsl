// maxpool2d: 2x2 window, stride 2, NHWC, one invocation per output element.
//   y[n,oh,ow,c] = max over (dh,dw) in scan order (0,0),(0,1),(1,0),(1,1) of x[n, 2oh+dh, 2ow+dw, c],
//   skipping cells outside the input ('same' padding: bottom/right only, padded cells never win).
//   arg[n,oh,ow,c] = k = 2*dh + dw of the winning cell (window position 0..3, not a flat index:
//   it fits any tensor size and is all the gather backward needs).
//   Ties: strict '>' -> the FIRST maximum in scan order wins.
//   NaN:  a NaN in the window propagates: the first NaN in scan order wins, y = NaN, arg = its k.
//         NaN is detected from the bits (exponent all ones, mantissa != 0) because WGSL lets
//         compilers assume NaN-free float comparisons.
// Layouts: x [N,H,W,C], y and arg [N,OH,OW,C], row-major. 'valid': OH = floor(H/2); 'same': OH = ceil(H/2)
//   (same for W). Cell (0,0) of every window is inside the input in both modes.
// Bindings: 0 uniform U, 1 x (read, f32), 2 y (read_write, f32), 3 arg (read_write, u32).
// Dispatch: ceil(count / WG) workgroups, count = N*OH*OW*C, folded to 2-D by the runtime.
// Cost per output: 3 compares; bytes: <= 16 read + 8 written (24 * count).
// Backward: maxpool2d_backward.wgsl (gather through arg).
struct U { count: u32, H: u32, W: u32, C: u32, OH: u32, OW: u32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> arg: array<u32>;

fn is_nan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let o = (wid.y * nwg.x + wid.x) * WG + lid;
  if (o >= u.count) { return; }
  let c = o % u.C;
  var t = o / u.C;
  let ow = t % u.OW;
  t = t / u.OW;
  let oh = t % u.OH;
  let n = t / u.OH;
  let ih0 = 2u * oh;
  let iw0 = 2u * ow;
  let row = u.W * u.C; // stride of h in x
  let base = ((n * u.H + ih0) * u.W + iw0) * u.C + c;

  var best = x[base];
  var k = 0u;
  for (var j = 1u; j < 4u; j++) {
    let dh = j >> 1u;
    let dw = j & 1u;
    if (ih0 + dh >= u.H || iw0 + dw >= u.W) { continue; }
    if (is_nan(best)) { break; }
    let v = x[base + dh * row + dw * u.C];
    if (is_nan(v) || v > best) {
      best = v;
      k = j;
    }
  }
  y[o] = best;
  arg[o] = k;
}
