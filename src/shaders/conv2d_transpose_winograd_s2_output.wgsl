// conv2d_transpose_winograd_s2_output: the last pass of the winograd-s2 family's input gradient
// (conv2d_transpose_winograd_s2.wgsl has its maths): each tile's 81 products back to its 8x8 outputs,
//   dx[n, 8ty - PT + i, 8tx - PL + j, ci] = act(b[ci] + (A^T M A)[i][j]),  M[r][c] = m[9r + c, t, ci]
//   (those inside H x W are stored), and with MASK each kept where mask (the conv's input x, a relu's
//   output) is positive, else 0: the relu's backward, done here rather than in a pass of its own.
// Requires (the family's input-gradient condition; dx's output channels CI are the product pass's
//   blocks of 32) KH == 3 && KW == 3 && S == 2 && CO % 4 == 0 && CO <= 256 && CI % 32 == 0; otherwise another family.
// Layouts: m [KS,81,T,CI/4] vec4 (KS slices of the channel sum, added here in order: conv2d_winograd.wgsl),
//   b [CI/4] vec4, y [N,H,W,CI/4] vec4, mask as y, row-major.
// Bindings: 0 uniform U, 1 m (read), 2 b (read), 3 y (read_write), 4 mask (read).
// Dispatch: ceil(count / WG) workgroups, folded, count = T * CI/4: one invocation per (tile, 4 channels).
// Cost: 330 * T * CI FLOP, 4 * (81*T*CI + N*H*W*CI + CI) bytes (MASK: N*H*W*CI more).
// Backward: none of its own (the family's: conv2d_transpose_winograd_s2.wgsl).
struct U { count: u32, H: u32, W: u32, CI4: u32, TH: u32, TW: u32, PT: u32, PL: u32, hasBias: u32, mSlice: u32 }

override WG: u32 = 64u;
// KS: slices of m to add (mSlice vec4s apart), a constant so that 1 costs nothing.
override KS: u32 = 1u;
override ACT: u32 = 0u;
override MASK: bool = false;
// ACT codes (src/engine/kernels.ts ACT; tests/kernels.node.test.ts checks they agree):
const ACT_NONE: u32 = 0u;
const ACT_RELU: u32 = 1u;
const ACT_SIGMOID: u32 = 2u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> m: array<vec4f>;
@group(0) @binding(2) var<storage, read> b: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4f>;
@group(0) @binding(4) var<storage, read> mask: array<vec4f>;

fn activate(z: vec4f) -> vec4f {
  switch ACT {
    case ACT_RELU: { return select(vec4f(0.0), z, !(z <= vec4f(0.0))); }
    case ACT_SIGMOID: {
      let e = exp(-abs(z));
      return select(e / (1.0 + e), 1.0 / (1.0 + e), z >= vec4f(0.0));
    }
    case ACT_NONE, default: { return z; }
  }
}

/** y's value at vec4 index i: activated, then (MASK) zero where the mask is not positive. */
fn finish(i: u32, z: vec4f) -> vec4f {
  let a = activate(z);
  if (MASK) { return select(vec4f(0.0), a, mask[i] > vec4f(0.0)); }
  return a;
}

/** A^T times 9 values (a column or a row of M): outputs 0, 2, 4, 6 by F(4, 2)'s A^T over the first 5, outputs 1, 3, 5, 7 the last 4. */
fn at(q: array<vec4f, 9>) -> array<vec4f, 8> {
  let a = q[1] + q[2];
  let c = q[1] - q[2];
  return array<vec4f, 8>(q[0] + a + q[3], q[5], c - 2.0 * q[3], q[6], a + 4.0 * q[3], q[7], c - 8.0 * q[3] + q[4], q[8]);
}

/** m[i], the sum of its KS slices (in slice order). */
fn mm(i: u32) -> vec4f {
  var v = m[i];
  for (var k = 1u; k < KS; k++) { v += m[i + k * u.mSlice]; }
  return v;
}

/** A^T times column c of M (points c, 9 + c, ..., 72 + c) for invocation g; s: the stride of one xi. */
fn column(c: u32, g: u32, s: u32) -> array<vec4f, 8> {
  return at(array<vec4f, 9>(mm(c * s + g), mm((9u + c) * s + g), mm((18u + c) * s + g), mm((27u + c) * s + g), mm((36u + c) * s + g),
                            mm((45u + c) * s + g), mm((54u + c) * s + g), mm((63u + c) * s + g), mm((72u + c) * s + g)));
}

/** Stores the 8 pixels of tile row i (dx row h, columns from w0, those inside), each + bias, activated, masked. */
fn put(n: u32, h: i32, w0: i32, c4: u32, bias: vec4f, row: array<vec4f, 8>) {
  if (h < 0 || h >= i32(u.H)) { return; }
  let base = (n * u.H + u32(h)) * u.W;
  for (var j = 0; j < 8; j++) {
    let w = w0 + j;
    if (w >= 0 && w < i32(u.W)) {
      let p = (base + u32(w)) * u.CI4 + c4;
      y[p] = finish(p, bias + row[j]);
    }
  }
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
  let s = u.count; // T * CI4: the stride of one xi
  // q = A^T M (8x9), column by column (q_c[i] = (A^T M)[i][c]).
  let q0 = column(0u, g, s);
  let q1 = column(1u, g, s);
  let q2 = column(2u, g, s);
  let q3 = column(3u, g, s);
  let q4 = column(4u, g, s);
  let q5 = column(5u, g, s);
  let q6 = column(6u, g, s);
  let q7 = column(7u, g, s);
  let q8 = column(8u, g, s);
  var bias = vec4f(0.0);
  if (u.hasBias != 0u) { bias = b[c4]; }
  let h0 = i32(8u * ty) - i32(u.PT);
  let w0 = i32(8u * tx) - i32(u.PL);
  // dx = q A (8x8), row by row.
  put(n, h0, w0, c4, bias, at(array<vec4f, 9>(q0[0], q1[0], q2[0], q3[0], q4[0], q5[0], q6[0], q7[0], q8[0])));
  put(n, h0 + 1, w0, c4, bias, at(array<vec4f, 9>(q0[1], q1[1], q2[1], q3[1], q4[1], q5[1], q6[1], q7[1], q8[1])));
  put(n, h0 + 2, w0, c4, bias, at(array<vec4f, 9>(q0[2], q1[2], q2[2], q3[2], q4[2], q5[2], q6[2], q7[2], q8[2])));
  put(n, h0 + 3, w0, c4, bias, at(array<vec4f, 9>(q0[3], q1[3], q2[3], q3[3], q4[3], q5[3], q6[3], q7[3], q8[3])));
  put(n, h0 + 4, w0, c4, bias, at(array<vec4f, 9>(q0[4], q1[4], q2[4], q3[4], q4[4], q5[4], q6[4], q7[4], q8[4])));
  put(n, h0 + 5, w0, c4, bias, at(array<vec4f, 9>(q0[5], q1[5], q2[5], q3[5], q4[5], q5[5], q6[5], q7[5], q8[5])));
  put(n, h0 + 6, w0, c4, bias, at(array<vec4f, 9>(q0[6], q1[6], q2[6], q3[6], q4[6], q5[6], q6[6], q7[6], q8[6])));
  put(n, h0 + 7, w0, c4, bias, at(array<vec4f, 9>(q0[7], q1[7], q2[7], q3[7], q4[7], q5[7], q6[7], q7[7], q8[7])));
}
