// peak_fma: the adapter's arithmetic ceiling (lab only, not an engine kernel: src/lab/peak.ts).
//   Register-only multiply-add chains: each invocation keeps CHAINS = 8 independent vec4
//   accumulators a_j and runs `trips` loop trips of ROUNDS = 4 rounds of
//     a_j = a_j * m + c        (j = 0..7; one vec4 FMA = 4 multiply-adds = 8 FLOP)
//   then writes the sum of its accumulators once, so no chain can be optimised away. Eight
//   independent chains hide the FMA latency; nothing is read from memory inside the loop.
//   m and c come from the uniform (m = 0.999, c = 0.001: the values converge to 1, no overflow
//   or denormals), so the compiler cannot fold the loop.
// Layouts: out [invocations] vec4. Bindings: 0 uniform U, 1 out (read_write).
// Dispatch: invocations / WG workgroups (folded 2-D by the caller when over the limit).
// Cost: 2 * 4 * CHAINS * ROUNDS * trips = 256 * trips FLOP per invocation; 16 bytes written.
struct U { trips: u32, m: f32, c: f32 }

override WG: u32 = 256u;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read_write> out: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  let m = vec4f(u.m);
  let c = vec4f(u.c);
  let s = f32(i) * 1e-7;
  var a0 = vec4f(s, s + 0.01, s + 0.02, s + 0.03);
  var a1 = a0 + 0.1;
  var a2 = a0 + 0.2;
  var a3 = a0 + 0.3;
  var a4 = a0 + 0.4;
  var a5 = a0 + 0.5;
  var a6 = a0 + 0.6;
  var a7 = a0 + 0.7;
  for (var t = 0u; t < u.trips; t++) {
    // Unrolled by hand: SwiftShader's JIT does not unroll loops.
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
  }
  out[i] = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
}
