// conv2d_transpose_shared: conv2d_transpose.wgsl as an implicit GEMM tiled in workgroup memory, the
// shape real GPUs want (conv2d_transpose_tiled.wgsl keeps everything in registers). Serves conv2d's
// input gradient and Keras Conv2DTranspose's forward. All sizes are those of the conv it is the
// adjoint of ([N,H,W,CI] -> [N,OH,OW,CO], weights [KH,KW,CI,CO], stride S, padding PT/PL before):
//   y[n,ih,iw,ci] = act(b[ci] + sum_{kh,kw,co} x[n, oh, ow, co] * w[kh,kw,ci,co])
//   over the taps with oh = (ih+PT-kh)/S and ow = (iw+PL-kw)/S exact and inside [0,OH) x [0,OW).
// Phases: output pixels are grouped by (ih mod S, iw mod S). The pixels of one phase use the same
//   taps, kh = kh0 + S*jh with kh0 = (rh+PT) mod S (likewise kw), so each phase is a GEMM with
//   A [M, K]: M = N*QH*QW pixels ih = rh + S*qh, iw = rw + S*qw (QH = ceil(H/S), QW = ceil(W/S);
//   those past H or W are masked) and K = TH*TW*CO (its taps times co, co fastest), gathered from x;
//   B [K, CI] = w read across ci. No tap that cannot contribute is visited (3/4 of them for S = 2).
// Tiling: as conv2d_shared.wgsl. A workgroup of 64 computes 32 pixels x 32 channels of one phase,
//   staging A's 32 x 16 and B's 16 x 32 values per step in workgroup memory (neighbours read
//   neighbouring co, contiguous in both x and w), each invocation 4 pixels x 4 channels.
//   ACT: 0 none, 1 relu, 2 sigmoid. b skipped when hasBias = 0.
// Layouts: x [N,OH,OW,CO], w [KH,KW,CI,CO] (= a Keras transposed-conv weight [KH,KW,Cout_t,Cin_t]),
//   b [CI], y [N,H,W,CI], row-major.
// Bindings: 0 uniform U, 1 x (read), 2 w (read), 3 b (read), 4 y (read_write).
// Dispatch: S*S*MB*NB workgroups of WG = 64 (the tile mapping assumes 64): per phase (slowest)
//   MB = ceil(N*QH*QW/32) pixel blocks times NB = ceil(CI/32) channel blocks (fastest).
// Cost: 2*N*OH*OW*CO*KH*KW*CI FLOP (minus padding), as the conv it is the adjoint of; per 16-tap
//   step a workgroup reads 1024 floats and does 16384 multiply-adds, two barriers.
// Backward (as conv2dTranspose's forward): dz from the saved y, dx = conv2d_shared.wgsl or the
//   tiled ones (dz, w), dw = conv2d_backward_filter_tiled*.wgsl(dz, x), db = conv2d_bias_grad.wgsl(dz).
struct U { N: u32, H: u32, W: u32, CI: u32, OH: u32, OW: u32, CO: u32, KH: u32, KW: u32, S: u32, PT: i32, PL: i32, hasBias: u32, QH: u32, QW: u32, MB: u32, NB: u32 }

override WG: u32 = 64u;
override ACT: u32 = 0u;
// ACT codes (src/engine/kernels.ts ACT; tests/kernels.node.test.ts checks they agree):
const ACT_NONE: u32 = 0u;
const ACT_RELU: u32 = 1u;
const ACT_SIGMOID: u32 = 2u;
const BM: u32 = 32u; // pixels per workgroup tile
const BN: u32 = 32u; // channels per workgroup tile
const BK: u32 = 16u; // reduction steps (tap, co) per stage

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

// As[kk*8 + (m/4 ^ (kk & 7))][m%4] = A[m0+m, k0+kk]; Bs[kk*8 + (c/4 ^ (kk & 7))][c%4] = B[k0+kk, n0+c].
// The vec4 slot is XORed with its row (swizzled) so that the 16 rows a warp stores at once fall in
// different banks: unswizzled, all 16 lanes of a pixel (or channel) hit one bank.
var<workgroup> As: array<vec4f, 128>;
var<workgroup> Bs: array<vec4f, 128>;

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
  let perPhase = u.MB * u.NB;
  if (tile >= u.S * u.S * perPhase) { return; } // the whole workgroup: a fold of the grid past its end
  let phase = tile / perPhase;
  let rh = phase / u.S;
  let rw = phase % u.S;
  let n0 = (tile % u.NB) * BN;
  let m0 = ((tile % perPhase) / u.NB) * BM;
  let S = i32(u.S);
  // The phase's taps: kh = kh0 + S*jh for jh < TH (likewise kw).
  let kh0 = (rh + u32(u.PT)) % u.S;
  let kw0 = (rw + u32(u.PL)) % u.S;
  let TH = select(0u, (u.KH - kh0 + u.S - 1u) / u.S, kh0 < u.KH);
  let TW = select(0u, (u.KW - kw0 + u.S - 1u) / u.S, kw0 < u.KW);
  let K = TH * TW * u.CO;
  let M = u.N * u.QH * u.QW;

  // A loads: column ka = lid % 16 of pixel rows ma + 4i (i < 8): vector i, component ma.
  let ka = lid % BK;
  let ma = lid / BK;
  var oh0: array<i32, 8>; // (ih + PT - kh0) / S: x row of tap jh = 0 (tap jh reads row oh0 - jh)
  var ow0: array<i32, 8>;
  var xn: array<u32, 8>; // n * OH
  for (var i = 0u; i < 8u; i++) {
    let m = m0 + ma + 4u * i;
    let qw = m % u.QW;
    let t = m / u.QW;
    let ih = rh + u.S * (t % u.QH);
    let iw = rw + u.S * qw;
    let ok = m < M && ih < u.H && iw < u.W;
    // ih + PT - kh0 is a multiple of S by the choice of kh0, and >= 0 when ih + PT >= kh0.
    oh0[i] = select(-1000000, (i32(ih) + u.PT - i32(kh0)) / S, ok && i32(ih) + u.PT >= i32(kh0));
    ow0[i] = select(-1000000, (i32(iw) + u.PL - i32(kw0)) / S, i32(iw) + u.PL >= i32(kw0));
    xn[i] = (t / u.QH) * u.OH;
  }
  // B loads: reduction row kb = lid % 16 of channel columns cb + 4j (j < 8).
  let kb = lid % BK;
  let cb = lid / BK;
  let tm = lid / 8u;
  let tn = lid % 8u;
  var acc: array<vec4f, 4>;

  for (var k0 = 0u; k0 < K; k0 += BK) {
    // One (jh, jw, co) per invocation and step, shared by its A and B loads (ka == kb).
    let k = k0 + ka;
    let co = k % u.CO;
    let tap = k / u.CO;
    let jh = i32(tap / TW);
    let jw = i32(tap % TW);
    for (var i = 0u; i < 8u; i++) {
      let oh = oh0[i] - jh;
      let ow = ow0[i] - jw;
      var v = 0.0;
      if (k < K && oh >= 0 && oh < i32(u.OH) && ow >= 0 && ow < i32(u.OW)) {
        v = x[((xn[i] + u32(oh)) * u.OW + u32(ow)) * u.CO + co];
      }
      As[ka * 8u + (i ^ (ka & 7u))][ma] = v;
    }
    let wTap = ((kh0 + u.S * u32(jh)) * u.KW + kw0 + u.S * u32(jw)) * u.CI;
    for (var j = 0u; j < 8u; j++) {
      let c = cb + 4u * j;
      let ci = n0 + c;
      var v = 0.0;
      if (k < K && ci < u.CI) { v = w[(wTap + ci) * u.CO + co]; }
      Bs[kb * 8u + ((c / 4u) ^ (kb & 7u))][c % 4u] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      let a = As[kk * 8u + (tm ^ (kk & 7u))];
      let bv = Bs[kk * 8u + (tn ^ (kk & 7u))];
      acc[0] += a.x * bv;
      acc[1] += a.y * bv;
      acc[2] += a.z * bv;
      acc[3] += a.w * bv;
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i++) {
    let m = m0 + 4u * tm + i;
    let qw = m % u.QW;
    let t = m / u.QW;
    let ih = rh + u.S * (t % u.QH);
    let iw = rw + u.S * qw;
    if (m >= M || ih >= u.H || iw >= u.W) { continue; }
    let pix = ((t / u.QH) * u.H + ih) * u.W + iw;
    for (var c = 0u; c < 4u; c++) {
      let ci = n0 + 4u * tn + c;
      if (ci < u.CI) {
        var z = acc[i][c];
        if (u.hasBias != 0u) { z += b[ci]; }
        y[pix * u.CI + ci] = activate(z);
      }
    }
  }
}
