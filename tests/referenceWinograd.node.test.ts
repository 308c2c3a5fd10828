/**
 * The Winograd references (src/engine/referenceWinograd.ts) against the direct conv of
 * reference.ts, in float64: transforming the filters and input patches, multiplying point by point,
 * summing over the input channels and transforming back gives the 3x3 stride-1 conv to rounding.
 * This is what makes them references for the GPU passes: a wrong matrix or a misplaced tile fails
 * here, by far more than 1e-12.
 */
import { describe, expect, it } from 'vitest';
import { type RefTensor, conv2d, conv2dBackward, refTensor } from '../src/engine/reference.ts';
import { F2, F4, S2, type WinogradScheme, winogradInputT, winogradOutputT, winogradWeightsT, winogradGradDy, winogradGradOutput, winogradGradProducts, winogradInput, winogradOutput, winogradProducts, winogradWeights } from '../src/engine/referenceWinograd.ts';

function rand(shape: number[], seed: number): RefTensor {
  let s = seed;
  const data = Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 1073741824 - 1; });
  return refTensor(shape, data);
}

const SCHEMES: [string, WinogradScheme][] = [['F(2x2, 3x3)', F2], ['F(4x4, 3x3)', F4]];

describe('Winograd references', () => {
  // Odd sizes: partial last tiles of both schemes (9 = 4 + 4 + 1, 11 = 4 + 4 + 3).
  const cases = [
    { N: 2, H: 9, W: 11, CI: 3, CO: 5, padding: 'same' as const },
    { N: 1, H: 8, W: 8, CI: 4, CO: 2, padding: 'same' as const },
    { N: 1, H: 7, W: 10, CI: 2, CO: 3, padding: 'valid' as const },
    { N: 1, H: 3, W: 3, CI: 1, CO: 1, padding: 'valid' as const },
  ];
  for (const [name, s] of SCHEMES) {
    for (const c of cases) {
      it(`${name} equals the direct conv: ${c.N}x${c.H}x${c.W}x${c.CI} -> ${c.CO}, ${c.padding}`, () => {
        const x = rand([c.N, c.H, c.W, c.CI], 1), w = rand([3, 3, c.CI, c.CO], 2), b = rand([c.CO], 3);
        const want = conv2d(x, w, b, { stride: 1, padding: c.padding, activation: 'none' });
        const [, OH, OW] = want.shape;
        const pad = c.padding === 'same' ? 1 : 0;
        const got = winogradOutput(winogradProducts(winogradInput(x, OH, OW, pad, pad, s), winogradWeights(w, s)), b, c.N, OH, OW, s);
        expect(got.shape).toEqual(want.shape);
        let worst = 0;
        for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]));
        expect(worst).toBeLessThan(1e-12);
      });
    }

    for (const c of cases) {
      it(`${name}'s weight gradient F(3x3, m x m) equals the direct one: ${c.N}x${c.H}x${c.W}x${c.CI} -> ${c.CO}, ${c.padding}`, () => {
        const x = rand([c.N, c.H, c.W, c.CI], 6), w = rand([3, 3, c.CI, c.CO], 7);
        const o = { stride: 1, padding: c.padding, activation: 'none' as const };
        const [, OH, OW] = conv2d(x, w, null, o).shape;
        const dy = rand([c.N, OH, OW, c.CO], 8);
        const want = conv2dBackward(x, w, null, o, dy).dw;
        const pad = c.padding === 'same' ? 1 : 0;
        const p = winogradGradProducts(winogradInput(x, OH, OW, pad, pad, s), winogradGradDy(dy, s));
        const got = winogradGradOutput(refTensor([1, ...p.shape], p.data), s);
        expect(got.shape).toEqual(want.shape);
        let worst = 0;
        for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]));
        expect(worst).toBeLessThan(1e-11);
      });
    }
  }

  // The stride-2 scheme (winograd-s2) against the direct stride-2 conv: 'same' padding of 0 before
  // at even sizes and 1 at odd ones, partial last tiles (9 -> 5 = 4 + 1, 11 -> 6 = 4 + 2).
  const s2cases = [
    { N: 2, H: 9, W: 11, CI: 3, CO: 5, padding: 'same' as const },
    { N: 1, H: 16, W: 8, CI: 4, CO: 2, padding: 'same' as const },
    { N: 1, H: 10, W: 13, CI: 2, CO: 3, padding: 'valid' as const },
    { N: 1, H: 3, W: 3, CI: 1, CO: 1, padding: 'valid' as const },
  ];
  for (const c of s2cases) {
    it(`the stride-2 scheme equals the direct stride-2 conv: ${c.N}x${c.H}x${c.W}x${c.CI} -> ${c.CO}, ${c.padding}`, () => {
      const x = rand([c.N, c.H, c.W, c.CI], 11), w = rand([3, 3, c.CI, c.CO], 12), b = rand([c.CO], 13);
      const want = conv2d(x, w, b, { stride: 2, padding: c.padding, activation: 'none' });
      const [, OH, OW] = want.shape;
      // 'same' (as TF): the padding the output needs, the smaller half before.
      const before = (size: number, out: number) => (c.padding === 'same' ? Math.floor(Math.max((out - 1) * 2 + 3 - size, 0) / 2) : 0);
      const got = winogradOutput(winogradProducts(winogradInput(x, OH, OW, before(c.H, OH), before(c.W, OW), S2), winogradWeights(w, S2)), b, c.N, OH, OW, S2);
      expect(got.shape).toEqual(want.shape);
      let worst = 0;
      for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]));
      expect(worst).toBeLessThan(1e-12);
    });
  }

  // Its adjoint (S2T, winograd-s2's input gradient) against the direct conv's dx, on the same cases.
  for (const c of s2cases) {
    it(`the stride-2 scheme's adjoint equals the direct conv's input gradient: ${c.N}x${c.H}x${c.W}x${c.CI} -> ${c.CO}, ${c.padding}`, () => {
      const x = rand([c.N, c.H, c.W, c.CI], 14), w = rand([3, 3, c.CI, c.CO], 15);
      const o = { stride: 2, padding: c.padding, activation: 'none' as const };
      const [, OH, OW] = conv2d(x, w, null, o).shape;
      const dy = rand([c.N, OH, OW, c.CO], 16);
      const want = conv2dBackward(x, w, null, o, dy).dx;
      const before = (size: number, out: number) => (c.padding === 'same' ? Math.floor(Math.max((out - 1) * 2 + 3 - size, 0) / 2) : 0);
      const PT = before(c.H, OH), PL = before(c.W, OW);
      const got = winogradOutputT(winogradProducts(winogradInputT(dy, c.H, c.W, PT, PL), winogradWeightsT(w)), null, c.N, c.H, c.W, PT, PL);
      expect(got.shape).toEqual(want.shape);
      let worst = 0;
      for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]));
      expect(worst).toBeLessThan(1e-12);
    });
  }

  it('a swapped transform is caught: the comparison can fail', () => {
    const x = rand([1, 6, 6, 2], 4), w = rand([3, 3, 2, 2], 5);
    const want = conv2d(x, w, null, { stride: 1, padding: 'same', activation: 'none' });
    // The filter flipped (true convolution instead of cross-correlation) must not pass.
    const flipped = refTensor(w.shape, w.data.map((_, i) => { const k = Math.floor(i / 4); const rest = i % 4; return w.data[(8 - k) * 4 + rest]; }));
    const got = winogradOutput(winogradProducts(winogradInput(x, 6, 6, 1, 1), winogradWeights(flipped)), null, 1, 6, 6);
    let worst = 0;
    for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]));
    expect(worst).toBeGreaterThan(1e-3);
  });
});
