// conv2d_winograd4_output: the last pass of the Winograd F(4x4, 3x3) forward conv
// (conv2d_winograd4_weights.wgsl): each 4x4 output tile back from the 6x6 domain, plus the bias,
// activated:
//   y[n, 4ty + i, 4tx + j, co] = act(b[co] + (A^T M A)[i, j])   with M[r, c] = m[6r + c, t, co],
//   t = (n * TH + ty) * TW + tx, A^T = [[1, 1, 1, 8, 1, 0], [0, 1, -1, 4, -2, 0],
//   [0, 1, 1, 2, 4, 0], [0, 1, -1, 1, -8, 1]] (the points 0, 1, -1, 1/2, -2 and infinity:
//   conv2d_winograd4_weights.wgsl); outputs past OH or OW (the last tiles of sizes that are not
//   multiples of 4) are not stored.
//   ACT: 0 none, 1 relu (relu(0) = 0, NaN passes), 2 sigmoid. b skipped when hasBias = 0 (then any
//   read-only buffer may be bound to it).
// Requires (as conv2d_winograd.wgsl): KH == 3 && KW == 3 && S == 1 && CI % 4 == 0 && CO % 32 == 0.
// Layouts: m [36,T,CO/4] vec4 (T = N*TH*TW), b [CO/4] vec4, y [N,OH,OW,CO/4] vec4, row-major.
// Bindings: 0 uniform U, 1 m (read), 2 b (read), 3 y (read_write), 4 mask (read, [N,OH,OW,CO/4]
//   vec4; read only when MASK: any read-only buffer otherwise).
// Dispatch: ceil(T * CO/4 / WG) workgroups, folded; one invocation per (tile, 4 output channels).
// Cost: 180 * T * CO FLOP, 4 * (36*T*CO + N*OH*OW*CO + CO) bytes.
// Backward: none of its own: it is part of conv2d_winograd4_weights.wgsl's forward, whose backward it shares.
struct U { count: u32, OH: u32, OW: u32, CO4: u32, TH: u32, TW: u32, hasBias: u32 }

override WG: u32 = 64u;
override ACT: u32 = 0u;
// MASK: the input gradient of a conv whose input x came out of a relu: each value kept where
// mask (= x) > 0, else 0 (the relu's backward, done here rather than in a pass of its own).
override MASK: bool = false;
// EDGES: OH or OW is not a multiple of 4, so the last tiles reach past the output and each store
// is tested; without, none is (about 10% faster on SwiftShader at 40x40).
override EDGES: bool = true;
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

/** A^T times 6 values (a column or a row of M). */
fn at(m0: vec4f, m1: vec4f, m2: vec4f, m3: vec4f, m4: vec4f, m5: vec4f) -> array<vec4f, 4> {
  let a = m1 + m2;
  let b = m1 - m2;
  return array<vec4f, 4>(m0 + a + 8.0 * m3 + m4, b + 4.0 * m3 - 2.0 * m4, a + 2.0 * m3 + 4.0 * m4, b + m3 - 8.0 * m4 + m5);
}

/** A^T times column c of M (points c, 6 + c, ..., 30 + c) for invocation g; s: the stride of one xi. */
fn column(c: u32, g: u32, s: u32) -> array<vec4f, 4> {
  return at(m[c * s + g], m[(6u + c) * s + g], m[(12u + c) * s + g], m[(18u + c) * s + g], m[(24u + c) * s + g], m[(30u + c) * s + g]);
}

/** Stores output row oh's 4 pixels from ow (those inside OH x OW), each + bias, activated. */
fn put(n: u32, oh: u32, ow: u32, c4: u32, bias: vec4f, row: array<vec4f, 4>) {
  if (EDGES && oh >= u.OH) { return; }
  let p = ((n * u.OH + oh) * u.OW + ow) * u.CO4 + c4;
  y[p] = finish(p, bias + row[0]);
  if (!EDGES || ow + 1u < u.OW) { y[p + u.CO4] = finish(p + u.CO4, bias + row[1]); }
  if (!EDGES || ow + 2u < u.OW) { y[p + 2u * u.CO4] = finish(p + 2u * u.CO4, bias + row[2]); }
  if (!EDGES || ow + 3u < u.OW) { y[p + 3u * u.CO4] = finish(p + 3u * u.CO4, bias + row[3]); }
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
  // q = A^T M (4x6), column by column (q_c[i] = (A^T M)[i][c]).
  let q0 = column(0u, g, s); let q1 = column(1u, g, s); let q2 = column(2u, g, s);
  let q3 = column(3u, g, s); let q4 = column(4u, g, s); let q5 = column(5u, g, s);
  var bias = vec4f(0.0);
  if (u.hasBias != 0u) { bias = b[c4]; }
  let oh = 4u * ty;
  let ow = 4u * tx;
  // y = q A (4x4), row by row.
  put(n, oh, ow, c4, bias, at(q0[0], q1[0], q2[0], q3[0], q4[0], q5[0]));
  put(n, oh + 1u, ow, c4, bias, at(q0[1], q1[1], q2[1], q3[1], q4[1], q5[1]));
  put(n, oh + 2u, ow, c4, bias, at(q0[2], q1[2], q2[2], q3[2], q4[2], q5[2]));
  put(n, oh + 3u, ow, c4, bias, at(q0[3], q1[3], q2[3], q3[3], q4[3], q5[3]));
}
