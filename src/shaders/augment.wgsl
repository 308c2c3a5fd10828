// augment: per-image affine resampling of x [N, H, W, C] (NHWC float32) by inverse mapping with
//   bilinear sampling. One invocation per output element (n, r, c, ch):
//     sy = m[n,0] r + m[n,1] c + m[n,2]        (source row,    float)
//     sx = m[n,3] r + m[n,4] c + m[n,5]        (source column, float)
//     y0 = floor(sy), fy = sy - y0 (likewise x0, fx), taps (y0 | y0+1) x (x0 | x0+1) mapped into the
//     image by the fill mode, then
//     y[n,r,c,ch] = (1-fy) ((1-fx) v00 + fx v01) + fy ((1-fx) v10 + fx v11)
//   A tap's weight of exactly 0 or 1 keeps values exact, so integer matrices (flips, 90-degree
//   rotations, whole-pixel shifts, identity) permute values bit-exactly. The host composes the
//   matrices (src/engine/ops/augment.ts) in float64 and stores them as float32.
//   FILL 0 nearest: tap index clamped to [0, n-1] (edge replicated; Keras' default)
//   FILL 1 reflect: half-sample symmetric, ... c b a | a b c ... | ... c b a (scipy/Keras 'reflect')
// Layouts: x, y [N, H, W, C]; m [N, 8] float32 (6 used, 2 padding).
// Bindings: 0 uniform U, 1 x (read), 2 m (read), 3 y (read_write).
// Dispatch: ceil(count / WG) workgroups, folded to 2-D by the runtime; count = N H W C.
// Cost: ~20 FLOP and 4 reads + 1 write per element.
// Backward: none (data-side op).
struct U { count: u32, H: u32, W: u32, C: u32, fill: u32 }

// fill codes (src/engine/kernels.ts FILL; tests/kernels.node.test.ts checks they agree):
const FILL_NEAREST: u32 = 0u;
const FILL_REFLECT: u32 = 1u;

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

// Maps a tap index (any i32) into [0, n).
fn tap(i: i32, n: i32) -> u32 {
  if (u.fill == FILL_REFLECT) {
    let period = 2 * n;
    var k = i % period;
    if (k < 0) { k += period; }
    if (k >= n) { k = period - 1 - k; }
    return u32(k);
  }
  return u32(clamp(i, 0, n - 1));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= u.count) { return; }
  let ch = i % u.C;
  let pix = i / u.C;
  let c = pix % u.W;
  let r = (pix / u.W) % u.H;
  let n = pix / (u.W * u.H);
  let mb = n * 8u;
  let fr = f32(r);
  let fc = f32(c);
  // Clamped so the i32 conversion below is defined for any matrix; far-away taps land on the fill anyway.
  let sy = clamp(m[mb] * fr + m[mb + 1u] * fc + m[mb + 2u], -1.0e7, 1.0e7);
  let sx = clamp(m[mb + 3u] * fr + m[mb + 4u] * fc + m[mb + 5u], -1.0e7, 1.0e7);
  let y0f = floor(sy);
  let x0f = floor(sx);
  let fy = sy - y0f;
  let fx = sx - x0f;
  let H = i32(u.H);
  let W = i32(u.W);
  let ya = tap(i32(y0f), H);
  let yb = tap(i32(y0f) + 1, H);
  let xa = tap(i32(x0f), W);
  let xb = tap(i32(x0f) + 1, W);
  let base = n * u.H;
  let v00 = x[((base + ya) * u.W + xa) * u.C + ch];
  let v01 = x[((base + ya) * u.W + xb) * u.C + ch];
  let v10 = x[((base + yb) * u.W + xa) * u.C + ch];
  let v11 = x[((base + yb) * u.W + xb) * u.C + ch];
  y[i] = (1.0 - fy) * ((1.0 - fx) * v00 + fx * v01) + fy * ((1.0 - fx) * v10 + fx * v11);
}
