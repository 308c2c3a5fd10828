/**
 * Checks the float64 CPU reference itself: every backward against central finite differences
 * (loss L = sum(y * r) with a seeded random r, since a plain sum hides transposition bugs),
 * plus tiny golden cases worked out by hand and the edge values (ReLU at 0, sigmoid at +-300
 * and +-1e4, maxpool ties and NaN, Adam with a high learning rate).
 */
import { describe, expect, it } from 'vitest';
import { Rng, randomUniform } from '../src/engine/random.ts';
import {
  type Activation, type AdamOptions, type ConvOptions, type Padding, type RefTensor,
  adamStep, add, conv2d, conv2dBackward, conv2dTranspose, conv2dTransposeBackward, convGeometry,
  convTransposeGeometry, dot, mae, maeBackward, maePerImage, maxPool2d, maxPool2dBackward, mse,
  mseBackward, msePerImage, mul, mulBackward, psnrPerImage, refTensor, relu, reluBackward, scale,
  sigmoid, sigmoidBackward, sub, upsampleNearest, upsampleNearestBackward, zeros,
} from '../src/engine/reference.ts';

// ---------------------------------------------------------------------------------------------
// Finite-difference checker

interface Param { name: string; t: RefTensor; grad: RefTensor | null }

/**
 * Compares each analytic gradient element to (L(p+h) - L(p-h)) / 2h, perturbing p in place.
 * Returns '' when every element passes |a - fd| <= atol + rtol |fd|, else a report naming the
 * worst element and the first mismatches.
 * Why these numbers: in float64 the FD rounding error is about 1e-16 |L| / h ~ 1e-9 for our
 * losses and the truncation error h^2 f''' / 6 ~ 1e-12, so atol 1e-6 leaves a wide margin while
 * any real bug (a wrong index or a missing term) is off by O(0.01) or more.
 */
function fdCheck(loss: () => number, params: Param[], h = 1e-6, atol = 1e-6, rtol = 1e-5): string {
  const problems: string[] = [];
  for (const { name, t, grad } of params) {
    if (!grad) { problems.push(`${name}: no analytic gradient`); continue; }
    if (grad.shape.join() !== t.shape.join()) { problems.push(`${name}: gradient shape [${grad.shape}] != [${t.shape}]`); continue; }
    let worstShare = 0;
    let worstMsg = '';
    let nBad = 0;
    for (let i = 0; i < t.data.length; i++) {
      const orig = t.data[i];
      t.data[i] = orig + h;
      const lp = loss();
      t.data[i] = orig - h;
      const lm = loss();
      t.data[i] = orig;
      const fd = (lp - lm) / (2 * h);
      const a = grad.data[i];
      const share = Math.abs(a - fd) / (atol + rtol * Math.abs(fd));
      if (!(share <= 1)) {
        nBad++;
        if (nBad <= 3) problems.push(`${name}[${i}]: analytic ${a}, finite difference ${fd}`);
      }
      if (!(share <= worstShare)) { worstShare = share; worstMsg = `${name}[${i}] used ${share.toExponential(2)} of the tolerance`; }
    }
    if (nBad > 0) problems.push(`${name}: ${nBad}/${t.data.length} mismatches; worst ${worstMsg}`);
  }
  return problems.join('\n');
}

function rand(rng: Rng, shape: number[], lo = -1, hi = 1): RefTensor {
  return refTensor(shape, randomUniform(rng, shape.reduce((a, b) => a * b, 1), lo, hi));
}

/** Distinct values spaced 0.05 apart in random order: no ties, and no winner changes under +-h. */
function distinct(rng: Rng, shape: number[]): RefTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const vals = rng.shuffle(Array.from({ length: n }, (_, i) => (i - n / 2) * 0.05));
  return refTensor(shape, vals);
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-12): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i] - want[i]) > tol) expect.fail(`element ${i}: got ${got[i]}, want ${want[i]} (tol ${tol})`);
  }
}

const ACTS: Activation[] = ['none', 'relu', 'sigmoid'];

// ---------------------------------------------------------------------------------------------
// The FD checker can fail

describe('finite-difference checker', () => {
  it('rejects a transposed weight gradient', () => {
    const rng = new Rng(1);
    const x = rand(rng, [1, 4, 5, 2]);
    const w = rand(rng, [3, 3, 2, 2]);
    const o: ConvOptions = { stride: 1, padding: 'same' };
    const r = rand(rng, [1, 4, 5, 2]);
    const { dw } = conv2dBackward(x, w, null, o, r);
    // Swap kh and kw: the kind of bug a plain-sum loss with a symmetric setup can hide.
    const bad = zeros(dw.shape);
    for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) for (let i = 0; i < 4; i++) {
      bad.data[(kh * 3 + kw) * 4 + i] = dw.data[(kw * 3 + kh) * 4 + i];
    }
    const loss = () => dot(conv2d(x, w, null, o), r);
    expect(fdCheck(loss, [{ name: 'dw', t: w, grad: dw }])).toBe('');
    expect(fdCheck(loss, [{ name: 'dw', t: w, grad: bad }])).toContain('mismatches');
  });
});

// ---------------------------------------------------------------------------------------------
// conv2d

interface ConvCase { name: string; x: number[]; k: [number, number]; cout: number; s: number; pad: Padding; act: Activation; bias: boolean }

function convSweep(): ConvCase[] {
  const cases: ConvCase[] = [];
  let i = 0;
  for (const k of [1, 2, 3, 5, 7]) {
    for (const s of [1, 2]) {
      for (const pad of ['same', 'valid'] as Padding[]) {
        for (const act of ACTS) {
          // Odd sizes, big enough for 'valid'; bias alternates so each activation gets both.
          const H = Math.max(5, k);
          const W = Math.max(7, k + 2);
          const bias = i++ % 2 === 0;
          cases.push({ name: `n2_${H}x${W}_c2->3_k${k}s${s}_${pad}_${act}${bias ? '_bias' : ''}`, x: [2, H, W, 2], k: [k, k], cout: 3, s, pad, act, bias });
        }
      }
    }
  }
  cases.push(
    { name: 'n2_1x6_c3->2_k3s1_same_relu_bias (size-1 height)', x: [2, 1, 6, 3], k: [3, 3], cout: 2, s: 1, pad: 'same', act: 'relu', bias: true },
    { name: 'n1_1x1_c1->2_k3s2_same_none_bias (1x1 image)', x: [1, 1, 1, 1], k: [3, 3], cout: 2, s: 2, pad: 'same', act: 'none', bias: true },
    { name: 'n2_5x1_c2->2_k2s2_same_sigmoid (size-1 width)', x: [2, 5, 1, 2], k: [2, 2], cout: 2, s: 2, pad: 'same', act: 'sigmoid', bias: false },
    { name: 'n1_3x3_c2->1_k3s1_valid_none (n == k)', x: [1, 3, 3, 2], k: [3, 3], cout: 1, s: 1, pad: 'valid', act: 'none', bias: true },
    { name: 'n2_6x8_c2->2_k3s2_same_none_bias (even, stride 2)', x: [2, 6, 8, 2], k: [3, 3], cout: 2, s: 2, pad: 'same', act: 'none', bias: true },
    { name: 'n2_5x6_c2->2_k3x1s1_same_none (non-square kernel)', x: [2, 5, 6, 2], k: [3, 1], cout: 2, s: 1, pad: 'same', act: 'none', bias: true },
    { name: 'n1_5x6_c1->2_k1x5s2_valid_relu (non-square kernel)', x: [1, 5, 6, 1], k: [1, 5], cout: 2, s: 2, pad: 'valid', act: 'relu', bias: true },
    { name: 'n1_7x7_c1->1_k3s3_same_none (stride 3)', x: [1, 7, 7, 1], k: [3, 3], cout: 1, s: 3, pad: 'same', act: 'none', bias: false },
  );
  return cases;
}

describe('conv2d gradients by finite differences', () => {
  const cases = convSweep();
  it(`covers ${cases.length} cases`, () => expect(cases.length).toBe(68));
  it.each(cases)('$name', (c) => {
    const rng = new Rng(1000 + c.x.join('').length * 7 + c.k[0] * 13 + c.s);
    const x = rand(rng, c.x);
    const w = rand(rng, [c.k[0], c.k[1], c.x[3], c.cout], -0.5, 0.5);
    const b = c.bias ? rand(rng, [c.cout], -0.3, 0.3) : null;
    const o: ConvOptions = { stride: c.s, padding: c.pad, activation: c.act };
    const y = conv2d(x, w, b, o);
    const r = rand(rng, y.shape);
    const g = conv2dBackward(x, w, b, o, r);
    if (!c.bias) expect(g.db).toBeNull();
    const params: Param[] = [{ name: 'dx', t: x, grad: g.dx }, { name: 'dw', t: w, grad: g.dw }];
    if (b) params.push({ name: 'db', t: b, grad: g.db });
    expect(fdCheck(() => dot(conv2d(x, w, b, o), r), params)).toBe('');
  });
});

describe('conv2d golden cases', () => {
  // x = 1..9 and w = 1..9 as 3x3 images; correlation, not convolution (no kernel flip).
  const x = refTensor([1, 3, 3, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const w = refTensor([3, 3, 1, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]);

  it('1x3x3x1 valid k3 -> 1x1x1x1 = sum x*w = 285', () => {
    const y = conv2d(x, w, null, { stride: 1, padding: 'valid' });
    expect(y.shape).toEqual([1, 1, 1, 1]);
    expect(y.data[0]).toBe(285);
  });

  it('1x3x3x1 same k3 -> hand-computed 3x3', () => {
    const y = conv2d(x, w, null, { stride: 1, padding: 'same' });
    expect(y.shape).toEqual([1, 3, 3, 1]);
    // A flipped kernel (true convolution) would give 26 at the corner instead of 94.
    expect([...y.data]).toEqual([94, 154, 106, 186, 285, 186, 106, 154, 94]);
  });

  it('bias and fused relu/sigmoid are applied after the sum', () => {
    const b = refTensor([1], [-200]);
    const yr = conv2d(x, w, b, { stride: 1, padding: 'same', activation: 'relu' });
    expect([...yr.data]).toEqual([0, 0, 0, 0, 85, 0, 0, 0, 0]);
    const ys = conv2d(x, w, refTensor([1], [-285]), { stride: 1, padding: 'valid', activation: 'sigmoid' });
    expect(ys.data[0]).toBe(0.5);
  });

  it('1x4x4x1 same k3 s2 pads only bottom/right: out 2x2', () => {
    // x[h,w] = 4h + w, all-ones kernel: y[0,0] sums rows 0..2, cols 0..2 (no top/left padding).
    const x4 = refTensor([1, 4, 4, 1], Array.from({ length: 16 }, (_, i) => i));
    const ones = refTensor([3, 3, 1, 1], new Array(9).fill(1));
    const y = conv2d(x4, ones, null, { stride: 2, padding: 'same' });
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect([...y.data]).toEqual([45, 39, 66, 50]);
  });

  it('geometry follows TF: out = ceil(n/s), odd padding pixel at the end', () => {
    expect(convGeometry(4, 3, 2, 'same')).toEqual({ out: 2, padBefore: 0 });
    expect(convGeometry(5, 3, 2, 'same')).toEqual({ out: 3, padBefore: 1 });
    expect(convGeometry(6, 4, 2, 'same')).toEqual({ out: 3, padBefore: 1 });
    expect(convGeometry(7, 2, 1, 'same')).toEqual({ out: 7, padBefore: 0 });
    expect(convGeometry(7, 7, 1, 'same')).toEqual({ out: 7, padBefore: 3 });
    expect(convGeometry(1, 3, 2, 'same')).toEqual({ out: 1, padBefore: 1 });
    expect(convGeometry(7, 7, 1, 'valid')).toEqual({ out: 1, padBefore: 0 });
    expect(convGeometry(8, 3, 2, 'valid')).toEqual({ out: 3, padBefore: 0 });
    expect(() => convGeometry(6, 7, 1, 'valid')).toThrow(/smaller than kernel/);
  });

  it('shape errors are thrown with a clear message', () => {
    const w2 = refTensor([3, 3, 2, 1]);
    expect(() => conv2d(x, w2, null, { stride: 1, padding: 'same' })).toThrow(/channels/);
    expect(() => conv2d(x, w, refTensor([2]), { stride: 1, padding: 'same' })).toThrow(/bias/);
    expect(() => conv2d(x, w, null, { stride: 0, padding: 'same' })).toThrow(/stride/);
    expect(() => conv2dBackward(x, w, null, { stride: 1, padding: 'same' }, refTensor([1, 1, 1, 1]))).toThrow(/dy/);
    expect(() => conv2d(refTensor([3, 3]), w, null, { stride: 1, padding: 'same' })).toThrow(/4-D/);
  });
});

// ---------------------------------------------------------------------------------------------
// conv2dTranspose

function convTSweep(): ConvCase[] {
  const cases: ConvCase[] = [];
  let i = 0;
  for (const k of [1, 2, 3, 5, 7]) {
    for (const s of [1, 2]) {
      for (const pad of ['same', 'valid'] as Padding[]) {
        for (const act of ACTS) {
          const bias = i++ % 2 === 0;
          cases.push({ name: `n2_3x5_c2->3_k${k}s${s}_${pad}_${act}${bias ? '_bias' : ''}`, x: [2, 3, 5, 2], k: [k, k], cout: 3, s, pad, act, bias });
        }
      }
    }
  }
  cases.push(
    { name: 'n1_1x1_c2->2_k3s2_same_none_bias (1x1 image)', x: [1, 1, 1, 2], k: [3, 3], cout: 2, s: 2, pad: 'same', act: 'none', bias: true },
    { name: 'n2_1x4_c1->2_k4s2_same_relu_bias (size-1 height, even k)', x: [2, 1, 4, 1], k: [4, 4], cout: 2, s: 2, pad: 'same', act: 'relu', bias: true },
    { name: 'n2_4x1_c3->1_k3s2_valid_sigmoid (size-1 width)', x: [2, 4, 1, 3], k: [3, 3], cout: 1, s: 2, pad: 'valid', act: 'sigmoid', bias: false },
    { name: 'n1_3x4_c2->2_k2x5s3_same_none_bias (non-square kernel, stride 3)', x: [1, 3, 4, 2], k: [2, 5], cout: 2, s: 3, pad: 'same', act: 'none', bias: true },
  );
  return cases;
}

describe('conv2dTranspose gradients by finite differences', () => {
  const cases = convTSweep();
  it(`covers ${cases.length} cases`, () => expect(cases.length).toBe(64));
  it.each(cases)('$name', (c) => {
    const rng = new Rng(2000 + c.x.join('').length * 7 + c.k[0] * 13 + c.s);
    const x = rand(rng, c.x);
    const w = rand(rng, [c.k[0], c.k[1], c.cout, c.x[3]], -0.5, 0.5); // [KH, KW, Cout, Cin]
    const b = c.bias ? rand(rng, [c.cout], -0.3, 0.3) : null;
    const o: ConvOptions = { stride: c.s, padding: c.pad, activation: c.act };
    const y = conv2dTranspose(x, w, b, o);
    const r = rand(rng, y.shape);
    const g = conv2dTransposeBackward(x, w, b, o, r);
    if (!c.bias) expect(g.db).toBeNull();
    const params: Param[] = [{ name: 'dx', t: x, grad: g.dx }, { name: 'dw', t: w, grad: g.dw }];
    if (b) params.push({ name: 'db', t: b, grad: g.db });
    expect(fdCheck(() => dot(conv2dTranspose(x, w, b, o), r), params)).toBe('');
  });
});

describe('conv2dTranspose golden cases', () => {
  it('output sizes for same and valid', () => {
    const x = zeros([2, 3, 5, 2]);
    const shapeOf = (k: number, s: number, padding: Padding) => conv2dTranspose(x, zeros([k, k, 4, 2]), null, { stride: s, padding }).shape;
    expect(shapeOf(3, 2, 'same')).toEqual([2, 6, 10, 4]);
    expect(shapeOf(3, 2, 'valid')).toEqual([2, 7, 11, 4]);
    expect(shapeOf(1, 2, 'valid')).toEqual([2, 6, 10, 4]);
    expect(shapeOf(2, 2, 'valid')).toEqual([2, 6, 10, 4]);
    expect(shapeOf(5, 1, 'valid')).toEqual([2, 7, 9, 4]);
    expect(shapeOf(5, 1, 'same')).toEqual([2, 3, 5, 4]);
    expect(convTransposeGeometry(3, 4, 2, 'same')).toEqual({ out: 6, padBefore: 1 });
    expect(convTransposeGeometry(3, 5, 2, 'same')).toEqual({ out: 6, padBefore: 1 });
  });

  it('k2 s2 valid paints one kernel block per input pixel', () => {
    const x = refTensor([1, 2, 2, 1], [1, 2, 3, 4]);
    const w = refTensor([2, 2, 1, 1], [1, 2, 3, 4]);
    const y = conv2dTranspose(x, w, null, { stride: 2, padding: 'valid' });
    expect(y.shape).toEqual([1, 4, 4, 1]);
    expect([...y.data]).toEqual([1, 2, 2, 4, 3, 4, 6, 8, 3, 6, 4, 8, 9, 12, 12, 16]);
  });

  it('overlapping contributions add; untouched rows get only the bias', () => {
    // 1x2 input [1, 10], kernel 1x3 [1, 2, 3], stride 2, valid: width 2*2+1 = 5, height 1*2+0 = 2.
    const x = refTensor([1, 1, 2, 1], [1, 10]);
    const w = refTensor([1, 3, 1, 1], [1, 2, 3]);
    const y = conv2dTranspose(x, w, refTensor([1], [0.5]), { stride: 2, padding: 'valid' });
    expect(y.shape).toEqual([1, 2, 5, 1]);
    expect([...y.data]).toEqual([1.5, 2.5, 13.5, 20.5, 30.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  });

  it('k3 s2 same on a 1x1 input puts w[0,0] at (0,0) (padBefore 0; PyTorch p=1,op=1 would put w[1,1] there)', () => {
    const x = refTensor([1, 1, 1, 1], [2]);
    const w = refTensor([3, 3, 1, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const y = conv2dTranspose(x, w, null, { stride: 2, padding: 'same' });
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect([...y.data]).toEqual([2, 4, 8, 10]); // 2 * [w00, w01, w10, w11]
  });

  it('channel layout: w is [KH, KW, Cout, Cin]', () => {
    // 1x1 kernel, 2 input channels -> 3 output channels: y[co] = sum_ci x[ci] * w[0,0,co,ci].
    const x = refTensor([1, 1, 1, 2], [1, 10]);
    const w = refTensor([1, 1, 3, 2], [1, 2, 3, 4, 5, 6]);
    const y = conv2dTranspose(x, w, null, { stride: 1, padding: 'valid' });
    expect([...y.data]).toEqual([21, 43, 65]);
    expect(() => conv2dTranspose(x, refTensor([1, 1, 2, 3]), null, { stride: 1, padding: 'valid' })).toThrow(/channels/);
  });

  // <conv2d(u, W), x> == <u, conv2dTranspose(x, W)> with the very same weight array W, since the
  // convT layout [KH, KW, Cout_t, Cin_t] is the conv layout [KH, KW, Cin_c, Cout_c].
  const adjointCases: { k: number; s: number; pad: Padding }[] = [];
  for (const k of [1, 2, 3, 4, 5, 7]) for (const s of [1, 2, 3]) for (const pad of ['same', 'valid'] as Padding[]) adjointCases.push({ k, s, pad });
  it.each(adjointCases)('is the adjoint of conv2d: k$k s$s $pad', ({ k, s, pad }) => {
    const rng = new Rng(300 + k * 10 + s);
    const [N, H, W, Cc, Ct] = [2, 3, 4, 2, 3];
    const x = rand(rng, [N, H, W, Ct]); // convT input = conv output
    const w = rand(rng, [k, k, Cc, Ct]);
    const o: ConvOptions = { stride: s, padding: pad };
    const OH = convTransposeGeometry(H, k, s, pad).out;
    const OW = convTransposeGeometry(W, k, s, pad).out;
    const u = rand(rng, [N, OH, OW, Cc]); // conv input = convT output
    const cu = conv2d(u, w, null, o);
    expect(cu.shape).toEqual(x.shape);
    const tx = conv2dTranspose(x, w, null, o);
    expect(tx.shape).toEqual(u.shape);
    const lhs = dot(cu, x);
    const rhs = dot(u, tx);
    expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(lhs)));
    // Elementwise forms of the same duality, between independently written loops.
    expectClose(tx.data, conv2dBackward(u, w, null, o, x).dx.data);
    expectClose(cu.data, conv2dTransposeBackward(x, w, null, o, u).dx.data);
  });
});

// ---------------------------------------------------------------------------------------------
// maxPool2d

describe('maxPool2d', () => {
  const fdCases: { shape: number[]; pad: Padding }[] = [
    { shape: [2, 5, 7, 3], pad: 'valid' },
    { shape: [2, 5, 7, 3], pad: 'same' },
    { shape: [1, 4, 6, 2], pad: 'valid' },
    { shape: [1, 4, 6, 2], pad: 'same' },
    { shape: [2, 1, 3, 2], pad: 'same' },
    { shape: [1, 3, 1, 1], pad: 'same' },
  ];
  it.each(fdCases)('gradient by finite differences: $shape $pad', ({ shape, pad }) => {
    const rng = new Rng(400 + shape.join('').length + (pad === 'same' ? 1 : 0));
    const x = distinct(rng, shape);
    const { y, argmax } = maxPool2d(x, { padding: pad });
    const r = rand(rng, y.shape);
    const dx = maxPool2dBackward(x.shape, argmax, r);
    expect(fdCheck(() => dot(maxPool2d(x, { padding: pad }).y, r), [{ name: 'dx', t: x, grad: dx }])).toBe('');
  });

  it('1x3x3x1: valid drops the odd row/col, same keeps a partial window', () => {
    const x = refTensor([1, 3, 3, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const v = maxPool2d(x, { padding: 'valid' });
    expect(v.y.shape).toEqual([1, 1, 1, 1]);
    expect([...v.y.data]).toEqual([5]);
    expect([...v.argmax]).toEqual([4]);
    const s = maxPool2d(x, { padding: 'same' });
    expect(s.y.shape).toEqual([1, 2, 2, 1]);
    expect([...s.y.data]).toEqual([5, 6, 8, 9]);
    expect([...s.argmax]).toEqual([4, 5, 7, 8]);
  });

  it('padded cells never win (all-negative input, same)', () => {
    const x = refTensor([1, 3, 3, 1], new Array(9).fill(-5));
    const { y } = maxPool2d(x, { padding: 'same' });
    expect([...y.data]).toEqual([-5, -5, -5, -5]);
    const inf = maxPool2d(refTensor([1, 2, 2, 1], new Array(4).fill(-Infinity)), { padding: 'valid' });
    expect([...inf.y.data]).toEqual([-Infinity]);
    expect([...inf.argmax]).toEqual([0]);
  });

  it('ties: the first maximum in scan order wins, and gets the whole gradient', () => {
    const cases: [number[], number][] = [
      [[3, 3, 3, 3], 0],
      [[1, 7, 7, 2], 1],
      [[1, 2, 7, 7], 2],
      [[7, 1, 1, 7], 0],
    ];
    for (const [vals, want] of cases) {
      const x = refTensor([1, 2, 2, 1], vals);
      const { y, argmax } = maxPool2d(x, { padding: 'valid' });
      expect(argmax[0]).toBe(want);
      expect(y.data[0]).toBe(Math.max(...vals));
      const dx = maxPool2dBackward(x.shape, argmax, refTensor([1, 1, 1, 1], [2.5]));
      expect([...dx.data]).toEqual([0, 1, 2, 3].map((i) => (i === want ? 2.5 : 0)));
    }
  });

  it('NaN propagates: the first NaN in scan order wins', () => {
    const cases: [number[], number][] = [
      [[1, NaN, 7, NaN], 1],
      [[NaN, 9, 1, 2], 0],
      [[5, 9, NaN, 1], 2],
      [[5, 9, 1, NaN], 3],
    ];
    for (const [vals, want] of cases) {
      const { y, argmax } = maxPool2d(refTensor([1, 2, 2, 1], vals), { padding: 'valid' });
      expect(Number.isNaN(y.data[0])).toBe(true);
      expect(argmax[0]).toBe(want);
    }
    // Other windows and channels are untouched; a NaN in a partial 'same' window also wins.
    const x = refTensor([1, 2, 3, 2], [1, 2, NaN, 4, 5, 6, 7, 8, 9, 10, 11, NaN]);
    const { y, argmax } = maxPool2d(x, { padding: 'same' });
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(Number.isNaN(y.data[0])).toBe(true); // channel 0, window 0: values 1, NaN, 7, 9
    expect(argmax[0]).toBe(2);
    expect(y.data[1]).toBe(10); // channel 1, window 0: 2, 4, 8, 10
    expect(y.data[2]).toBe(11); // channel 0, window 1 (partial): 5, 11
    expect(Number.isNaN(y.data[3])).toBe(true); // channel 1, window 1: 6, NaN
    expect(argmax[3]).toBe(11);
  });

  it('rejects an empty output and a bad argmax', () => {
    expect(() => maxPool2d(zeros([1, 1, 4, 1]), { padding: 'valid' })).toThrow(/empty/);
    expect(maxPool2d(zeros([1, 1, 4, 1]), { padding: 'same' }).y.shape).toEqual([1, 1, 2, 1]);
    expect(() => maxPool2dBackward([1, 2, 2, 1], new Int32Array([4]), zeros([1, 1, 1, 1]))).toThrow(/outside/);
  });
});

// ---------------------------------------------------------------------------------------------
// upsampleNearest

describe('upsampleNearest', () => {
  const cases = [
    { shape: [2, 3, 2, 2], f: 2 },
    { shape: [2, 3, 2, 2], f: 3 },
    { shape: [1, 1, 1, 3], f: 2 },
    { shape: [1, 2, 1, 1], f: 3 },
  ];
  it.each(cases)('gradient by finite differences: $shape x$f', ({ shape, f }) => {
    const rng = new Rng(500 + f);
    const x = rand(rng, shape);
    const y = upsampleNearest(x, f);
    expect(y.shape).toEqual([shape[0], shape[1] * f, shape[2] * f, shape[3]]);
    const r = rand(rng, y.shape);
    const dx = upsampleNearestBackward(r, f);
    expect(fdCheck(() => dot(upsampleNearest(x, f), r), [{ name: 'dx', t: x, grad: dx }])).toBe('');
  });

  it('golden: copies each pixel to an f x f block; backward sums the block', () => {
    const y = upsampleNearest(refTensor([1, 1, 2, 1], [1, 2]), 2);
    expect(y.shape).toEqual([1, 2, 4, 1]);
    expect([...y.data]).toEqual([1, 1, 2, 2, 1, 1, 2, 2]);
    const dx = upsampleNearestBackward(refTensor([1, 2, 4, 1], [1, 2, 3, 4, 5, 6, 7, 8]), 2);
    expect(dx.shape).toEqual([1, 1, 2, 1]);
    expect([...dx.data]).toEqual([1 + 2 + 5 + 6, 3 + 4 + 7 + 8]);
    expect(() => upsampleNearestBackward(zeros([1, 3, 4, 1]), 2)).toThrow(/multiple/);
  });
});

// ---------------------------------------------------------------------------------------------
// relu, sigmoid

describe('relu', () => {
  it('gradient by finite differences (away from the kink)', () => {
    const rng = new Rng(600);
    const x = refTensor([2, 3, 4, 2], Array.from({ length: 48 }, () => (rng.next() < 0.5 ? -1 : 1) * rng.uniform(0.1, 1)));
    const r = rand(rng, x.shape);
    const dx = reluBackward(relu(x), r);
    expect(fdCheck(() => dot(relu(x), r), [{ name: 'dx', t: x, grad: dx }])).toBe('');
  });

  it('at exactly 0 gives 0 with gradient 0; NaN stays NaN', () => {
    const y = relu(refTensor([5], [0, -0, -1, 2, NaN]));
    expect([...y.data.slice(0, 4)]).toEqual([0, 0, 0, 2]);
    expect(Object.is(y.data[1], 0)).toBe(true); // -0 comes out as +0
    expect(Number.isNaN(y.data[4])).toBe(true);
    const dx = reluBackward(y, refTensor([5], [1, 1, 1, 1, 1]));
    expect([...dx.data]).toEqual([0, 0, 0, 1, 0]);
  });

  it('fused in conv2d: pre-activation exactly 0 gives zero gradients', () => {
    const rng = new Rng(601);
    const x = rand(rng, [1, 3, 3, 2]);
    const w = zeros([3, 3, 2, 2]);
    const b = zeros([2]);
    const o: ConvOptions = { stride: 1, padding: 'same', activation: 'relu' };
    const y = conv2d(x, w, b, o);
    expect([...y.data].every((v) => v === 0)).toBe(true);
    const g = conv2dBackward(x, w, b, o, refTensor(y.shape, new Array(y.data.length).fill(1)));
    expect([...g.dx.data, ...g.dw.data, ...g.db!.data].every((v) => v === 0)).toBe(true);
  });
});

describe('sigmoid', () => {
  it('gradient by finite differences', () => {
    const rng = new Rng(700);
    const x = rand(rng, [2, 3, 4, 2], -4, 4);
    const r = rand(rng, x.shape);
    const dx = sigmoidBackward(sigmoid(x), r);
    expect(fdCheck(() => dot(sigmoid(x), r), [{ name: 'dx', t: x, grad: dx }])).toBe('');
  });

  it('is finite and saturates cleanly at +-300 and +-1e4', () => {
    const x = refTensor([6], [300, -300, 1e4, -1e4, 0, 1e300]);
    const y = sigmoid(x);
    for (const v of y.data) expect(Number.isFinite(v)).toBe(true);
    expect(Math.abs(y.data[0] - 1)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(y.data[1])).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(y.data[2] - 1)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(y.data[3])).toBeLessThanOrEqual(1e-12);
    expect(y.data[4]).toBe(0.5);
    expect(y.data[5]).toBe(1);
    const dx = sigmoidBackward(y, refTensor([6], [1, 1, 1, 1, 1, 1]));
    for (const v of dx.data) { expect(Number.isFinite(v)).toBe(true); expect(v).toBeGreaterThanOrEqual(0); }
    expect(dx.data[4]).toBe(0.25);
    // Fused in conv2d, a huge pre-activation also keeps every gradient finite.
    const o: ConvOptions = { stride: 1, padding: 'valid', activation: 'sigmoid' };
    const g = conv2dBackward(refTensor([1, 1, 1, 1], [1]), refTensor([1, 1, 1, 1], [1]), refTensor([1], [-1e4]), o, refTensor([1, 1, 1, 1], [1]));
    expect([g.dx.data[0], g.dw.data[0], g.db!.data[0]].every(Number.isFinite)).toBe(true);
  });

  it('is symmetric: sigmoid(-x) = 1 - sigmoid(x)', () => {
    const xs = [0.1, 1, 5, 20, 36];
    const p = sigmoid(refTensor([5], xs));
    const n = sigmoid(refTensor([5], xs.map((v) => -v)));
    for (let i = 0; i < 5; i++) expect(Math.abs(p.data[i] + n.data[i] - 1)).toBeLessThanOrEqual(1e-15);
  });
});

// ---------------------------------------------------------------------------------------------
// Elementwise and losses

describe('elementwise', () => {
  it('golden add/sub/mul/scale', () => {
    const a = refTensor([2, 2], [1, 2, 3, 4]);
    const b = refTensor([2, 2], [10, 20, 30, 40]);
    expect([...add(a, b).data]).toEqual([11, 22, 33, 44]);
    expect([...sub(a, b).data]).toEqual([-9, -18, -27, -36]);
    expect([...mul(a, b).data]).toEqual([10, 40, 90, 160]);
    expect([...scale(a, -0.5).data]).toEqual([-0.5, -1, -1.5, -2]);
    expect(add(a, b).shape).toEqual([2, 2]);
  });

  it('throws on shape mismatch (no broadcasting)', () => {
    const a = zeros([2, 2]);
    expect(() => add(a, zeros([4]))).toThrow(/same shape/);
    expect(() => sub(a, zeros([2, 3]))).toThrow(/same shape/);
    expect(() => mul(a, zeros([1, 2, 2]))).toThrow(/same shape/);
    expect(() => refTensor([2, 2], [1, 2, 3])).toThrow(/do not fit/);
  });

  it('mul gradient by finite differences', () => {
    const rng = new Rng(800);
    const a = rand(rng, [2, 3, 2, 2]);
    const b = rand(rng, [2, 3, 2, 2]);
    const r = rand(rng, a.shape);
    const { da, db } = mulBackward(a, b, r);
    expect(fdCheck(() => dot(mul(a, b), r), [{ name: 'da', t: a, grad: da }, { name: 'db', t: b, grad: db }])).toBe('');
  });
});

describe('losses and metrics', () => {
  it('mse gradient by finite differences (with an upstream scale g)', () => {
    const rng = new Rng(900);
    const a = rand(rng, [2, 3, 4, 1]);
    const b = rand(rng, [2, 3, 4, 1]);
    const g = 0.7;
    const { da, db } = mseBackward(a, b, g);
    expect(fdCheck(() => g * mse(a, b), [{ name: 'da', t: a, grad: da }, { name: 'db', t: b, grad: db }])).toBe('');
  });

  it('mae gradient by finite differences (away from ties)', () => {
    const rng = new Rng(901);
    const b = rand(rng, [2, 3, 4, 1]);
    const a = refTensor(b.shape, [...b.data].map((v) => v + (rng.next() < 0.5 ? -1 : 1) * rng.uniform(0.1, 1)));
    const g = 1.3;
    const { da, db } = maeBackward(a, b, g);
    expect(fdCheck(() => g * mae(a, b), [{ name: 'da', t: a, grad: da }, { name: 'db', t: b, grad: db }])).toBe('');
  });

  it('golden values', () => {
    const a = refTensor([2, 1, 2, 1], [0, 0.5, 1, 1]);
    const b = refTensor([2, 1, 2, 1], [0, 0, 0, 1]);
    expect(mse(a, b)).toBe(0.3125); // (0 + 0.25 + 1 + 0) / 4
    expect(mae(a, b)).toBe(0.375); // (0 + 0.5 + 1 + 0) / 4
    expect([...msePerImage(a, b)]).toEqual([0.125, 0.5]);
    expect([...maePerImage(a, b)]).toEqual([0.25, 0.5]);
    const p = psnrPerImage(a, b);
    expect(p[0]).toBeCloseTo(9.030899869919435, 12); // 10 log10(8)
    expect(p[1]).toBeCloseTo(3.010299956639812, 12); // 10 log10(2)
    expect([...psnrPerImage(a, a)]).toEqual([Infinity, Infinity]);
    const { da, db } = mseBackward(a, b);
    expect([...da.data]).toEqual([0, 0.25, 0.5, 0]); // 2 (a - b) / 4
    expect([...db.data]).toEqual([-0, -0.25, -0.5, -0]);
    expect(() => mse(a, zeros([4]))).toThrow(/same shape/);
  });
});

// ---------------------------------------------------------------------------------------------
// Adam

describe('adamStep', () => {
  const base = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

  it('pytorch: one step by hand', () => {
    const p = new Float64Array([1]); const g = new Float64Array([0.5]);
    const m = new Float64Array(1); const v = new Float64Array(1);
    adamStep(p, g, m, v, 1, { ...base, mode: 'pytorch' });
    expect(m[0]).toBeCloseTo(0.05, 15); // 0.1 * 0.5
    expect(v[0]).toBeCloseTo(0.00025, 15); // 0.001 * 0.25
    // m_hat = 0.5, sqrt(v_hat) = 0.5: p = 1 - 0.1 * 0.5 / (0.5 + 1e-8) = 1 - 0.1 / (1 + 2e-8) = 0.900000002 - 4e-17
    expect(Math.abs(p[0] - 0.900000002)).toBeLessThanOrEqual(1e-15);
  });

  it('keras: one step by hand', () => {
    const p = new Float64Array([1]); const g = new Float64Array([0.5]);
    const m = new Float64Array(1); const v = new Float64Array(1);
    adamStep(p, g, m, v, 1, { ...base, mode: 'keras' });
    // lr_t = 0.1 sqrt(0.001) / 0.1; sqrt(v) = sqrt(0.00025) = 0.0158113883008419; without eps the step is
    // exactly 0.1; eps shrinks it by 1 / (1 + d), d = 1e-8 / 0.0158113883 = 6.3245553203e-7, so
    // p = 0.9 + 0.1 (d - d^2 + ...) = 0.9 + 6.3245553203e-8 - 4.0e-14 = 0.9000000632455132.
    expect(Math.abs(p[0] - 0.9000000632455132)).toBeLessThanOrEqual(1e-15);
  });

  it('modes differ measurably on step 1 (where eps sits)', () => {
    // g = eps = 1e-7, lr = 1: PyTorch steps 1e-7 / (1e-7 + 1e-7) = 0.5; Keras's eps acts like
    // eps / sqrt(1 - b2) = 31.6 eps, so it steps 1 / (1 + 31.6227766) = 0.0306534300317155.
    const run = (mode: AdamOptions['mode']) => {
      const p = new Float64Array([1]);
      adamStep(p, new Float64Array([1e-7]), new Float64Array(1), new Float64Array(1), 1, { lr: 1, beta1: 0.9, beta2: 0.999, eps: 1e-7, mode });
      return p[0];
    };
    expect(Math.abs(run('pytorch') - 0.5)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(run('keras') - (1 - 0.0306534300317155))).toBeLessThanOrEqual(1e-12);
    expect(run('keras') - run('pytorch')).toBeGreaterThan(0.4);
  });

  it('zero gradient on step 1 leaves p unchanged', () => {
    for (const mode of ['pytorch', 'keras'] as const) {
      const p = new Float64Array([0.3, -2]);
      adamStep(p, new Float64Array(2), new Float64Array(2), new Float64Array(2), 1, { ...base, mode });
      expect([...p]).toEqual([0.3, -2]);
    }
  });

  it.each(['pytorch', 'keras'] as const)('%s: 12 steps at lr 0.5 stay finite and match a hand-unrolled loop', (mode) => {
    const lr = 0.5; const b1 = 0.9; const b2 = 0.999; const eps = 1e-8;
    // Big, tiny, zero, sign-flipping and smooth gradients.
    const grad = (t: number, i: number): number => [(t % 2 ? -3 : 3), 1e3 / t, t % 2 ? 0 : 1e-9, Math.sin(t)][i];
    const P = 4;
    const p = new Float64Array([1, -1, 0.5, 0]);
    const m = new Float64Array(P); const v = new Float64Array(P);
    const hp = [...p]; const hm = [0, 0, 0, 0]; const hv = [0, 0, 0, 0];
    let b1t = 1; let b2t = 1; // b1^t, b2^t by repeated multiplication (not Math.pow)
    for (let t = 1; t <= 12; t++) {
      const g = new Float64Array(P);
      for (let i = 0; i < P; i++) g[i] = grad(t, i);
      adamStep(p, g, m, v, t, { lr, beta1: b1, beta2: b2, eps, mode });
      b1t *= b1; b2t *= b2;
      for (let i = 0; i < P; i++) {
        hm[i] = b1 * hm[i] + (1 - b1) * g[i];
        hv[i] = b2 * hv[i] + (1 - b2) * g[i] * g[i];
        if (mode === 'pytorch') {
          const mHat = hm[i] / (1 - b1t);
          const vHat = hv[i] / (1 - b2t);
          hp[i] = hp[i] - lr * mHat / (Math.sqrt(vHat) + eps);
        } else {
          const lrT = lr * Math.sqrt(1 - b2t) / (1 - b1t);
          hp[i] = hp[i] - lrT * hm[i] / (Math.sqrt(hv[i]) + eps);
        }
      }
      for (let i = 0; i < P; i++) {
        expect(Number.isFinite(p[i])).toBe(true);
        expect(Math.abs(p[i] - hp[i])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(hp[i])));
        expect(Math.abs(m[i] - hm[i])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(hm[i])));
        expect(Math.abs(v[i] - hv[i])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(hv[i])));
      }
    }
    // Adam's step is bounded by about lr per step, whatever the gradient's scale: 12 steps move < 12 lr.
    expect(Math.abs(p[1] - -1)).toBeLessThan(12 * lr);
  });

  it('rejects mismatched lengths and a 0-based step', () => {
    const a = new Float64Array(2);
    expect(() => adamStep(a, new Float64Array(3), new Float64Array(2), new Float64Array(2), 1, { ...base, mode: 'pytorch' })).toThrow(/same length/);
    expect(() => adamStep(a, new Float64Array(2), new Float64Array(2), new Float64Array(2), 0, { ...base, mode: 'keras' })).toThrow(/1-based/);
  });
});
