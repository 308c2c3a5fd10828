// conv2d_winograd_s2_output: the last pass of the winograd-s2 family (conv2d_winograd_s2_weights.wgsl has
// its maths): each tile's 81 products back to its 4x4 outputs,
//   y[n, 4ty + i, 4tx + j, co] = act(b[co] + (A^T M A)[i][j]),  M[r][c] = m[9r + c, t, co]
//   (the pixels of the last tiles past OH or OW are not stored).
// Requires KH == 3 && KW == 3 && S == 2 && CI % 4 == 0 && CI <= 256 && CO % 32 == 0; otherwise another family.
// Layouts: m [KS,81,T,CO/4] vec4 (KS slices of the channel sum, added here in order: conv2d_winograd.wgsl),
//   b [CO/4] vec4, y [N,OH,OW,CO/4] vec4, row-major.
// Bindings: 0 uniform U, 1 m (read), 2 b (read), 3 y (read_write).
// Dispatch: ceil(count / WG) workgroups, folded, count = T * CO/4: one invocation per (tile, 4 channels).
// Cost: 211 * T * CO FLOP, 4 * (81*T*CO + N*OH*OW*CO + CO) bytes.
// Backward: none of its own (the family's: conv2d_winograd_s2_weights.wgsl).
struct U { count: u32, OH: u32, OW: u32, CO4: u32, TH: u32, TW: u32, hasBias: u32, mSlice: u32 }

override WG: u32 = 64u;
// KS: slices of m to add (mSlice vec4s apart), a constant so that 1 costs nothing.
override KS: u32 = 1u;
override ACT: u32 = 0u;
// ACT codes (src/engine/kernels.ts ACT; tests/kernels.node.test.ts checks they agree):
const ACT_NONE: u32 = 0u;
const ACT_RELU: u32 = 1u;
const ACT_SIGMOID: u32 = 2u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> m: array<vec4f>;
@group(0) @binding(2) var<storage, read> b: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4f>;

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

/** A^T times 9 values (a column or a row of M): F(4, 2)'s on the first 5, plus the last 4. */
fn at(q: array<vec4f, 9>) -> array<vec4f, 4> {
  let a = q[1] + q[2];
  let c = q[1] - q[2];
  return array<vec4f, 4>(q[0] + a + q[3] + q[5], c - 2.0 * q[3] + q[6], a + 4.0 * q[3] + q[7], c - 8.0 * q[3] + q[4] + q[8]);
}

/** m[i], the sum of its KS slices (in slice order). */
fn mm(i: u32) -> vec4f {
  var v = m[i];
  for (var k = 1u; k < KS; k++) { v += m[i + k * u.mSlice]; }
  return v;
}

/** A^T times column c of M (points c, 9 + c, ..., 72 + c) for invocation g; s: the stride of one xi. */
fn column(c: u32, g: u32, s: u32) -> array<vec4f, 4> {
  return at(array<vec4f, 9>(mm(c * s + g), mm((9u + c) * s + g), mm((18u + c) * s + g), mm((27u + c) * s + g), mm((36u + c) * s + g),
                            mm((45u + c) * s + g), mm((54u + c) * s + g), mm((63u + c) * s + g), mm((72u + c) * s + g)));
}

/** Stores output row oh's 4 pixels from ow (those inside OH x OW), each + bias, activated. */
fn put(n: u32, oh: u32, ow: u32, c4: u32, bias: vec4f, row: array<vec4f, 4>) {
  if (oh >= u.OH) { return; }
  let p = ((n * u.OH + oh) * u.OW + ow) * u.CO4 + c4;
  y[p] = activate(bias + row[0]);
  if (ow + 1u < u.OW) { y[p + u.CO4] = activate(bias + row[1]); }
  if (ow + 2u < u.OW) { y[p + 2u * u.CO4] = activate(bias + row[2]); }
  if (ow + 3u < u.OW) { y[p + 3u * u.CO4] = activate(bias + row[3]); }
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
  let s = u.count; // T * CO4: the stride of one xi
  // q = A^T M (4x9), column by column (q_c[i] = (A^T M)[i][c]).
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
  let oh = 4u * ty;
  let ow = 4u * tx;
  // y = q A (4x4), row by row.
  put(n, oh, ow, c4, bias, at(array<vec4f, 9>(q0[0], q1[0], q2[0], q3[0], q4[0], q5[0], q6[0], q7[0], q8[0])));
  put(n, oh + 1u, ow, c4, bias, at(array<vec4f, 9>(q0[1], q1[1], q2[1], q3[1], q4[1], q5[1], q6[1], q7[1], q8[1])));
  put(n, oh + 2u, ow, c4, bias, at(array<vec4f, 9>(q0[2], q1[2], q2[2], q3[2], q4[2], q5[2], q6[2], q7[2], q8[2])));
  put(n, oh + 3u, ow, c4, bias, at(array<vec4f, 9>(q0[3], q1[3], q2[3], q3[3], q4[3], q5[3], q6[3], q7[3], q8[3])));
}
