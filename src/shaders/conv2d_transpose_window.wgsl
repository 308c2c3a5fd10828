// conv2d_transpose_window: conv2d_transpose.wgsl for a 3x3 stride-1 conv with at most 4 output
// channels (the input gradient of the presets' last layers), as register tiles that slide the
// window over loaded values, as conv2d_window.wgsl does for the forward conv. All sizes are those of
// the conv it is the adjoint of ([N,H,W,CI] -> [N,OH,OW,CO], weights [3,3,CI,CO], padding PT/PL):
//   y[n,ih,iw,ci] = act(b[ci] + sum_{kh,kw,co} x[n, ih+PT-kh, iw+PL-kw, co] * w[kh,kw,ci,co])
//   over the taps whose x pixel is inside [0,OH) x [0,OW).
// Tiling: each invocation computes 4 rows x 8 columns of y (ih0 .. ih0+3, iw0 .. iw0+7) times 4
//   channels ci0 .. ci0+3 (a vec4 accumulator a_i_j per pixel). Per reduction channel co it loads
//   the 6 x 10 patch of x those pixels' taps reach (x{r}_{c}: x row ih0+PT-2+r, column iw0+PL-2+c)
//   and the 9 taps' weights for the 4 channels, then adds tap (kh, kw) of pixel (i, j) as
//   x{i+2-kh}_{j+2-kw} * w{kh*3+kw}: 288 vec4 fma for 60 + 36 loads, where
//   conv2d_transpose_tiled_scalar loads 8 + 8 per 16. Unrolled by hand (see conv2d_tiled.wgsl for
//   why); patch rows and columns outside x read a clamped address and are masked to zero; pixels
//   past H/W are computed and not stored, channels past CI read a clamped weight and are not
//   stored. ACT: 0 none, 1 relu, 2 sigmoid. b skipped when hasBias = 0.
// Requires CO <= 4 && KH == 3 && KW == 3 && S == 1; otherwise conv2d_transpose_tiled*.wgsl.
// Layouts: x [N,OH,OW,CO], w [3,3,CI,CO] (= a Keras transposed-conv weight [3,3,Cout_t,Cin_t]),
//   b [CI], y [N,H,W,CI], row-major.
// Bindings: 0 uniform U, 1 x (read), 2 w (read), 3 b (read), 4 y (read_write).
// Dispatch: ceil(count / WG) workgroups, count = N*RB*PB*CB with RB = ceil(H/4) row blocks, PB =
//   ceil(W/8) column blocks and CB = ceil(CI/4) channel blocks (fastest).
// Cost: 2*N*OH*OW*CO*9*CI FLOP (minus padding), as the conv it is the adjoint of; each invocation
//   reads 60 x and 36 w floats per reduction channel and writes 128.
// Backward (as conv2dTranspose's forward): dz from the saved y, dx = conv2d_window.wgsl or
//   conv2d_tiled*.wgsl(dz, w), dw = conv2d_backward_filter_window.wgsl or
//   conv2d_backward_filter_tiled*.wgsl(dz, x), db = conv2d_bias_grad.wgsl(dz).
struct U { count: u32, H: u32, W: u32, CI: u32, OH: u32, OW: u32, CO: u32, PT: i32, PL: i32, hasBias: u32, RB: u32, PB: u32, CB: u32 }

override WG: u32 = 64u;
override ACT: u32 = 0u;
// ACT codes (src/engine/kernels.ts ACT; tests/kernels.node.test.ts checks they agree):
const ACT_NONE: u32 = 0u;
const ACT_RELU: u32 = 1u;
const ACT_SIGMOID: u32 = 2u;
const TR: u32 = 4u; // output rows per invocation (a0_* .. a3_* below)
const TP: u32 = 8u; // output columns per invocation (a*_0 .. a*_7 below)
const TC: u32 = 4u; // output channels per invocation (the components of each vec4)

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

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

/** Stores one pixel's channels ci0 .. ci0+3 that exist (activated). */
fn store(pix: u32, ci0: u32, v: vec4f) {
  let z = activate(v);
  let i = pix * u.CI + ci0;
  let m = u.CI - ci0; // channels left, >= 1
  y[i] = z.x;
  if (m > 1u) { y[i + 1u] = z.y; }
  if (m > 2u) { y[i + 2u] = z.z; }
  if (m > 3u) { y[i + 3u] = z.w; }
}

/** Whether x row (or column) v of a dimension of `size` exists. */
fn inside(v: i32, size: u32) -> bool {
  return v >= 0 && v < i32(size);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count) { return; }
  let cb = g % u.CB;
  var t = g / u.CB;
  let pb = t % u.PB;
  t = t / u.PB;
  let rb = t % u.RB;
  let n = t / u.RB;
  let ih0 = rb * TR;
  let iw0 = pb * TP;
  let ci0 = cb * TC;
  let last = u.CI - 1u;
  let c1 = min(ci0 + 1u, last); // clamped channels: computed, not stored
  let c2 = min(ci0 + 2u, last);
  let c3 = min(ci0 + 3u, last);

  var bias = vec4f(0.0);
  if (u.hasBias != 0u) { bias = vec4f(b[ci0], b[c1], b[c2], b[c3]); }
  var a0_0 = bias; var a0_1 = bias; var a0_2 = bias; var a0_3 = bias; var a0_4 = bias; var a0_5 = bias; var a0_6 = bias; var a0_7 = bias;
  var a1_0 = bias; var a1_1 = bias; var a1_2 = bias; var a1_3 = bias; var a1_4 = bias; var a1_5 = bias; var a1_6 = bias; var a1_7 = bias;
  var a2_0 = bias; var a2_1 = bias; var a2_2 = bias; var a2_3 = bias; var a2_4 = bias; var a2_5 = bias; var a2_6 = bias; var a2_7 = bias;
  var a3_0 = bias; var a3_1 = bias; var a3_2 = bias; var a3_3 = bias; var a3_4 = bias; var a3_5 = bias; var a3_6 = bias; var a3_7 = bias;

  // The patch: x rows oh0 + r (r < 6) and columns ow0 + c (c < 10), each masked (m{r}_{c}) and at
  // an in-bounds pixel offset (o{r}_{c}, times CO).
  let oh0 = i32(ih0) + u.PT - 2;
  let ow0 = i32(iw0) + u.PL - 2;
  let vr0 = inside(oh0 + 0, u.OH); let xr0 = (n * u.OH + u32(clamp(oh0 + 0, 0, i32(u.OH) - 1))) * u.OW;
  let vr1 = inside(oh0 + 1, u.OH); let xr1 = (n * u.OH + u32(clamp(oh0 + 1, 0, i32(u.OH) - 1))) * u.OW;
  let vr2 = inside(oh0 + 2, u.OH); let xr2 = (n * u.OH + u32(clamp(oh0 + 2, 0, i32(u.OH) - 1))) * u.OW;
  let vr3 = inside(oh0 + 3, u.OH); let xr3 = (n * u.OH + u32(clamp(oh0 + 3, 0, i32(u.OH) - 1))) * u.OW;
  let vr4 = inside(oh0 + 4, u.OH); let xr4 = (n * u.OH + u32(clamp(oh0 + 4, 0, i32(u.OH) - 1))) * u.OW;
  let vr5 = inside(oh0 + 5, u.OH); let xr5 = (n * u.OH + u32(clamp(oh0 + 5, 0, i32(u.OH) - 1))) * u.OW;
  let vc0 = inside(ow0 + 0, u.OW); let xc0 = u32(clamp(ow0 + 0, 0, i32(u.OW) - 1));
  let vc1 = inside(ow0 + 1, u.OW); let xc1 = u32(clamp(ow0 + 1, 0, i32(u.OW) - 1));
  let vc2 = inside(ow0 + 2, u.OW); let xc2 = u32(clamp(ow0 + 2, 0, i32(u.OW) - 1));
  let vc3 = inside(ow0 + 3, u.OW); let xc3 = u32(clamp(ow0 + 3, 0, i32(u.OW) - 1));
  let vc4 = inside(ow0 + 4, u.OW); let xc4 = u32(clamp(ow0 + 4, 0, i32(u.OW) - 1));
  let vc5 = inside(ow0 + 5, u.OW); let xc5 = u32(clamp(ow0 + 5, 0, i32(u.OW) - 1));
  let vc6 = inside(ow0 + 6, u.OW); let xc6 = u32(clamp(ow0 + 6, 0, i32(u.OW) - 1));
  let vc7 = inside(ow0 + 7, u.OW); let xc7 = u32(clamp(ow0 + 7, 0, i32(u.OW) - 1));
  let vc8 = inside(ow0 + 8, u.OW); let xc8 = u32(clamp(ow0 + 8, 0, i32(u.OW) - 1));
  let vc9 = inside(ow0 + 9, u.OW); let xc9 = u32(clamp(ow0 + 9, 0, i32(u.OW) - 1));
  let m0_0 = vr0 && vc0; let m0_1 = vr0 && vc1; let m0_2 = vr0 && vc2; let m0_3 = vr0 && vc3; let m0_4 = vr0 && vc4; let m0_5 = vr0 && vc5; let m0_6 = vr0 && vc6; let m0_7 = vr0 && vc7; let m0_8 = vr0 && vc8; let m0_9 = vr0 && vc9;
  let m1_0 = vr1 && vc0; let m1_1 = vr1 && vc1; let m1_2 = vr1 && vc2; let m1_3 = vr1 && vc3; let m1_4 = vr1 && vc4; let m1_5 = vr1 && vc5; let m1_6 = vr1 && vc6; let m1_7 = vr1 && vc7; let m1_8 = vr1 && vc8; let m1_9 = vr1 && vc9;
  let m2_0 = vr2 && vc0; let m2_1 = vr2 && vc1; let m2_2 = vr2 && vc2; let m2_3 = vr2 && vc3; let m2_4 = vr2 && vc4; let m2_5 = vr2 && vc5; let m2_6 = vr2 && vc6; let m2_7 = vr2 && vc7; let m2_8 = vr2 && vc8; let m2_9 = vr2 && vc9;
  let m3_0 = vr3 && vc0; let m3_1 = vr3 && vc1; let m3_2 = vr3 && vc2; let m3_3 = vr3 && vc3; let m3_4 = vr3 && vc4; let m3_5 = vr3 && vc5; let m3_6 = vr3 && vc6; let m3_7 = vr3 && vc7; let m3_8 = vr3 && vc8; let m3_9 = vr3 && vc9;
  let m4_0 = vr4 && vc0; let m4_1 = vr4 && vc1; let m4_2 = vr4 && vc2; let m4_3 = vr4 && vc3; let m4_4 = vr4 && vc4; let m4_5 = vr4 && vc5; let m4_6 = vr4 && vc6; let m4_7 = vr4 && vc7; let m4_8 = vr4 && vc8; let m4_9 = vr4 && vc9;
  let m5_0 = vr5 && vc0; let m5_1 = vr5 && vc1; let m5_2 = vr5 && vc2; let m5_3 = vr5 && vc3; let m5_4 = vr5 && vc4; let m5_5 = vr5 && vc5; let m5_6 = vr5 && vc6; let m5_7 = vr5 && vc7; let m5_8 = vr5 && vc8; let m5_9 = vr5 && vc9;
  let o0_0 = (xr0 + xc0) * u.CO; let o0_1 = (xr0 + xc1) * u.CO; let o0_2 = (xr0 + xc2) * u.CO; let o0_3 = (xr0 + xc3) * u.CO; let o0_4 = (xr0 + xc4) * u.CO; let o0_5 = (xr0 + xc5) * u.CO; let o0_6 = (xr0 + xc6) * u.CO; let o0_7 = (xr0 + xc7) * u.CO; let o0_8 = (xr0 + xc8) * u.CO; let o0_9 = (xr0 + xc9) * u.CO;
  let o1_0 = (xr1 + xc0) * u.CO; let o1_1 = (xr1 + xc1) * u.CO; let o1_2 = (xr1 + xc2) * u.CO; let o1_3 = (xr1 + xc3) * u.CO; let o1_4 = (xr1 + xc4) * u.CO; let o1_5 = (xr1 + xc5) * u.CO; let o1_6 = (xr1 + xc6) * u.CO; let o1_7 = (xr1 + xc7) * u.CO; let o1_8 = (xr1 + xc8) * u.CO; let o1_9 = (xr1 + xc9) * u.CO;
  let o2_0 = (xr2 + xc0) * u.CO; let o2_1 = (xr2 + xc1) * u.CO; let o2_2 = (xr2 + xc2) * u.CO; let o2_3 = (xr2 + xc3) * u.CO; let o2_4 = (xr2 + xc4) * u.CO; let o2_5 = (xr2 + xc5) * u.CO; let o2_6 = (xr2 + xc6) * u.CO; let o2_7 = (xr2 + xc7) * u.CO; let o2_8 = (xr2 + xc8) * u.CO; let o2_9 = (xr2 + xc9) * u.CO;
  let o3_0 = (xr3 + xc0) * u.CO; let o3_1 = (xr3 + xc1) * u.CO; let o3_2 = (xr3 + xc2) * u.CO; let o3_3 = (xr3 + xc3) * u.CO; let o3_4 = (xr3 + xc4) * u.CO; let o3_5 = (xr3 + xc5) * u.CO; let o3_6 = (xr3 + xc6) * u.CO; let o3_7 = (xr3 + xc7) * u.CO; let o3_8 = (xr3 + xc8) * u.CO; let o3_9 = (xr3 + xc9) * u.CO;
  let o4_0 = (xr4 + xc0) * u.CO; let o4_1 = (xr4 + xc1) * u.CO; let o4_2 = (xr4 + xc2) * u.CO; let o4_3 = (xr4 + xc3) * u.CO; let o4_4 = (xr4 + xc4) * u.CO; let o4_5 = (xr4 + xc5) * u.CO; let o4_6 = (xr4 + xc6) * u.CO; let o4_7 = (xr4 + xc7) * u.CO; let o4_8 = (xr4 + xc8) * u.CO; let o4_9 = (xr4 + xc9) * u.CO;
  let o5_0 = (xr5 + xc0) * u.CO; let o5_1 = (xr5 + xc1) * u.CO; let o5_2 = (xr5 + xc2) * u.CO; let o5_3 = (xr5 + xc3) * u.CO; let o5_4 = (xr5 + xc4) * u.CO; let o5_5 = (xr5 + xc5) * u.CO; let o5_6 = (xr5 + xc6) * u.CO; let o5_7 = (xr5 + xc7) * u.CO; let o5_8 = (xr5 + xc8) * u.CO; let o5_9 = (xr5 + xc9) * u.CO;
  let tap = u.CI * u.CO; // w's stride from one tap to the next
  let q0 = ci0 * u.CO; let q1 = c1 * u.CO; let q2 = c2 * u.CO; let q3 = c3 * u.CO; // w offsets of the 4 channels

  for (var co = 0u; co < u.CO; co++) {
    let x0_0 = select(0.0, x[o0_0 + co], m0_0); let x0_1 = select(0.0, x[o0_1 + co], m0_1); let x0_2 = select(0.0, x[o0_2 + co], m0_2); let x0_3 = select(0.0, x[o0_3 + co], m0_3); let x0_4 = select(0.0, x[o0_4 + co], m0_4); let x0_5 = select(0.0, x[o0_5 + co], m0_5); let x0_6 = select(0.0, x[o0_6 + co], m0_6); let x0_7 = select(0.0, x[o0_7 + co], m0_7); let x0_8 = select(0.0, x[o0_8 + co], m0_8); let x0_9 = select(0.0, x[o0_9 + co], m0_9);
    let x1_0 = select(0.0, x[o1_0 + co], m1_0); let x1_1 = select(0.0, x[o1_1 + co], m1_1); let x1_2 = select(0.0, x[o1_2 + co], m1_2); let x1_3 = select(0.0, x[o1_3 + co], m1_3); let x1_4 = select(0.0, x[o1_4 + co], m1_4); let x1_5 = select(0.0, x[o1_5 + co], m1_5); let x1_6 = select(0.0, x[o1_6 + co], m1_6); let x1_7 = select(0.0, x[o1_7 + co], m1_7); let x1_8 = select(0.0, x[o1_8 + co], m1_8); let x1_9 = select(0.0, x[o1_9 + co], m1_9);
    let x2_0 = select(0.0, x[o2_0 + co], m2_0); let x2_1 = select(0.0, x[o2_1 + co], m2_1); let x2_2 = select(0.0, x[o2_2 + co], m2_2); let x2_3 = select(0.0, x[o2_3 + co], m2_3); let x2_4 = select(0.0, x[o2_4 + co], m2_4); let x2_5 = select(0.0, x[o2_5 + co], m2_5); let x2_6 = select(0.0, x[o2_6 + co], m2_6); let x2_7 = select(0.0, x[o2_7 + co], m2_7); let x2_8 = select(0.0, x[o2_8 + co], m2_8); let x2_9 = select(0.0, x[o2_9 + co], m2_9);
    let x3_0 = select(0.0, x[o3_0 + co], m3_0); let x3_1 = select(0.0, x[o3_1 + co], m3_1); let x3_2 = select(0.0, x[o3_2 + co], m3_2); let x3_3 = select(0.0, x[o3_3 + co], m3_3); let x3_4 = select(0.0, x[o3_4 + co], m3_4); let x3_5 = select(0.0, x[o3_5 + co], m3_5); let x3_6 = select(0.0, x[o3_6 + co], m3_6); let x3_7 = select(0.0, x[o3_7 + co], m3_7); let x3_8 = select(0.0, x[o3_8 + co], m3_8); let x3_9 = select(0.0, x[o3_9 + co], m3_9);
    let x4_0 = select(0.0, x[o4_0 + co], m4_0); let x4_1 = select(0.0, x[o4_1 + co], m4_1); let x4_2 = select(0.0, x[o4_2 + co], m4_2); let x4_3 = select(0.0, x[o4_3 + co], m4_3); let x4_4 = select(0.0, x[o4_4 + co], m4_4); let x4_5 = select(0.0, x[o4_5 + co], m4_5); let x4_6 = select(0.0, x[o4_6 + co], m4_6); let x4_7 = select(0.0, x[o4_7 + co], m4_7); let x4_8 = select(0.0, x[o4_8 + co], m4_8); let x4_9 = select(0.0, x[o4_9 + co], m4_9);
    let x5_0 = select(0.0, x[o5_0 + co], m5_0); let x5_1 = select(0.0, x[o5_1 + co], m5_1); let x5_2 = select(0.0, x[o5_2 + co], m5_2); let x5_3 = select(0.0, x[o5_3 + co], m5_3); let x5_4 = select(0.0, x[o5_4 + co], m5_4); let x5_5 = select(0.0, x[o5_5 + co], m5_5); let x5_6 = select(0.0, x[o5_6 + co], m5_6); let x5_7 = select(0.0, x[o5_7 + co], m5_7); let x5_8 = select(0.0, x[o5_8 + co], m5_8); let x5_9 = select(0.0, x[o5_9 + co], m5_9);
    // tap (0, 0)
    let t0 = 0u * tap + co; let w0 = vec4f(w[t0 + q0], w[t0 + q1], w[t0 + q2], w[t0 + q3]);
    a0_0 = fma(vec4f(x2_2), w0, a0_0); a0_1 = fma(vec4f(x2_3), w0, a0_1); a0_2 = fma(vec4f(x2_4), w0, a0_2); a0_3 = fma(vec4f(x2_5), w0, a0_3); a0_4 = fma(vec4f(x2_6), w0, a0_4); a0_5 = fma(vec4f(x2_7), w0, a0_5); a0_6 = fma(vec4f(x2_8), w0, a0_6); a0_7 = fma(vec4f(x2_9), w0, a0_7);
    a1_0 = fma(vec4f(x3_2), w0, a1_0); a1_1 = fma(vec4f(x3_3), w0, a1_1); a1_2 = fma(vec4f(x3_4), w0, a1_2); a1_3 = fma(vec4f(x3_5), w0, a1_3); a1_4 = fma(vec4f(x3_6), w0, a1_4); a1_5 = fma(vec4f(x3_7), w0, a1_5); a1_6 = fma(vec4f(x3_8), w0, a1_6); a1_7 = fma(vec4f(x3_9), w0, a1_7);
    a2_0 = fma(vec4f(x4_2), w0, a2_0); a2_1 = fma(vec4f(x4_3), w0, a2_1); a2_2 = fma(vec4f(x4_4), w0, a2_2); a2_3 = fma(vec4f(x4_5), w0, a2_3); a2_4 = fma(vec4f(x4_6), w0, a2_4); a2_5 = fma(vec4f(x4_7), w0, a2_5); a2_6 = fma(vec4f(x4_8), w0, a2_6); a2_7 = fma(vec4f(x4_9), w0, a2_7);
    a3_0 = fma(vec4f(x5_2), w0, a3_0); a3_1 = fma(vec4f(x5_3), w0, a3_1); a3_2 = fma(vec4f(x5_4), w0, a3_2); a3_3 = fma(vec4f(x5_5), w0, a3_3); a3_4 = fma(vec4f(x5_6), w0, a3_4); a3_5 = fma(vec4f(x5_7), w0, a3_5); a3_6 = fma(vec4f(x5_8), w0, a3_6); a3_7 = fma(vec4f(x5_9), w0, a3_7);
    // tap (0, 1)
    let t1 = 1u * tap + co; let w1 = vec4f(w[t1 + q0], w[t1 + q1], w[t1 + q2], w[t1 + q3]);
    a0_0 = fma(vec4f(x2_1), w1, a0_0); a0_1 = fma(vec4f(x2_2), w1, a0_1); a0_2 = fma(vec4f(x2_3), w1, a0_2); a0_3 = fma(vec4f(x2_4), w1, a0_3); a0_4 = fma(vec4f(x2_5), w1, a0_4); a0_5 = fma(vec4f(x2_6), w1, a0_5); a0_6 = fma(vec4f(x2_7), w1, a0_6); a0_7 = fma(vec4f(x2_8), w1, a0_7);
    a1_0 = fma(vec4f(x3_1), w1, a1_0); a1_1 = fma(vec4f(x3_2), w1, a1_1); a1_2 = fma(vec4f(x3_3), w1, a1_2); a1_3 = fma(vec4f(x3_4), w1, a1_3); a1_4 = fma(vec4f(x3_5), w1, a1_4); a1_5 = fma(vec4f(x3_6), w1, a1_5); a1_6 = fma(vec4f(x3_7), w1, a1_6); a1_7 = fma(vec4f(x3_8), w1, a1_7);
    a2_0 = fma(vec4f(x4_1), w1, a2_0); a2_1 = fma(vec4f(x4_2), w1, a2_1); a2_2 = fma(vec4f(x4_3), w1, a2_2); a2_3 = fma(vec4f(x4_4), w1, a2_3); a2_4 = fma(vec4f(x4_5), w1, a2_4); a2_5 = fma(vec4f(x4_6), w1, a2_5); a2_6 = fma(vec4f(x4_7), w1, a2_6); a2_7 = fma(vec4f(x4_8), w1, a2_7);
    a3_0 = fma(vec4f(x5_1), w1, a3_0); a3_1 = fma(vec4f(x5_2), w1, a3_1); a3_2 = fma(vec4f(x5_3), w1, a3_2); a3_3 = fma(vec4f(x5_4), w1, a3_3); a3_4 = fma(vec4f(x5_5), w1, a3_4); a3_5 = fma(vec4f(x5_6), w1, a3_5); a3_6 = fma(vec4f(x5_7), w1, a3_6); a3_7 = fma(vec4f(x5_8), w1, a3_7);
    // tap (0, 2)
    let t2 = 2u * tap + co; let w2 = vec4f(w[t2 + q0], w[t2 + q1], w[t2 + q2], w[t2 + q3]);
    a0_0 = fma(vec4f(x2_0), w2, a0_0); a0_1 = fma(vec4f(x2_1), w2, a0_1); a0_2 = fma(vec4f(x2_2), w2, a0_2); a0_3 = fma(vec4f(x2_3), w2, a0_3); a0_4 = fma(vec4f(x2_4), w2, a0_4); a0_5 = fma(vec4f(x2_5), w2, a0_5); a0_6 = fma(vec4f(x2_6), w2, a0_6); a0_7 = fma(vec4f(x2_7), w2, a0_7);
    a1_0 = fma(vec4f(x3_0), w2, a1_0); a1_1 = fma(vec4f(x3_1), w2, a1_1); a1_2 = fma(vec4f(x3_2), w2, a1_2); a1_3 = fma(vec4f(x3_3), w2, a1_3); a1_4 = fma(vec4f(x3_4), w2, a1_4); a1_5 = fma(vec4f(x3_5), w2, a1_5); a1_6 = fma(vec4f(x3_6), w2, a1_6); a1_7 = fma(vec4f(x3_7), w2, a1_7);
    a2_0 = fma(vec4f(x4_0), w2, a2_0); a2_1 = fma(vec4f(x4_1), w2, a2_1); a2_2 = fma(vec4f(x4_2), w2, a2_2); a2_3 = fma(vec4f(x4_3), w2, a2_3); a2_4 = fma(vec4f(x4_4), w2, a2_4); a2_5 = fma(vec4f(x4_5), w2, a2_5); a2_6 = fma(vec4f(x4_6), w2, a2_6); a2_7 = fma(vec4f(x4_7), w2, a2_7);
    a3_0 = fma(vec4f(x5_0), w2, a3_0); a3_1 = fma(vec4f(x5_1), w2, a3_1); a3_2 = fma(vec4f(x5_2), w2, a3_2); a3_3 = fma(vec4f(x5_3), w2, a3_3); a3_4 = fma(vec4f(x5_4), w2, a3_4); a3_5 = fma(vec4f(x5_5), w2, a3_5); a3_6 = fma(vec4f(x5_6), w2, a3_6); a3_7 = fma(vec4f(x5_7), w2, a3_7);
    // tap (1, 0)
    let t3 = 3u * tap + co; let w3 = vec4f(w[t3 + q0], w[t3 + q1], w[t3 + q2], w[t3 + q3]);
    a0_0 = fma(vec4f(x1_2), w3, a0_0); a0_1 = fma(vec4f(x1_3), w3, a0_1); a0_2 = fma(vec4f(x1_4), w3, a0_2); a0_3 = fma(vec4f(x1_5), w3, a0_3); a0_4 = fma(vec4f(x1_6), w3, a0_4); a0_5 = fma(vec4f(x1_7), w3, a0_5); a0_6 = fma(vec4f(x1_8), w3, a0_6); a0_7 = fma(vec4f(x1_9), w3, a0_7);
    a1_0 = fma(vec4f(x2_2), w3, a1_0); a1_1 = fma(vec4f(x2_3), w3, a1_1); a1_2 = fma(vec4f(x2_4), w3, a1_2); a1_3 = fma(vec4f(x2_5), w3, a1_3); a1_4 = fma(vec4f(x2_6), w3, a1_4); a1_5 = fma(vec4f(x2_7), w3, a1_5); a1_6 = fma(vec4f(x2_8), w3, a1_6); a1_7 = fma(vec4f(x2_9), w3, a1_7);
    a2_0 = fma(vec4f(x3_2), w3, a2_0); a2_1 = fma(vec4f(x3_3), w3, a2_1); a2_2 = fma(vec4f(x3_4), w3, a2_2); a2_3 = fma(vec4f(x3_5), w3, a2_3); a2_4 = fma(vec4f(x3_6), w3, a2_4); a2_5 = fma(vec4f(x3_7), w3, a2_5); a2_6 = fma(vec4f(x3_8), w3, a2_6); a2_7 = fma(vec4f(x3_9), w3, a2_7);
    a3_0 = fma(vec4f(x4_2), w3, a3_0); a3_1 = fma(vec4f(x4_3), w3, a3_1); a3_2 = fma(vec4f(x4_4), w3, a3_2); a3_3 = fma(vec4f(x4_5), w3, a3_3); a3_4 = fma(vec4f(x4_6), w3, a3_4); a3_5 = fma(vec4f(x4_7), w3, a3_5); a3_6 = fma(vec4f(x4_8), w3, a3_6); a3_7 = fma(vec4f(x4_9), w3, a3_7);
    // tap (1, 1)
    let t4 = 4u * tap + co; let w4 = vec4f(w[t4 + q0], w[t4 + q1], w[t4 + q2], w[t4 + q3]);
    a0_0 = fma(vec4f(x1_1), w4, a0_0); a0_1 = fma(vec4f(x1_2), w4, a0_1); a0_2 = fma(vec4f(x1_3), w4, a0_2); a0_3 = fma(vec4f(x1_4), w4, a0_3); a0_4 = fma(vec4f(x1_5), w4, a0_4); a0_5 = fma(vec4f(x1_6), w4, a0_5); a0_6 = fma(vec4f(x1_7), w4, a0_6); a0_7 = fma(vec4f(x1_8), w4, a0_7);
    a1_0 = fma(vec4f(x2_1), w4, a1_0); a1_1 = fma(vec4f(x2_2), w4, a1_1); a1_2 = fma(vec4f(x2_3), w4, a1_2); a1_3 = fma(vec4f(x2_4), w4, a1_3); a1_4 = fma(vec4f(x2_5), w4, a1_4); a1_5 = fma(vec4f(x2_6), w4, a1_5); a1_6 = fma(vec4f(x2_7), w4, a1_6); a1_7 = fma(vec4f(x2_8), w4, a1_7);
    a2_0 = fma(vec4f(x3_1), w4, a2_0); a2_1 = fma(vec4f(x3_2), w4, a2_1); a2_2 = fma(vec4f(x3_3), w4, a2_2); a2_3 = fma(vec4f(x3_4), w4, a2_3); a2_4 = fma(vec4f(x3_5), w4, a2_4); a2_5 = fma(vec4f(x3_6), w4, a2_5); a2_6 = fma(vec4f(x3_7), w4, a2_6); a2_7 = fma(vec4f(x3_8), w4, a2_7);
    a3_0 = fma(vec4f(x4_1), w4, a3_0); a3_1 = fma(vec4f(x4_2), w4, a3_1); a3_2 = fma(vec4f(x4_3), w4, a3_2); a3_3 = fma(vec4f(x4_4), w4, a3_3); a3_4 = fma(vec4f(x4_5), w4, a3_4); a3_5 = fma(vec4f(x4_6), w4, a3_5); a3_6 = fma(vec4f(x4_7), w4, a3_6); a3_7 = fma(vec4f(x4_8), w4, a3_7);
    // tap (1, 2)
    let t5 = 5u * tap + co; let w5 = vec4f(w[t5 + q0], w[t5 + q1], w[t5 + q2], w[t5 + q3]);
    a0_0 = fma(vec4f(x1_0), w5, a0_0); a0_1 = fma(vec4f(x1_1), w5, a0_1); a0_2 = fma(vec4f(x1_2), w5, a0_2); a0_3 = fma(vec4f(x1_3), w5, a0_3); a0_4 = fma(vec4f(x1_4), w5, a0_4); a0_5 = fma(vec4f(x1_5), w5, a0_5); a0_6 = fma(vec4f(x1_6), w5, a0_6); a0_7 = fma(vec4f(x1_7), w5, a0_7);
    a1_0 = fma(vec4f(x2_0), w5, a1_0); a1_1 = fma(vec4f(x2_1), w5, a1_1); a1_2 = fma(vec4f(x2_2), w5, a1_2); a1_3 = fma(vec4f(x2_3), w5, a1_3); a1_4 = fma(vec4f(x2_4), w5, a1_4); a1_5 = fma(vec4f(x2_5), w5, a1_5); a1_6 = fma(vec4f(x2_6), w5, a1_6); a1_7 = fma(vec4f(x2_7), w5, a1_7);
    a2_0 = fma(vec4f(x3_0), w5, a2_0); a2_1 = fma(vec4f(x3_1), w5, a2_1); a2_2 = fma(vec4f(x3_2), w5, a2_2); a2_3 = fma(vec4f(x3_3), w5, a2_3); a2_4 = fma(vec4f(x3_4), w5, a2_4); a2_5 = fma(vec4f(x3_5), w5, a2_5); a2_6 = fma(vec4f(x3_6), w5, a2_6); a2_7 = fma(vec4f(x3_7), w5, a2_7);
    a3_0 = fma(vec4f(x4_0), w5, a3_0); a3_1 = fma(vec4f(x4_1), w5, a3_1); a3_2 = fma(vec4f(x4_2), w5, a3_2); a3_3 = fma(vec4f(x4_3), w5, a3_3); a3_4 = fma(vec4f(x4_4), w5, a3_4); a3_5 = fma(vec4f(x4_5), w5, a3_5); a3_6 = fma(vec4f(x4_6), w5, a3_6); a3_7 = fma(vec4f(x4_7), w5, a3_7);
    // tap (2, 0)
    let t6 = 6u * tap + co; let w6 = vec4f(w[t6 + q0], w[t6 + q1], w[t6 + q2], w[t6 + q3]);
    a0_0 = fma(vec4f(x0_2), w6, a0_0); a0_1 = fma(vec4f(x0_3), w6, a0_1); a0_2 = fma(vec4f(x0_4), w6, a0_2); a0_3 = fma(vec4f(x0_5), w6, a0_3); a0_4 = fma(vec4f(x0_6), w6, a0_4); a0_5 = fma(vec4f(x0_7), w6, a0_5); a0_6 = fma(vec4f(x0_8), w6, a0_6); a0_7 = fma(vec4f(x0_9), w6, a0_7);
    a1_0 = fma(vec4f(x1_2), w6, a1_0); a1_1 = fma(vec4f(x1_3), w6, a1_1); a1_2 = fma(vec4f(x1_4), w6, a1_2); a1_3 = fma(vec4f(x1_5), w6, a1_3); a1_4 = fma(vec4f(x1_6), w6, a1_4); a1_5 = fma(vec4f(x1_7), w6, a1_5); a1_6 = fma(vec4f(x1_8), w6, a1_6); a1_7 = fma(vec4f(x1_9), w6, a1_7);
    a2_0 = fma(vec4f(x2_2), w6, a2_0); a2_1 = fma(vec4f(x2_3), w6, a2_1); a2_2 = fma(vec4f(x2_4), w6, a2_2); a2_3 = fma(vec4f(x2_5), w6, a2_3); a2_4 = fma(vec4f(x2_6), w6, a2_4); a2_5 = fma(vec4f(x2_7), w6, a2_5); a2_6 = fma(vec4f(x2_8), w6, a2_6); a2_7 = fma(vec4f(x2_9), w6, a2_7);
    a3_0 = fma(vec4f(x3_2), w6, a3_0); a3_1 = fma(vec4f(x3_3), w6, a3_1); a3_2 = fma(vec4f(x3_4), w6, a3_2); a3_3 = fma(vec4f(x3_5), w6, a3_3); a3_4 = fma(vec4f(x3_6), w6, a3_4); a3_5 = fma(vec4f(x3_7), w6, a3_5); a3_6 = fma(vec4f(x3_8), w6, a3_6); a3_7 = fma(vec4f(x3_9), w6, a3_7);
    // tap (2, 1)
    let t7 = 7u * tap + co; let w7 = vec4f(w[t7 + q0], w[t7 + q1], w[t7 + q2], w[t7 + q3]);
    a0_0 = fma(vec4f(x0_1), w7, a0_0); a0_1 = fma(vec4f(x0_2), w7, a0_1); a0_2 = fma(vec4f(x0_3), w7, a0_2); a0_3 = fma(vec4f(x0_4), w7, a0_3); a0_4 = fma(vec4f(x0_5), w7, a0_4); a0_5 = fma(vec4f(x0_6), w7, a0_5); a0_6 = fma(vec4f(x0_7), w7, a0_6); a0_7 = fma(vec4f(x0_8), w7, a0_7);
    a1_0 = fma(vec4f(x1_1), w7, a1_0); a1_1 = fma(vec4f(x1_2), w7, a1_1); a1_2 = fma(vec4f(x1_3), w7, a1_2); a1_3 = fma(vec4f(x1_4), w7, a1_3); a1_4 = fma(vec4f(x1_5), w7, a1_4); a1_5 = fma(vec4f(x1_6), w7, a1_5); a1_6 = fma(vec4f(x1_7), w7, a1_6); a1_7 = fma(vec4f(x1_8), w7, a1_7);
    a2_0 = fma(vec4f(x2_1), w7, a2_0); a2_1 = fma(vec4f(x2_2), w7, a2_1); a2_2 = fma(vec4f(x2_3), w7, a2_2); a2_3 = fma(vec4f(x2_4), w7, a2_3); a2_4 = fma(vec4f(x2_5), w7, a2_4); a2_5 = fma(vec4f(x2_6), w7, a2_5); a2_6 = fma(vec4f(x2_7), w7, a2_6); a2_7 = fma(vec4f(x2_8), w7, a2_7);
    a3_0 = fma(vec4f(x3_1), w7, a3_0); a3_1 = fma(vec4f(x3_2), w7, a3_1); a3_2 = fma(vec4f(x3_3), w7, a3_2); a3_3 = fma(vec4f(x3_4), w7, a3_3); a3_4 = fma(vec4f(x3_5), w7, a3_4); a3_5 = fma(vec4f(x3_6), w7, a3_5); a3_6 = fma(vec4f(x3_7), w7, a3_6); a3_7 = fma(vec4f(x3_8), w7, a3_7);
    // tap (2, 2)
    let t8 = 8u * tap + co; let w8 = vec4f(w[t8 + q0], w[t8 + q1], w[t8 + q2], w[t8 + q3]);
    a0_0 = fma(vec4f(x0_0), w8, a0_0); a0_1 = fma(vec4f(x0_1), w8, a0_1); a0_2 = fma(vec4f(x0_2), w8, a0_2); a0_3 = fma(vec4f(x0_3), w8, a0_3); a0_4 = fma(vec4f(x0_4), w8, a0_4); a0_5 = fma(vec4f(x0_5), w8, a0_5); a0_6 = fma(vec4f(x0_6), w8, a0_6); a0_7 = fma(vec4f(x0_7), w8, a0_7);
    a1_0 = fma(vec4f(x1_0), w8, a1_0); a1_1 = fma(vec4f(x1_1), w8, a1_1); a1_2 = fma(vec4f(x1_2), w8, a1_2); a1_3 = fma(vec4f(x1_3), w8, a1_3); a1_4 = fma(vec4f(x1_4), w8, a1_4); a1_5 = fma(vec4f(x1_5), w8, a1_5); a1_6 = fma(vec4f(x1_6), w8, a1_6); a1_7 = fma(vec4f(x1_7), w8, a1_7);
    a2_0 = fma(vec4f(x2_0), w8, a2_0); a2_1 = fma(vec4f(x2_1), w8, a2_1); a2_2 = fma(vec4f(x2_2), w8, a2_2); a2_3 = fma(vec4f(x2_3), w8, a2_3); a2_4 = fma(vec4f(x2_4), w8, a2_4); a2_5 = fma(vec4f(x2_5), w8, a2_5); a2_6 = fma(vec4f(x2_6), w8, a2_6); a2_7 = fma(vec4f(x2_7), w8, a2_7);
    a3_0 = fma(vec4f(x3_0), w8, a3_0); a3_1 = fma(vec4f(x3_1), w8, a3_1); a3_2 = fma(vec4f(x3_2), w8, a3_2); a3_3 = fma(vec4f(x3_3), w8, a3_3); a3_4 = fma(vec4f(x3_4), w8, a3_4); a3_5 = fma(vec4f(x3_5), w8, a3_5); a3_6 = fma(vec4f(x3_6), w8, a3_6); a3_7 = fma(vec4f(x3_7), w8, a3_7);
  }

  if (ih0 + 0u < u.H) {
    let pix = (n * u.H + ih0 + 0u) * u.W + iw0;
    if (iw0 + 0u < u.W) { store(pix + 0u, ci0, a0_0); } if (iw0 + 1u < u.W) { store(pix + 1u, ci0, a0_1); } if (iw0 + 2u < u.W) { store(pix + 2u, ci0, a0_2); } if (iw0 + 3u < u.W) { store(pix + 3u, ci0, a0_3); } if (iw0 + 4u < u.W) { store(pix + 4u, ci0, a0_4); } if (iw0 + 5u < u.W) { store(pix + 5u, ci0, a0_5); } if (iw0 + 6u < u.W) { store(pix + 6u, ci0, a0_6); } if (iw0 + 7u < u.W) { store(pix + 7u, ci0, a0_7); }
  }
  if (ih0 + 1u < u.H) {
    let pix = (n * u.H + ih0 + 1u) * u.W + iw0;
    if (iw0 + 0u < u.W) { store(pix + 0u, ci0, a1_0); } if (iw0 + 1u < u.W) { store(pix + 1u, ci0, a1_1); } if (iw0 + 2u < u.W) { store(pix + 2u, ci0, a1_2); } if (iw0 + 3u < u.W) { store(pix + 3u, ci0, a1_3); } if (iw0 + 4u < u.W) { store(pix + 4u, ci0, a1_4); } if (iw0 + 5u < u.W) { store(pix + 5u, ci0, a1_5); } if (iw0 + 6u < u.W) { store(pix + 6u, ci0, a1_6); } if (iw0 + 7u < u.W) { store(pix + 7u, ci0, a1_7); }
  }
  if (ih0 + 2u < u.H) {
    let pix = (n * u.H + ih0 + 2u) * u.W + iw0;
    if (iw0 + 0u < u.W) { store(pix + 0u, ci0, a2_0); } if (iw0 + 1u < u.W) { store(pix + 1u, ci0, a2_1); } if (iw0 + 2u < u.W) { store(pix + 2u, ci0, a2_2); } if (iw0 + 3u < u.W) { store(pix + 3u, ci0, a2_3); } if (iw0 + 4u < u.W) { store(pix + 4u, ci0, a2_4); } if (iw0 + 5u < u.W) { store(pix + 5u, ci0, a2_5); } if (iw0 + 6u < u.W) { store(pix + 6u, ci0, a2_6); } if (iw0 + 7u < u.W) { store(pix + 7u, ci0, a2_7); }
  }
  if (ih0 + 3u < u.H) {
    let pix = (n * u.H + ih0 + 3u) * u.W + iw0;
    if (iw0 + 0u < u.W) { store(pix + 0u, ci0, a3_0); } if (iw0 + 1u < u.W) { store(pix + 1u, ci0, a3_1); } if (iw0 + 2u < u.W) { store(pix + 2u, ci0, a3_2); } if (iw0 + 3u < u.W) { store(pix + 3u, ci0, a3_3); } if (iw0 + 4u < u.W) { store(pix + 4u, ci0, a3_4); } if (iw0 + 5u < u.W) { store(pix + 5u, ci0, a3_5); } if (iw0 + 6u < u.W) { store(pix + 6u, ci0, a3_6); } if (iw0 + 7u < u.W) { store(pix + 7u, ci0, a3_7); }
  }
}
