/**
 * Parameters in flat buffers, and Adam as one fused dispatch over them.
 *
 * Every parameter tensor is a view into one flat buffer and its gradient a view into a second,
 * each starting at a 256-byte boundary (minStorageBufferOffsetAlignment) so it binds on its own.
 * Zeroing gradients is one fill; Adam updates all parameters with one dispatch.
 */
import { EngineError, ShapeError } from './errors.ts';
import { type BufferView, runtime } from './runtime.ts';
import { type Tensor, shapeSize, viewTensor } from './tensor.ts';

export interface ParamSpec {
  name: string;
  shape: number[];
  /** Initial values (row-major); zeros when omitted. */
  init?: Float32Array;
}

const ALIGN_FLOATS = 64; // 256 bytes

export class ParameterStore {
  /** Parameter tensors in spec order; each requiresGrad and has a preallocated .grad view. */
  readonly tensors: Tensor[];
  readonly names: string[];
  /** Float offset of each parameter in the flat buffers. */
  readonly offsets: number[];
  /** Floats in each flat buffer (parameters plus alignment gaps). */
  readonly count: number;
  /** Trainable values (not counting gaps). */
  readonly parameterCount: number;
  readonly params: BufferView;
  readonly grads: BufferView;
  private readonly buffers: GPUBuffer[];

  constructor(specs: ParamSpec[]) {
    const rt = runtime();
    const offsets: number[] = [];
    let n = 0;
    let real = 0;
    for (const s of specs) {
      offsets.push(n);
      const size = shapeSize(s.shape);
      if (s.init && s.init.length !== size) throw new ShapeError(`parameter '${s.name}': init has ${s.init.length} values for shape [${s.shape}]`);
      real += size;
      n += Math.ceil(size / ALIGN_FLOATS) * ALIGN_FLOATS;
    }
    this.count = Math.max(n, ALIGN_FLOATS);
    this.parameterCount = real;
    this.offsets = offsets;
    this.names = specs.map((s) => s.name);
    const pBuf = rt.acquire(this.count * 4, 'parameters');
    const gBuf = rt.acquire(this.count * 4, 'gradients');
    this.buffers = [pBuf, gBuf];
    this.params = { buffer: pBuf, offset: 0, size: this.count * 4 };
    this.grads = { buffer: gBuf, offset: 0, size: this.count * 4 };

    // Upload every initial value in one write (gaps are zero, and stay zero under Adam).
    const host = new Float32Array(this.count);
    specs.forEach((s, i) => { if (s.init) host.set(s.init, offsets[i]); });
    rt.write(this.params, host);
    this.zeroGrad();

    this.tensors = specs.map((s, i) => {
      const bytes = shapeSize(s.shape) * 4;
      const t = viewTensor(s.shape, { buffer: pBuf, offset: offsets[i] * 4, size: bytes }, s.name);
      t.requiresGrad = true;
      t.grad = viewTensor(s.shape, { buffer: gBuf, offset: offsets[i] * 4, size: bytes }, `${s.name}.grad`);
      return t;
    });
  }

  get(name: string): Tensor {
    const i = this.names.indexOf(name);
    if (i < 0) throw new EngineError(`no parameter named '${name}'`);
    return this.tensors[i];
  }

  /** Zeroes every gradient with one dispatch (call once per step, before backward). */
  zeroGrad(): void {
    runtime().launch('fill', { uniforms: { count: this.count, value: 0 }, bindings: { y: this.grads }, dims: { count: this.count } });
  }

  /** Reads all parameters to the host, by name. */
  async readAll(): Promise<Map<string, Float32Array>> {
    const flat = new Float32Array(await runtime().read(this.params));
    return new Map(this.tensors.map((t, i) => [this.names[i], flat.slice(this.offsets[i], this.offsets[i] + t.size)]));
  }

  /** Writes parameters by name; every name must be known and every size right. */
  async writeAll(values: Map<string, Float32Array>): Promise<void> {
    const flat = new Float32Array(await runtime().read(this.params));
    for (const [name, v] of values) {
      const i = this.names.indexOf(name);
      if (i < 0) throw new EngineError(`no parameter named '${name}'`);
      if (v.length !== this.tensors[i].size) throw new ShapeError(`parameter '${name}': ${v.length} values for shape [${this.tensors[i].shape}]`);
      flat.set(v, this.offsets[i]);
    }
    runtime().write(this.params, flat);
  }

  dispose(): void {
    for (const t of this.tensors) { t.grad?.dispose(); t.dispose(); }
    for (const b of this.buffers) runtime().release(b);
    this.buffers.length = 0;
  }
}

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  /** Default 1e-8 (PyTorch) or 1e-7 (Keras). */
  eps?: number;
  /** 'pytorch': eps added to sqrt of the corrected v (default); 'keras': eps added to sqrt(v), lr scaled. */
  mode?: 'pytorch' | 'keras';
}

export class Adam {
  /** Steps taken so far (t in the bias corrections). */
  t = 0;
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly mode: 'pytorch' | 'keras';
  readonly m: BufferView;
  readonly v: BufferView;

  constructor(readonly store: ParameterStore, o: AdamOptions) {
    this.mode = o.mode ?? 'pytorch';
    this.lr = o.lr;
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.eps = o.eps ?? (this.mode === 'keras' ? 1e-7 : 1e-8);
    checkAdam(this.lr, this.beta1, this.beta2, this.eps);
    const rt = runtime();
    const bytes = store.count * 4;
    this.m = { buffer: rt.acquire(bytes, 'adam.m'), offset: 0, size: bytes };
    this.v = { buffer: rt.acquire(bytes, 'adam.v'), offset: 0, size: bytes };
    for (const b of [this.m, this.v]) rt.launch('fill', { uniforms: { count: store.count, value: 0 }, bindings: { y: b }, dims: { count: store.count } });
  }

  /** One update of every parameter from its gradient: a single dispatch. */
  step(): void {
    this.t += 1;
    const bc1 = 1 - this.beta1 ** this.t; // float64 on the host
    const bc2 = 1 - this.beta2 ** this.t;
    const pytorch = this.mode === 'pytorch';
    runtime().launch('adam', {
      uniforms: {
        count: this.store.count,
        stepSize: pytorch ? this.lr / bc1 : (this.lr * Math.sqrt(bc2)) / bc1,
        vScale: pytorch ? 1 / Math.sqrt(bc2) : 1,
        beta1: this.beta1,
        beta2: this.beta2,
        oneMinusBeta1: 1 - this.beta1,
        oneMinusBeta2: 1 - this.beta2,
        eps: this.eps,
      },
      bindings: { g: this.store.grads, p: this.store.params, m: this.m, v: this.v },
      dims: { count: this.store.count },
    });
  }

  /** Moments for checkpoints. */
  async readState(): Promise<{ t: number; m: Float32Array; v: Float32Array }> {
    const rt = runtime();
    return { t: this.t, m: new Float32Array(await rt.read(this.m)), v: new Float32Array(await rt.read(this.v)) };
  }

  writeState(s: { t: number; m: Float32Array; v: Float32Array }): void {
    if (s.m.length !== this.store.count || s.v.length !== this.store.count) {
      throw new ShapeError(`optimizer state has ${s.m.length} moments for ${this.store.count} parameter slots`);
    }
    this.t = s.t;
    runtime().write(this.m, s.m);
    runtime().write(this.v, s.v);
  }

  dispose(): void {
    runtime().release(this.m.buffer);
    runtime().release(this.v.buffer);
  }
}

/** Rejects absurd hyper-parameters with a message saying what is wrong. */
export function checkAdam(lr: number, beta1: number, beta2: number, eps: number): void {
  const bad = (what: string) => { throw new EngineError(`Adam: ${what}`); };
  if (!Number.isFinite(lr) || lr <= 0 || lr > 10) bad(`learning rate must be in (0, 10], got ${lr}`);
  if (!(beta1 >= 0 && beta1 < 1)) bad(`beta1 must be in [0, 1), got ${beta1}`);
  if (!(beta2 >= 0 && beta2 < 1)) bad(`beta2 must be in [0, 1), got ${beta2}`);
  if (!(eps > 0 && eps < 1)) bad(`eps must be in (0, 1), got ${eps}`);
}

