/**
 * Elementwise ops: add, sub, mul, scale, relu, sigmoid (+ fill, clone, accumulate for autograd).
 * Kernels: src/shaders/unary.wgsl, binary.wgsl, fill.wgsl, accumulate.wgsl.
 */
import { record, setGradKernels } from '../autograd.ts';
import { BindingError } from '../errors.ts';
import { type BufferView, runtime } from '../runtime.ts';
import { type Tensor, assertSameShape, empty } from '../tensor.ts';
import { BINARY, UNARY } from '../kernels.ts';

/** GPU vs float64 reference: exact up to float32 rounding of one or two operations. */
export const tolerance = { atol: 1e-6, rtol: 1e-5 };

/**
 * t's buffer range rounded up to whole vec4s, as the VEC4 kernels bind it (src/shaders/unary.wgsl):
 * they read the padding floats of the last vec4 but store only the tensor's own. Every tensor's
 * range starts 256-byte aligned with its buffer (or its parameter slot) rounded up to 256 bytes, so
 * the rounded range stays inside what the tensor owns.
 */
export function vec4View(t: Tensor, op: string): BufferView {
  const v = t.view(op);
  const size = Math.ceil(v.size / 16) * 16;
  if (v.offset % 16 !== 0 || v.offset + size > v.buffer.size) {
    throw new BindingError(`${op}: tensor ${t} (bytes ${v.offset}..${v.offset + v.size} of a ${v.buffer.size}-byte buffer) cannot be bound as whole vec4s`);
  }
  return size === v.size ? v : { buffer: v.buffer, offset: v.offset, size };
}

function unary(op: keyof typeof UNARY, x: Tensor, alpha = 0): Tensor {
  const y = empty(x.shape);
  runtime().launch('unary', {
    uniforms: { count: x.size, alpha },
    bindings: { x: vec4View(x, op), y: vec4View(y, op) },
    dims: { count: x.size },
    constants: { OP: UNARY[op] },
  });
  return y;
}

function binary(op: keyof typeof BINARY, a: Tensor, b: Tensor): Tensor {
  assertSameShape(op, a, b);
  const out = empty(a.shape);
  runtime().launch('binary', {
    uniforms: { count: a.size },
    bindings: { a: vec4View(a, op), b: vec4View(b, op), out: vec4View(out, op) },
    dims: { count: a.size },
    constants: { OP: BINARY[op] },
  });
  return out;
}

/** y = a + b (same shapes). */
export function add(a: Tensor, b: Tensor): Tensor {
  return record(binary('add', a, b), 'add', [a, b], (dy) => [dy, dy]);
}

/** y = a - b (same shapes). */
export function sub(a: Tensor, b: Tensor): Tensor {
  return record(binary('sub', a, b), 'sub', [a, b], (dy) => [dy, b.requiresGrad ? unary('scale', dy, -1) : null]);
}

/** y = a * b (same shapes). Saves a and b. */
export function mul(a: Tensor, b: Tensor): Tensor {
  return record(binary('mul', a, b), 'mul', [a, b], (dy) => [
    a.requiresGrad ? binary('mul', dy, b) : null,
    b.requiresGrad ? binary('mul', dy, a) : null,
  ]);
}

/** y = alpha * x. */
export function scale(x: Tensor, alpha: number): Tensor {
  return record(unary('scale', x, alpha), 'scale', [x], (dy) => [unary('scale', dy, alpha)]);
}

/** y = max(x, 0); relu'(0) = 0. Saves y. */
export function relu(x: Tensor): Tensor {
  const y = unary('relu', x);
  return record(y, 'relu', [x], (dy) => [binary('reluBackward', dy, y)]);
}

/** y = 1 / (1 + exp(-x)), stable for any |x|. Saves y. */
export function sigmoid(x: Tensor): Tensor {
  const y = unary('sigmoid', x);
  return record(y, 'sigmoid', [x], (dy) => [binary('sigmoidBackward', dy, y)]);
}

/** dX for an activation given its saved output: used by ops that fuse an activation. */
export function activationBackward(activation: 'none' | 'relu' | 'sigmoid', dy: Tensor, y: Tensor): Tensor {
  if (activation === 'relu') return binary('reluBackward', dy, y);
  if (activation === 'sigmoid') return binary('sigmoidBackward', dy, y);
  return clone(dy);
}

/** -10 log10(x) elementwise (per-image MSE to PSNR; +Infinity at 0); no gradient. */
export function negTenLog10(x: Tensor): Tensor {
  return unary('neg10log', x, Infinity);
}

/** min(max(x, 0), 1) elementwise: clips a denoised image to the valid range; no gradient. */
export function clamp01(x: Tensor): Tensor {
  return unary('clamp01', x);
}

/** A copy (no gradient link). */
export function clone(x: Tensor): Tensor {
  return unary('copy', x);
}

/** A new tensor filled with `value`. */
export function fill(shape: readonly number[], value: number): Tensor {
  const y = empty(shape);
  fillInPlace(y, value);
  return y;
}

/** Sets every element of t to value (used to zero gradient buffers inside a command stream). */
export function fillInPlace(t: Tensor, value: number): void {
  runtime().launch('fill', { uniforms: { count: t.size, value }, bindings: { y: vec4View(t, 'fill') }, dims: { count: t.size } });
}

/** acc += g in place (gradient accumulation). */
export function accumulate(acc: Tensor, g: Tensor): void {
  assertSameShape('accumulate', acc, g);
  runtime().launch('accumulate', { uniforms: { count: acc.size }, bindings: { g: vec4View(g, 'accumulate'), acc: vec4View(acc, 'accumulate') }, dims: { count: acc.size } });
}

setGradKernels({ accumulate, clone, fill });
