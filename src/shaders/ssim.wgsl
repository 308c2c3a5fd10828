// ssim: per-window SSIM (Wang, Bovik, Sheikh, Simoncelli 2004) of images a, b [N, H, W, C] and its
//   per-workgroup partial sums; ssim_mean.wgsl turns those into the per-image mean.
//   Window: 11x11 Gaussian, sigma 1.5, normalised (G below, float32 of exp(-(k-5)^2 / 4.5) / sum);
//   'valid' windows only: the map is [N, OH, OW, C], OH = H - 10, OW = W - 10, one value per channel.
//   For the window at (oh, ow) of channel ch, with weights w = G[i] G[j]:
//     mu_a = sum w a, sigma_a^2 = sum w a^2 - mu_a^2, sigma_ab = sum w a b - mu_a mu_b (likewise b)
//     ssim = (2 mu_a mu_b + C1)(2 sigma_ab + C2) / ((mu_a^2 + mu_b^2 + C1)(sigma_a^2 + sigma_b^2 + C2))
//     C1 = (0.01 L)^2, C2 = (0.03 L)^2, data range L = 1.
//   Precision: sums are taken of d = a - a[centre] (likewise b) and divided by the float32 weight
//   sum, i.e. exactly normalised weights; so sigma^2 = E[d^2] - E[d]^2 cancels only as much as the
//   window deviates from its centre pixel, not mu^2 ~ 0.25 against sigma^2 ~ C2 = 9e-4, which in
//   float32 would cost ~1e-4 of SSIM in flat regions.
// Map element e (0 <= e < mapSize = OH OW C) -> ch = e % C, ow = (e / C) % OW, oh = e / (C OW).
// Workgroup g = n * chunks + j computes map elements j WG .. j WG + WG - 1 of image n and writes
//   partial[g] = their sum (tree in workgroup memory).
// Layouts: a, b [N, H, W, C]; partial [N, chunks], chunks = ceil(mapSize / WG).
// Bindings: 0 uniform U, 1 a (read), 2 b (read), 3 partial (read_write).
// Dispatch: total = N * chunks workgroups, folded to 2-D by the runtime; WG must be a power of two.
// Cost: per map element 121 taps x (2 reads, 2 subtractions, 5 multiply-adds) + 11 x 6 ~ 1.2 kFLOP,
//   reads served mostly from cache (neighbouring invocations share windows).
// Backward: none (a metric).
struct U { total: u32, chunks: u32, mapSize: u32, W: u32, C: u32, OW: u32, imageSize: u32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;

var<workgroup> acc: array<f32, WG>;
var<private> G: array<f32, 11> = array<f32, 11>(
  0.00102838008, 0.00759875814, 0.0360007721, 0.109360690, 0.213005538, 0.266011725,
  0.213005538, 0.109360690, 0.0360007721, 0.00759875814, 0.00102838008);

const C1: f32 = 1.0e-4; // (0.01 * 1)^2
const C2: f32 = 9.0e-4; // (0.03 * 1)^2

fn ssimAt(n: u32, e: u32) -> f32 {
  let ch = e % u.C;
  let t = e / u.C;
  let ow = t % u.OW;
  let oh = t / u.OW;
  let rowStride = u.W * u.C;
  let base = n * u.imageSize + (oh * u.W + ow) * u.C + ch; // window's top-left, this channel
  let centre = base + 5u * rowStride + 5u * u.C;
  let ca = a[centre];
  let cb = b[centre];
  var gsum = 0.0;
  for (var j = 0u; j < 11u; j++) { gsum += G[j]; }
  var sw = 0.0;
  var sa = 0.0;
  var sb = 0.0;
  var saa = 0.0;
  var sbb = 0.0;
  var sab = 0.0;
  for (var i = 0u; i < 11u; i++) {
    let row = base + i * rowStride;
    var ra = 0.0;
    var rb = 0.0;
    var raa = 0.0;
    var rbb = 0.0;
    var rab = 0.0;
    for (var j = 0u; j < 11u; j++) {
      let da = a[row + j * u.C] - ca;
      let db = b[row + j * u.C] - cb;
      let g = G[j];
      ra += g * da;
      rb += g * db;
      raa += g * da * da;
      rbb += g * db * db;
      rab += g * da * db;
    }
    let gi = G[i];
    sw += gi * gsum;
    sa += gi * ra;
    sb += gi * rb;
    saa += gi * raa;
    sbb += gi * rbb;
    sab += gi * rab;
  }
  let mda = sa / sw;
  let mdb = sb / sw;
  let va = saa / sw - mda * mda;
  let vb = sbb / sw - mdb * mdb;
  let cov = sab / sw - mda * mdb;
  let ma = ca + mda;
  let mb = cb + mdb;
  return ((2.0 * ma * mb + C1) * (2.0 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = wid.y * nwg.x + wid.x; // uniform across the workgroup, so the early return keeps barriers uniform
  if (g >= u.total) { return; }
  let n = g / u.chunks;
  let e = (g % u.chunks) * WG + lid;
  var v = 0.0;
  if (e < u.mapSize) { v = ssimAt(n, e); }
  acc[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { acc[lid] = acc[lid] + acc[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0u) { partial[g] = acc[0]; }
}
