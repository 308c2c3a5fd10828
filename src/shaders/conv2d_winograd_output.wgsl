// conv2d_winograd_output: the last pass of the Winograd forward conv (conv2d_winograd.wgsl): each
// 2x2 output tile back from Winograd F(2x2, 3x3)'s domain, plus the bias, activated:
//   y[n, 2ty + i, 2tx + j, co] = act(b[co] + (A^T M A)[i, j])   with M[r, c] = m[4r + c, t, co],
//   t = (n * TH + ty) * TW + tx, A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]; outputs past OH or OW (the
//   last tile of an odd size) are not stored.
//   ACT: 0 none, 1 relu (relu(0) = 0, NaN passes), 2 sigmoid. b skipped when hasBias = 0 (then any
//   read-only buffer may be bound to it).
// Requires (as conv2d_winograd.wgsl): KH == 3 && KW == 3 && S == 1 && CI % 4 == 0 && CO % 32 == 0.
// Layouts: m [16,T,CO/4] vec4 (T = N*TH*TW), b [CO/4] vec4, y [N,OH,OW,CO/4] vec4, row-major.
// Bindings: 0 uniform U, 1 m (read), 2 b (read), 3 y (read_write), 4 mask (read, [N,OH,OW,CO/4]
//   vec4; read only when MASK: any read-only buffer otherwise).
// Dispatch: ceil(T * CO/4 / WG) workgroups, folded; one invocation per (tile, 4 output channels).
// Cost: 28 * T * CO FLOP, 4 * (16*T*CO + N*OH*OW*CO + CO) bytes.
// Backward: none of its own: it is part of conv2d_winograd.wgsl's forward, whose backward it shares.
struct U { count: u32, OH: u32, OW: u32, CO4: u32, TH: u32, TW: u32, hasBias: u32 }

override WG: u32 = 64u;
override ACT: u32 = 0u;
// MASK: the input gradient of a conv whose input x came out of a relu: each value kept where
// mask (= x) > 0, else 0 (the relu's backward, done here rather than in a pass of its own).
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
  let m00 = m[0u * s + g]; let m01 = m[1u * s + g]; let m02 = m[2u * s + g]; let m03 = m[3u * s + g];
  let m10 = m[4u * s + g]; let m11 = m[5u * s + g]; let m12 = m[6u * s + g]; let m13 = m[7u * s + g];
  let m20 = m[8u * s + g]; let m21 = m[9u * s + g]; let m22 = m[10u * s + g]; let m23 = m[11u * s + g];
  let m30 = m[12u * s + g]; let m31 = m[13u * s + g]; let m32 = m[14u * s + g]; let m33 = m[15u * s + g];
  // A^T M (2x4), column by column, then (A^T M) A.
  let a00 = m00 + m10 + m20; let a10 = m10 - m20 - m30;
  let a01 = m01 + m11 + m21; let a11 = m11 - m21 - m31;
  let a02 = m02 + m12 + m22; let a12 = m12 - m22 - m32;
  let a03 = m03 + m13 + m23; let a13 = m13 - m23 - m33;
  var bias = vec4f(0.0);
  if (u.hasBias != 0u) { bias = b[c4]; }
  let oh = 2u * ty;
  let ow = 2u * tx;
  let p = (n * u.OH + oh) * u.OW + ow;
  y[p * u.CO4 + c4] = finish(p * u.CO4 + c4, bias + a00 + a01 + a02);
  if (ow + 1u < u.OW) { y[(p + 1u) * u.CO4 + c4] = finish((p + 1u) * u.CO4 + c4, bias + a01 - a02 - a03); }
  if (oh + 1u < u.OH) {
    y[(p + u.OW) * u.CO4 + c4] = finish((p + u.OW) * u.CO4 + c4, bias + a10 + a11 + a12);
    if (ow + 1u < u.OW) { y[(p + u.OW + 1u) * u.CO4 + c4] = finish((p + u.OW + 1u) * u.CO4 + c4, bias + a11 - a12 - a13); }
  }
}
