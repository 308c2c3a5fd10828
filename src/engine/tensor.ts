/**
 * Tensors: float32 storage buffers with a shape (activations NHWC), explicit dispose, pooled
 * memory, optional autograd links, and `tidy` scopes that dispose what a block created.
 */
import { ShapeError, TensorError } from './errors.ts';
import { type BufferView, runtime } from './runtime.ts';

/** A recorded op: how to turn the output's gradient into its inputs' gradients. */
export interface GradNode {
  op: string;
  inputs: (Tensor | null)[];
  /** Returns one gradient per input (null where an input needs none). Runs with grad off. */
  backward(dy: Tensor): (Tensor | null)[];
  /** Frees what the op saved only for backward (e.g. maxpool's argmax). */
  release?(): void;
}

export class Tensor {
  readonly shape: readonly number[];
  readonly size: number;
  private _view: BufferView | null;
  /** Whether dispose() returns the buffer to the pool (false for views into a flat buffer). */
  private readonly owned: boolean;
  requiresGrad = false;
  grad: Tensor | null = null;
  node: GradNode | null = null;
  label: string;

  constructor(shape: readonly number[], view: BufferView, owned: boolean, label = '') {
    this.shape = Object.freeze([...shape]);
    this.size = shapeSize(shape);
    this._view = view;
    this.owned = owned;
    this.label = label;
    trackInScope(this);
  }

  get disposed(): boolean { return this._view === null; }

  /** The buffer range this tensor occupies; throws if disposed, naming the op that tried. */
  view(op = 'an op'): BufferView {
    if (!this._view) throw new TensorError(`${op} was given a disposed tensor${this.label ? ` '${this.label}'` : ''} of shape [${this.shape}]`);
    return this._view;
  }

  dispose(): void {
    if (!this._view) return;
    if (this.owned) runtime().release(this._view.buffer);
    this._view = null;
    this.node?.release?.();
    this.node = null;
  }

  /** Downloads the values (submits pending work). */
  async read(): Promise<Float32Array> {
    return new Float32Array(await runtime().read(this.view('read()')));
  }

  /** Uploads values (length must match). */
  write(data: Float32Array | number[]): this {
    const f = data instanceof Float32Array ? data : Float32Array.from(data);
    if (f.length !== this.size) throw new ShapeError(`write of ${f.length} values into a tensor of shape [${this.shape}] (${this.size} values)`);
    runtime().write(this.view('write()'), f);
    return this;
  }

  toString(): string { return `Tensor[${this.shape}]${this.label ? ` '${this.label}'` : ''}`; }
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 1) throw new ShapeError(`bad shape [${shape}]: every dimension must be a positive integer`);
    n *= d;
  }
  return n;
}

/** An uninitialised tensor from the pool. */
export function empty(shape: readonly number[], label = ''): Tensor {
  const size = shapeSize(shape);
  const buffer = runtime().acquire(size * 4, label || `tensor[${shape}]`);
  return new Tensor(shape, { buffer, offset: 0, size: size * 4 }, true, label);
}

/** A tensor holding `data` (row-major, NHWC for images). */
export function tensor(data: Float32Array | ArrayLike<number>, shape: readonly number[], label = ''): Tensor {
  const t = empty(shape, label);
  const f = data instanceof Float32Array ? data : Float32Array.from(data);
  if (f.length !== t.size) {
    t.dispose();
    throw new ShapeError(`tensor(): ${f.length} values do not fill shape [${shape}] (${shapeSize(shape)} values)`);
  }
  return t.write(f);
}

/** A tensor that views part of a larger buffer (parameters in a flat buffer); dispose() leaves the buffer. */
export function viewTensor(shape: readonly number[], view: BufferView, label = ''): Tensor {
  return new Tensor(shape, view, false, label);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function assertSameShape(op: string, a: Tensor, b: Tensor): void {
  if (!sameShape(a.shape, b.shape)) throw new ShapeError(`${op}: shapes [${a.shape}] and [${b.shape}] differ`);
}

// ---- tidy scopes ----------------------------------------------------------------------------

const scopes: Set<Tensor>[] = [];

function trackInScope(t: Tensor): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Keeps a tensor alive past the enclosing tidy (moves it out of every scope). */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

type Tensors = Tensor | Tensor[] | Record<string, Tensor> | void | number | null | undefined;

/**
 * Runs fn and disposes every tensor it created except those it returns (a tensor, an array or
 * a record of tensors), which move to the enclosing scope. Synchronous by design.
 */
export function tidy<T extends Tensors>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  const returned = new Set<Tensor>();
  if (result instanceof Tensor) returned.add(result);
  else if (Array.isArray(result)) result.forEach((t) => returned.add(t));
  else if (result && typeof result === 'object') Object.values(result).forEach((t) => t instanceof Tensor && returned.add(t));
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (returned.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}

