// conv2d_winograd_input: the second pass of the Winograd forward conv (conv2d_winograd.wgsl): each
// 4x4 input patch of a 2x2 output tile taken to Winograd F(2x2, 3x3)'s domain:
//   V[xi, t, ci] = (B^T d B)[r, c]   with xi = 4r + c, d[i][j] = x[n, 2ty - PT + i, 2tx - PL + j, ci]
//   (0 outside the image), t = (n * TH + ty) * TW + tx over TH = ceil(OH/2) x TW = ceil(OW/2) tiles,
//   B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]].
// Neighbouring tiles overlap by 2 columns and rows (stride 2, patch 4): each input value is read
// by up to 4 tiles. Written out below: rows of B^T d (e), then e B; 32 adds per vec4 of channels.
// Requires (as conv2d_winograd.wgsl): KH == 3 && KW == 3 && S == 1 && CI % 4 == 0 && CO % 32 == 0.
// Layouts: x [N,H,W,CI/4] vec4, V [16,T,CI/4] vec4 (T = N*TH*TW), row-major.
// Bindings: 0 uniform U, 1 x (read), 2 v (read_write).
// Dispatch: ceil(T * CI/4 / WG) workgroups, folded; one invocation per (tile, 4 input channels).
// Cost: 32 * T * CI FLOP, 4 * (N*H*W*CI + 16*T*CI) bytes.
// Backward: none of its own: it is part of conv2d_winograd.wgsl's forward, whose backward it shares.
struct U { count: u32, H: u32, W: u32, CI4: u32, TH: u32, TW: u32, PT: i32, PL: i32 }

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> v: array<vec4f>;

/** x[n, ih, iw, 4 channels from c4], or 0 outside the image (padding). */
fn load(n: u32, ih: i32, iw: i32, c4: u32) -> vec4f {
  let inside = ih >= 0 && ih < i32(u.H) && iw >= 0 && iw < i32(u.W);
  let i = select(0u, ((n * u.H + u32(ih)) * u.W + u32(iw)) * u.CI4 + c4, inside);
  return select(vec4f(0.0), x[i], inside);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count) { return; } // count = T * CI4
  let c4 = g % u.CI4;
  let t = g / u.CI4;
  let tx = t % u.TW;
  let ty = (t / u.TW) % u.TH;
  let n = t / (u.TW * u.TH);
  let h0 = i32(2u * ty) - u.PT;
  let w0 = i32(2u * tx) - u.PL;
  let d00 = load(n, h0 + 0, w0 + 0, c4); let d01 = load(n, h0 + 0, w0 + 1, c4); let d02 = load(n, h0 + 0, w0 + 2, c4); let d03 = load(n, h0 + 0, w0 + 3, c4);
  let d10 = load(n, h0 + 1, w0 + 0, c4); let d11 = load(n, h0 + 1, w0 + 1, c4); let d12 = load(n, h0 + 1, w0 + 2, c4); let d13 = load(n, h0 + 1, w0 + 3, c4);
  let d20 = load(n, h0 + 2, w0 + 0, c4); let d21 = load(n, h0 + 2, w0 + 1, c4); let d22 = load(n, h0 + 2, w0 + 2, c4); let d23 = load(n, h0 + 2, w0 + 3, c4);
  let d30 = load(n, h0 + 3, w0 + 0, c4); let d31 = load(n, h0 + 3, w0 + 1, c4); let d32 = load(n, h0 + 3, w0 + 2, c4); let d33 = load(n, h0 + 3, w0 + 3, c4);
  // e = B^T d, column by column.
  let e00 = d00 - d20; let e10 = d10 + d20; let e20 = d20 - d10; let e30 = d10 - d30;
  let e01 = d01 - d21; let e11 = d11 + d21; let e21 = d21 - d11; let e31 = d11 - d31;
  let e02 = d02 - d22; let e12 = d12 + d22; let e22 = d22 - d12; let e32 = d12 - d32;
  let e03 = d03 - d23; let e13 = d13 + d23; let e23 = d23 - d13; let e33 = d13 - d33;
  // V = e B, row by row: V[r] = (e_r0 - e_r2, e_r1 + e_r2, e_r2 - e_r1, e_r1 - e_r3).
  let s = u.count; // T * CI4: the stride of one xi
  v[0u * s + g] = e00 - e02; v[1u * s + g] = e01 + e02; v[2u * s + g] = e02 - e01; v[3u * s + g] = e01 - e03;
  v[4u * s + g] = e10 - e12; v[5u * s + g] = e11 + e12; v[6u * s + g] = e12 - e11; v[7u * s + g] = e11 - e13;
  v[8u * s + g] = e20 - e22; v[9u * s + g] = e21 + e22; v[10u * s + g] = e22 - e21; v[11u * s + g] = e21 - e23;
  v[12u * s + g] = e30 - e32; v[13u * s + g] = e31 + e32; v[14u * s + g] = e32 - e31; v[15u * s + g] = e31 - e33;
}
