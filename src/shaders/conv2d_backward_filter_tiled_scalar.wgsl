// conv2d_backward_filter_tiled_scalar: conv2d_backward_filter_tiled.wgsl for any CO (scalar dz
// loads); used when CO % 4 != 0 (e.g. a last layer with 1 or 3 output channels).
//   dw[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*S+kh-PT, ow*S+kw-PL, ci] * dz[n,oh,ow,co]
// Each invocation owns one tap (kh, kw) and 8 input channels x 4 output channels (a vec4 per ci):
//   per pixel 8 + 4 scalar loads feed 32 multiply-adds. Unrolled by hand, fixed 8 x 4; valid pixel
//   ranges computed up front; channels past CI / CO read clamped channels and are not stored.
// Split-K: the N*OH*OW pixel sum is cut into KS slices of rowsPer (n, oh) rows; slice s writes its
//   partial sums to dw[s*slice ..] and conv2d_backward_filter_sum.wgsl adds the KS slices (KS = 1:
//   dw is the result, no second pass). src/engine/ops/conv2d.ts filterGrad chooses KS.
// Precision: each weight sums rowsPer*OW products serially in float32, then KS partials (deterministic).
// Layouts: x [N,H,W,CI], dz [N,OH,OW,CO], dw [KS,KH,KW,CI,CO], row-major.
// Bindings: 0 uniform U, 1 x (read), 2 dz (read), 3 dw (read_write).
// Dispatch: ceil(count / WG) workgroups, count = KS*KH*KW*IB*CB, IB = ceil(CI/8), CB = ceil(CO/4) (fastest).
// Cost: 2*N*OH*OW*KH*KW*CI*CO FLOP (minus padding); each invocation reads 48 bytes per pixel.
// Backward: none (a gradient kernel).
struct U { count: u32, N: u32, H: u32, W: u32, CI: u32, OH: u32, OW: u32, CO: u32, KH: u32, KW: u32, S: u32, PT: i32, PL: i32, IB: u32, CB: u32, KS: u32, rowsPer: u32, slice: u32 }

override WG: u32 = 64u;
const TR: u32 = 8u; // input channels per invocation (the unrolled a0..a7 below)
const TC: u32 = 4u; // output channels per invocation (the components of each vec4)

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dz: array<f32>;
@group(0) @binding(3) var<storage, read_write> dw: array<f32>;

/** Outputs o in [0, count) whose input position o*S + k - pad lies in [0, size): [first, end). */
fn validRange(k: u32, pad: i32, size: u32, count: u32) -> vec2u {
  let S = i32(u.S);
  let lo = pad - i32(k);
  let first = select(0, (lo + S - 1) / S, lo > 0);
  let hi = i32(size) - 1 + pad - i32(k);
  let end = select(0, min(hi / S + 1, i32(count)), hi >= 0);
  return vec2u(u32(first), u32(max(end, first)));
}

/** Stores output channels co0 .. co0+3 that exist of dw row `row`. */
fn store(base: u32, row: u32, co0: u32, a: vec4f) {
  let i = base + row * u.CO + co0;
  dw[i] = a.x;
  if (co0 + 1u < u.CO) { dw[i + 1u] = a.y; }
  if (co0 + 2u < u.CO) { dw[i + 2u] = a.z; }
  if (co0 + 3u < u.CO) { dw[i + 3u] = a.w; }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count) { return; }
  let cb = g % u.CB;
  var t = g / u.CB;
  let ib = t % u.IB;
  t = t / u.IB;
  let kw = t % u.KW;
  t = t / u.KW;
  let kh = t % u.KH;
  let s = t / u.KH; // the slice of the pixel sum
  let co0 = cb * TC; // < CO
  let lastO = u.CO - 1u;
  let o1 = min(co0 + 1u, lastO); // clamped channels: computed, not stored
  let o2 = min(co0 + 2u, lastO);
  let o3 = min(co0 + 3u, lastO);
  let ci0 = ib * TR; // < CI
  let last = u.CI - 1u;
  let c1 = min(ci0 + 1u, last);
  let c2 = min(ci0 + 2u, last);
  let c3 = min(ci0 + 3u, last);
  let c4 = min(ci0 + 4u, last);
  let c5 = min(ci0 + 5u, last);
  let c6 = min(ci0 + 6u, last);
  let c7 = min(ci0 + 7u, last);

  var a0 = vec4f(0.0); var a1 = vec4f(0.0); var a2 = vec4f(0.0); var a3 = vec4f(0.0);
  var a4 = vec4f(0.0); var a5 = vec4f(0.0); var a6 = vec4f(0.0); var a7 = vec4f(0.0);

  let rh = validRange(kh, u.PT, u.H, u.OH);
  let rw = validRange(kw, u.PL, u.W, u.OW);
  let r0 = s * u.rowsPer;
  let r1 = min(r0 + u.rowsPer, u.N * u.OH);
  for (var r = r0; r < r1; r++) {
    let n = r / u.OH;
    let oh = r % u.OH;
    if (oh >= rh.x && oh < rh.y) {
      let ih = u32(i32(oh * u.S + kh) - u.PT);
      let xRow = (n * u.H + ih) * u.W;
      let dzRow = (n * u.OH + oh) * u.OW;
      for (var ow = rw.x; ow < rw.y; ow++) {
        let iw = u32(i32(ow * u.S + kw) - u.PL);
        let xp = (xRow + iw) * u.CI;
        let dp = (dzRow + ow) * u.CO;
        let dv = vec4f(dz[dp + co0], dz[dp + o1], dz[dp + o2], dz[dp + o3]);
        a0 += dv * x[xp + ci0];
        a1 += dv * x[xp + c1];
        a2 += dv * x[xp + c2];
        a3 += dv * x[xp + c3];
        a4 += dv * x[xp + c4];
        a5 += dv * x[xp + c5];
        a6 += dv * x[xp + c6];
        a7 += dv * x[xp + c7];
      }
    }
  }

  let base = s * u.slice;
  let row = (kh * u.KW + kw) * u.CI + ci0;
  let m = u.CI - ci0;
  store(base, row, co0, a0);
  if (m > 1u) { store(base, row + 1u, co0, a1); }
  if (m > 2u) { store(base, row + 2u, co0, a2); }
  if (m > 3u) { store(base, row + 3u, co0, a3); }
  if (m > 4u) { store(base, row + 4u, co0, a4); }
  if (m > 5u) { store(base, row + 5u, co0, a5); }
  if (m > 6u) { store(base, row + 6u, co0, a6); }
  if (m > 7u) { store(base, row + 7u, co0, a7); }
}
