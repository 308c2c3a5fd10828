// conv2d_backward_filter_winograd_dy: a pass of the Winograd weight gradient
// (conv2d_backward_filter_winograd.wgsl): each 2x2 tile of dy taken to the 4x4 domain of Winograd
// F(3x3, 2x2), where the tile is the "filter" and the 3x3 taps of dw the outputs:
//   Y[xi, t, co] = (H e H^T)[r, c]   with xi = 4r + c, e[i][j] = dy[n, 2ty + i, 2tx + j, co] (0 past
//   OH or OW), t = (n * TH + ty) * TW + tx as in conv2d_winograd_input.wgsl, and
//   H = [[1, 0], [1/2, 1/2], [1/2, -1/2], [0, -1]]
// (F(3, 2)'s filter matrix with its last row negated: that makes its input transform the one of
// F(2, 3), so conv2d_winograd_input.wgsl's V serves x unchanged).
// Requires (as conv2d_backward_filter_winograd.wgsl): KH == 3 && KW == 3 && S == 1 && CI % 8 == 0 && CO % 32 == 0.
// Layouts: dy [N,OH,OW,CO/4] vec4, Y [16,T,CO/4] vec4 (T = N*TH*TW), row-major.
// Bindings: 0 uniform U, 1 dy (read), 2 yw (read_write).
// Dispatch: ceil(count / WG) workgroups, folded, count = T * CO/4: one invocation per (tile, 4
//   channels).
// Cost: 30 * T * CO FLOP, 4 * (N*OH*OW*CO + 16*T*CO) bytes.
// Backward: none (a gradient pass).
struct U { count: u32, OH: u32, OW: u32, CO4: u32, TH: u32, TW: u32 }

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> dy: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> yw: array<vec4f>;

/** dy[n, oh, ow, 4 channels from c4], or 0 past the output's edge. */
fn load(n: u32, oh: u32, ow: u32, c4: u32) -> vec4f {
  let inside = oh < u.OH && ow < u.OW;
  let i = select(0u, ((n * u.OH + oh) * u.OW + ow) * u.CO4 + c4, inside);
  return select(vec4f(0.0), dy[i], inside);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count) { return; } // count = T * CO4
  let c4 = g % u.CO4;
  let t = g / u.CO4;
  let tx = t % u.TW;
  let ty = (t / u.TW) % u.TH;
  let n = t / (u.TW * u.TH);
  let oh = 2u * ty;
  let ow = 2u * tx;
  let e00 = load(n, oh, ow, c4); let e01 = load(n, oh, ow + 1u, c4);
  let e10 = load(n, oh + 1u, ow, c4); let e11 = load(n, oh + 1u, ow + 1u, c4);
  // h = H e (4x2), row by row: (e0, (e0 + e1)/2, (e0 - e1)/2, -e1) for each column.
  let h00 = e00; let h01 = e01;
  let h10 = 0.5 * (e00 + e10); let h11 = 0.5 * (e01 + e11);
  let h20 = 0.5 * (e00 - e10); let h21 = 0.5 * (e01 - e11);
  let h30 = -e10; let h31 = -e11;
  // Y = h H^T (4x4): Y[r] = (h_r0, (h_r0 + h_r1)/2, (h_r0 - h_r1)/2, -h_r1).
  let s = u.count; // T * CO4: the stride of one xi
  yw[0u * s + g] = h00; yw[1u * s + g] = 0.5 * (h00 + h01); yw[2u * s + g] = 0.5 * (h00 - h01); yw[3u * s + g] = -h01;
  yw[4u * s + g] = h10; yw[5u * s + g] = 0.5 * (h10 + h11); yw[6u * s + g] = 0.5 * (h10 - h11); yw[7u * s + g] = -h11;
  yw[8u * s + g] = h20; yw[9u * s + g] = 0.5 * (h20 + h21); yw[10u * s + g] = 0.5 * (h20 - h21); yw[11u * s + g] = -h21;
  yw[12u * s + g] = h30; yw[13u * s + g] = 0.5 * (h30 + h31); yw[14u * s + g] = 0.5 * (h30 - h31); yw[15u * s + g] = -h31;
}
