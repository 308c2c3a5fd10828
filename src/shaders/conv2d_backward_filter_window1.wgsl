// conv2d_backward_filter_window1: conv2d_backward_filter_window.wgsl for one output channel (the
// presets' last layers, 32 or 64 -> 1), with vec4s over the input channels instead of the output's.
//   dw[kh,kw,ci,0] = sum_{n,oh,ow} x[n, oh+kh-PT, ow+kw-PL, ci] * dz[n,oh,ow,0]
// Why: the window kernel's vec4 accumulators run over CO, so at CO = 1 three quarters of each fma
//   and of each dz load are wasted, and it loads x a float at a time. Here each step of the window
//   loads one new input column as 2 vec4 (8 channels) and one dz float, for 6 vec4 fma that all count.
// Tiling: each invocation owns one tap row kh and 8 input channels ci0 .. ci0+7 (vec4s c4, c4 + 1):
//   the 3 taps kw = 0, 1, 2 (accumulators a{kw}{L,H}). Along a row of output pixels, pixel ow's taps
//   read input columns ow-PL .. ow-PL+2: one new column a step, the two kept shifted (c0*, c1*).
//   Where CI % 8 == 4 the last block's upper vec4 reads a clamped channel and is not stored; columns
//   in the padding read a clamped address and are masked to zero.
// Split-K: the N*OH rows of pixels in KS slices of rowsPer; slice s writes dw[s*slice ..] and
//   conv2d_backward_filter_sum.wgsl adds the slices (KS = 1: none). Its slices are short (a few
//   hundred pixels, src/engine/ops/convGrad.ts): a slice writes only 9*CI floats, and a CPU adapter
//   needs several workgroups of them to keep its cores busy.
// Requires CO == 1 && CI % 4 == 0 && KH == 3 && KW == 3 && S == 1; otherwise conv2d_backward_filter_window.wgsl.
// Layouts: x [N,H,W,CI/4] vec4, dz [N,OH,OW] (CO = 1), dw [KS,3,3,CI/4] vec4, row-major.
// Bindings: 0 uniform U, 1 x (read), 2 dz (read), 3 dw (read_write).
// Dispatch: ceil(count / WG) workgroups, count = KS*3*IB with IB = ceil(CI/8) (fastest), then kh.
// Cost: 2*N*OH*OW*9*CI FLOP (minus padding); each invocation reads 8 + 1 floats per pixel.
// Backward: none (a gradient kernel).
struct U { count: u32, H: u32, W: u32, CI4: u32, OH: u32, OW: u32, PT: i32, PL: i32, IB: u32, rows: u32, rowsPer: u32, slice: u32 }

override WG: u32 = 64u;
const TC4: u32 = 2u; // vec4 input-channel groups per invocation (a*L and a*H below)

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read> dz: array<f32>;
@group(0) @binding(3) var<storage, read_write> dw: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count) { return; }
  let ib = g % u.IB;
  let t = g / u.IB;
  let kh = t % 3u;
  let s = t / 3u; // the slice of the pixel sum
  let cL = TC4 * ib;
  let cH = min(cL + 1u, u.CI4 - 1u); // clamped: computed, not stored
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
    let dzRow = (n * u.OH + oh) * u.OW;
    // Columns iw0 and iw0 + 1 (taps kw = 0 and 1 of pixel 0), masked to zero in the padding.
    let iw0 = -u.PL;
    let m0 = iw0 >= 0 && iw0 < W;
    let m1 = iw0 + 1 >= 0 && iw0 + 1 < W;
    let p0 = (xRow + u32(clamp(iw0, 0, W - 1))) * u.CI4;
    let p1 = (xRow + u32(clamp(iw0 + 1, 0, W - 1))) * u.CI4;
    var c0L = select(z, x[p0 + cL], m0); var c0H = select(z, x[p0 + cH], m0);
    var c1L = select(z, x[p1 + cL], m1); var c1H = select(z, x[p1 + cH], m1);
    for (var ow = 0u; ow < u.OW; ow++) {
      // The new column: tap kw = 2 of this pixel.
      let iw = i32(ow) + iw0 + 2;
      let m2 = iw >= 0 && iw < W;
      let p2 = (xRow + u32(clamp(iw, 0, W - 1))) * u.CI4;
      let c2L = select(z, x[p2 + cL], m2); let c2H = select(z, x[p2 + cH], m2);
      let d = vec4f(dz[dzRow + ow]);
      a0L = fma(c0L, d, a0L); a0H = fma(c0H, d, a0H);
      a1L = fma(c1L, d, a1L); a1H = fma(c1H, d, a1H);
      a2L = fma(c2L, d, a2L); a2H = fma(c2H, d, a2H);
      c0L = c1L; c0H = c1H;
      c1L = c2L; c1H = c2H;
    }
  }

  // dw rows (kh, kw) of this slice, channels from cL; the upper vec4 only where it exists.
  let base = s * u.slice + kh * 3u * u.CI4;
  let hi = cL + 1u < u.CI4;
  dw[base + cL] = a0L; if (hi) { dw[base + cL + 1u] = a0H; }
  dw[base + u.CI4 + cL] = a1L; if (hi) { dw[base + u.CI4 + cL + 1u] = a1H; }
  dw[base + 2u * u.CI4 + cL] = a2L; if (hi) { dw[base + 2u * u.CI4 + cL + 1u] = a2H; }
}
