/**
 * The float64 twin of src/model/layers.ts Model: forward keeping each layer's input, backward
 * chaining the reference ops' backward rules in reverse. Used to check a whole model's loss and
 * every parameter gradient, and an Adam trajectory, against the GPU.
 */
import * as ref from '../../src/engine/reference.ts';
import type { RefTensor } from '../../src/engine/reference.ts';
import type { ModelSpec } from '../../src/model/layers.ts';

export type RefParams = Map<string, RefTensor>;

export function refModelForward(spec: ModelSpec, params: RefParams, x: RefTensor): { y: RefTensor; inputs: RefTensor[]; argmax: (Int32Array | null)[] } {
  const inputs: RefTensor[] = [];
  const argmax: (Int32Array | null)[] = [];
  let h = x;
  spec.layers.forEach((l, i) => {
    inputs.push(h);
    argmax.push(null);
    if (l.type === 'conv2d' || l.type === 'conv2dTranspose') {
      const w = params.get(`layers.${i}.weight`)!;
      const b = l.bias === false ? null : params.get(`layers.${i}.bias`)!;
      const o = { stride: l.stride ?? 1, padding: l.padding ?? 'same', activation: l.activation ?? 'none' } as const;
      h = l.type === 'conv2d' ? ref.conv2d(h, w, b, o) : ref.conv2dTranspose(h, w, b, o);
    } else if (l.type === 'maxPool2d') {
      const r = ref.maxPool2d(h, { padding: l.padding ?? 'valid' });
      argmax[i] = r.argmax;
      h = r.y;
    } else {
      h = ref.upsampleNearest(h, l.factor);
    }
  });
  return { y: spec.residual ? ref.sub(x, h) : h, inputs, argmax };
}

/** MSE loss of the model on (x, target) and the gradient of every parameter. */
export function refModelLossAndGrads(spec: ModelSpec, params: RefParams, x: RefTensor, target: RefTensor): { loss: number; grads: RefParams } {
  const f = refModelForward(spec, params, x);
  const loss = ref.mse(f.y, target);
  let g = ref.mseBackward(f.y, target).da;
  if (spec.residual) g = ref.scale(g, -1); // y = x - net(x)
  const grads: RefParams = new Map();
  for (let i = spec.layers.length - 1; i >= 0; i--) {
    const l = spec.layers[i];
    const input = f.inputs[i];
    if (l.type === 'conv2d' || l.type === 'conv2dTranspose') {
      const w = params.get(`layers.${i}.weight`)!;
      const b = l.bias === false ? null : params.get(`layers.${i}.bias`)!;
      const o = { stride: l.stride ?? 1, padding: l.padding ?? 'same', activation: l.activation ?? 'none' } as const;
      const r = l.type === 'conv2d' ? ref.conv2dBackward(input, w, b, o, g) : ref.conv2dTransposeBackward(input, w, b, o, g);
      grads.set(`layers.${i}.weight`, r.dw);
      if (r.db) grads.set(`layers.${i}.bias`, r.db);
      g = r.dx;
    } else if (l.type === 'maxPool2d') {
      g = ref.maxPool2dBackward(input.shape, f.argmax[i]!, g);
    } else {
      g = ref.upsampleNearestBackward(g, l.factor);
    }
  }
  return { loss, grads };
}
