// conv2d_backward_filter_window: the weight gradient of a 3x3 stride-1 conv with at most 4 output
// channels (the presets' last layers), sliding the window along each row of pixels.
//   dw[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh+kh-PT, ow+kw-PL, ci] * dz[n,oh,ow,co]
// Tiling: each invocation owns one tap row kh and 8 input channels ci0 .. ci0+7: the 3 taps kw = 0,
//   1, 2 of those channels, all CO channels each (a vec4 accumulator a{kw}_{j} per tap and channel).
//   Along a row of output pixels, pixel ow's three taps read input columns ow-PL .. ow-PL+2, so each
//   step loads one new input column (8 channels: c2_*) and one dz pixel and shifts the two it keeps
//   (c0_*, c1_*): 8 + 4 loads for 24 vec4 fma, where conv2d_backward_filter_tiled_scalar loads 8 + 4
//   for 8. On SwiftShader, where every storage load is a per-lane gather, that is what bounds these
//   layers. Input channels past CI read a clamped channel and are not stored; columns in the padding
//   read a clamped address and are masked to zero.
// Split-K: as conv2d_backward_filter_tiled: the N*OH rows of pixels in KS slices of rowsPer; slice s
//   writes dw[s*slice ..] and conv2d_backward_filter_sum.wgsl adds the slices (KS = 1: none).
// Requires CO <= 4 && KH == 3 && KW == 3 && S == 1 && (CO > 1 || CI % 4 != 0) (one output channel over
//   vec4s of CI: conv2d_backward_filter_window1.wgsl); otherwise conv2d_backward_filter_tiled*.wgsl.
// Layouts: x [N,H,W,CI], dz [N,OH,OW,CO], dw [KS,3,3,CI,CO], row-major.
// Bindings: 0 uniform U, 1 x (read), 2 dz (read), 3 dw (read_write).
// Dispatch: ceil(count / WG) workgroups, count = KS*3*IB with IB = ceil(CI/8) (fastest), then kh.
// Cost: 2*N*OH*OW*9*CI*CO FLOP (minus padding); each invocation reads 8 + CO floats per pixel.
// Backward: none (a gradient kernel).
struct U { count: u32, N: u32, H: u32, W: u32, CI: u32, OH: u32, OW: u32, CO: u32, PT: i32, PL: i32, IB: u32, KS: u32, rowsPer: u32, slice: u32 }

override WG: u32 = 64u;
const TR: u32 = 8u; // input channels per invocation (a*_0 .. a*_7 below)

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dz: array<f32>;
@group(0) @binding(3) var<storage, read_write> dw: array<f32>;

/** Stores the CO channels of dw row `row` (a (tap, ci) pair) of slice `base`. */
fn store(base: u32, row: u32, v: vec4f) {
  let i = base + row * u.CO;
  dw[i] = v.x;
  if (u.CO > 1u) { dw[i + 1u] = v.y; }
  if (u.CO > 2u) { dw[i + 2u] = v.z; }
  if (u.CO > 3u) { dw[i + 3u] = v.w; }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count) { return; }
  let ib = g % u.IB;
  let t = g / u.IB;
  let kh = t % 3u;
  let s = t / 3u; // the slice of the pixel sum
  let ci0 = ib * TR;
  let lastC = u.CI - 1u;
  let i0 = min(ci0 + 0u, lastC); let i1 = min(ci0 + 1u, lastC); let i2 = min(ci0 + 2u, lastC); let i3 = min(ci0 + 3u, lastC); let i4 = min(ci0 + 4u, lastC); let i5 = min(ci0 + 5u, lastC); let i6 = min(ci0 + 6u, lastC); let i7 = min(ci0 + 7u, lastC); // clamped: computed, not stored
  let lastO = u.CO - 1u;
  let o1 = min(1u, lastO); let o2 = min(2u, lastO); let o3 = min(3u, lastO);

  var a0_0 = vec4f(0.0); var a0_1 = vec4f(0.0); var a0_2 = vec4f(0.0); var a0_3 = vec4f(0.0); var a0_4 = vec4f(0.0); var a0_5 = vec4f(0.0); var a0_6 = vec4f(0.0); var a0_7 = vec4f(0.0);
  var a1_0 = vec4f(0.0); var a1_1 = vec4f(0.0); var a1_2 = vec4f(0.0); var a1_3 = vec4f(0.0); var a1_4 = vec4f(0.0); var a1_5 = vec4f(0.0); var a1_6 = vec4f(0.0); var a1_7 = vec4f(0.0);
  var a2_0 = vec4f(0.0); var a2_1 = vec4f(0.0); var a2_2 = vec4f(0.0); var a2_3 = vec4f(0.0); var a2_4 = vec4f(0.0); var a2_5 = vec4f(0.0); var a2_6 = vec4f(0.0); var a2_7 = vec4f(0.0);

  let r0 = s * u.rowsPer;
  let r1 = min(r0 + u.rowsPer, u.N * u.OH);
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
    let p0 = (xRow + u32(clamp(iw0, 0, W - 1))) * u.CI;
    let p1 = (xRow + u32(clamp(iw0 + 1, 0, W - 1))) * u.CI;
    var c0_0 = select(0.0, x[p0 + i0], m0); var c0_1 = select(0.0, x[p0 + i1], m0); var c0_2 = select(0.0, x[p0 + i2], m0); var c0_3 = select(0.0, x[p0 + i3], m0); var c0_4 = select(0.0, x[p0 + i4], m0); var c0_5 = select(0.0, x[p0 + i5], m0); var c0_6 = select(0.0, x[p0 + i6], m0); var c0_7 = select(0.0, x[p0 + i7], m0);
    var c1_0 = select(0.0, x[p1 + i0], m1); var c1_1 = select(0.0, x[p1 + i1], m1); var c1_2 = select(0.0, x[p1 + i2], m1); var c1_3 = select(0.0, x[p1 + i3], m1); var c1_4 = select(0.0, x[p1 + i4], m1); var c1_5 = select(0.0, x[p1 + i5], m1); var c1_6 = select(0.0, x[p1 + i6], m1); var c1_7 = select(0.0, x[p1 + i7], m1);
    for (var ow = 0u; ow < u.OW; ow++) {
      // The new column: tap kw = 2 of this pixel.
      let iw = i32(ow) + iw0 + 2;
      let m2 = iw >= 0 && iw < W;
      let p2 = (xRow + u32(clamp(iw, 0, W - 1))) * u.CI;
      let c2_0 = select(0.0, x[p2 + i0], m2); let c2_1 = select(0.0, x[p2 + i1], m2); let c2_2 = select(0.0, x[p2 + i2], m2); let c2_3 = select(0.0, x[p2 + i3], m2); let c2_4 = select(0.0, x[p2 + i4], m2); let c2_5 = select(0.0, x[p2 + i5], m2); let c2_6 = select(0.0, x[p2 + i6], m2); let c2_7 = select(0.0, x[p2 + i7], m2);
      let d = (dzRow + ow) * u.CO;
      let dv = vec4f(dz[d], dz[d + o1], dz[d + o2], dz[d + o3]);
      a0_0 = fma(vec4f(c0_0), dv, a0_0); a0_1 = fma(vec4f(c0_1), dv, a0_1); a0_2 = fma(vec4f(c0_2), dv, a0_2); a0_3 = fma(vec4f(c0_3), dv, a0_3); a0_4 = fma(vec4f(c0_4), dv, a0_4); a0_5 = fma(vec4f(c0_5), dv, a0_5); a0_6 = fma(vec4f(c0_6), dv, a0_6); a0_7 = fma(vec4f(c0_7), dv, a0_7);
      a1_0 = fma(vec4f(c1_0), dv, a1_0); a1_1 = fma(vec4f(c1_1), dv, a1_1); a1_2 = fma(vec4f(c1_2), dv, a1_2); a1_3 = fma(vec4f(c1_3), dv, a1_3); a1_4 = fma(vec4f(c1_4), dv, a1_4); a1_5 = fma(vec4f(c1_5), dv, a1_5); a1_6 = fma(vec4f(c1_6), dv, a1_6); a1_7 = fma(vec4f(c1_7), dv, a1_7);
      a2_0 = fma(vec4f(c2_0), dv, a2_0); a2_1 = fma(vec4f(c2_1), dv, a2_1); a2_2 = fma(vec4f(c2_2), dv, a2_2); a2_3 = fma(vec4f(c2_3), dv, a2_3); a2_4 = fma(vec4f(c2_4), dv, a2_4); a2_5 = fma(vec4f(c2_5), dv, a2_5); a2_6 = fma(vec4f(c2_6), dv, a2_6); a2_7 = fma(vec4f(c2_7), dv, a2_7);
      c0_0 = c1_0; c0_1 = c1_1; c0_2 = c1_2; c0_3 = c1_3; c0_4 = c1_4; c0_5 = c1_5; c0_6 = c1_6; c0_7 = c1_7;
      c1_0 = c2_0; c1_1 = c2_1; c1_2 = c2_2; c1_3 = c2_3; c1_4 = c2_4; c1_5 = c2_5; c1_6 = c2_6; c1_7 = c2_7;
    }
  }

  let base = s * u.slice;
  let m = u.CI - ci0; // input channels left, >= 1
  let row0 = (kh * 3u + 0u) * u.CI + ci0; // dw row of (kh, 0, ci0)
  store(base, row0, a0_0); if (m > 1u) { store(base, row0 + 1u, a0_1); } if (m > 2u) { store(base, row0 + 2u, a0_2); } if (m > 3u) { store(base, row0 + 3u, a0_3); } if (m > 4u) { store(base, row0 + 4u, a0_4); } if (m > 5u) { store(base, row0 + 5u, a0_5); } if (m > 6u) { store(base, row0 + 6u, a0_6); } if (m > 7u) { store(base, row0 + 7u, a0_7); }
  let row1 = (kh * 3u + 1u) * u.CI + ci0; // dw row of (kh, 1, ci0)
  store(base, row1, a1_0); if (m > 1u) { store(base, row1 + 1u, a1_1); } if (m > 2u) { store(base, row1 + 2u, a1_2); } if (m > 3u) { store(base, row1 + 3u, a1_3); } if (m > 4u) { store(base, row1 + 4u, a1_4); } if (m > 5u) { store(base, row1 + 5u, a1_5); } if (m > 6u) { store(base, row1 + 6u, a1_6); } if (m > 7u) { store(base, row1 + 7u, a1_7); }
  let row2 = (kh * 3u + 2u) * u.CI + ci0; // dw row of (kh, 2, ci0)
  store(base, row2, a2_0); if (m > 1u) { store(base, row2 + 1u, a2_1); } if (m > 2u) { store(base, row2 + 2u, a2_2); } if (m > 3u) { store(base, row2 + 3u, a2_3); } if (m > 4u) { store(base, row2 + 4u, a2_4); } if (m > 5u) { store(base, row2 + 5u, a2_5); } if (m > 6u) { store(base, row2 + 6u, a2_6); } if (m > 7u) { store(base, row2 + 7u, a2_7); }
}
