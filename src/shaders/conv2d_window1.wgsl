// conv2d_window1: conv2d_window.wgsl for one output channel (the gray presets' last layers), its
// window sliding over 4 input channels a step instead of up to 4 output channels:
//   y[n,oh,ow,0] = act(b[0] + sum_{kh,kw,ci} x[n, oh+kh-PT, ow+kw-PL, ci] * w[kh,kw,ci,0])
// Tiling: each invocation computes 4 output rows x 8 columns (oh0 .. oh0+3, ow0 .. ow0+7), one
//   vec4 accumulator per pixel over channels ci = 4k + lane (a_i_j), summed across its lanes when
//   stored. Per block of 4 input channels it loads the 6 x 10 input patch as vec4 (x{r}_{c}) and
//   the 9 taps' weights for them (w{t}: w[kh,kw,4c4 .. 4c4+3,0], contiguous), then adds tap
//   (kh, kw) of pixel (i, j) as x{i+kh}_{j+kw} * w{kh*3+kw}: 288 vec4 fma for 60 + 9 vec4 loads.
// Why: conv2d_window multiplies a scalar x by a vec4 of weights over CO channels, so at CO = 1 three
//   quarters of every fma and weight load are thrown away, and its x loads are scalar gathers. Here
//   every lane of an fma is a real multiply-add and each load moves 4 floats.
// Precision: each pixel's 9*CI products are summed in four float32 chains (ci mod 4), over the
//   input channels' blocks tap by tap, then added pairwise with the bias last (the conv tolerance).
// Requires CO == 1 && CI % 4 == 0 && KH == 3 && KW == 3 && S == 1; otherwise conv2d_window.wgsl.
// Layouts: x [N,H,W,CI/4] vec4, w [3,3,CI/4] vec4 (= [3,3,CI,1]), b [1], y [N,OH,OW], row-major.
// Bindings: 0 uniform U, 1 x (read), 2 w (read), 3 b (read), 4 y (read_write).
// Dispatch: ceil(count / WG) workgroups, count = N*RB*PB with RB = ceil(OH/4) row blocks and
//   PB = ceil(OW/8) column blocks (fastest).
// Cost: 2*N*OH*OW*9*CI FLOP (minus padding); each invocation reads 60 x and 9 w vec4 per 4 input
//   channels and writes 32 floats.
// Backward: as conv2d_window.wgsl (the window family: dx conv2d_transpose_window.wgsl, dw
//   conv2d_backward_filter_window1.wgsl, db conv2d_bias_grad.wgsl).
struct U { count: u32, H: u32, W: u32, CI: u32, OH: u32, OW: u32, PT: i32, PL: i32, hasBias: u32, RB: u32, PB: u32 }

override WG: u32 = 64u;
override ACT: u32 = 0u;
// ACT codes (src/engine/kernels.ts ACT; tests/kernels.node.test.ts checks they agree):
const ACT_NONE: u32 = 0u;
const ACT_RELU: u32 = 1u;
const ACT_SIGMOID: u32 = 2u;
const TR: u32 = 4u; // output rows per invocation (a0_* .. a3_* below)
const TP: u32 = 8u; // output columns per invocation (a*_0 .. a*_7 below)

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read> w: array<vec4f>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

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

/** Stores one pixel: its four channel chains added pairwise, then the bias, activated. */
fn store(pix: u32, v: vec4f) {
  var bias = 0.0;
  if (u.hasBias != 0u) { bias = b[0]; }
  y[pix] = activate(((v.x + v.y) + (v.z + v.w)) + bias);
}

/** Whether input row (or column) v of a dimension of `size` is inside the image, not padding. */
fn inside(v: i32, size: u32) -> bool {
  return v >= 0 && v < i32(size);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  if (g >= u.count) { return; }
  let pb = g % u.PB;
  let t = g / u.PB;
  let rb = t % u.RB;
  let n = t / u.RB;
  let oh0 = rb * TR;
  let ow0 = pb * TP;
  let CI4 = u.CI / 4u;
  let z = vec4f(0.0); // the accumulators' start (the bias is added when storing) and padding's value
  var a0_0 = z; var a0_1 = z; var a0_2 = z; var a0_3 = z; var a0_4 = z; var a0_5 = z; var a0_6 = z; var a0_7 = z;
  var a1_0 = z; var a1_1 = z; var a1_2 = z; var a1_3 = z; var a1_4 = z; var a1_5 = z; var a1_6 = z; var a1_7 = z;
  var a2_0 = z; var a2_1 = z; var a2_2 = z; var a2_3 = z; var a2_4 = z; var a2_5 = z; var a2_6 = z; var a2_7 = z;
  var a3_0 = z; var a3_1 = z; var a3_2 = z; var a3_3 = z; var a3_4 = z; var a3_5 = z; var a3_6 = z; var a3_7 = z;

  // The patch: input rows ih0 + r (r < 6) and columns iw0 + c (c < 10), each masked (m{r}_{c}) and
  // at an in-bounds pixel offset (o{r}_{c}, in vec4: times CI4).
  let ih0 = i32(oh0) - u.PT;
  let iw0 = i32(ow0) - u.PL;
  let vr0 = inside(ih0 + 0, u.H); let xr0 = (n * u.H + u32(clamp(ih0 + 0, 0, i32(u.H) - 1))) * u.W;
  let vr1 = inside(ih0 + 1, u.H); let xr1 = (n * u.H + u32(clamp(ih0 + 1, 0, i32(u.H) - 1))) * u.W;
  let vr2 = inside(ih0 + 2, u.H); let xr2 = (n * u.H + u32(clamp(ih0 + 2, 0, i32(u.H) - 1))) * u.W;
  let vr3 = inside(ih0 + 3, u.H); let xr3 = (n * u.H + u32(clamp(ih0 + 3, 0, i32(u.H) - 1))) * u.W;
  let vr4 = inside(ih0 + 4, u.H); let xr4 = (n * u.H + u32(clamp(ih0 + 4, 0, i32(u.H) - 1))) * u.W;
  let vr5 = inside(ih0 + 5, u.H); let xr5 = (n * u.H + u32(clamp(ih0 + 5, 0, i32(u.H) - 1))) * u.W;
  let vc0 = inside(iw0 + 0, u.W); let xc0 = u32(clamp(iw0 + 0, 0, i32(u.W) - 1));
  let vc1 = inside(iw0 + 1, u.W); let xc1 = u32(clamp(iw0 + 1, 0, i32(u.W) - 1));
  let vc2 = inside(iw0 + 2, u.W); let xc2 = u32(clamp(iw0 + 2, 0, i32(u.W) - 1));
  let vc3 = inside(iw0 + 3, u.W); let xc3 = u32(clamp(iw0 + 3, 0, i32(u.W) - 1));
  let vc4 = inside(iw0 + 4, u.W); let xc4 = u32(clamp(iw0 + 4, 0, i32(u.W) - 1));
  let vc5 = inside(iw0 + 5, u.W); let xc5 = u32(clamp(iw0 + 5, 0, i32(u.W) - 1));
  let vc6 = inside(iw0 + 6, u.W); let xc6 = u32(clamp(iw0 + 6, 0, i32(u.W) - 1));
  let vc7 = inside(iw0 + 7, u.W); let xc7 = u32(clamp(iw0 + 7, 0, i32(u.W) - 1));
  let vc8 = inside(iw0 + 8, u.W); let xc8 = u32(clamp(iw0 + 8, 0, i32(u.W) - 1));
  let vc9 = inside(iw0 + 9, u.W); let xc9 = u32(clamp(iw0 + 9, 0, i32(u.W) - 1));
  let m0_0 = vr0 && vc0; let m0_1 = vr0 && vc1; let m0_2 = vr0 && vc2; let m0_3 = vr0 && vc3; let m0_4 = vr0 && vc4; let m0_5 = vr0 && vc5; let m0_6 = vr0 && vc6; let m0_7 = vr0 && vc7; let m0_8 = vr0 && vc8; let m0_9 = vr0 && vc9;
  let m1_0 = vr1 && vc0; let m1_1 = vr1 && vc1; let m1_2 = vr1 && vc2; let m1_3 = vr1 && vc3; let m1_4 = vr1 && vc4; let m1_5 = vr1 && vc5; let m1_6 = vr1 && vc6; let m1_7 = vr1 && vc7; let m1_8 = vr1 && vc8; let m1_9 = vr1 && vc9;
  let m2_0 = vr2 && vc0; let m2_1 = vr2 && vc1; let m2_2 = vr2 && vc2; let m2_3 = vr2 && vc3; let m2_4 = vr2 && vc4; let m2_5 = vr2 && vc5; let m2_6 = vr2 && vc6; let m2_7 = vr2 && vc7; let m2_8 = vr2 && vc8; let m2_9 = vr2 && vc9;
  let m3_0 = vr3 && vc0; let m3_1 = vr3 && vc1; let m3_2 = vr3 && vc2; let m3_3 = vr3 && vc3; let m3_4 = vr3 && vc4; let m3_5 = vr3 && vc5; let m3_6 = vr3 && vc6; let m3_7 = vr3 && vc7; let m3_8 = vr3 && vc8; let m3_9 = vr3 && vc9;
  let m4_0 = vr4 && vc0; let m4_1 = vr4 && vc1; let m4_2 = vr4 && vc2; let m4_3 = vr4 && vc3; let m4_4 = vr4 && vc4; let m4_5 = vr4 && vc5; let m4_6 = vr4 && vc6; let m4_7 = vr4 && vc7; let m4_8 = vr4 && vc8; let m4_9 = vr4 && vc9;
  let m5_0 = vr5 && vc0; let m5_1 = vr5 && vc1; let m5_2 = vr5 && vc2; let m5_3 = vr5 && vc3; let m5_4 = vr5 && vc4; let m5_5 = vr5 && vc5; let m5_6 = vr5 && vc6; let m5_7 = vr5 && vc7; let m5_8 = vr5 && vc8; let m5_9 = vr5 && vc9;
  let o0_0 = (xr0 + xc0) * CI4; let o0_1 = (xr0 + xc1) * CI4; let o0_2 = (xr0 + xc2) * CI4; let o0_3 = (xr0 + xc3) * CI4; let o0_4 = (xr0 + xc4) * CI4; let o0_5 = (xr0 + xc5) * CI4; let o0_6 = (xr0 + xc6) * CI4; let o0_7 = (xr0 + xc7) * CI4; let o0_8 = (xr0 + xc8) * CI4; let o0_9 = (xr0 + xc9) * CI4;
  let o1_0 = (xr1 + xc0) * CI4; let o1_1 = (xr1 + xc1) * CI4; let o1_2 = (xr1 + xc2) * CI4; let o1_3 = (xr1 + xc3) * CI4; let o1_4 = (xr1 + xc4) * CI4; let o1_5 = (xr1 + xc5) * CI4; let o1_6 = (xr1 + xc6) * CI4; let o1_7 = (xr1 + xc7) * CI4; let o1_8 = (xr1 + xc8) * CI4; let o1_9 = (xr1 + xc9) * CI4;
  let o2_0 = (xr2 + xc0) * CI4; let o2_1 = (xr2 + xc1) * CI4; let o2_2 = (xr2 + xc2) * CI4; let o2_3 = (xr2 + xc3) * CI4; let o2_4 = (xr2 + xc4) * CI4; let o2_5 = (xr2 + xc5) * CI4; let o2_6 = (xr2 + xc6) * CI4; let o2_7 = (xr2 + xc7) * CI4; let o2_8 = (xr2 + xc8) * CI4; let o2_9 = (xr2 + xc9) * CI4;
  let o3_0 = (xr3 + xc0) * CI4; let o3_1 = (xr3 + xc1) * CI4; let o3_2 = (xr3 + xc2) * CI4; let o3_3 = (xr3 + xc3) * CI4; let o3_4 = (xr3 + xc4) * CI4; let o3_5 = (xr3 + xc5) * CI4; let o3_6 = (xr3 + xc6) * CI4; let o3_7 = (xr3 + xc7) * CI4; let o3_8 = (xr3 + xc8) * CI4; let o3_9 = (xr3 + xc9) * CI4;
  let o4_0 = (xr4 + xc0) * CI4; let o4_1 = (xr4 + xc1) * CI4; let o4_2 = (xr4 + xc2) * CI4; let o4_3 = (xr4 + xc3) * CI4; let o4_4 = (xr4 + xc4) * CI4; let o4_5 = (xr4 + xc5) * CI4; let o4_6 = (xr4 + xc6) * CI4; let o4_7 = (xr4 + xc7) * CI4; let o4_8 = (xr4 + xc8) * CI4; let o4_9 = (xr4 + xc9) * CI4;
  let o5_0 = (xr5 + xc0) * CI4; let o5_1 = (xr5 + xc1) * CI4; let o5_2 = (xr5 + xc2) * CI4; let o5_3 = (xr5 + xc3) * CI4; let o5_4 = (xr5 + xc4) * CI4; let o5_5 = (xr5 + xc5) * CI4; let o5_6 = (xr5 + xc6) * CI4; let o5_7 = (xr5 + xc7) * CI4; let o5_8 = (xr5 + xc8) * CI4; let o5_9 = (xr5 + xc9) * CI4;
  let tap = CI4; // w's stride (in vec4) from one tap to the next

  for (var c4 = 0u; c4 < CI4; c4++) {
    let x0_0 = select(z, x[o0_0 + c4], m0_0); let x0_1 = select(z, x[o0_1 + c4], m0_1); let x0_2 = select(z, x[o0_2 + c4], m0_2); let x0_3 = select(z, x[o0_3 + c4], m0_3); let x0_4 = select(z, x[o0_4 + c4], m0_4); let x0_5 = select(z, x[o0_5 + c4], m0_5); let x0_6 = select(z, x[o0_6 + c4], m0_6); let x0_7 = select(z, x[o0_7 + c4], m0_7); let x0_8 = select(z, x[o0_8 + c4], m0_8); let x0_9 = select(z, x[o0_9 + c4], m0_9);
    let x1_0 = select(z, x[o1_0 + c4], m1_0); let x1_1 = select(z, x[o1_1 + c4], m1_1); let x1_2 = select(z, x[o1_2 + c4], m1_2); let x1_3 = select(z, x[o1_3 + c4], m1_3); let x1_4 = select(z, x[o1_4 + c4], m1_4); let x1_5 = select(z, x[o1_5 + c4], m1_5); let x1_6 = select(z, x[o1_6 + c4], m1_6); let x1_7 = select(z, x[o1_7 + c4], m1_7); let x1_8 = select(z, x[o1_8 + c4], m1_8); let x1_9 = select(z, x[o1_9 + c4], m1_9);
    let x2_0 = select(z, x[o2_0 + c4], m2_0); let x2_1 = select(z, x[o2_1 + c4], m2_1); let x2_2 = select(z, x[o2_2 + c4], m2_2); let x2_3 = select(z, x[o2_3 + c4], m2_3); let x2_4 = select(z, x[o2_4 + c4], m2_4); let x2_5 = select(z, x[o2_5 + c4], m2_5); let x2_6 = select(z, x[o2_6 + c4], m2_6); let x2_7 = select(z, x[o2_7 + c4], m2_7); let x2_8 = select(z, x[o2_8 + c4], m2_8); let x2_9 = select(z, x[o2_9 + c4], m2_9);
    let x3_0 = select(z, x[o3_0 + c4], m3_0); let x3_1 = select(z, x[o3_1 + c4], m3_1); let x3_2 = select(z, x[o3_2 + c4], m3_2); let x3_3 = select(z, x[o3_3 + c4], m3_3); let x3_4 = select(z, x[o3_4 + c4], m3_4); let x3_5 = select(z, x[o3_5 + c4], m3_5); let x3_6 = select(z, x[o3_6 + c4], m3_6); let x3_7 = select(z, x[o3_7 + c4], m3_7); let x3_8 = select(z, x[o3_8 + c4], m3_8); let x3_9 = select(z, x[o3_9 + c4], m3_9);
    let x4_0 = select(z, x[o4_0 + c4], m4_0); let x4_1 = select(z, x[o4_1 + c4], m4_1); let x4_2 = select(z, x[o4_2 + c4], m4_2); let x4_3 = select(z, x[o4_3 + c4], m4_3); let x4_4 = select(z, x[o4_4 + c4], m4_4); let x4_5 = select(z, x[o4_5 + c4], m4_5); let x4_6 = select(z, x[o4_6 + c4], m4_6); let x4_7 = select(z, x[o4_7 + c4], m4_7); let x4_8 = select(z, x[o4_8 + c4], m4_8); let x4_9 = select(z, x[o4_9 + c4], m4_9);
    let x5_0 = select(z, x[o5_0 + c4], m5_0); let x5_1 = select(z, x[o5_1 + c4], m5_1); let x5_2 = select(z, x[o5_2 + c4], m5_2); let x5_3 = select(z, x[o5_3 + c4], m5_3); let x5_4 = select(z, x[o5_4 + c4], m5_4); let x5_5 = select(z, x[o5_5 + c4], m5_5); let x5_6 = select(z, x[o5_6 + c4], m5_6); let x5_7 = select(z, x[o5_7 + c4], m5_7); let x5_8 = select(z, x[o5_8 + c4], m5_8); let x5_9 = select(z, x[o5_9 + c4], m5_9);
    // tap (0, 0)
    let w0 = w[0u * tap + c4];
    a0_0 = fma(x0_0, w0, a0_0); a0_1 = fma(x0_1, w0, a0_1); a0_2 = fma(x0_2, w0, a0_2); a0_3 = fma(x0_3, w0, a0_3); a0_4 = fma(x0_4, w0, a0_4); a0_5 = fma(x0_5, w0, a0_5); a0_6 = fma(x0_6, w0, a0_6); a0_7 = fma(x0_7, w0, a0_7);
    a1_0 = fma(x1_0, w0, a1_0); a1_1 = fma(x1_1, w0, a1_1); a1_2 = fma(x1_2, w0, a1_2); a1_3 = fma(x1_3, w0, a1_3); a1_4 = fma(x1_4, w0, a1_4); a1_5 = fma(x1_5, w0, a1_5); a1_6 = fma(x1_6, w0, a1_6); a1_7 = fma(x1_7, w0, a1_7);
    a2_0 = fma(x2_0, w0, a2_0); a2_1 = fma(x2_1, w0, a2_1); a2_2 = fma(x2_2, w0, a2_2); a2_3 = fma(x2_3, w0, a2_3); a2_4 = fma(x2_4, w0, a2_4); a2_5 = fma(x2_5, w0, a2_5); a2_6 = fma(x2_6, w0, a2_6); a2_7 = fma(x2_7, w0, a2_7);
    a3_0 = fma(x3_0, w0, a3_0); a3_1 = fma(x3_1, w0, a3_1); a3_2 = fma(x3_2, w0, a3_2); a3_3 = fma(x3_3, w0, a3_3); a3_4 = fma(x3_4, w0, a3_4); a3_5 = fma(x3_5, w0, a3_5); a3_6 = fma(x3_6, w0, a3_6); a3_7 = fma(x3_7, w0, a3_7);
    // tap (0, 1)
    let w1 = w[1u * tap + c4];
    a0_0 = fma(x0_1, w1, a0_0); a0_1 = fma(x0_2, w1, a0_1); a0_2 = fma(x0_3, w1, a0_2); a0_3 = fma(x0_4, w1, a0_3); a0_4 = fma(x0_5, w1, a0_4); a0_5 = fma(x0_6, w1, a0_5); a0_6 = fma(x0_7, w1, a0_6); a0_7 = fma(x0_8, w1, a0_7);
    a1_0 = fma(x1_1, w1, a1_0); a1_1 = fma(x1_2, w1, a1_1); a1_2 = fma(x1_3, w1, a1_2); a1_3 = fma(x1_4, w1, a1_3); a1_4 = fma(x1_5, w1, a1_4); a1_5 = fma(x1_6, w1, a1_5); a1_6 = fma(x1_7, w1, a1_6); a1_7 = fma(x1_8, w1, a1_7);
    a2_0 = fma(x2_1, w1, a2_0); a2_1 = fma(x2_2, w1, a2_1); a2_2 = fma(x2_3, w1, a2_2); a2_3 = fma(x2_4, w1, a2_3); a2_4 = fma(x2_5, w1, a2_4); a2_5 = fma(x2_6, w1, a2_5); a2_6 = fma(x2_7, w1, a2_6); a2_7 = fma(x2_8, w1, a2_7);
    a3_0 = fma(x3_1, w1, a3_0); a3_1 = fma(x3_2, w1, a3_1); a3_2 = fma(x3_3, w1, a3_2); a3_3 = fma(x3_4, w1, a3_3); a3_4 = fma(x3_5, w1, a3_4); a3_5 = fma(x3_6, w1, a3_5); a3_6 = fma(x3_7, w1, a3_6); a3_7 = fma(x3_8, w1, a3_7);
    // tap (0, 2)
    let w2 = w[2u * tap + c4];
    a0_0 = fma(x0_2, w2, a0_0); a0_1 = fma(x0_3, w2, a0_1); a0_2 = fma(x0_4, w2, a0_2); a0_3 = fma(x0_5, w2, a0_3); a0_4 = fma(x0_6, w2, a0_4); a0_5 = fma(x0_7, w2, a0_5); a0_6 = fma(x0_8, w2, a0_6); a0_7 = fma(x0_9, w2, a0_7);
    a1_0 = fma(x1_2, w2, a1_0); a1_1 = fma(x1_3, w2, a1_1); a1_2 = fma(x1_4, w2, a1_2); a1_3 = fma(x1_5, w2, a1_3); a1_4 = fma(x1_6, w2, a1_4); a1_5 = fma(x1_7, w2, a1_5); a1_6 = fma(x1_8, w2, a1_6); a1_7 = fma(x1_9, w2, a1_7);
    a2_0 = fma(x2_2, w2, a2_0); a2_1 = fma(x2_3, w2, a2_1); a2_2 = fma(x2_4, w2, a2_2); a2_3 = fma(x2_5, w2, a2_3); a2_4 = fma(x2_6, w2, a2_4); a2_5 = fma(x2_7, w2, a2_5); a2_6 = fma(x2_8, w2, a2_6); a2_7 = fma(x2_9, w2, a2_7);
    a3_0 = fma(x3_2, w2, a3_0); a3_1 = fma(x3_3, w2, a3_1); a3_2 = fma(x3_4, w2, a3_2); a3_3 = fma(x3_5, w2, a3_3); a3_4 = fma(x3_6, w2, a3_4); a3_5 = fma(x3_7, w2, a3_5); a3_6 = fma(x3_8, w2, a3_6); a3_7 = fma(x3_9, w2, a3_7);
    // tap (1, 0)
    let w3 = w[3u * tap + c4];
    a0_0 = fma(x1_0, w3, a0_0); a0_1 = fma(x1_1, w3, a0_1); a0_2 = fma(x1_2, w3, a0_2); a0_3 = fma(x1_3, w3, a0_3); a0_4 = fma(x1_4, w3, a0_4); a0_5 = fma(x1_5, w3, a0_5); a0_6 = fma(x1_6, w3, a0_6); a0_7 = fma(x1_7, w3, a0_7);
    a1_0 = fma(x2_0, w3, a1_0); a1_1 = fma(x2_1, w3, a1_1); a1_2 = fma(x2_2, w3, a1_2); a1_3 = fma(x2_3, w3, a1_3); a1_4 = fma(x2_4, w3, a1_4); a1_5 = fma(x2_5, w3, a1_5); a1_6 = fma(x2_6, w3, a1_6); a1_7 = fma(x2_7, w3, a1_7);
    a2_0 = fma(x3_0, w3, a2_0); a2_1 = fma(x3_1, w3, a2_1); a2_2 = fma(x3_2, w3, a2_2); a2_3 = fma(x3_3, w3, a2_3); a2_4 = fma(x3_4, w3, a2_4); a2_5 = fma(x3_5, w3, a2_5); a2_6 = fma(x3_6, w3, a2_6); a2_7 = fma(x3_7, w3, a2_7);
    a3_0 = fma(x4_0, w3, a3_0); a3_1 = fma(x4_1, w3, a3_1); a3_2 = fma(x4_2, w3, a3_2); a3_3 = fma(x4_3, w3, a3_3); a3_4 = fma(x4_4, w3, a3_4); a3_5 = fma(x4_5, w3, a3_5); a3_6 = fma(x4_6, w3, a3_6); a3_7 = fma(x4_7, w3, a3_7);
    // tap (1, 1)
    let w4 = w[4u * tap + c4];
    a0_0 = fma(x1_1, w4, a0_0); a0_1 = fma(x1_2, w4, a0_1); a0_2 = fma(x1_3, w4, a0_2); a0_3 = fma(x1_4, w4, a0_3); a0_4 = fma(x1_5, w4, a0_4); a0_5 = fma(x1_6, w4, a0_5); a0_6 = fma(x1_7, w4, a0_6); a0_7 = fma(x1_8, w4, a0_7);
    a1_0 = fma(x2_1, w4, a1_0); a1_1 = fma(x2_2, w4, a1_1); a1_2 = fma(x2_3, w4, a1_2); a1_3 = fma(x2_4, w4, a1_3); a1_4 = fma(x2_5, w4, a1_4); a1_5 = fma(x2_6, w4, a1_5); a1_6 = fma(x2_7, w4, a1_6); a1_7 = fma(x2_8, w4, a1_7);
    a2_0 = fma(x3_1, w4, a2_0); a2_1 = fma(x3_2, w4, a2_1); a2_2 = fma(x3_3, w4, a2_2); a2_3 = fma(x3_4, w4, a2_3); a2_4 = fma(x3_5, w4, a2_4); a2_5 = fma(x3_6, w4, a2_5); a2_6 = fma(x3_7, w4, a2_6); a2_7 = fma(x3_8, w4, a2_7);
    a3_0 = fma(x4_1, w4, a3_0); a3_1 = fma(x4_2, w4, a3_1); a3_2 = fma(x4_3, w4, a3_2); a3_3 = fma(x4_4, w4, a3_3); a3_4 = fma(x4_5, w4, a3_4); a3_5 = fma(x4_6, w4, a3_5); a3_6 = fma(x4_7, w4, a3_6); a3_7 = fma(x4_8, w4, a3_7);
    // tap (1, 2)
    let w5 = w[5u * tap + c4];
    a0_0 = fma(x1_2, w5, a0_0); a0_1 = fma(x1_3, w5, a0_1); a0_2 = fma(x1_4, w5, a0_2); a0_3 = fma(x1_5, w5, a0_3); a0_4 = fma(x1_6, w5, a0_4); a0_5 = fma(x1_7, w5, a0_5); a0_6 = fma(x1_8, w5, a0_6); a0_7 = fma(x1_9, w5, a0_7);
    a1_0 = fma(x2_2, w5, a1_0); a1_1 = fma(x2_3, w5, a1_1); a1_2 = fma(x2_4, w5, a1_2); a1_3 = fma(x2_5, w5, a1_3); a1_4 = fma(x2_6, w5, a1_4); a1_5 = fma(x2_7, w5, a1_5); a1_6 = fma(x2_8, w5, a1_6); a1_7 = fma(x2_9, w5, a1_7);
    a2_0 = fma(x3_2, w5, a2_0); a2_1 = fma(x3_3, w5, a2_1); a2_2 = fma(x3_4, w5, a2_2); a2_3 = fma(x3_5, w5, a2_3); a2_4 = fma(x3_6, w5, a2_4); a2_5 = fma(x3_7, w5, a2_5); a2_6 = fma(x3_8, w5, a2_6); a2_7 = fma(x3_9, w5, a2_7);
    a3_0 = fma(x4_2, w5, a3_0); a3_1 = fma(x4_3, w5, a3_1); a3_2 = fma(x4_4, w5, a3_2); a3_3 = fma(x4_5, w5, a3_3); a3_4 = fma(x4_6, w5, a3_4); a3_5 = fma(x4_7, w5, a3_5); a3_6 = fma(x4_8, w5, a3_6); a3_7 = fma(x4_9, w5, a3_7);
    // tap (2, 0)
    let w6 = w[6u * tap + c4];
    a0_0 = fma(x2_0, w6, a0_0); a0_1 = fma(x2_1, w6, a0_1); a0_2 = fma(x2_2, w6, a0_2); a0_3 = fma(x2_3, w6, a0_3); a0_4 = fma(x2_4, w6, a0_4); a0_5 = fma(x2_5, w6, a0_5); a0_6 = fma(x2_6, w6, a0_6); a0_7 = fma(x2_7, w6, a0_7);
    a1_0 = fma(x3_0, w6, a1_0); a1_1 = fma(x3_1, w6, a1_1); a1_2 = fma(x3_2, w6, a1_2); a1_3 = fma(x3_3, w6, a1_3); a1_4 = fma(x3_4, w6, a1_4); a1_5 = fma(x3_5, w6, a1_5); a1_6 = fma(x3_6, w6, a1_6); a1_7 = fma(x3_7, w6, a1_7);
    a2_0 = fma(x4_0, w6, a2_0); a2_1 = fma(x4_1, w6, a2_1); a2_2 = fma(x4_2, w6, a2_2); a2_3 = fma(x4_3, w6, a2_3); a2_4 = fma(x4_4, w6, a2_4); a2_5 = fma(x4_5, w6, a2_5); a2_6 = fma(x4_6, w6, a2_6); a2_7 = fma(x4_7, w6, a2_7);
    a3_0 = fma(x5_0, w6, a3_0); a3_1 = fma(x5_1, w6, a3_1); a3_2 = fma(x5_2, w6, a3_2); a3_3 = fma(x5_3, w6, a3_3); a3_4 = fma(x5_4, w6, a3_4); a3_5 = fma(x5_5, w6, a3_5); a3_6 = fma(x5_6, w6, a3_6); a3_7 = fma(x5_7, w6, a3_7);
    // tap (2, 1)
    let w7 = w[7u * tap + c4];
    a0_0 = fma(x2_1, w7, a0_0); a0_1 = fma(x2_2, w7, a0_1); a0_2 = fma(x2_3, w7, a0_2); a0_3 = fma(x2_4, w7, a0_3); a0_4 = fma(x2_5, w7, a0_4); a0_5 = fma(x2_6, w7, a0_5); a0_6 = fma(x2_7, w7, a0_6); a0_7 = fma(x2_8, w7, a0_7);
    a1_0 = fma(x3_1, w7, a1_0); a1_1 = fma(x3_2, w7, a1_1); a1_2 = fma(x3_3, w7, a1_2); a1_3 = fma(x3_4, w7, a1_3); a1_4 = fma(x3_5, w7, a1_4); a1_5 = fma(x3_6, w7, a1_5); a1_6 = fma(x3_7, w7, a1_6); a1_7 = fma(x3_8, w7, a1_7);
    a2_0 = fma(x4_1, w7, a2_0); a2_1 = fma(x4_2, w7, a2_1); a2_2 = fma(x4_3, w7, a2_2); a2_3 = fma(x4_4, w7, a2_3); a2_4 = fma(x4_5, w7, a2_4); a2_5 = fma(x4_6, w7, a2_5); a2_6 = fma(x4_7, w7, a2_6); a2_7 = fma(x4_8, w7, a2_7);
    a3_0 = fma(x5_1, w7, a3_0); a3_1 = fma(x5_2, w7, a3_1); a3_2 = fma(x5_3, w7, a3_2); a3_3 = fma(x5_4, w7, a3_3); a3_4 = fma(x5_5, w7, a3_4); a3_5 = fma(x5_6, w7, a3_5); a3_6 = fma(x5_7, w7, a3_6); a3_7 = fma(x5_8, w7, a3_7);
    // tap (2, 2)
    let w8 = w[8u * tap + c4];
    a0_0 = fma(x2_2, w8, a0_0); a0_1 = fma(x2_3, w8, a0_1); a0_2 = fma(x2_4, w8, a0_2); a0_3 = fma(x2_5, w8, a0_3); a0_4 = fma(x2_6, w8, a0_4); a0_5 = fma(x2_7, w8, a0_5); a0_6 = fma(x2_8, w8, a0_6); a0_7 = fma(x2_9, w8, a0_7);
    a1_0 = fma(x3_2, w8, a1_0); a1_1 = fma(x3_3, w8, a1_1); a1_2 = fma(x3_4, w8, a1_2); a1_3 = fma(x3_5, w8, a1_3); a1_4 = fma(x3_6, w8, a1_4); a1_5 = fma(x3_7, w8, a1_5); a1_6 = fma(x3_8, w8, a1_6); a1_7 = fma(x3_9, w8, a1_7);
    a2_0 = fma(x4_2, w8, a2_0); a2_1 = fma(x4_3, w8, a2_1); a2_2 = fma(x4_4, w8, a2_2); a2_3 = fma(x4_5, w8, a2_3); a2_4 = fma(x4_6, w8, a2_4); a2_5 = fma(x4_7, w8, a2_5); a2_6 = fma(x4_8, w8, a2_6); a2_7 = fma(x4_9, w8, a2_7);
    a3_0 = fma(x5_2, w8, a3_0); a3_1 = fma(x5_3, w8, a3_1); a3_2 = fma(x5_4, w8, a3_2); a3_3 = fma(x5_5, w8, a3_3); a3_4 = fma(x5_6, w8, a3_4); a3_5 = fma(x5_7, w8, a3_5); a3_6 = fma(x5_8, w8, a3_6); a3_7 = fma(x5_9, w8, a3_7);
  }

  if (oh0 + 0u < u.OH) {
    let pix = (n * u.OH + oh0 + 0u) * u.OW + ow0;
    if (ow0 + 0u < u.OW) { store(pix + 0u, a0_0); } if (ow0 + 1u < u.OW) { store(pix + 1u, a0_1); } if (ow0 + 2u < u.OW) { store(pix + 2u, a0_2); } if (ow0 + 3u < u.OW) { store(pix + 3u, a0_3); } if (ow0 + 4u < u.OW) { store(pix + 4u, a0_4); } if (ow0 + 5u < u.OW) { store(pix + 5u, a0_5); } if (ow0 + 6u < u.OW) { store(pix + 6u, a0_6); } if (ow0 + 7u < u.OW) { store(pix + 7u, a0_7); }
  }
  if (oh0 + 1u < u.OH) {
    let pix = (n * u.OH + oh0 + 1u) * u.OW + ow0;
    if (ow0 + 0u < u.OW) { store(pix + 0u, a1_0); } if (ow0 + 1u < u.OW) { store(pix + 1u, a1_1); } if (ow0 + 2u < u.OW) { store(pix + 2u, a1_2); } if (ow0 + 3u < u.OW) { store(pix + 3u, a1_3); } if (ow0 + 4u < u.OW) { store(pix + 4u, a1_4); } if (ow0 + 5u < u.OW) { store(pix + 5u, a1_5); } if (ow0 + 6u < u.OW) { store(pix + 6u, a1_6); } if (ow0 + 7u < u.OW) { store(pix + 7u, a1_7); }
  }
  if (oh0 + 2u < u.OH) {
    let pix = (n * u.OH + oh0 + 2u) * u.OW + ow0;
    if (ow0 + 0u < u.OW) { store(pix + 0u, a2_0); } if (ow0 + 1u < u.OW) { store(pix + 1u, a2_1); } if (ow0 + 2u < u.OW) { store(pix + 2u, a2_2); } if (ow0 + 3u < u.OW) { store(pix + 3u, a2_3); } if (ow0 + 4u < u.OW) { store(pix + 4u, a2_4); } if (ow0 + 5u < u.OW) { store(pix + 5u, a2_5); } if (ow0 + 6u < u.OW) { store(pix + 6u, a2_6); } if (ow0 + 7u < u.OW) { store(pix + 7u, a2_7); }
  }
  if (oh0 + 3u < u.OH) {
    let pix = (n * u.OH + oh0 + 3u) * u.OW + ow0;
    if (ow0 + 0u < u.OW) { store(pix + 0u, a3_0); } if (ow0 + 1u < u.OW) { store(pix + 1u, a3_1); } if (ow0 + 2u < u.OW) { store(pix + 2u, a3_2); } if (ow0 + 3u < u.OW) { store(pix + 3u, a3_3); } if (ow0 + 4u < u.OW) { store(pix + 4u, a3_4); } if (ow0 + 5u < u.OW) { store(pix + 5u, a3_5); } if (ow0 + 6u < u.OW) { store(pix + 6u, a3_6); } if (ow0 + 7u < u.OW) { store(pix + 7u, a3_7); }
  }
}
