/**
 * Check one kernel: seeded inputs at a shape, the kernel alone on the GPU, its float64 reference,
 * and the verdict |gpu - ref| <= atol + rtol * |ref| everywhere (the suite's rule), with the worst
 * error and the share of the tolerance it used. Also compares two float32 outputs (ours, TF.js).
 */
import { runtime } from '../engine/runtime.ts';
import { type Dims, KERNELS } from '../engine/kernels.ts';
import { Rng } from '../engine/random.ts';
import { type RefT, type Tol, caseTol, kernelCase, releaseCaseBuffers, upload } from './cases.ts';

export interface Comparison {
  pass: boolean;
  /** Largest |got - want|. */
  maxErr: number;
  /** Largest |got - want| / (atol + rtol |want|): 1 is the edge of the tolerance. */
  share: number;
  /** Where the worst share was (flat index). */
  worstAt: number;
  bad: number;
}

/** got (float32) against want under a tolerance (tol.rest from its index on); NaN must meet NaN and infinities must be equal. */
export function compare(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tol): Comparison {
  if (got.length !== want.length) return { pass: false, maxErr: Infinity, share: Infinity, worstAt: -1, bad: Math.max(got.length, want.length) };
  let maxErr = 0, share = 0, worstAt = -1, bad = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    let err: number;
    if (Number.isNaN(w) || Number.isNaN(g)) err = Number.isNaN(w) && Number.isNaN(g) ? 0 : Infinity;
    else if (!Number.isFinite(w)) err = g === w ? 0 : Infinity;
    else err = Math.abs(g - w);
    const t = tol.rest && i >= tol.rest.from ? tol.rest : tol;
    const s = err / (t.atol + t.rtol * (Number.isFinite(w) ? Math.abs(w) : 0));
    // atol = rtol = 0 (exact kernels): 0/0 is a match.
    const sh = Number.isNaN(s) ? 0 : s;
    if (sh > 1) bad++;
    if (err > maxErr) maxErr = err;
    if (sh > share || worstAt < 0) { share = sh; worstAt = i; }
  }
  return { pass: bad === 0, maxErr, share, worstAt, bad };
}

export interface CheckResult extends Comparison {
  kernel: string;
  dims: Dims;
  tol: Tol;
  /** The kernels that actually ran (the case must launch its own kernel). */
  dispatched: string[];
  inputs: Record<string, RefT>;
  output: { shape: number[]; data: Float32Array };
  reference: RefT;
}

/** Runs kernel `name` once at dims on seeded inputs and checks it against its reference. */
export async function checkKernel(name: string, dims: Dims, seed = 1): Promise<CheckResult> {
  const c = kernelCase(name);
  const rt = runtime();
  const need = KERNELS[name]?.feature;
  if (need && !rt.ctx.device.features.has(need)) throw new Error(`'${name}' needs the WebGPU feature '${need}', which this device does not have`);
  // Fresh (zeroed) buffers: an output the kernel leaves unwritten must not show a right answer
  // that an earlier check left in a pooled buffer.
  rt.trimPool();
  const inputs = c.inputs(dims, new Rng(seed));
  const t = upload(inputs);
  const dispatched: string[] = [];
  const prev = rt.onDispatch;
  rt.onDispatch = (k) => { dispatched.push(k); prev?.(k); };
  let out;
  try {
    out = c.run(t, dims);
  } finally {
    rt.onDispatch = prev;
  }
  try {
    const data = await out.read();
    const reference = c.reference(inputs, dims);
    if (!dispatched.includes(name)) throw new Error(`checking '${name}' launched ${dispatched.join(', ') || 'nothing'} instead (do the dims meet its condition?)`);
    const tol = caseTol(c, dims);
    return { kernel: name, dims, tol, dispatched, inputs, output: { shape: [...out.shape], data }, reference, ...compare(data, reference.data, tol) };
  } finally {
    if (!Object.values(t).includes(out)) out.dispose();
    for (const v of Object.values(t)) v.dispose();
    releaseCaseBuffers();
  }
}
