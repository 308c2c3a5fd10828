// conv2d_shared64: conv2d_shared.wgsl with 64 x 64 workgroup tiles and 8 x 8 outputs per
// invocation: twice the multiply-adds per load of workgroup memory and per global load, for a
// quarter of the workgroups (large layers; the autotuner measures which one a shape wants).
//   y[n,oh,ow,co] = act(b[co] + sum_{kh,kw,ci} x[n, oh*S+kh-PT, ow*S+kw-PL, ci] * w[kh,kw,ci,co])
//   GEMM view: A [M, K] with M = N*OH*OW output pixels and K = KH*KW*CI taps (ci fastest), gathered
//   from x on the fly; B [K, CO] = w as stored; y = A B.
// Tiling: a workgroup of 64 computes a 64-pixel x 64-channel block of y. Per step of 16 taps it
//   stages A's 64 x 16 and B's 16 x 64 values in workgroup memory (16 loads each per invocation,
//   neighbours reading neighbouring addresses: ci for A, co for B), then each invocation adds
//   8 pixels x 8 channels (two vec4 per pixel) over the 16 taps: 1024 multiply-adds per 64 loads.
//   One k = (kh, kw, ci) decomposition per invocation and step; the pixel decomposition is done
//   once. Padding taps, pixels past M, taps past K and channels past CO load zeros; only y inside
//   [M, CO] is stored, so any CO works.
//   ACT: 0 none, 1 relu (relu(0) = 0, NaN passes), 2 sigmoid. b skipped when hasBias = 0 (then any
//   read-only buffer may be bound to it).
// Layouts: x [N,H,W,CI], w [KH,KW,CI,CO], b [CO], y [N,OH,OW,CO], row-major.
// Bindings: 0 uniform U, 1 x (read), 2 w (read), 3 b (read), 4 y (read_write).
// Dispatch: MB*NB workgroups of WG = 64 (the tile mapping below assumes 64), MB = ceil(M/64)
//   pixel blocks times NB = ceil(CO/64) channel blocks (fastest).
// Cost: 2*N*OH*OW*CO*KH*KW*CI FLOP (minus padding); per 16-tap step a workgroup reads 2048 floats
//   and does 65536 multiply-adds, two barriers.
// Backward: as conv2d.wgsl (dx: conv2d_transpose_shared64.wgsl or the tiled ones, dw:
//   conv2d_backward_filter_tiled*.wgsl, db: conv2d_bias_grad.wgsl).
struct U { H: u32, W: u32, CI: u32, OH: u32, OW: u32, CO: u32, KH: u32, KW: u32, S: u32, PT: i32, PL: i32, hasBias: u32, M: u32, K: u32, MB: u32, NB: u32 }

override WG: u32 = 64u;
override ACT: u32 = 0u;
// ACT codes (src/engine/kernels.ts ACT; tests/kernels.node.test.ts checks they agree):
const ACT_NONE: u32 = 0u;
const ACT_RELU: u32 = 1u;
const ACT_SIGMOID: u32 = 2u;
const BM: u32 = 64u; // pixels per workgroup tile
const BN: u32 = 64u; // channels per workgroup tile
const BK: u32 = 16u; // taps per step

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

// As[kk*16 + (m/4 ^ (kk & 7))][m%4] = A[m0+m, k0+kk]; Bs[kk*16 + c/4][c%4] = B[k0+kk, n0+c]. As's
// vec4 slot is XORed with its row (swizzled) so that the 16 rows a warp stores at once fall in
// different banks: unswizzled, all 16 lanes of a pixel hit one bank.
var<workgroup> As: array<vec4f, 256>;
var<workgroup> Bs: array<vec4f, 256>;

fn activate(z: f32) -> f32 {
  switch ACT {
    case ACT_RELU: { return select(0.0, z, !(z <= 0.0)); }
    case ACT_SIGMOID: {
      let e = exp(-abs(z));
      return select(e / (1.0 + e), 1.0 / (1.0 + e), z >= 0.0);
    }
    case ACT_NONE, default: { return z; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let tile = wid.y * nwg.x + wid.x;
  if (tile >= u.MB * u.NB) { return; } // the whole workgroup: a fold of the grid past its end
  let n0 = (tile % u.NB) * BN;
  let m0 = (tile / u.NB) * BM;

  // A loads: tap column ka = lid % 16 of pixel rows ma + 4i (i < 16): vector i, component ma.
  let ka = lid % BK;
  let ma = lid / BK;
  var ih0: array<i32, 16>; // input row of tap (0, 0); -1e6 for pixels past M (never inside)
  var iw0: array<i32, 16>;
  var xn: array<u32, 16>; // n * H
  for (var i = 0u; i < 16u; i++) {
    let m = m0 + ma + 4u * i;
    let ow = m % u.OW;
    let t = m / u.OW;
    ih0[i] = select(-1000000, i32((t % u.OH) * u.S) - u.PT, m < u.M);
    iw0[i] = i32(ow * u.S) - u.PL;
    xn[i] = (t / u.OH) * u.H;
  }
  // B loads: channel lid of all 16 tap rows.
  let co = n0 + lid;
  // Compute: pixels 8*tm .. +7 times channels 8*tn .. +3 (lo) and +4 .. +7 (hi).
  let tm = lid / 8u;
  let tn = lid % 8u;
  var lo: array<vec4f, 8>;
  var hi: array<vec4f, 8>;

  for (var k0 = 0u; k0 < u.K; k0 += BK) {
    let k = k0 + ka;
    let ci = k % u.CI;
    let tap = k / u.CI;
    let kh = i32(tap / u.KW);
    let kw = i32(tap % u.KW);
    for (var i = 0u; i < 16u; i++) {
      let ih = ih0[i] + kh;
      let iw = iw0[i] + kw;
      var v = 0.0;
      if (k < u.K && ih >= 0 && ih < i32(u.H) && iw >= 0 && iw < i32(u.W)) {
        v = x[((xn[i] + u32(ih)) * u.W + u32(iw)) * u.CI + ci];
      }
      As[ka * 16u + (i ^ (ka & 7u))][ma] = v;
    }
    for (var kk = 0u; kk < BK; kk++) {
      var v = 0.0;
      if (k0 + kk < u.K && co < u.CO) { v = w[(k0 + kk) * u.CO + co]; }
      Bs[kk * 16u + lid / 4u][lid % 4u] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      let a0 = As[kk * 16u + ((2u * tm) ^ (kk & 7u))];
      let a1 = As[kk * 16u + ((2u * tm + 1u) ^ (kk & 7u))];
      let b0 = Bs[kk * 16u + 2u * tn];
      let b1 = Bs[kk * 16u + 2u * tn + 1u];
      lo[0] += a0.x * b0; hi[0] += a0.x * b1;
      lo[1] += a0.y * b0; hi[1] += a0.y * b1;
      lo[2] += a0.z * b0; hi[2] += a0.z * b1;
      lo[3] += a0.w * b0; hi[3] += a0.w * b1;
      lo[4] += a1.x * b0; hi[4] += a1.x * b1;
      lo[5] += a1.y * b0; hi[5] += a1.y * b1;
      lo[6] += a1.z * b0; hi[6] += a1.z * b1;
      lo[7] += a1.w * b0; hi[7] += a1.w * b1;
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 8u; i++) {
    let m = m0 + 8u * tm + i;
    if (m >= u.M) { break; }
    for (var c = 0u; c < 8u; c++) {
      let o = n0 + 8u * tn + c;
      if (o < u.CO) {
        var z = select(lo[i][c % 4u], hi[i][c % 4u], c >= 4u);
        if (u.hasBias != 0u) { z += b[o]; }
        y[m * u.CO + o] = activate(z);
      }
    }
  }
}
