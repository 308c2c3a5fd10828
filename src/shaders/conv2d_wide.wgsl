// conv2d_wide: conv2d.wgsl as an implicit GEMM in workgroup memory, for GPUs that want many
// invocations in flight: 256 invocations a workgroup (conv2d_shared*.wgsl have 64), the next
// step's global loads issued before this step's multiply-adds, and split-K where the output is
// too small to fill the device.
//   y[n,oh,ow,co] = act(b[co] + sum_{kh,kw,ci} x[n, oh*S+kh-PT, ow*S+kw-PL, ci] * w[kh,kw,ci,co])
//   GEMM view: A [M, K] with M = N*OH*OW output pixels and K = KH*KW*CI taps (ci fastest), gathered
//   from x on the fly; B [K, CO] = w as stored; y = A B.
// Tiling: a workgroup computes a 64-pixel x 64-channel block of y, each invocation 4 pixels x
//   4 channels. Per step of 16 taps it stages A's 64 x 16 and B's 16 x 64 values in workgroup
//   memory: 4 loads of each per invocation, held in registers from the previous step (loaded
//   while that step computed), so global latency hides behind the multiply-adds.
// Split-K: KS > 1 cuts the taps into KS slices of KPER (a multiple of 16): workgroup slice s sums
//   taps [s*KPER, min(K, (s+1)*KPER)) and writes its raw partial sums to y[s, M, CO] (no bias, no
//   activation); conv2d_split_sum.wgsl then adds the slices, the bias and the activation.
//   With KS = 1, y [M, CO] gets act(b + sum) directly. Padding taps, pixels past M, taps past the
//   slice and channels past CO load zeros; only y inside [M, CO] is stored, so any CO works.
//   ACT: 0 none, 1 relu (relu(0) = 0, NaN passes), 2 sigmoid. b skipped when hasBias = 0 (then any
//   read-only buffer may be bound to it).
// Layouts: x [N,H,W,CI], w [KH,KW,CI,CO], b [CO], y [KS,N,OH,OW,CO] (KS = 1: [N,OH,OW,CO]), row-major.
// Bindings: 0 uniform U, 1 x (read), 2 w (read), 3 b (read), 4 y (read_write).
// Dispatch: KS*MB*NB workgroups of WG = 256 (the tile mapping below assumes 256), MB = ceil(M/64)
//   pixel blocks times NB = ceil(CO/64) channel blocks (fastest), slice slowest.
// Cost: 2*N*OH*OW*CO*KH*KW*CI FLOP (minus padding); per 16-tap step a workgroup reads 2048 floats
//   and does 65536 multiply-adds, two barriers; split-K adds KS*M*CO floats written and read.
// Backward: as conv2d.wgsl (dx: the tiled or shared conv2d_transpose kernels, dw:
//   conv2d_backward_filter_tiled*.wgsl, db: conv2d_bias_grad.wgsl).
struct U { H: u32, W: u32, CI: u32, OH: u32, OW: u32, CO: u32, KH: u32, KW: u32, S: u32, PT: i32, PL: i32, hasBias: u32, M: u32, K: u32, MB: u32, NB: u32, KS: u32, KPER: u32 }

override WG: u32 = 256u;
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

// This invocation's 4 values of A at tap k (< kEnd, else zeros): pixels ma + 16i, whose tap-(0,0)
// input rows, columns and image offsets are ih0, iw0, xn.
fn loadA(k: u32, kEnd: u32, ih0: vec4i, iw0: vec4i, xn: vec4u) -> vec4f {
  var r = vec4f(0.0);
  if (k < kEnd) {
    let ci = k % u.CI;
    let tap = k / u.CI;
    let ih = ih0 + vec4i(i32(tap / u.KW));
    let iw = iw0 + vec4i(i32(tap % u.KW));
    for (var i = 0u; i < 4u; i++) {
      if (ih[i] >= 0 && ih[i] < i32(u.H) && iw[i] >= 0 && iw[i] < i32(u.W)) {
        r[i] = x[((xn[i] + u32(ih[i])) * u.W + u32(iw[i])) * u.CI + ci];
      }
    }
  }
  return r;
}

// This invocation's 4 values of B: channel co at taps k, k+4, k+8, k+12 (those < kEnd).
fn loadB(k: u32, kEnd: u32, co: u32) -> vec4f {
  var r = vec4f(0.0);
  if (co < u.CO) {
    for (var j = 0u; j < 4u; j++) {
      if (k + 4u * j < kEnd) { r[j] = w[(k + 4u * j) * u.CO + co]; }
    }
  }
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let tile = wid.y * nwg.x + wid.x;
  let blocks = u.MB * u.NB;
  if (tile >= u.KS * blocks) { return; } // the whole workgroup: a fold of the grid past its end
  let slice = tile / blocks;
  let n0 = (tile % blocks % u.NB) * BN;
  let m0 = (tile % blocks / u.NB) * BM;
  let kBeg = slice * u.KPER;
  let kEnd = min(u.K, kBeg + u.KPER);

  // A loads: tap column ka = lid % 16 of pixel rows ma + 16i (i < 4).
  let ka = lid % BK;
  let ma = lid / BK;
  var ih0: vec4i; // input row of tap (0, 0); -1e6 for pixels past M (never inside)
  var iw0: vec4i;
  var xn: vec4u; // n * H
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + ma + 16u * i;
    let t = m / u.OW;
    ih0[i] = select(-1000000, i32((t % u.OH) * u.S) - u.PT, m < u.M);
    iw0[i] = i32((m % u.OW) * u.S) - u.PL;
    xn[i] = (t / u.OH) * u.H;
  }
  // B loads: channel cb = lid % 64 of tap rows kb + 4j (j < 4).
  let cb = lid % BN;
  let kb = lid / BN;
  let co = n0 + cb;
  // Compute: pixels 4*tm .. +3 times channels 4*tn .. +3.
  let tm = lid / 16u;
  let tn = lid % 16u;
  var acc: array<vec4f, 4>;

  var ra = loadA(kBeg + ka, kEnd, ih0, iw0, xn);
  var rb = loadB(kBeg + kb, kEnd, co);
  for (var k0 = kBeg; k0 < kEnd; k0 += BK) {
    workgroupBarrier(); // the previous step's reads of As and Bs are done
    for (var i = 0u; i < 4u; i++) { As[ka * 16u + ((ma / 4u + 4u * i) ^ (ka & 7u))][ma % 4u] = ra[i]; }
    for (var j = 0u; j < 4u; j++) { Bs[(kb + 4u * j) * 16u + cb / 4u][cb % 4u] = rb[j]; }
    workgroupBarrier();
    // The next step's loads, in flight during this step's multiply-adds.
    ra = loadA(k0 + BK + ka, kEnd, ih0, iw0, xn);
    rb = loadB(k0 + BK + kb, kEnd, co);
    for (var kk = 0u; kk < BK; kk++) {
      let a = As[kk * 16u + (tm ^ (kk & 7u))];
      let bv = Bs[kk * 16u + tn];
      acc[0] = fma(vec4f(a.x), bv, acc[0]);
      acc[1] = fma(vec4f(a.y), bv, acc[1]);
      acc[2] = fma(vec4f(a.z), bv, acc[2]);
      acc[3] = fma(vec4f(a.w), bv, acc[3]);
    }
  }

  let out0 = slice * u.M; // first row of this slice's [M, CO] block of y
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + 4u * tm + i;
    if (m >= u.M) { break; }
    for (var c = 0u; c < 4u; c++) {
      let o = n0 + 4u * tn + c;
      if (o < u.CO) {
        var z = acc[i][c];
        if (u.KS == 1u) {
          if (u.hasBias != 0u) { z += b[o]; }
          z = activate(z);
        }
        y[(out0 + m) * u.CO + o] = z;
      }
    }
  }
}
