/**
 * The TensorFlow.js peer for the kernel benchmark: TF.js's WebGPU backend running on OUR GPUDevice
 * (same device, same queue), and the same ops and models as the engine, in our layouts and
 * semantics, so that each of our kernels can be timed next to what a TF.js user would write.
 *
 * TF.js is only ever loaded through dynamic import() in initTfjs: the training page never pulls
 * it in. Every other export needs initTfjs to have resolved first.
 *
 * Layouts: activations NHWC float32; conv2d weights [KH,KW,CI,CO]; a transposed conv uses the
 * geometry of the conv it is the adjoint of (ConvGeometry, src/engine/ops/conv2d.ts), so its
 * weight is that conv's [KH,KW,CI,CO], which is also TF's conv2dTranspose filter layout
 * [KH, KW, outDepth, inDepth].
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { type ConvGeometry, convOutputSize, convTransposeOutputSize } from '../engine/ops/conv2d.ts';
import type { ModelSpec } from '../model/layers.ts';

export type Tf = typeof TfCore;
export type Tensor = TfCore.Tensor;
export type Activation = 'none' | 'relu' | 'sigmoid';

/** The backend name our shared-device WebGPU backend is registered under. */
export const BACKEND_NAME = 'webgpu-shared';

export interface TfPeer {
  /** The tfjs-core module (its active backend is BACKEND_NAME). */
  tf: Tf;
  backend: WebGPUBackend;
  device: GPUDevice;
  /** Submits every command TF.js has recorded but not yet submitted, then waits for the GPU to finish. */
  flush(): Promise<void>;
  /** Removes the backend (frees TF.js's buffers; the device stays ours). initTfjs may be called again. */
  dispose(): void;
}

let current: { device: GPUDevice; peer: Promise<TfPeer> } | null = null;
let tfm: Tf | null = null;

/** The loaded tfjs-core, or a clear error when initTfjs has not run. */
function tfOrThrow(): Tf {
  if (!tfm) throw new Error('TF.js is not initialised: await initTfjs(device) first');
  return tfm;
}

/**
 * Registers TF.js's WebGPUBackend on `device` as BACKEND_NAME and makes it the active backend.
 * Idempotent: a second call with the same device returns the same peer; a call with another
 * device (e.g. after the engine was reset) disposes the old peer and makes a new one.
 */
export function initTfjs(device: GPUDevice): Promise<TfPeer> {
  if (current?.device === device) return current.peer;
  const previous = current?.peer;
  const peer = (async () => {
    if (previous) await previous.then((p) => p.dispose(), () => undefined);
    return createPeer(device);
  })().catch((e: unknown) => {
    if (current?.peer === peer) current = null;
    throw new Error(`initTfjs: could not start TF.js's WebGPU backend on the engine's device: ${(e as Error)?.message ?? String(e)}`);
  });
  current = { device, peer };
  return peer;
}

async function createPeer(device: GPUDevice): Promise<TfPeer> {
  const tf = await import('@tensorflow/tfjs-core');
  // tfjs-core alone registers no gradients (the @tensorflow/tfjs bundle imports this file).
  await import('@tensorflow/tfjs-core/dist/register_all_gradients');
  // Importing the backend registers its kernels under the name 'webgpu' and a 'webgpu' factory
  // that would request its own device. Kernels are looked up by backend name, so we register
  // the same kernel functions again under our name, and never activate the 'webgpu' factory.
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  for (const k of tf.getKernelsForBackend('webgpu')) {
    if (!tf.getKernel(k.kernelName, BACKEND_NAME)) tf.registerKernel({ ...k, backendName: BACKEND_NAME });
  }
  // The constructor takes (device, adapterInfo?): adapterInfo only tunes for Intel GPUs.
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const backend = new WebGPUBackend(device, info);
  if (tf.findBackendFactory(BACKEND_NAME)) tf.removeBackend(BACKEND_NAME); // left over from a failed start
  if (!tf.registerBackend(BACKEND_NAME, () => backend)) throw new Error(`could not register backend '${BACKEND_NAME}'`);
  if (!(await tf.setBackend(BACKEND_NAME))) throw new Error(`tf.setBackend('${BACKEND_NAME}') failed`);
  tfm = tf;
  // Private in the typings; submitQueue() would throw on a null encoder (nothing recorded).
  const internals = backend as unknown as { commandEncoder: GPUCommandEncoder | null };
  let disposed = false;
  const peer: TfPeer = {
    tf, backend, device,
    async flush() {
      // TF.js records dispatches into one open compute pass and submits every
      // WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE (15) dispatches or on a read; close and submit the rest.
      backend.endComputePassEncoder();
      if (internals.commandEncoder) backend.submitQueue();
      await device.queue.onSubmittedWorkDone();
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      if (current?.device === device) current = null;
      tfm = null;
      tf.removeBackend(BACKEND_NAME); // disposes the backend and its buffers; never the device
    },
  };
  return peer;
}

// ---- peer ops ------------------------------------------------------------------------------------

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

/**
 * TF explicit padding [[0,0],[PT,PB],[PL,PR],[0,0]] for a geometry. PB = (OH-1)*S + KH - H - PT
 * (clamped at 0: a 'valid' conv may leave trailing rows unread), likewise PR. TF then derives
 * OH = floor((H + PT + PB - KH) / S) + 1, which we check lands on the geometry's OH/OW.
 */
export function explicitPadding(g: ConvGeometry): Pad4 {
  const PB = Math.max((g.OH - 1) * g.S + g.KH - g.H - g.PT, 0);
  const PR = Math.max((g.OW - 1) * g.S + g.KW - g.W - g.PL, 0);
  const oh = Math.floor((g.H + g.PT + PB - g.KH) / g.S) + 1;
  const ow = Math.floor((g.W + g.PL + PR - g.KW) / g.S) + 1;
  if (oh !== g.OH || ow !== g.OW) throw new Error(`explicitPadding: geometry ${JSON.stringify(g)} gives ${oh}x${ow} in TF, not ${g.OH}x${g.OW}`);
  return [[0, 0], [g.PT, PB], [g.PL, PR], [0, 0]];
}

function activate(tf: Tf, y: Tensor, act: Activation): Tensor {
  if (act === 'relu') return tf.relu(y);
  if (act === 'sigmoid') return tf.sigmoid(y);
  return y;
}

/**
 * act(conv(x, w) + b): x [N,H,W,CI], w [KH,KW,CI,CO], b [CO] or null -> [N,OH,OW,CO].
 * tf.fused.conv2d: one FusedConv2D kernel outside gradient recording; under tf.grad TF.js itself
 * falls back to conv2d + add + activation (it fuses only 'linear' when recording).
 */
export function conv2dForward(x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry, act: Activation): Tensor {
  const tf = tfOrThrow();
  return tf.fused.conv2d({
    x: x as TfCore.Tensor4D, filter: w as TfCore.Tensor4D, strides: g.S, pad: explicitPadding(g),
    bias: b ?? undefined, activation: act === 'none' ? 'linear' : act,
  });
}

/** dx [N,H,W,CI] of the conv given dz [N,OH,OW,CO] (pre-activation gradient) and w: one Conv2DBackpropInput kernel. */
export function conv2dInputGrad(dz: Tensor, w: Tensor, g: ConvGeometry): Tensor {
  return tfOrThrow().conv2dTranspose(dz as TfCore.Tensor4D, w as TfCore.Tensor4D, [g.N, g.H, g.W, g.CI], g.S, explicitPadding(g));
}

/** dw [KH,KW,CI,CO] of the conv given x [N,H,W,CI] and dz [N,OH,OW,CO]: one Conv2DBackpropFilter kernel. */
export function conv2dFilterGrad(x: Tensor, dz: Tensor, g: ConvGeometry): Tensor {
  const tf = tfOrThrow();
  // Not a public op in tfjs-core; this is the kernel its conv2d gradient runs.
  const attrs = { strides: [g.S, g.S], pad: explicitPadding(g), dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [g.KH, g.KW, g.CI, g.CO] };
  return tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: dz }, attrs as unknown as TfCore.NamedAttrMap) as Tensor;
}

/**
 * Keras Conv2DTranspose, the adjoint of g's conv: x [N,OH,OW,CO], w [KH,KW,CI,CO], b [CI] or null
 * -> act(convT(x, w) + b) [N,H,W,CI]. TF.js has no fused transposed conv: conv2dTranspose, add, activation.
 */
export function conv2dTransposeForward(x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry, act: Activation): Tensor {
  const tf = tfOrThrow();
  return tf.tidy(() => {
    const y = conv2dInputGrad(x, w, g);
    return activate(tf, b ? tf.add(y, b) : y, act);
  });
}

/** 2x2 stride-2 max-pool, TF padding ('same' pads bottom/right with cells that never win). [N,H,W,C] -> [N,OH,OW,C]. */
export function maxPool2x2(x: Tensor, padding: 'valid' | 'same'): Tensor {
  return tfOrThrow().maxPool(x as TfCore.Tensor4D, 2, 2, padding);
}

/** Nearest upsampling by an integer factor: [N,H,W,C] -> [N,fH,fW,C], each pixel repeated f x f. */
export function upsampleNearest(x: Tensor, factor: number): Tensor {
  const [, H, W] = x.shape;
  // alignCorners false, halfPixelCenters false: source = floor(dst * H / (fH)) = floor(dst / f).
  return tfOrThrow().image.resizeNearestNeighbor(x as TfCore.Tensor4D, [H * factor, W * factor], false, false);
}

/** Scalar mean of (a - b)^2 over all elements. */
export function mse(a: Tensor, b: Tensor): TfCore.Scalar {
  const tf = tfOrThrow();
  return tf.tidy(() => tf.mean(tf.squaredDifference(a, b)));
}

export interface TfAdam {
  /** One variable per parameter, in the order given. */
  variables: TfCore.Variable[];
  /** One Adam update of every variable (grads in the same order; the caller keeps ownership). */
  step(grads: Tensor[]): void;
  dispose(): void;
}

/** Adam over tf.variables holding `params` (each flat, shape [P_i]); PyTorch's eps placement, as our default. */
export function makeAdam(params: Float32Array[], lr: number): TfAdam {
  const tf = tfOrThrow();
  const variables = params.map((p) => tf.tidy(() => tf.variable(tf.tensor1d(p))));
  const opt = tf.train.adam(lr, 0.9, 0.999, 1e-8);
  return {
    variables,
    step(grads) {
      if (grads.length !== variables.length) throw new Error(`makeAdam: ${grads.length} gradients for ${variables.length} parameters`);
      opt.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: grads[i] })));
    },
    dispose() { opt.dispose(); for (const v of variables) v.dispose(); },
  };
}

// ---- whole models --------------------------------------------------------------------------------

export interface TfModel {
  /** Our parameter names (`layers.{i}.weight` / `.bias`) -> TF variables (TF names carry a per-model prefix). */
  variables: Map<string, TfCore.Variable>;
  optimizer: TfCore.AdamOptimizer;
  /** x [N,H,W,C] -> the model output, as src/model/layers.ts Model.forward. */
  forward(x: Tensor): Tensor;
  /** Forward, MSE against clean, gradients, one Adam update. Returns the loss only when asked (no readback otherwise). */
  trainStep(noisy: Tensor, clean: Tensor, returnLoss?: boolean): TfCore.Scalar | null;
  dispose(): void;
}

let modelCount = 0;

/**
 * The model of `spec` in tf core ops, with `params` (our names and layouts, e.g. Model.store.readAll()).
 * Adam with our defaults (betas 0.9/0.999, eps 1e-8); lr defaults to 1e-3.
 */
export function buildTfModel(spec: ModelSpec, params: Map<string, Float32Array>, opts: { lr?: number } = {}): TfModel {
  const tf = tfOrThrow();
  // TF variable names are global to the engine: a prefix lets several models coexist.
  const prefix = `tfmodel${++modelCount}/`;
  const variables = new Map<string, TfCore.Variable>();
  const take = (name: string, shape: number[]) => {
    const data = params.get(name);
    const n = shape.reduce((a, b) => a * b, 1);
    if (!data) throw new Error(`buildTfModel: parameter '${name}' is missing`);
    if (data.length !== n) throw new Error(`buildTfModel: '${name}' has ${data.length} values, expected [${shape}] (${n})`);
    variables.set(name, tf.tidy(() => tf.variable(tf.tensor(data, shape), true, prefix + name)));
  };
  let C = spec.channels;
  spec.layers.forEach((l, i) => {
    if (l.type !== 'conv2d' && l.type !== 'conv2dTranspose') return;
    // conv2d [k,k,Cin,Cout]; transposed [k,k,Cout,Cin] (Keras), i.e. its conv's [KH,KW,CI,CO].
    take(`layers.${i}.weight`, l.type === 'conv2d' ? [l.kernel, l.kernel, C, l.filters] : [l.kernel, l.kernel, l.filters, C]);
    if (l.bias !== false) take(`layers.${i}.bias`, [l.filters]);
    C = l.filters;
  });
  const optimizer = tf.train.adam(opts.lr ?? 1e-3, 0.9, 0.999, 1e-8);
  const varList = [...variables.values()];

  const forward = (x: Tensor): Tensor => tf.tidy(() => {
    let h = x;
    spec.layers.forEach((l, i) => {
      const [N, H, W, Cin] = h.shape;
      if (l.type === 'maxPool2d') { h = maxPool2x2(h, l.padding ?? 'valid'); return; }
      if (l.type === 'upsample') { h = upsampleNearest(h, l.factor); return; }
      const k = l.kernel;
      const S = l.stride ?? 1;
      const padding = l.padding ?? 'same';
      const act = l.activation ?? 'none';
      const w = variables.get(`layers.${i}.weight`)!;
      const b = variables.get(`layers.${i}.bias`) ?? null;
      if (l.type === 'conv2d') {
        const gh = convOutputSize('conv2d', H, k, S, padding);
        const gw = convOutputSize('conv2d', W, k, S, padding);
        h = conv2dForward(h, w, b, { N, H, W, CI: Cin, OH: gh.out, OW: gw.out, CO: l.filters, KH: k, KW: k, S, PT: gh.pad, PL: gw.pad }, act);
      } else {
        // The conv this layer is the adjoint of maps its output [N,OH',OW',filters] back to h.
        const gh = convTransposeOutputSize(H, k, S, padding);
        const gw = convTransposeOutputSize(W, k, S, padding);
        h = conv2dTransposeForward(h, w, b, { N, H: gh.out, W: gw.out, CI: l.filters, OH: H, OW: W, CO: Cin, KH: k, KW: k, S, PT: gh.pad, PL: gw.pad }, act);
      }
    });
    return spec.residual ? tf.sub(x, h) : h;
  });

  return {
    variables, optimizer, forward,
    trainStep(noisy, clean, returnLoss = false) {
      return optimizer.minimize(() => mse(forward(noisy), clean), returnLoss, varList);
    },
    dispose() { optimizer.dispose(); for (const v of varList) v.dispose(); },
  };
}
