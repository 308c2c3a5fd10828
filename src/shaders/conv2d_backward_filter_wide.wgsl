// conv2d_backward_filter_wide: the conv's weight gradient as a GEMM in workgroup memory, for GPUs
// (conv2d_backward_filter_tiled*.wgsl keep everything in registers, which CPU adapters want).
//   dw[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*S+kh-PT, ow*S+kw-PL, ci] * dz[n,oh,ow,co]
//   GEMM view: dW [K, CO] = A^T dZ with A [M, K] the forward's gathered input (M = N*OH*OW pixels,
//   K = KH*KW*CI taps, ci fastest) and dZ [M, CO]: a long sum over M for a small output.
// Tiling: a workgroup of 256 computes a 64-tap x 64-channel block of dW, each invocation 4 taps x
//   4 channels, over its slice of the pixels in steps of 16: per step it stages A's 16 x 64 and
//   dZ's 16 x 64 values in workgroup memory (4 loads of each per invocation, neighbours reading
//   neighbouring ci and co; loaded during the previous step's multiply-adds). Each invocation's
//   tap is fixed, so its (kh, kw, ci) is decomposed once; its four pixels advance by 16 a step
//   without division.
// Split-K: the M pixels are cut into KS slices of MPER (a multiple of 16); slice s writes its
//   partial dW to dw[s, K, CO] and conv2d_backward_filter_sum.wgsl adds the slices (KS = 1: dw
//   is the result). Padding taps, taps past K, channels past CO and pixels past the slice are zeros.
// Layouts: x [N,H,W,CI], dz [N,OH,OW,CO], dw [KS,KH,KW,CI,CO], row-major.
// Bindings: 0 uniform U, 1 x (read), 2 dz (read), 3 dw (read_write).
// Dispatch: KS*KB*NB workgroups of WG = 256 (the tile mapping below assumes 256), KB = ceil(K/64)
//   tap blocks times NB = ceil(CO/64) channel blocks (fastest), slice slowest.
// Cost: 2*N*OH*OW*CO*KH*KW*CI FLOP (minus padding); per 16-pixel step a workgroup reads 2048
//   floats and does 65536 multiply-adds, two barriers; the split adds KS*K*CO floats written and read.
// Backward: none (a gradient kernel).
struct U { H: u32, W: u32, CI: u32, OH: u32, OW: u32, CO: u32, KH: u32, KW: u32, S: u32, PT: i32, PL: i32, M: u32, K: u32, KB: u32, NB: u32, KS: u32, MPER: u32 }

override WG: u32 = 256u;
const BK: u32 = 64u; // taps per workgroup tile
const BN: u32 = 64u; // channels per workgroup tile
const BM: u32 = 16u; // pixels per step

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dz: array<f32>;
@group(0) @binding(3) var<storage, read_write> dw: array<f32>;

// As[mm*16 + k/4][k%4] = A[m0+mm, k0+k]; Bs[mm*16 + c/4][c%4] = dZ[m0+mm, n0+c].
var<workgroup> As: array<vec4f, 256>;
var<workgroup> Bs: array<vec4f, 256>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let tile = wid.y * nwg.x + wid.x;
  let blocks = u.KB * u.NB;
  if (tile >= u.KS * blocks) { return; } // the whole workgroup: a fold of the grid past its end
  let slice = tile / blocks;
  let n0 = (tile % blocks % u.NB) * BN;
  let k0 = (tile % blocks / u.NB) * BK;
  let mBeg = slice * u.MPER;
  let mEnd = min(u.M, mBeg + u.MPER);

  // Loads: column c = lid % 64 (tap k0 + c of A, channel n0 + c of dZ) of pixel rows r + 4j.
  let c = lid % BK;
  let r = lid / BK;
  let k = k0 + c;
  let kOk = k < u.K;
  let ci = k % u.CI;
  let tap = k / u.CI;
  let kh = i32(tap / u.KW) - u.PT;
  let kw = i32(tap % u.KW) - u.PL;
  let co = n0 + c;
  let coOk = co < u.CO;
  // Pixel rows j: m = mBeg + r + 4j + 16 * step, as (n, oh, ow), advanced by 16 a step.
  var pm: vec4u;
  var pn: vec4u;
  var ph: vec4u;
  var pw: vec4u;
  for (var j = 0u; j < 4u; j++) {
    let m = mBeg + r + 4u * j;
    pm[j] = m;
    pw[j] = m % u.OW;
    ph[j] = (m / u.OW) % u.OH;
    pn[j] = m / (u.OW * u.OH);
  }
  // Compute: taps 4*tk .. +3 times channels 4*tn .. +3.
  let tk = lid / 16u;
  let tn = lid % 16u;
  var acc: array<vec4f, 4>;

  var ra = vec4f(0.0);
  var rb = vec4f(0.0);
  for (var m0 = mBeg; m0 < mEnd; m0 += BM) {
    // This step's values (the first step loads here; later ones were loaded a step ahead).
    if (m0 == mBeg) {
      for (var j = 0u; j < 4u; j++) {
        if (pm[j] < mEnd) {
          let ih = i32(ph[j] * u.S) + kh;
          let iw = i32(pw[j] * u.S) + kw;
          if (kOk && ih >= 0 && ih < i32(u.H) && iw >= 0 && iw < i32(u.W)) {
            ra[j] = x[((pn[j] * u.H + u32(ih)) * u.W + u32(iw)) * u.CI + ci];
          }
          if (coOk) { rb[j] = dz[pm[j] * u.CO + co]; }
        }
      }
    }
    workgroupBarrier(); // the previous step's reads of As and Bs are done
    for (var j = 0u; j < 4u; j++) {
      As[(r + 4u * j) * 16u + c / 4u][c % 4u] = ra[j];
      Bs[(r + 4u * j) * 16u + c / 4u][c % 4u] = rb[j];
    }
    workgroupBarrier();
    // The next step's loads, in flight during this step's multiply-adds.
    ra = vec4f(0.0);
    rb = vec4f(0.0);
    for (var j = 0u; j < 4u; j++) {
      pm[j] += BM;
      pw[j] += BM;
      while (pw[j] >= u.OW) {
        pw[j] -= u.OW;
        ph[j] += 1u;
        if (ph[j] == u.OH) { ph[j] = 0u; pn[j] += 1u; }
      }
      if (pm[j] < mEnd) {
        let ih = i32(ph[j] * u.S) + kh;
        let iw = i32(pw[j] * u.S) + kw;
        if (kOk && ih >= 0 && ih < i32(u.H) && iw >= 0 && iw < i32(u.W)) {
          ra[j] = x[((pn[j] * u.H + u32(ih)) * u.W + u32(iw)) * u.CI + ci];
        }
        if (coOk) { rb[j] = dz[pm[j] * u.CO + co]; }
      }
    }
    for (var mm = 0u; mm < BM; mm++) {
      let a = As[mm * 16u + tk];
      let bv = Bs[mm * 16u + tn];
      acc[0] = fma(vec4f(a.x), bv, acc[0]);
      acc[1] = fma(vec4f(a.y), bv, acc[1]);
      acc[2] = fma(vec4f(a.z), bv, acc[2]);
      acc[3] = fma(vec4f(a.w), bv, acc[3]);
    }
  }

  for (var i = 0u; i < 4u; i++) {
    let kk = k0 + 4u * tk + i;
    if (kk >= u.K) { break; }
    for (var cc = 0u; cc < 4u; cc++) {
      let o = n0 + 4u * tn + cc;
      if (o < u.CO) { dw[(slice * u.K + kk) * u.CO + o] = acc[i][cc]; }
    }
  }
}
