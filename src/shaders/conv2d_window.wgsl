// conv2d_window: conv2d.wgsl for a 3x3 stride-1 conv with at most 4 output channels (the presets'
// last layers), as register tiles that slide the 3x3 window over input values already loaded.
//   y[n,oh,ow,co] = act(b[co] + sum_{kh,kw,ci} x[n, oh+kh-PT, ow+kw-PL, ci] * w[kh,kw,ci,co])
// Tiling: each invocation computes 4 output rows x 8 columns (oh0 .. oh0+3, ow0 .. ow0+7), all CO
//   channels (a vec4 accumulator per pixel, a_i_j for row i and column j). Per input channel ci it
//   loads the 6 x 10 input patch those 32 pixels' windows cover (x{r}_{c}: input row oh0-PT+r,
//   column ow0-PL+c) and the 9 taps' weights, then adds tap (kh, kw) of pixel (i, j) as
//   x{i+kh}_{j+kw} * w{kh*3+kw}: 288 vec4 fma for 60 + 36 loads. The tiled kernels reload the input
//   for every tap; with 1-4 output channels there is no channel reuse to hide that, and on
//   SwiftShader, where every storage load is a per-lane gather, this layout measured 2.2-2.8x
//   faster than conv2d_tiled_scalar (32 -> 3 at 128x128, 64 -> 1 at 40x40). Unrolled by hand (see
//   conv2d_tiled.wgsl for why); the patch rows and columns outside the image read a clamped
//   address and are masked to zero; pixels past OH/OW are computed and not stored, channels past
//   CO read a clamped weight and are not stored. ACT: 0 none, 1 relu, 2 sigmoid. b skipped when
//   hasBias = 0 (then any read-only buffer may be bound to it).
// Requires CO <= 4 && KH == 3 && KW == 3 && S == 1 && (CO > 1 || CI % 4 != 0); otherwise conv2d_window1.wgsl
//   (one output channel, 4 input channels a step) or conv2d_tiled*.wgsl.
// Layouts: x [N,H,W,CI], w [3,3,CI,CO], b [CO], y [N,OH,OW,CO], row-major.
// Bindings: 0 uniform U, 1 x (read), 2 w (read), 3 b (read), 4 y (read_write).
// Dispatch: ceil(count / WG) workgroups, count = N*RB*PB with RB = ceil(OH/4) row blocks and
//   PB = ceil(OW/8) column blocks (fastest).
// Cost: 2*N*OH*OW*CO*9*CI FLOP (minus padding); each invocation reads 60 x and 36 w floats per
//   input channel and writes 32*CO.
// Backward: as conv2d.wgsl (dx: conv2d_transpose_tiled*.wgsl, dw: conv2d_backward_filter_tiled*.wgsl,
//   db: conv2d_bias_grad.wgsl).
struct U { count: u32, H: u32, W: u32, CI: u32, OH: u32, OW: u32, CO: u32, PT: i32, PL: i32, hasBias: u32, RB: u32, PB: u32 }

override WG: u32 = 64u;
override ACT: u32 = 0u;
// ACT codes (src/engine/kernels.ts ACT; tests/kernels.node.test.ts checks they agree):
const ACT_NONE: u32 = 0u;
const ACT_RELU: u32 = 1u;
const ACT_SIGMOID: u32 = 2u;
const TR: u32 = 4u; // output rows per invocation (a0_* .. a3_* below)
const TP: u32 = 8u; // output columns per invocation (a*_0 .. a*_7 below)

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

/** Stores one pixel's CO channels (the first CO components of v, activated). */
fn store(pix: u32, v: vec4f) {
  let z = activate(v);
  let i = pix * u.CO;
  y[i] = z.x;
  if (u.CO > 1u) { y[i + 1u] = z.y; }
  if (u.CO > 2u) { y[i + 2u] = z.z; }
  if (u.CO > 3u) { y[i + 3u] = z.w; }
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
  let last = u.CO - 1u;
  let c1 = min(1u, last); // clamped channels: computed, not stored
  let c2 = min(2u, last);
  let c3 = min(3u, last);

  var bias = vec4f(0.0);
  if (u.hasBias != 0u) { bias = vec4f(b[0], b[c1], b[c2], b[c3]); }
  var a0_0 = bias; var a0_1 = bias; var a0_2 = bias; var a0_3 = bias; var a0_4 = bias; var a0_5 = bias; var a0_6 = bias; var a0_7 = bias;
  var a1_0 = bias; var a1_1 = bias; var a1_2 = bias; var a1_3 = bias; var a1_4 = bias; var a1_5 = bias; var a1_6 = bias; var a1_7 = bias;
  var a2_0 = bias; var a2_1 = bias; var a2_2 = bias; var a2_3 = bias; var a2_4 = bias; var a2_5 = bias; var a2_6 = bias; var a2_7 = bias;
  var a3_0 = bias; var a3_1 = bias; var a3_2 = bias; var a3_3 = bias; var a3_4 = bias; var a3_5 = bias; var a3_6 = bias; var a3_7 = bias;

  // The patch: input rows ih0 + r (r < 6) and columns iw0 + c (c < 10), each masked (m{r}_{c}) and
  // at an in-bounds pixel offset (o{r}_{c}, times CI).
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
  let o0_0 = (xr0 + xc0) * u.CI; let o0_1 = (xr0 + xc1) * u.CI; let o0_2 = (xr0 + xc2) * u.CI; let o0_3 = (xr0 + xc3) * u.CI; let o0_4 = (xr0 + xc4) * u.CI; let o0_5 = (xr0 + xc5) * u.CI; let o0_6 = (xr0 + xc6) * u.CI; let o0_7 = (xr0 + xc7) * u.CI; let o0_8 = (xr0 + xc8) * u.CI; let o0_9 = (xr0 + xc9) * u.CI;
  let o1_0 = (xr1 + xc0) * u.CI; let o1_1 = (xr1 + xc1) * u.CI; let o1_2 = (xr1 + xc2) * u.CI; let o1_3 = (xr1 + xc3) * u.CI; let o1_4 = (xr1 + xc4) * u.CI; let o1_5 = (xr1 + xc5) * u.CI; let o1_6 = (xr1 + xc6) * u.CI; let o1_7 = (xr1 + xc7) * u.CI; let o1_8 = (xr1 + xc8) * u.CI; let o1_9 = (xr1 + xc9) * u.CI;
  let o2_0 = (xr2 + xc0) * u.CI; let o2_1 = (xr2 + xc1) * u.CI; let o2_2 = (xr2 + xc2) * u.CI; let o2_3 = (xr2 + xc3) * u.CI; let o2_4 = (xr2 + xc4) * u.CI; let o2_5 = (xr2 + xc5) * u.CI; let o2_6 = (xr2 + xc6) * u.CI; let o2_7 = (xr2 + xc7) * u.CI; let o2_8 = (xr2 + xc8) * u.CI; let o2_9 = (xr2 + xc9) * u.CI;
  let o3_0 = (xr3 + xc0) * u.CI; let o3_1 = (xr3 + xc1) * u.CI; let o3_2 = (xr3 + xc2) * u.CI; let o3_3 = (xr3 + xc3) * u.CI; let o3_4 = (xr3 + xc4) * u.CI; let o3_5 = (xr3 + xc5) * u.CI; let o3_6 = (xr3 + xc6) * u.CI; let o3_7 = (xr3 + xc7) * u.CI; let o3_8 = (xr3 + xc8) * u.CI; let o3_9 = (xr3 + xc9) * u.CI;
  let o4_0 = (xr4 + xc0) * u.CI; let o4_1 = (xr4 + xc1) * u.CI; let o4_2 = (xr4 + xc2) * u.CI; let o4_3 = (xr4 + xc3) * u.CI; let o4_4 = (xr4 + xc4) * u.CI; let o4_5 = (xr4 + xc5) * u.CI; let o4_6 = (xr4 + xc6) * u.CI; let o4_7 = (xr4 + xc7) * u.CI; let o4_8 = (xr4 + xc8) * u.CI; let o4_9 = (xr4 + xc9) * u.CI;
  let o5_0 = (xr5 + xc0) * u.CI; let o5_1 = (xr5 + xc1) * u.CI; let o5_2 = (xr5 + xc2) * u.CI; let o5_3 = (xr5 + xc3) * u.CI; let o5_4 = (xr5 + xc4) * u.CI; let o5_5 = (xr5 + xc5) * u.CI; let o5_6 = (xr5 + xc6) * u.CI; let o5_7 = (xr5 + xc7) * u.CI; let o5_8 = (xr5 + xc8) * u.CI; let o5_9 = (xr5 + xc9) * u.CI;
  let tap = u.CI * u.CO; // w's stride from one tap to the next

  for (var ci = 0u; ci < u.CI; ci++) {
    let x0_0 = select(0.0, x[o0_0 + ci], m0_0); let x0_1 = select(0.0, x[o0_1 + ci], m0_1); let x0_2 = select(0.0, x[o0_2 + ci], m0_2); let x0_3 = select(0.0, x[o0_3 + ci], m0_3); let x0_4 = select(0.0, x[o0_4 + ci], m0_4); let x0_5 = select(0.0, x[o0_5 + ci], m0_5); let x0_6 = select(0.0, x[o0_6 + ci], m0_6); let x0_7 = select(0.0, x[o0_7 + ci], m0_7); let x0_8 = select(0.0, x[o0_8 + ci], m0_8); let x0_9 = select(0.0, x[o0_9 + ci], m0_9);
    let x1_0 = select(0.0, x[o1_0 + ci], m1_0); let x1_1 = select(0.0, x[o1_1 + ci], m1_1); let x1_2 = select(0.0, x[o1_2 + ci], m1_2); let x1_3 = select(0.0, x[o1_3 + ci], m1_3); let x1_4 = select(0.0, x[o1_4 + ci], m1_4); let x1_5 = select(0.0, x[o1_5 + ci], m1_5); let x1_6 = select(0.0, x[o1_6 + ci], m1_6); let x1_7 = select(0.0, x[o1_7 + ci], m1_7); let x1_8 = select(0.0, x[o1_8 + ci], m1_8); let x1_9 = select(0.0, x[o1_9 + ci], m1_9);
    let x2_0 = select(0.0, x[o2_0 + ci], m2_0); let x2_1 = select(0.0, x[o2_1 + ci], m2_1); let x2_2 = select(0.0, x[o2_2 + ci], m2_2); let x2_3 = select(0.0, x[o2_3 + ci], m2_3); let x2_4 = select(0.0, x[o2_4 + ci], m2_4); let x2_5 = select(0.0, x[o2_5 + ci], m2_5); let x2_6 = select(0.0, x[o2_6 + ci], m2_6); let x2_7 = select(0.0, x[o2_7 + ci], m2_7); let x2_8 = select(0.0, x[o2_8 + ci], m2_8); let x2_9 = select(0.0, x[o2_9 + ci], m2_9);
    let x3_0 = select(0.0, x[o3_0 + ci], m3_0); let x3_1 = select(0.0, x[o3_1 + ci], m3_1); let x3_2 = select(0.0, x[o3_2 + ci], m3_2); let x3_3 = select(0.0, x[o3_3 + ci], m3_3); let x3_4 = select(0.0, x[o3_4 + ci], m3_4); let x3_5 = select(0.0, x[o3_5 + ci], m3_5); let x3_6 = select(0.0, x[o3_6 + ci], m3_6); let x3_7 = select(0.0, x[o3_7 + ci], m3_7); let x3_8 = select(0.0, x[o3_8 + ci], m3_8); let x3_9 = select(0.0, x[o3_9 + ci], m3_9);
    let x4_0 = select(0.0, x[o4_0 + ci], m4_0); let x4_1 = select(0.0, x[o4_1 + ci], m4_1); let x4_2 = select(0.0, x[o4_2 + ci], m4_2); let x4_3 = select(0.0, x[o4_3 + ci], m4_3); let x4_4 = select(0.0, x[o4_4 + ci], m4_4); let x4_5 = select(0.0, x[o4_5 + ci], m4_5); let x4_6 = select(0.0, x[o4_6 + ci], m4_6); let x4_7 = select(0.0, x[o4_7 + ci], m4_7); let x4_8 = select(0.0, x[o4_8 + ci], m4_8); let x4_9 = select(0.0, x[o4_9 + ci], m4_9);
    let x5_0 = select(0.0, x[o5_0 + ci], m5_0); let x5_1 = select(0.0, x[o5_1 + ci], m5_1); let x5_2 = select(0.0, x[o5_2 + ci], m5_2); let x5_3 = select(0.0, x[o5_3 + ci], m5_3); let x5_4 = select(0.0, x[o5_4 + ci], m5_4); let x5_5 = select(0.0, x[o5_5 + ci], m5_5); let x5_6 = select(0.0, x[o5_6 + ci], m5_6); let x5_7 = select(0.0, x[o5_7 + ci], m5_7); let x5_8 = select(0.0, x[o5_8 + ci], m5_8); let x5_9 = select(0.0, x[o5_9 + ci], m5_9);
    let wc = ci * u.CO;
    // tap (0, 0)
    let t0 = 0u * tap + wc; let w0 = vec4f(w[t0], w[t0 + c1], w[t0 + c2], w[t0 + c3]);
    a0_0 = fma(vec4f(x0_0), w0, a0_0); a0_1 = fma(vec4f(x0_1), w0, a0_1); a0_2 = fma(vec4f(x0_2), w0, a0_2); a0_3 = fma(vec4f(x0_3), w0, a0_3); a0_4 = fma(vec4f(x0_4), w0, a0_4); a0_5 = fma(vec4f(x0_5), w0, a0_5); a0_6 = fma(vec4f(x0_6), w0, a0_6); a0_7 = fma(vec4f(x0_7), w0, a0_7);
    a1_0 = fma(vec4f(x1_0), w0, a1_0); a1_1 = fma(vec4f(x1_1), w0, a1_1); a1_2 = fma(vec4f(x1_2), w0, a1_2); a1_3 = fma(vec4f(x1_3), w0, a1_3); a1_4 = fma(vec4f(x1_4), w0, a1_4); a1_5 = fma(vec4f(x1_5), w0, a1_5); a1_6 = fma(vec4f(x1_6), w0, a1_6); a1_7 = fma(vec4f(x1_7), w0, a1_7);
    a2_0 = fma(vec4f(x2_0), w0, a2_0); a2_1 = fma(vec4f(x2_1), w0, a2_1); a2_2 = fma(vec4f(x2_2), w0, a2_2); a2_3 = fma(vec4f(x2_3), w0, a2_3); a2_4 = fma(vec4f(x2_4), w0, a2_4); a2_5 = fma(vec4f(x2_5), w0, a2_5); a2_6 = fma(vec4f(x2_6), w0, a2_6); a2_7 = fma(vec4f(x2_7), w0, a2_7);
    a3_0 = fma(vec4f(x3_0), w0, a3_0); a3_1 = fma(vec4f(x3_1), w0, a3_1); a3_2 = fma(vec4f(x3_2), w0, a3_2); a3_3 = fma(vec4f(x3_3), w0, a3_3); a3_4 = fma(vec4f(x3_4), w0, a3_4); a3_5 = fma(vec4f(x3_5), w0, a3_5); a3_6 = fma(vec4f(x3_6), w0, a3_6); a3_7 = fma(vec4f(x3_7), w0, a3_7);
    // tap (0, 1)
    let t1 = 1u * tap + wc; let w1 = vec4f(w[t1], w[t1 + c1], w[t1 + c2], w[t1 + c3]);
    a0_0 = fma(vec4f(x0_1), w1, a0_0); a0_1 = fma(vec4f(x0_2), w1, a0_1); a0_2 = fma(vec4f(x0_3), w1, a0_2); a0_3 = fma(vec4f(x0_4), w1, a0_3); a0_4 = fma(vec4f(x0_5), w1, a0_4); a0_5 = fma(vec4f(x0_6), w1, a0_5); a0_6 = fma(vec4f(x0_7), w1, a0_6); a0_7 = fma(vec4f(x0_8), w1, a0_7);
    a1_0 = fma(vec4f(x1_1), w1, a1_0); a1_1 = fma(vec4f(x1_2), w1, a1_1); a1_2 = fma(vec4f(x1_3), w1, a1_2); a1_3 = fma(vec4f(x1_4), w1, a1_3); a1_4 = fma(vec4f(x1_5), w1, a1_4); a1_5 = fma(vec4f(x1_6), w1, a1_5); a1_6 = fma(vec4f(x1_7), w1, a1_6); a1_7 = fma(vec4f(x1_8), w1, a1_7);
    a2_0 = fma(vec4f(x2_1), w1, a2_0); a2_1 = fma(vec4f(x2_2), w1, a2_1); a2_2 = fma(vec4f(x2_3), w1, a2_2); a2_3 = fma(vec4f(x2_4), w1, a2_3); a2_4 = fma(vec4f(x2_5), w1, a2_4); a2_5 = fma(vec4f(x2_6), w1, a2_5); a2_6 = fma(vec4f(x2_7), w1, a2_6); a2_7 = fma(vec4f(x2_8), w1, a2_7);
    a3_0 = fma(vec4f(x3_1), w1, a3_0); a3_1 = fma(vec4f(x3_2), w1, a3_1); a3_2 = fma(vec4f(x3_3), w1, a3_2); a3_3 = fma(vec4f(x3_4), w1, a3_3); a3_4 = fma(vec4f(x3_5), w1, a3_4); a3_5 = fma(vec4f(x3_6), w1, a3_5); a3_6 = fma(vec4f(x3_7), w1, a3_6); a3_7 = fma(vec4f(x3_8), w1, a3_7);
    // tap (0, 2)
    let t2 = 2u * tap + wc; let w2 = vec4f(w[t2], w[t2 + c1], w[t2 + c2], w[t2 + c3]);
    a0_0 = fma(vec4f(x0_2), w2, a0_0); a0_1 = fma(vec4f(x0_3), w2, a0_1); a0_2 = fma(vec4f(x0_4), w2, a0_2); a0_3 = fma(vec4f(x0_5), w2, a0_3); a0_4 = fma(vec4f(x0_6), w2, a0_4); a0_5 = fma(vec4f(x0_7), w2, a0_5); a0_6 = fma(vec4f(x0_8), w2, a0_6); a0_7 = fma(vec4f(x0_9), w2, a0_7);
    a1_0 = fma(vec4f(x1_2), w2, a1_0); a1_1 = fma(vec4f(x1_3), w2, a1_1); a1_2 = fma(vec4f(x1_4), w2, a1_2); a1_3 = fma(vec4f(x1_5), w2, a1_3); a1_4 = fma(vec4f(x1_6), w2, a1_4); a1_5 = fma(vec4f(x1_7), w2, a1_5); a1_6 = fma(vec4f(x1_8), w2, a1_6); a1_7 = fma(vec4f(x1_9), w2, a1_7);
    a2_0 = fma(vec4f(x2_2), w2, a2_0); a2_1 = fma(vec4f(x2_3), w2, a2_1); a2_2 = fma(vec4f(x2_4), w2, a2_2); a2_3 = fma(vec4f(x2_5), w2, a2_3); a2_4 = fma(vec4f(x2_6), w2, a2_4); a2_5 = fma(vec4f(x2_7), w2, a2_5); a2_6 = fma(vec4f(x2_8), w2, a2_6); a2_7 = fma(vec4f(x2_9), w2, a2_7);
    a3_0 = fma(vec4f(x3_2), w2, a3_0); a3_1 = fma(vec4f(x3_3), w2, a3_1); a3_2 = fma(vec4f(x3_4), w2, a3_2); a3_3 = fma(vec4f(x3_5), w2, a3_3); a3_4 = fma(vec4f(x3_6), w2, a3_4); a3_5 = fma(vec4f(x3_7), w2, a3_5); a3_6 = fma(vec4f(x3_8), w2, a3_6); a3_7 = fma(vec4f(x3_9), w2, a3_7);
    // tap (1, 0)
    let t3 = 3u * tap + wc; let w3 = vec4f(w[t3], w[t3 + c1], w[t3 + c2], w[t3 + c3]);
    a0_0 = fma(vec4f(x1_0), w3, a0_0); a0_1 = fma(vec4f(x1_1), w3, a0_1); a0_2 = fma(vec4f(x1_2), w3, a0_2); a0_3 = fma(vec4f(x1_3), w3, a0_3); a0_4 = fma(vec4f(x1_4), w3, a0_4); a0_5 = fma(vec4f(x1_5), w3, a0_5); a0_6 = fma(vec4f(x1_6), w3, a0_6); a0_7 = fma(vec4f(x1_7), w3, a0_7);
    a1_0 = fma(vec4f(x2_0), w3, a1_0); a1_1 = fma(vec4f(x2_1), w3, a1_1); a1_2 = fma(vec4f(x2_2), w3, a1_2); a1_3 = fma(vec4f(x2_3), w3, a1_3); a1_4 = fma(vec4f(x2_4), w3, a1_4); a1_5 = fma(vec4f(x2_5), w3, a1_5); a1_6 = fma(vec4f(x2_6), w3, a1_6); a1_7 = fma(vec4f(x2_7), w3, a1_7);
    a2_0 = fma(vec4f(x3_0), w3, a2_0); a2_1 = fma(vec4f(x3_1), w3, a2_1); a2_2 = fma(vec4f(x3_2), w3, a2_2); a2_3 = fma(vec4f(x3_3), w3, a2_3); a2_4 = fma(vec4f(x3_4), w3, a2_4); a2_5 = fma(vec4f(x3_5), w3, a2_5); a2_6 = fma(vec4f(x3_6), w3, a2_6); a2_7 = fma(vec4f(x3_7), w3, a2_7);
    a3_0 = fma(vec4f(x4_0), w3, a3_0); a3_1 = fma(vec4f(x4_1), w3, a3_1); a3_2 = fma(vec4f(x4_2), w3, a3_2); a3_3 = fma(vec4f(x4_3), w3, a3_3); a3_4 = fma(vec4f(x4_4), w3, a3_4); a3_5 = fma(vec4f(x4_5), w3, a3_5); a3_6 = fma(vec4f(x4_6), w3, a3_6); a3_7 = fma(vec4f(x4_7), w3, a3_7);
    // tap (1, 1)
    let t4 = 4u * tap + wc; let w4 = vec4f(w[t4], w[t4 + c1], w[t4 + c2], w[t4 + c3]);
    a0_0 = fma(vec4f(x1_1), w4, a0_0); a0_1 = fma(vec4f(x1_2), w4, a0_1); a0_2 = fma(vec4f(x1_3), w4, a0_2); a0_3 = fma(vec4f(x1_4), w4, a0_3); a0_4 = fma(vec4f(x1_5), w4, a0_4); a0_5 = fma(vec4f(x1_6), w4, a0_5); a0_6 = fma(vec4f(x1_7), w4, a0_6); a0_7 = fma(vec4f(x1_8), w4, a0_7);
    a1_0 = fma(vec4f(x2_1), w4, a1_0); a1_1 = fma(vec4f(x2_2), w4, a1_1); a1_2 = fma(vec4f(x2_3), w4, a1_2); a1_3 = fma(vec4f(x2_4), w4, a1_3); a1_4 = fma(vec4f(x2_5), w4, a1_4); a1_5 = fma(vec4f(x2_6), w4, a1_5); a1_6 = fma(vec4f(x2_7), w4, a1_6); a1_7 = fma(vec4f(x2_8), w4, a1_7);
    a2_0 = fma(vec4f(x3_1), w4, a2_0); a2_1 = fma(vec4f(x3_2), w4, a2_1); a2_2 = fma(vec4f(x3_3), w4, a2_2); a2_3 = fma(vec4f(x3_4), w4, a2_3); a2_4 = fma(vec4f(x3_5), w4, a2_4); a2_5 = fma(vec4f(x3_6), w4, a2_5); a2_6 = fma(vec4f(x3_7), w4, a2_6); a2_7 = fma(vec4f(x3_8), w4, a2_7);
    a3_0 = fma(vec4f(x4_1), w4, a3_0); a3_1 = fma(vec4f(x4_2), w4, a3_1); a3_2 = fma(vec4f(x4_3), w4, a3_2); a3_3 = fma(vec4f(x4_4), w4, a3_3); a3_4 = fma(vec4f(x4_5), w4, a3_4); a3_5 = fma(vec4f(x4_6), w4, a3_5); a3_6 = fma(vec4f(x4_7), w4, a3_6); a3_7 = fma(vec4f(x4_8), w4, a3_7);
    // tap (1, 2)
    let t5 = 5u * tap + wc; let w5 = vec4f(w[t5], w[t5 + c1], w[t5 + c2], w[t5 + c3]);
    a0_0 = fma(vec4f(x1_2), w5, a0_0); a0_1 = fma(vec4f(x1_3), w5, a0_1); a0_2 = fma(vec4f(x1_4), w5, a0_2); a0_3 = fma(vec4f(x1_5), w5, a0_3); a0_4 = fma(vec4f(x1_6), w5, a0_4); a0_5 = fma(vec4f(x1_7), w5, a0_5); a0_6 = fma(vec4f(x1_8), w5, a0_6); a0_7 = fma(vec4f(x1_9), w5, a0_7);
    a1_0 = fma(vec4f(x2_2), w5, a1_0); a1_1 = fma(vec4f(x2_3), w5, a1_1); a1_2 = fma(vec4f(x2_4), w5, a1_2); a1_3 = fma(vec4f(x2_5), w5, a1_3); a1_4 = fma(vec4f(x2_6), w5, a1_4); a1_5 = fma(vec4f(x2_7), w5, a1_5); a1_6 = fma(vec4f(x2_8), w5, a1_6); a1_7 = fma(vec4f(x2_9), w5, a1_7);
    a2_0 = fma(vec4f(x3_2), w5, a2_0); a2_1 = fma(vec4f(x3_3), w5, a2_1); a2_2 = fma(vec4f(x3_4), w5, a2_2); a2_3 = fma(vec4f(x3_5), w5, a2_3); a2_4 = fma(vec4f(x3_6), w5, a2_4); a2_5 = fma(vec4f(x3_7), w5, a2_5); a2_6 = fma(vec4f(x3_8), w5, a2_6); a2_7 = fma(vec4f(x3_9), w5, a2_7);
    a3_0 = fma(vec4f(x4_2), w5, a3_0); a3_1 = fma(vec4f(x4_3), w5, a3_1); a3_2 = fma(vec4f(x4_4), w5, a3_2); a3_3 = fma(vec4f(x4_5), w5, a3_3); a3_4 = fma(vec4f(x4_6), w5, a3_4); a3_5 = fma(vec4f(x4_7), w5, a3_5); a3_6 = fma(vec4f(x4_8), w5, a3_6); a3_7 = fma(vec4f(x4_9), w5, a3_7);
    // tap (2, 0)
    let t6 = 6u * tap + wc; let w6 = vec4f(w[t6], w[t6 + c1], w[t6 + c2], w[t6 + c3]);
    a0_0 = fma(vec4f(x2_0), w6, a0_0); a0_1 = fma(vec4f(x2_1), w6, a0_1); a0_2 = fma(vec4f(x2_2), w6, a0_2); a0_3 = fma(vec4f(x2_3), w6, a0_3); a0_4 = fma(vec4f(x2_4), w6, a0_4); a0_5 = fma(vec4f(x2_5), w6, a0_5); a0_6 = fma(vec4f(x2_6), w6, a0_6); a0_7 = fma(vec4f(x2_7), w6, a0_7);
    a1_0 = fma(vec4f(x3_0), w6, a1_0); a1_1 = fma(vec4f(x3_1), w6, a1_1); a1_2 = fma(vec4f(x3_2), w6, a1_2); a1_3 = fma(vec4f(x3_3), w6, a1_3); a1_4 = fma(vec4f(x3_4), w6, a1_4); a1_5 = fma(vec4f(x3_5), w6, a1_5); a1_6 = fma(vec4f(x3_6), w6, a1_6); a1_7 = fma(vec4f(x3_7), w6, a1_7);
    a2_0 = fma(vec4f(x4_0), w6, a2_0); a2_1 = fma(vec4f(x4_1), w6, a2_1); a2_2 = fma(vec4f(x4_2), w6, a2_2); a2_3 = fma(vec4f(x4_3), w6, a2_3); a2_4 = fma(vec4f(x4_4), w6, a2_4); a2_5 = fma(vec4f(x4_5), w6, a2_5); a2_6 = fma(vec4f(x4_6), w6, a2_6); a2_7 = fma(vec4f(x4_7), w6, a2_7);
    a3_0 = fma(vec4f(x5_0), w6, a3_0); a3_1 = fma(vec4f(x5_1), w6, a3_1); a3_2 = fma(vec4f(x5_2), w6, a3_2); a3_3 = fma(vec4f(x5_3), w6, a3_3); a3_4 = fma(vec4f(x5_4), w6, a3_4); a3_5 = fma(vec4f(x5_5), w6, a3_5); a3_6 = fma(vec4f(x5_6), w6, a3_6); a3_7 = fma(vec4f(x5_7), w6, a3_7);
    // tap (2, 1)
    let t7 = 7u * tap + wc; let w7 = vec4f(w[t7], w[t7 + c1], w[t7 + c2], w[t7 + c3]);
    a0_0 = fma(vec4f(x2_1), w7, a0_0); a0_1 = fma(vec4f(x2_2), w7, a0_1); a0_2 = fma(vec4f(x2_3), w7, a0_2); a0_3 = fma(vec4f(x2_4), w7, a0_3); a0_4 = fma(vec4f(x2_5), w7, a0_4); a0_5 = fma(vec4f(x2_6), w7, a0_5); a0_6 = fma(vec4f(x2_7), w7, a0_6); a0_7 = fma(vec4f(x2_8), w7, a0_7);
    a1_0 = fma(vec4f(x3_1), w7, a1_0); a1_1 = fma(vec4f(x3_2), w7, a1_1); a1_2 = fma(vec4f(x3_3), w7, a1_2); a1_3 = fma(vec4f(x3_4), w7, a1_3); a1_4 = fma(vec4f(x3_5), w7, a1_4); a1_5 = fma(vec4f(x3_6), w7, a1_5); a1_6 = fma(vec4f(x3_7), w7, a1_6); a1_7 = fma(vec4f(x3_8), w7, a1_7);
    a2_0 = fma(vec4f(x4_1), w7, a2_0); a2_1 = fma(vec4f(x4_2), w7, a2_1); a2_2 = fma(vec4f(x4_3), w7, a2_2); a2_3 = fma(vec4f(x4_4), w7, a2_3); a2_4 = fma(vec4f(x4_5), w7, a2_4); a2_5 = fma(vec4f(x4_6), w7, a2_5); a2_6 = fma(vec4f(x4_7), w7, a2_6); a2_7 = fma(vec4f(x4_8), w7, a2_7);
    a3_0 = fma(vec4f(x5_1), w7, a3_0); a3_1 = fma(vec4f(x5_2), w7, a3_1); a3_2 = fma(vec4f(x5_3), w7, a3_2); a3_3 = fma(vec4f(x5_4), w7, a3_3); a3_4 = fma(vec4f(x5_5), w7, a3_4); a3_5 = fma(vec4f(x5_6), w7, a3_5); a3_6 = fma(vec4f(x5_7), w7, a3_6); a3_7 = fma(vec4f(x5_8), w7, a3_7);
    // tap (2, 2)
    let t8 = 8u * tap + wc; let w8 = vec4f(w[t8], w[t8 + c1], w[t8 + c2], w[t8 + c3]);
    a0_0 = fma(vec4f(x2_2), w8, a0_0); a0_1 = fma(vec4f(x2_3), w8, a0_1); a0_2 = fma(vec4f(x2_4), w8, a0_2); a0_3 = fma(vec4f(x2_5), w8, a0_3); a0_4 = fma(vec4f(x2_6), w8, a0_4); a0_5 = fma(vec4f(x2_7), w8, a0_5); a0_6 = fma(vec4f(x2_8), w8, a0_6); a0_7 = fma(vec4f(x2_9), w8, a0_7);
    a1_0 = fma(vec4f(x3_2), w8, a1_0); a1_1 = fma(vec4f(x3_3), w8, a1_1); a1_2 = fma(vec4f(x3_4), w8, a1_2); a1_3 = fma(vec4f(x3_5), w8, a1_3); a1_4 = fma(vec4f(x3_6), w8, a1_4); a1_5 = fma(vec4f(x3_7), w8, a1_5); a1_6 = fma(vec4f(x3_8), w8, a1_6); a1_7 = fma(vec4f(x3_9), w8, a1_7);
    a2_0 = fma(vec4f(x4_2), w8, a2_0); a2_1 = fma(vec4f(x4_3), w8, a2_1); a2_2 = fma(vec4f(x4_4), w8, a2_2); a2_3 = fma(vec4f(x4_5), w8, a2_3); a2_4 = fma(vec4f(x4_6), w8, a2_4); a2_5 = fma(vec4f(x4_7), w8, a2_5); a2_6 = fma(vec4f(x4_8), w8, a2_6); a2_7 = fma(vec4f(x4_9), w8, a2_7);
    a3_0 = fma(vec4f(x5_2), w8, a3_0); a3_1 = fma(vec4f(x5_3), w8, a3_1); a3_2 = fma(vec4f(x5_4), w8, a3_2); a3_3 = fma(vec4f(x5_5), w8, a3_3); a3_4 = fma(vec4f(x5_6), w8, a3_4); a3_5 = fma(vec4f(x5_7), w8, a3_5); a3_6 = fma(vec4f(x5_8), w8, a3_6); a3_7 = fma(vec4f(x5_9), w8, a3_7);
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
