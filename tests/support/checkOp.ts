/**
 * One helper checks every op: seeded random inputs, GPU forward and backward (with a random
 * upstream gradient, since a plain sum hides transposition bugs) against the float64 reference,
 * passing when |gpu - ref| <= atol + rtol * |ref| elementwise. A failure names the worst error,
 * the share of the tolerance it used, and the first mismatches as (n, h, w, c).
 */
import { expect } from 'vitest';
import type { Page } from 'puppeteer-core';
import { Rng } from '../../src/engine/random.ts';
import { b64ToF32, f32ToB64 } from './gpu.ts';

export interface Tol { atol: number; rtol: number }
export interface RefT { shape: number[]; data: Float64Array }

export interface InputSpec {
  shape: number[];
  /** Ask for this input's gradient. */
  grad?: boolean;
  /** Uniform range of the random values (default [-1, 1)). */
  range?: [number, number];
  /** Fixed values instead of random ones. */
  data?: ArrayLike<number>;
}

export interface OpCase {
  op: string;
  inputs: InputSpec[];
  attrs?: Record<string, unknown>;
  /**
   * float64 reference: forward, and gradients for the inputs given dy (null entries where none).
   * Called once with dy = null to learn the output's shape: return grads [] then.
   */
  reference(inputs: RefT[], dy: RefT | null): { y: RefT; grads: (RefT | null)[] };
  tol: Tol;
  /** Run backward too (default true). */
  backward?: boolean;
}

/** Formats a flat index as (n, h, w, c) for 4-D shapes, else as a multi-index. */
export function coords(shape: readonly number[], index: number): string {
  const out: number[] = [];
  let r = index;
  for (let d = shape.length - 1; d >= 0; d--) { out.unshift(r % shape[d]); r = Math.floor(r / shape[d]); }
  return shape.length === 4 ? `(n=${out[0]}, h=${out[1]}, w=${out[2]}, c=${out[3]})` : `(${out.join(', ')})`;
}

/** Compares got (float32) to want (float64); returns null when within tolerance, else a report. */
export function compare(what: string, shape: readonly number[], got: ArrayLike<number>, want: ArrayLike<number>, tol: Tol): string | null {
  if (got.length !== want.length) return `${what}: ${got.length} values, expected ${want.length}`;
  let worst = 0;
  let worstAt = -1;
  let worstShare = 0;
  const bad: string[] = [];
  let nBad = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    let ok: boolean;
    let err: number;
    if (Number.isNaN(w) || Number.isNaN(g)) { ok = Number.isNaN(w) && Number.isNaN(g); err = ok ? 0 : Infinity; }
    else if (!Number.isFinite(w)) { ok = g === w; err = ok ? 0 : Infinity; }
    else { err = Math.abs(g - w); ok = err <= tol.atol + tol.rtol * Math.abs(w); }
    const share = err / (tol.atol + tol.rtol * Math.abs(Number.isFinite(w) ? w : 0));
    if (share > worstShare || worstAt < 0) { worstShare = share; worst = err; worstAt = i; }
    if (!ok) {
      nBad++;
      if (bad.length < 5) bad.push(`  at ${coords(shape, i)}: gpu ${g}, ref ${w}, |err| ${err.toExponential(3)}`);
    }
  }
  if (!nBad) return null;
  return `${what} [${shape}]: ${nBad} of ${want.length} values out of tolerance (atol ${tol.atol}, rtol ${tol.rtol}); ` +
    `worst |err| ${worst.toExponential(3)} at ${coords(shape, worstAt)} = ${worstShare.toFixed(1)}x the tolerance\n${bad.join('\n')}`;
}

/** Largest share of the tolerance used (for reporting margins). */
export function toleranceShare(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tol): number {
  let m = 0;
  for (let i = 0; i < want.length; i++) {
    if (!Number.isFinite(want[i])) continue;
    m = Math.max(m, Math.abs(got[i] - want[i]) / (tol.atol + tol.rtol * Math.abs(want[i])));
  }
  return m;
}

function randomData(rng: Rng, n: number, range: [number, number]): Float64Array {
  const d = new Float64Array(n);
  // Values go through float32 on the GPU, so the reference sees exactly the same inputs.
  for (let i = 0; i < n; i++) d[i] = Math.fround(rng.uniform(range[0], range[1]));
  return d;
}

/** Runs an op case on the GPU and asserts forward and backward match the reference. */
export async function checkOp(page: Page, c: OpCase, seed = 1): Promise<{ share: number }> {
  const rng = new Rng(seed);
  const inputs: RefT[] = c.inputs.map((s) => ({
    shape: s.shape,
    data: s.data ? Float64Array.from(s.data, (v) => Math.fround(v)) : randomData(rng, s.shape.reduce((a, b) => a * b, 1), s.range ?? [-1, 1]),
  }));
  const wantBackward = c.backward !== false;
  // The reference's y gives dy's shape; dy is drawn after the inputs so seeds stay stable.
  const probe = c.reference(inputs, null);
  const yShape = probe.y.shape;
  const dy: RefT = { shape: yShape, data: randomData(rng, yShape.reduce((a, b) => a * b, 1), [-1, 1]) };
  const ref = wantBackward ? c.reference(inputs, dy) : probe;

  const res = await page.evaluate((req) => window.h.runOp(req), {
    op: c.op,
    inputs: inputs.map((t, i) => ({ b64: f32ToB64(t.data), shape: t.shape, grad: wantBackward && !!c.inputs[i].grad })),
    attrs: c.attrs ?? {},
    dy: wantBackward ? f32ToB64(dy.data) : undefined,
  });
  const label = `${c.op} ${JSON.stringify(c.attrs ?? {})} inputs ${c.inputs.map((s) => `[${s.shape}]`).join(' ')} seed ${seed}`;
  expect(res.y.shape, `${label}: output shape`).toEqual(ref.y.shape);
  const y = b64ToF32(res.y.b64);
  const problems: string[] = [];
  const fwd = compare(`${label}: forward`, ref.y.shape, y, ref.y.data, c.tol);
  if (fwd) problems.push(fwd);
  let share = toleranceShare(y, ref.y.data, c.tol);
  if (wantBackward) {
    c.inputs.forEach((s, i) => {
      if (!s.grad) return;
      const want = ref.grads[i];
      const got = res.grads[i];
      if (!want) { problems.push(`${label}: reference gives no gradient for input ${i}`); return; }
      if (got === null) { problems.push(`${label}: GPU gave no gradient for input ${i}`); return; }
      const g = b64ToF32(got);
      const p = compare(`${label}: gradient of input ${i}`, s.shape, g, want.data, c.tol);
      if (p) problems.push(p);
      share = Math.max(share, toleranceShare(g, want.data, c.tol));
    });
  }
  expect(problems.join('\n'), 'GPU vs float64 reference').toBe('');
  return { share };
}
