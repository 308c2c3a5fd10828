/**
 * Keras-like layers on the engine, described as plain data (so a checkpoint can store the
 * architecture as JSON), and a sequential Model that owns its parameters in a ParameterStore.
 */
import {
  type ConvGeometry, type ParamSpec, ParameterStore, Rng, ShapeError, type Tensor, type TuneShape,
  conv2d, conv2dTranspose, convOutputSize, convTransposeOutputSize, maxPool2d, noGrad, runtime, sub, tuneShapesOf, upsampleNearest,
} from '../engine/index.ts';

export type Padding = 'same' | 'valid';
export type Activation = 'none' | 'relu' | 'sigmoid';

export type LayerSpec =
  | { type: 'conv2d'; filters: number; kernel: number; stride?: number; padding?: Padding; activation?: Activation; bias?: boolean }
  | { type: 'conv2dTranspose'; filters: number; kernel: number; stride?: number; padding?: Padding; activation?: Activation; bias?: boolean }
  | { type: 'maxPool2d'; padding?: Padding }
  | { type: 'upsample'; factor: number };

export interface ModelSpec {
  /** Image channels in and out (1 gray, 3 RGB). */
  channels: number;
  layers: LayerSpec[];
  /** DnCNN-style residual learning: the layers predict the noise, output = input - layers(input). */
  residual?: boolean;
}

/** Per-dimension output size of a layer, with TensorFlow/Keras padding rules. */
function outSize(n: number, l: LayerSpec): number {
  switch (l.type) {
    case 'conv2d': {
      const s = l.stride ?? 1;
      if ((l.padding ?? 'same') === 'same') return Math.ceil(n / s);
      if (n < l.kernel) throw new ShapeError(`conv2d 'valid' with kernel ${l.kernel} on size ${n}`);
      return Math.floor((n - l.kernel) / s) + 1;
    }
    case 'conv2dTranspose': {
      const s = l.stride ?? 1;
      return (l.padding ?? 'same') === 'same' ? n * s : n * s + Math.max(l.kernel - s, 0);
    }
    case 'maxPool2d':
      return (l.padding ?? 'valid') === 'same' ? Math.ceil(n / 2) : Math.floor(n / 2);
    case 'upsample':
      return n * l.factor;
  }
}

export interface LayerTrace { layer: LayerSpec; out: [number, number, number]; params: number; flops: number }

/** Output shape, parameter count and forward FLOPs (2 per multiply-add) of each layer for one H x W image. */
export function traceModel(spec: ModelSpec, h: number, w: number): LayerTrace[] {
  let [H, W, C] = [h, w, spec.channels];
  return spec.layers.map((l) => {
    const oh = outSize(H, l);
    const ow = outSize(W, l);
    if (oh < 1 || ow < 1) throw new ShapeError(`a ${h}x${w} image shrinks to ${oh}x${ow} at layer ${l.type}; use larger images`);
    let params = 0;
    let flops = 0;
    let oc = C;
    if (l.type === 'conv2d' || l.type === 'conv2dTranspose') {
      oc = l.filters;
      params = l.kernel * l.kernel * C * oc + (l.bias === false ? 0 : oc);
      // A transposed conv does the same multiply-adds as the conv it is the adjoint of.
      const pixels = l.type === 'conv2d' ? oh * ow : H * W;
      flops = 2 * pixels * l.kernel * l.kernel * C * oc;
    }
    [H, W, C] = [oh, ow, oc];
    return { layer: l, out: [oh, ow, oc], params, flops };
  });
}

/**
 * The conv geometry of each conv and transposed-conv layer on N images of h x w (a transposed
 * conv's is that of the conv it is the adjoint of, as src/engine/ops/conv2d.ts): the shapes the
 * autotuner measures before training.
 */
export function convGeometries(spec: ModelSpec, N: number, h: number, w: number): ConvGeometry[] {
  const out: ConvGeometry[] = [];
  let [H, W, C] = [h, w, spec.channels];
  for (const [i, l] of spec.layers.entries()) {
    const [oh, ow] = traceModel({ ...spec, layers: [l] }, H, W)[0].out;
    if (l.type === 'conv2d' || l.type === 'conv2dTranspose') {
      const s = l.stride ?? 1, padding = l.padding ?? 'same', k = l.kernel;
      if (l.type === 'conv2d') {
        const ph = convOutputSize(`layer ${i}`, H, k, s, padding), pw = convOutputSize(`layer ${i}`, W, k, s, padding);
        out.push({ N, H, W, CI: C, OH: oh, OW: ow, CO: l.filters, KH: k, KW: k, S: s, PT: ph.pad, PL: pw.pad });
      } else {
        const ph = convTransposeOutputSize(H, k, s, padding), pw = convTransposeOutputSize(W, k, s, padding);
        out.push({ N, H: oh, W: ow, CI: l.filters, OH: H, OW: W, CO: C, KH: k, KW: k, S: s, PT: ph.pad, PL: pw.pad });
      }
      C = l.filters;
    }
    [H, W] = [oh, ow];
  }
  return out;
}

/**
 * The conv shape-roles a training step of the spec launches, for the autotuner: each conv layer's
 * forward, input-gradient and weight-gradient kernels, except the first conv layer's gradient
 * towards the model's input, which training never computes (nothing before it has parameters). A later layer of the
 * same geometry still brings that role in.
 */
export function trainingTuneShapes(spec: ModelSpec, N: number, h: number, w: number): TuneShape[] {
  const first = spec.layers.find((l) => l.type === 'conv2d' || l.type === 'conv2dTranspose');
  // A transposed conv's input gradient is computed by the forward conv kernel, and vice versa.
  const unused = first?.type === 'conv2dTranspose' ? 'forward' : 'input-grad';
  return convGeometries(spec, N, h, w).flatMap((g, i) => tuneShapesOf(g).filter((s) => i > 0 || s.role !== unused));
}

/**
 * The conv shape-roles the spec's forward pass launches on N images of h x w, for the autotuner
 * before inference (denoising, testing): each conv layer's forward kernel, and each transposed
 * conv's, which is the input-gradient kernel of the conv it is the adjoint of.
 */
export function inferenceTuneShapes(spec: ModelSpec, N: number, h: number, w: number): TuneShape[] {
  const convs = spec.layers.filter((l) => l.type === 'conv2d' || l.type === 'conv2dTranspose');
  return convGeometries(spec, N, h, w).map((g, i) => ({ role: convs[i].type === 'conv2d' ? 'forward' as const : 'input-grad' as const, g }));
}

/** The parameters a spec needs, named `layers.{i}.weight` / `layers.{i}.bias`, Glorot-uniform weights, zero biases. */
export function modelParams(spec: ModelSpec, seed: number): ParamSpec[] {
  const rng = new Rng(seed);
  const out: ParamSpec[] = [];
  let C = spec.channels;
  spec.layers.forEach((l, i) => {
    if (l.type !== 'conv2d' && l.type !== 'conv2dTranspose') return;
    const k = l.kernel;
    // conv2d weights [KH, KW, Cin, Cout]; transposed conv [KH, KW, Cout, Cin] (Keras layouts).
    const shape = l.type === 'conv2d' ? [k, k, C, l.filters] : [k, k, l.filters, C];
    // Keras' Glorot uniform: limit = sqrt(6 / (fan_in + fan_out)), fans = receptive field * channels.
    const limit = Math.sqrt(6 / (k * k * C + k * k * l.filters));
    const n = k * k * C * l.filters;
    const init = new Float32Array(n);
    for (let j = 0; j < n; j++) init[j] = rng.uniform(-limit, limit);
    out.push({ name: `layers.${i}.weight`, shape, init });
    if (l.bias !== false) out.push({ name: `layers.${i}.bias`, shape: [l.filters], init: new Float32Array(l.filters) });
    C = l.filters;
  });
  if (C !== spec.channels) throw new ShapeError(`the model ends with ${C} channels but the images have ${spec.channels}`);
  return out;
}

/** A sequential model whose parameters live in one ParameterStore. */
export class Model {
  readonly store: ParameterStore;
  /** `Runtime.tag` while each layer's forward runs (the profiler groups dispatches by it): 'layers.3 conv2d forward'. */
  readonly tags: readonly string[];

  constructor(readonly spec: ModelSpec, seed = 1) {
    this.store = new ParameterStore(modelParams(spec, seed));
    this.tags = spec.layers.map((l, i) => `layers.${i} ${l.type} forward`);
  }

  get parameterCount(): number { return this.store.parameterCount; }

  /** x [N, H, W, C] in [0, 1] (plus noise) -> [N, H', W', C]. Records autograd when parameters require grad. */
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    const rt = runtime();
    const outerTag = rt.tag;
    let h = x;
    this.spec.layers.forEach((_, i) => { h = this.layer(i, h); });
    if (this.spec.residual) {
      rt.tag = 'residual forward';
      h = sub(x, h);
    }
    rt.tag = outerTag;
    return h;
  }

  /**
   * forward for inference, one layer at a time: after each layer it waits for the GPU and calls
   * `between`, which may throw (a cancel) to stop there. For work that must stop within one
   * layer's time (a large tile on a slow device); each layer costs a submit and a wait more.
   * Frees each activation once the next exists; records no autograd.
   */
  async forwardStepwise(x: Tensor, between: () => void): Promise<Tensor> {
    this.checkInput(x);
    const rt = runtime();
    const outerTag = rt.tag;
    let h = x;
    try {
      for (let i = 0; i < this.spec.layers.length; i++) {
        const next = noGrad(() => this.layer(i, h));
        if (h !== x) h.dispose();
        h = next;
        await rt.sync();
        between();
      }
      if (this.spec.residual) {
        rt.tag = 'residual forward';
        const y = noGrad(() => sub(x, h));
        if (h !== x) h.dispose();
        h = y;
      }
    } catch (e) {
      if (h !== x) h.dispose();
      throw e;
    } finally {
      rt.tag = outerTag;
    }
    return h;
  }

  private checkInput(x: Tensor): void {
    if (x.shape.length !== 4 || x.shape[3] !== this.spec.channels) {
      throw new ShapeError(`model input must be [N, H, W, ${this.spec.channels}], got [${x.shape}]`);
    }
    traceModel(this.spec, x.shape[1], x.shape[2]); // fails early with a clear message on too-small images
  }

  /** Layer i on h, its dispatches tagged with the layer. */
  private layer(i: number, h: Tensor): Tensor {
    const l = this.spec.layers[i];
    runtime().tag = this.tags[i];
    switch (l.type) {
      case 'conv2d':
      case 'conv2dTranspose': {
        const w = this.store.get(`layers.${i}.weight`);
        const b = l.bias === false ? null : this.store.get(`layers.${i}.bias`);
        const opts = { stride: l.stride ?? 1, padding: l.padding ?? 'same', activation: l.activation ?? 'none' };
        return l.type === 'conv2d' ? conv2d(h, w, b, opts) : conv2dTranspose(h, w, b, opts);
      }
      case 'maxPool2d':
        return maxPool2d(h, { padding: l.padding ?? 'valid' });
      case 'upsample':
        return upsampleNearest(h, l.factor);
    }
  }

  dispose(): void { this.store.dispose(); }
}
