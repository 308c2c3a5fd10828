// conv2d_backward_filter_narrow1: the weight gradient of a 3x3 stride-1 conv with one input channel
// (the gray presets' first layers, 1 -> 32 or 64), sliding the window along each row of pixels.
//   dw[kh,kw,0,co] = sum_{n,oh,ow} x[n, oh+kh-PT, ow+kw-PL] * dz[n,oh,ow,co]
// Why: conv2d_backward_filter_narrow.wgsl tiles dw's 9 rows (kh, kw) in blocks of 8, so at CI = 1
//   it computes 16 rows for 9 and both blocks load the same dz; each of its steps loads 8 x floats.
//   Here pixel ow's three taps kw read input columns ow-PL .. ow-PL+2 of one row, so each step
//   loads one new x float and 2 dz vec4 (8 channels) for 6 vec4 fma (conv2d_backward_filter_window.wgsl's
//   window, across output channels instead of input ones).
// Tiling: each invocation owns one tap row kh and 8 output channels (vec4s co4, co4 + 1): the 3 taps
//   kw = 0, 1, 2 (accumulators a{kw}{L,H}). Where CO % 8 == 4 the last block's upper vec4 reads a
//   clamped channel and is not stored; columns in the padding read a clamped address, zeroed.
// Split-K: the N*OH rows of pixels in KS slices of rowsPer, as conv2d_backward_filter_window1.wgsl
//   (slices of at least 256 pixels: a slice writes only 9*CO floats); conv2d_backward_filter_sum.wgsl
//   adds the slices (KS = 1: none).
// Requires CI == 1 && CO % 4 == 0 && KH == 3 && KW == 3 && S == 1; otherwise conv2d_backward_filter_narrow.wgsl.
// Layouts: x [N,H,W] (CI = 1), dz [N,OH,OW,CO/4] vec4, dw [KS,3,3,CO/4] vec4, row-major.
// Bindings: 0 uniform U, 1 x (read), 2 dz (read), 3 dw (read_write).
// Dispatch: ceil(count / WG) workgroups, count = KS*3*CB with CB = ceil(CO/8) (fastest), then kh.
// Cost: 2*N*OH*OW*9*CO FLOP (minus padding); each invocation reads 1 + 8 floats per pixel.
// Backward: none (a gradient kernel).
struct U { count: u32, H: u32, W: u32, CO4: u32, OH: u32, OW: u32, PT: i32, PL: i32, CB: u32, rows: u32, rowsPer: u32, slice: u32 }

override WG: u32 = 64u;
const TC4: u32 = 2u; // vec4 output-channel groups per invocation (a*L and a*H below)

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dz: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> dw: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count) { return; }
  let cb = g % u.CB;
  let t = g / u.CB;
  let kh = t % 3u;
  let s = t / 3u; // the slice of the pixel sum
  let oL = TC4 * cb;
  let oH = min(oL + 1u, u.CO4 - 1u); // clamped: computed, not stored
  let z = vec4f(0.0);

  var a0L = z; var a0H = z; var a1L = z; var a1H = z; var a2L = z; var a2H = z;
  let r0 = s * u.rowsPer;
  let r1 = min(r0 + u.rowsPer, u.rows); // rows = N * OH
  let W = i32(u.W);
  for (var r = r0; r < r1; r++) {
    let n = r / u.OH;
    let oh = r % u.OH;
    let ih = i32(oh + kh) - u.PT;
    if (ih < 0 || ih >= i32(u.H)) { continue; }
    let xRow = (n * u.H + u32(ih)) * u.W;
    let dzRow = (n * u.OH + oh) * u.OW * u.CO4;
    // Columns iw0 and iw0 + 1 (taps kw = 0 and 1 of pixel 0), zero in the padding.
    let iw0 = -u.PL;
    var c0 = select(0.0, x[xRow + u32(clamp(iw0, 0, W - 1))], iw0 >= 0 && iw0 < W);
    var c1 = select(0.0, x[xRow + u32(clamp(iw0 + 1, 0, W - 1))], iw0 + 1 >= 0 && iw0 + 1 < W);
    for (var ow = 0u; ow < u.OW; ow++) {
      // The new column: tap kw = 2 of this pixel.
      let iw = i32(ow) + iw0 + 2;
      let c2 = select(0.0, x[xRow + u32(clamp(iw, 0, W - 1))], iw >= 0 && iw < W);
      let d = dzRow + ow * u.CO4;
      let dL = dz[d + oL]; let dH = dz[d + oH];
      a0L = fma(vec4f(c0), dL, a0L); a0H = fma(vec4f(c0), dH, a0H);
      a1L = fma(vec4f(c1), dL, a1L); a1H = fma(vec4f(c1), dH, a1H);
      a2L = fma(vec4f(c2), dL, a2L); a2H = fma(vec4f(c2), dH, a2H);
      c0 = c1;
      c1 = c2;
    }
  }

  // dw rows (kh, kw) of this slice, channels from oL; the upper vec4 only where it exists.
  let base = s * u.slice + kh * 3u * u.CO4;
  let hi = oL + 1u < u.CO4;
  dw[base + oL] = a0L; if (hi) { dw[base + oL + 1u] = a0H; }
  dw[base + u.CO4 + oL] = a1L; if (hi) { dw[base + u.CO4 + oL + 1u] = a1H; }
  dw[base + 2u * u.CO4 + oL] = a2L; if (hi) { dw[base + 2u * u.CO4 + oL + 1u] = a2H; }
}
