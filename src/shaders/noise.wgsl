// noise: y = clean image + seeded noise, one invocation per element of x [N, H, W, C] (float32, NHWC).
//   RNG: Philox4x32-10 (Salmon et al., SC'11, "Parallel random numbers: as easy as 1, 2, 3"), a
//   counter-based generator: 4 u32 = philox(counter, key), no state, so any element can be drawn
//   alone and the same (seed, step) reproduces bit-exactly.
//     key     = (seed, step)
//     counter = (index, stream, draw, 0)   index: element i (pixel p = i / C for salt & pepper),
//                                          stream: 0 gaussian, 1 salt & pepper, 2 poisson, 3 speckle
//                                          (4 is the host's per-image sigma stream, see noise.ts),
//                                          draw: 0, 1, ... when an element needs more than 4 words.
//   Uniforms from a word: u01(r) = (r >> 8) * 2^-24 in [0, 1); u01c(r) = ((r >> 8) + 1) * 2^-24 in (0, 1].
//   Normals: Box-Muller z = sqrt(-2 ln u01c(r.x)) cos(2 pi u01(r.y)), |z| <= 5.77 (24-bit uniforms);
//     ln and cos by short series (lnUnit, cos2pi) so z is accurate to ~1e-6 on any adapter, where
//     WGSL's builtins promise only 2^-21 (log near 1) and 2^-11 (cos) absolute.
//   KIND 0 gaussian   y = x + s[n] z                 s[n] = sigma_n / 255 (host buffer; per image for blind)
//   KIND 1 saltPepper pixel p hit when (r.x >> 8) < thr (thr = round(amount 2^24)); a hit sets every
//                     channel of the pixel to 1 (salt) if r.y >> 31 == 1 else 0 (pepper); else y = x
//   KIND 2 poisson    lambda = max(x, 0) peak; y = k / peak with k ~ Poisson(lambda):
//                       lambda <= 30: Knuth's product of uniforms (u01c), <= 256 uniforms (P(k > 255) < 1e-100)
//                       lambda >  30: k = max(0, floor(lambda + sqrt(lambda) z + 0.5)) (normal approximation)
//   KIND 3 speckle    y = x + x s[n] z               (multiplicative; s[n] = sigma_n / 255)
//   NaN in x stays NaN (poisson tests it on the bits; others by arithmetic; salt & pepper overwrites
//   the pixels it hits). Nothing is clipped.
// Layouts: x, y [count] = [N * imageSize]; s [N] float32.
// Bindings: 0 uniform U, 1 x (read), 2 s (read), 3 y (read_write).
// Dispatch: ceil(count / WG) workgroups, folded to 2-D by the runtime.
// Cost: one Philox call (10 rounds x 2 32x32->64 multiplies done as 4 16-bit products) per element,
//   + ~40 FLOP for a normal, up to 64 calls for small-lambda poisson; 8 bytes per element.
// Backward: none (data-side op).
struct U { count: u32, C: u32, imageSize: u32, seed: u32, step: u32, thr: u32, peak: f32 }

override WG: u32 = 256u;
override KIND: u32 = 0u;
// KIND codes (src/engine/kernels.ts NOISE; tests/kernels.node.test.ts checks they agree):
const NOISE_GAUSSIAN: u32 = 0u;
const NOISE_SALT_PEPPER: u32 = 1u;
const NOISE_POISSON: u32 = 2u;
const NOISE_SPECKLE: u32 = 3u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> s: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

// (hi, lo) of the 64-bit product a * b from 16-bit halves: WGSL has no 64-bit integers.
fn mulhilo(a: u32, b: u32) -> vec2u {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let ll = al * bl;
  let hl = ah * bl;
  let lh = al * bh;
  let hh = ah * bh;
  let mid = (ll >> 16u) + (hl & 0xffffu) + lh; // < 2^32: lh <= (2^16-1)^2, the others < 2^16
  return vec2u(hh + (hl >> 16u) + (mid >> 16u), a * b);
}

fn philox(counter: vec4u, key: vec2u) -> vec4u {
  var c = counter;
  var k = key;
  for (var r = 0u; r < 10u; r++) {
    if (r > 0u) { k = k + vec2u(0x9E3779B9u, 0xBB67AE85u); }
    let p0 = mulhilo(0xD2511F53u, c.x);
    let p1 = mulhilo(0xCD9E8D57u, c.z);
    c = vec4u(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
  }
  return c;
}

const TWO_M24: f32 = 5.9604644775390625e-8; // 2^-24
const TWO_M22: f32 = 2.384185791015625e-7; // 2^-22
const HALF_PI: f32 = 1.5707963267948966;

fn u01(r: u32) -> f32 { return f32(r >> 8u) * TWO_M24; }
fn u01c(r: u32) -> f32 { return f32((r >> 8u) + 1u) * TWO_M24; }

// ln(v) for v in (0, 1] with a small relative error everywhere. WGSL only promises log an absolute
// error of 2^-21 on [0.5, 2], which near v = 1 (ln v ~ -1e-6) would be a large relative error in
// sqrt(-2 ln v), i.e. in every small normal deviate. Above 0.5: ln v = 2 atanh(t), t = (v-1)/(v+1),
// |t| <= 1/3, series to t^15 (truncation < 2e-9 relative; v - 1 is exact).
fn lnUnit(v: f32) -> f32 {
  if (v <= 0.5) { return log(v); }
  let t = (v - 1.0) / (v + 1.0);
  let t2 = t * t;
  let p = 1.0 + t2 * (1.0 / 3.0 + t2 * (1.0 / 5.0 + t2 * (1.0 / 7.0 + t2 * (1.0 / 9.0 + t2 * (1.0 / 11.0 + t2 * (1.0 / 13.0 + t2 * (1.0 / 15.0)))))));
  return 2.0 * t * p;
}

// cos(2 pi u01(r)) without the builtin (WGSL promises cos only 2^-11 absolute): quadrant q = r >> 30,
// phi = (pi/2) f with f the next 22 bits in [0, 1), Taylor series on [0, pi/2) (< 1e-8 absolute).
fn cos2pi(r: u32) -> f32 {
  let q = r >> 30u;
  let phi = HALF_PI * f32((r >> 8u) & 0x3fffffu) * TWO_M22;
  let p2 = phi * phi;
  let c = 1.0 - p2 / 2.0 * (1.0 - p2 / 12.0 * (1.0 - p2 / 30.0 * (1.0 - p2 / 56.0 * (1.0 - p2 / 90.0 * (1.0 - p2 / 132.0 * (1.0 - p2 / 182.0))))));
  let s = phi * (1.0 - p2 / 6.0 * (1.0 - p2 / 20.0 * (1.0 - p2 / 42.0 * (1.0 - p2 / 72.0 * (1.0 - p2 / 110.0 * (1.0 - p2 / 156.0))))));
  switch q {
    case 0u: { return c; }
    case 1u: { return -s; }
    case 2u: { return -c; }
    default: { return s; }
  }
}

fn normal(r: vec4u) -> f32 {
  return sqrt(-2.0 * lnUnit(u01c(r.x))) * cos2pi(r.y);
}

fn poisson(i: u32, lam: f32, key: vec2u) -> f32 {
  if (lam > 30.0) {
    let z = normal(philox(vec4u(i, 2u, 0u, 0u), key));
    return max(0.0, floor(lam + sqrt(lam) * z + 0.5));
  }
  // Knuth: k = (number of uniforms whose running product stays above e^-lambda).
  let limit = exp(-lam);
  var p = 1.0;
  for (var d = 0u; d < 64u; d++) {
    let r = philox(vec4u(i, 2u, d, 0u), key);
    for (var q = 0u; q < 4u; q++) {
      p = p * u01c(r[q]);
      if (p <= limit) { return f32(d * 4u + q); }
    }
  }
  return 256.0;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= u.count) { return; }
  let key = vec2u(u.seed, u.step);
  let v = x[i];
  let n = i / u.imageSize;
  var r: f32;
  switch KIND {
    case NOISE_SALT_PEPPER: {
      let bits = philox(vec4u(i / u.C, 1u, 0u, 0u), key);
      r = select(v, f32(bits.y >> 31u), (bits.x >> 8u) < u.thr);
    }
    case NOISE_POISSON: {
      // NaN tested on the bits: compilers may fold v != v away.
      let isNan = (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
      r = select(poisson(i, max(v, 0.0) * u.peak, key) / u.peak, v, isNan);
    }
    case NOISE_SPECKLE: {
      r = v + v * s[n] * normal(philox(vec4u(i, 3u, 0u, 0u), key));
    }
    case NOISE_GAUSSIAN, default: {
      r = v + s[n] * normal(philox(vec4u(i, 0u, 0u, 0u), key));
    }
  }
  y[i] = r;
}
