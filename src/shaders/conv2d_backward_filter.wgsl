// conv2d_backward_filter (naive): the weight gradient of conv2d.wgsl, in gather form, one
// invocation per weight. With the conv [N,H,W,CI] -> [N,OH,OW,CO], stride S, padding PT/PL before:
//   dw[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*S+kh-PT, ow*S+kw-PL, ci] * dz[n,oh,ow,co]
//   (taps in the padding contribute nothing). For Keras Conv2DTranspose the same kernel gives its
//   weight gradient with x = the transposed conv's dz and dz = its input (the adjoint conv's roles).
// Layouts: x [N,H,W,CI], dz [N,OH,OW,CO], dw [KH,KW,CI,CO], row-major.
// Bindings: 0 uniform U, 1 x (read), 2 dz (read), 3 dw (read_write).
// Dispatch: ceil(count / WG) workgroups, count = KH*KW*CI*CO, folded to 2-D by the runtime.
// Precision: each weight sums its OW products per pixel row in float32, then the N*OH row sums:
//   rounding error grows with OW + N*OH terms rather than N*OH*OW (a serial sum over a batch of
//   128x128 images, 131k terms, missed the float64 check's tolerance on an H200; npm run check).
// Cost: 2*N*OH*OW FLOP per weight; 8 bytes read per multiply-add (no reuse).
// Backward: none (a gradient kernel).
struct U { count: u32, N: u32, H: u32, W: u32, CI: u32, OH: u32, OW: u32, CO: u32, KW: u32, S: u32, PT: i32, PL: i32 }

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dz: array<f32>;
@group(0) @binding(3) var<storage, read_write> dw: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let o = (wid.y * nwg.x + wid.x) * WG + lid;
  if (o >= u.count) { return; }
  let co = o % u.CO;
  var t = o / u.CO;
  let ci = t % u.CI;
  t = t / u.CI;
  let kw = t % u.KW;
  let kh = t / u.KW;

  var acc = 0.0;
  for (var n = 0u; n < u.N; n++) {
    for (var oh = 0u; oh < u.OH; oh++) {
      let ih = i32(oh * u.S + kh) - u.PT;
      if (ih < 0 || ih >= i32(u.H)) { continue; }
      let xRow = (n * u.H + u32(ih)) * u.W;
      let dzRow = (n * u.OH + oh) * u.OW;
      var rowAcc = 0.0; // one pixel row's products, then added to the total (see Precision)
      for (var ow = 0u; ow < u.OW; ow++) {
        let iw = i32(ow * u.S + kw) - u.PL;
        if (iw < 0 || iw >= i32(u.W)) { continue; }
        rowAcc += x[(xRow + u32(iw)) * u.CI + ci] * dz[(dzRow + ow) * u.CO + co];
      }
      acc += rowAcc;
    }
  }
  dw[o] = acc;
}
