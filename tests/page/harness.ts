/**
 * The test page: initialises the engine and exposes it (window.engine) plus a few helpers
 * (window.h) to tests, which call them through page.evaluate. Float arrays cross the
 * boundary as base64 of their float32 bytes, exact and compact.
 */
import * as engine from '../../src/engine/index.ts';

export function f32ToB64(a: Float32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function b64ToF32(b64: string): Float32Array {
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

export interface WireTensor { b64: string; shape: number[] }
export interface OpRequest {
  op: string;
  inputs: (WireTensor & { grad?: boolean })[];
  attrs?: Record<string, unknown>;
  /** Upstream gradient for backward; omitted for forward only. */
  dy?: string;
}
export interface OpResponse { y: WireTensor; grads: (string | null)[]; dispatches: number }

type OpFn = (ins: engine.Tensor[], attrs: Record<string, unknown>) => engine.Tensor;
const E = engine as unknown as Record<string, (...args: unknown[]) => engine.Tensor>;

/** Test name -> how to call the engine op. Inputs arrive in the order the op's signature takes them. */
export const OPS: Record<string, OpFn> = {
  add: ([a, b]) => E.add(a, b),
  sub: ([a, b]) => E.sub(a, b),
  mul: ([a, b]) => E.mul(a, b),
  scale: ([a], o) => E.scale(a, o.alpha),
  relu: ([a]) => E.relu(a),
  sigmoid: ([a]) => E.sigmoid(a),
  conv2d: ([x, w, b], o) => E.conv2d(x, w, b ?? null, o),
  conv2dTranspose: ([x, w, b], o) => E.conv2dTranspose(x, w, b ?? null, o),
  maxPool2d: ([x], o) => E.maxPool2d(x, o),
  upsampleNearest: ([x], o) => E.upsampleNearest(x, o.factor),
  mseLoss: ([a, b]) => E.mseLoss(a, b),
  maeLoss: ([a, b]) => E.maeLoss(a, b),
  psnrPerImage: ([a, b]) => E.psnrPerImage(a, b),
};

/** Runs one op on the GPU: forward, and backward from `dy` when given. Frees everything after. */
async function runOp(req: OpRequest): Promise<OpResponse> {
  const fn = OPS[req.op];
  if (!fn) throw new Error(`harness has no op '${req.op}'`);
  const rt = engine.runtime();
  // Fresh (zeroed) buffers for every op: an output a kernel leaves unwritten must not pass on a
  // value an earlier run (of another kernel family, on the same inputs) left in a pooled buffer.
  rt.trimPool();
  const before = rt.stats.dispatches;
  const ins = req.inputs.map((w, i) => {
    const t = engine.tensor(b64ToF32(w.b64), w.shape, `input${i}`);
    if (w.grad) engine.requireGrad(t);
    return t;
  });
  try {
    const y = fn(ins, req.attrs ?? {});
    const yData = await y.read();
    const grads: (string | null)[] = [];
    if (req.dy !== undefined) {
      const dy = engine.tensor(b64ToF32(req.dy), y.shape, 'dy');
      engine.backward(y, dy);
      dy.dispose();
      for (const t of ins) grads.push(t.grad ? f32ToB64(await t.grad.read()) : null);
    }
    y.dispose();
    return { y: { b64: f32ToB64(yData), shape: [...y.shape] }, grads, dispatches: rt.stats.dispatches - before };
  } finally {
    for (const t of ins) { t.grad?.dispose(); t.dispose(); }
  }
}

declare global {
  interface Window {
    engine: typeof engine;
    h: { f32ToB64: typeof f32ToB64; b64ToF32: typeof b64ToF32; runOp: typeof runOp; OPS: typeof OPS; model: typeof loadModel; app: typeof loadApp; lab: typeof loadLab };
    harnessReady: Promise<{ ok: true; adapter: engine.AdapterSummary } | { ok: false; error: string }>;
  }
}

window.engine = engine;
/** The model layer, loaded on demand. */
const loadModel = () => import('../../src/model/layers.ts');
/** Everything above the engine (sessions, checkpoints, data), loaded on demand. */
const loadApp = async () => ({
  ...(await import('../../src/model/session.ts')),
  ...(await import('../../src/model/checkpoint.ts')),
  ...(await import('../../src/model/config.ts')),
  ...(await import('../../src/model/trainer.ts')),
  ...(await import('../../src/data/dataset.ts')),
  ...(await import('../../src/data/images.ts')),
  ...(await import('../../src/data/decode.ts')),
  ...(await import('../../src/data/patches.ts')),
  ...(await import('../../src/data/png.ts')),
  ...(await import('../../src/data/builtin.ts')),
  ...(await import('../../src/data/archive.ts')),
  ...(await import('../../src/model/presets.ts')),
});

/** The kernel lab's modules (checks, shapes, timing, TF.js peers), loaded on demand. */
const loadLab = async () => ({
  ...(await import('../../src/lab/check.ts')),
  ...(await import('../../src/lab/shapes.ts')),
  ...(await import('../../src/lab/cases.ts')),
});

window.h = { f32ToB64, b64ToF32, runOp, OPS, model: loadModel, app: loadApp, lab: loadLab };
window.harnessReady = engine.initEngine()
  .then((rt) => ({ ok: true as const, adapter: rt.ctx.summary }))
  .catch((e: Error) => ({ ok: false as const, error: `${e.name}: ${e.message}` }));
