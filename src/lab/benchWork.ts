/**
 * What each benchmark row runs, in both engines on the same inputs: one call of our work (recorded
 * into the runtime's pending encoder), one call of TF.js's (returning tensors to dispose), and the
 * checks made before the timed samples (ours against the float64 reference when small enough,
 * ours against TF.js always).
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { Adam, Rng, type Tensor, backward, mseLoss, noGrad, tensor, tidy } from '../engine/index.ts';
import { type Dims, KERNELS, hasConvGeometry } from '../engine/kernels.ts';
import { loadIntoModel, pretrainedDncnnParams } from '../model/checkpoint.ts';
import { findPretrained, loadPretrainedBytes } from '../model/pretrained.ts';
import { Model, type ModelSpec, traceModel } from '../model/layers.ts';
import type { NamedTensor } from '../model/safetensors.ts';
import { type Job, PRESET_SPECS } from './benchRows.ts';
import { type RefT, caseTol, convDims, convShapeOf, kernelCase, releaseCaseBuffers, upload } from './cases.ts';
import { compare } from './check.ts';
import * as peerOps from './tfjs.ts';
import type { TfPeer } from './tfjs.ts';

type TfTensor = TfCore.Tensor;

export interface Validation {
  /** Largest |ours - float64 reference| (null: not checked, too large for the CPU reference). */
  errVsRef: number | null;
  /** Whether every element is within the op's declared tolerance (null: not checked). */
  refPass: boolean | null;
  /** Largest |ours - TF.js| on the same inputs (null without TF.js). */
  diffVsTfjs: number | null;
  /** What diffVsTfjs compares when it is not the output. */
  note?: string;
}

export interface Work {
  /** Records one call of our engine's work into the runtime's pending encoder. */
  ours(): void;
  /** One call of TF.js's work (run inside tf.tidy); returns the tensors to dispose. Null: no TF.js counterpart. */
  tfjs: (() => TfTensor[]) | null;
  /** Why tfjs is null. */
  noTfjs?: string;
  /** The checks. Step rows compare the state after each engine's first call: call it after exactly one of each. */
  validate(): Promise<Validation>;
  dispose(): void;
}

/** The CPU reference runs when a row costs at most this many multiply-adds (or elements moved). */
export const REF_LIMIT = 2e7;

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => compare(a, b, { atol: 1, rtol: 0 }).maxErr;
const f32 = (r: RefT) => Float32Array.from(r.data);

/** TF.js's side of a kernel row, on the row's inputs. */
interface TfSide {
  run(): TfTensor[];
  /** A fresh call's output, flat (a first call, for stateful work such as Adam). */
  output(): Promise<ArrayLike<number>>;
  dispose(): void;
}

/** One kernel of the table at dims, through its lab case; `tfSide` replaces the case's TF.js op. */
export function kernelWork(kernel: string, dims: Dims, peer: TfPeer | null, checkRef: boolean, tfSide?: (inputs: Record<string, RefT>) => TfSide): Work {
  const row = KERNELS[kernel];
  if (hasConvGeometry(row)) {
    // benchRows.ts traces the presets without the engine: its geometry must be the engine's.
    const want = convDims(convShapeOf(dims));
    const bad = Object.keys(want).filter((k) => want[k] !== dims[k]);
    if (bad.length) throw new Error(`bench geometry of ${kernel} disagrees with convDims on ${bad.join(', ')}: ${JSON.stringify(dims)}`);
  }
  const c = kernelCase(kernel);
  const inputs = c.inputs(dims, new Rng(1));
  const t = upload(inputs);
  // Outputs that are an input (in-place cases) or a parameter (Adam's store) are not ours to free.
  const release = (out: Tensor, ins: Record<string, Tensor>) => { if (!Object.values(ins).includes(out) && !out.requiresGrad) out.dispose(); };
  let tf: TfSide | null = null;
  if (peer && tfSide) tf = tfSide(inputs);
  else if (peer && c.tfjs) {
    const tin = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, peer.tf.tensor(f32(v), v.shape)]));
    const run = () => c.tfjs!(peer.tf, peerOps, tin, dims);
    tf = {
      run: () => [run()],
      async output() { const y = peer.tf.tidy(run); const d = await y.data(); y.dispose(); return d; },
      dispose() { peer.tf.dispose(Object.values(tin)); },
    };
  }
  return {
    ours() { release(c.run(t, dims), t); },
    tfjs: tf ? tf.run : null,
    noTfjs: tf ? undefined : c.noTfjs,
    async validate() {
      // A fresh upload: for in-place and cached cases (accumulate, Adam) this is a first call.
      const fresh = upload(inputs);
      const out = c.run(fresh, dims);
      try {
        const got = await out.read();
        const v: Validation = { errVsRef: null, refPass: null, diffVsTfjs: null };
        if (checkRef) {
          const cmp = compare(got, c.reference(inputs, dims).data, caseTol(c, dims));
          v.errVsRef = cmp.maxErr;
          v.refPass = cmp.pass;
        }
        if (tf) v.diffVsTfjs = maxAbsDiff(got, await tf.output());
        return v;
      } finally {
        release(out, fresh);
        for (const x of Object.values(fresh)) x.dispose();
      }
    },
    dispose() {
      for (const x of Object.values(t)) x.dispose();
      tf?.dispose();
      releaseCaseBuffers();
    },
  };
}

/** Adam over `count` parameters: ours is one fused dispatch; TF.js updates one variable per piece. */
function adamWork(count: number, pieces: number[], peer: TfPeer | null, checkRef: boolean): Work {
  return kernelWork('adam', { count }, peer, checkRef, (inputs) => {
    const tf = peer!.tf;
    const split = (a: Float64Array) => { let o = 0; return pieces.map((n) => Float32Array.from(a.subarray(o, (o += n)))); };
    const p = split(inputs.p.data);
    const grads = split(inputs.g.data).map((g) => tf.tensor1d(g));
    const timed = peerOps.makeAdam(p, 1e-3);
    return {
      run: () => { timed.step(grads); return []; },
      async output() {
        const fresh = peerOps.makeAdam(p, 1e-3);
        fresh.step(grads);
        const parts = await Promise.all(fresh.variables.map((v) => v.data()));
        fresh.dispose();
        const flat = new Float32Array(count);
        let o = 0;
        for (const part of parts) { flat.set(part as Float32Array, o); o += part.length; }
        return flat;
      },
      dispose() { timed.dispose(); tf.dispose(grads); },
    };
  });
}

/** A seeded batch: clean values in [0, 1) and the same plus Gaussian noise (sigma 25/255). */
function batchOf(n: number, seed: number): { clean: Float32Array; noisy: Float32Array } {
  const rng = new Rng(seed);
  const clean = new Float32Array(n);
  for (let i = 0; i < n; i++) clean[i] = rng.next();
  const noisy = clean.map((v) => v + (25 / 255) * rng.normal());
  return { clean, noisy };
}

/** Checks the row's FLOP (from benchRows.ts's own tracing) against the model's traceModel. */
function checkFlop(spec: ModelSpec, N: number, h: number, w: number, flop: number, factor: number): void {
  const want = factor * N * traceModel(spec, h, w).reduce((s, l) => s + l.flops, 0);
  if (want !== flop) throw new Error(`bench FLOP ${flop} disagrees with traceModel's ${want}`);
}

/**
 * A whole training step of a preset, without noise or augmentation (the batch is fixed): ours as
 * the Trainer records it (zeroGrad, forward, MSE, backward, Adam), TF.js's buildTfModel trainStep,
 * both from the same initial parameters.
 */
async function stepWork(job: Extract<Job, { type: 'step' }>, flop: number, peer: TfPeer | null): Promise<Work> {
  const spec = PRESET_SPECS[job.preset];
  checkFlop(spec, job.batch, job.side, job.side, flop, 3);
  const shape = [job.batch, job.side, job.side, spec.channels];
  const { clean, noisy } = batchOf(shape.reduce((a, b) => a * b, 1), 2);
  const model = new Model(spec, 1);
  const adam = new Adam(model.store, { lr: 1e-3 });
  const x = tensor(noisy, shape, 'noisy');
  const y = tensor(clean, shape, 'clean');
  const tfm = peer ? peerOps.buildTfModel(spec, await model.store.readAll(), { lr: 1e-3 }) : null;
  const tx = peer?.tf.tensor(noisy, shape);
  const ty = peer?.tf.tensor(clean, shape);
  return {
    ours() {
      tidy(() => {
        model.store.zeroGrad();
        const loss = mseLoss(model.forward(x), y);
        backward(loss);
        adam.step();
      });
    },
    tfjs: tfm ? () => { tfm.trainStep(tx!, ty!); return []; } : null,
    async validate() {
      if (!tfm) return { errVsRef: null, refPass: null, diffVsTfjs: null };
      let diff = 0;
      for (const [name, v] of await model.store.readAll()) diff = Math.max(diff, maxAbsDiff(v, await tfm.variables.get(name)!.data()));
      return { errVsRef: null, refPass: null, diffVsTfjs: diff, note: 'max |parameter difference| after one step each from the same parameters' };
    },
    dispose() {
      x.dispose();
      y.dispose();
      adam.dispose();
      model.dispose();
      tfm?.dispose();
      if (tx && ty) peer!.tf.dispose([tx, ty]);
    },
  };
}

let weights: Promise<Map<string, NamedTensor>> | null = null;
/** The authors' DnCNN-S weights (models/dncnn_s25_folded.safetensors), loaded once (read in Node, fetched in a page). */
function pretrained(): Promise<Map<string, NamedTensor>> {
  weights ??= loadPretrainedBytes(findPretrained('dncnn_s25')!).then(pretrainedDncnnParams);
  return weights;
}

/** The pretrained DnCNN-S denoising one noisy gray image, in both engines. */
async function inferWork(job: Extract<Job, { type: 'infer' }>, flop: number, peer: TfPeer | null): Promise<Work> {
  const spec = PRESET_SPECS.dncnn;
  checkFlop(spec, 1, job.height, job.width, flop, 1);
  const params = await pretrained();
  const model = new Model(spec);
  await loadIntoModel(model, params, 'dncnn_s25_folded.safetensors');
  const shape = [1, job.height, job.width, 1];
  const { noisy } = batchOf(job.height * job.width, 3);
  const x = tensor(noisy, shape, 'image');
  const tfm = peer ? peerOps.buildTfModel(spec, new Map([...params].map(([k, v]) => [k, v.data]))) : null;
  const tx = peer?.tf.tensor(noisy, shape);
  const forward = () => noGrad(() => model.forward(x));
  return {
    ours() { tidy(() => { forward(); }); },
    tfjs: tfm ? () => [tfm.forward(tx!)] : null,
    async validate() {
      if (!tfm) return { errVsRef: null, refPass: null, diffVsTfjs: null };
      const out = tidy(forward);
      const got = await out.read();
      out.dispose();
      const ty = peer!.tf.tidy(() => tfm.forward(tx!));
      const want = await ty.data();
      ty.dispose();
      return { errVsRef: null, refPass: null, diffVsTfjs: maxAbsDiff(got, want) };
    },
    dispose() {
      x.dispose();
      model.dispose();
      tfm?.dispose();
      tx?.dispose();
    },
  };
}

/** Whether the CPU reference is affordable: multiply-adds (FLOP / 2) or, for kernels that do no
 * arithmetic, elements moved (bytes / 4), at most REF_LIMIT. */
export function referenceAffordable(cost: { flop: number; bytes: number }): boolean {
  return Math.max(cost.flop / 2, cost.bytes / 4) <= REF_LIMIT;
}

/** The work of a row (`flop` is checked against the model's own count for steps and inference). */
export async function makeWork(job: Job, flop: number, peer: TfPeer | null, checkRef: boolean): Promise<Work> {
  switch (job.type) {
    case 'kernel': return kernelWork(job.kernel, job.dims, peer, checkRef);
    case 'adam': return adamWork(job.count, job.pieces, peer, checkRef);
    case 'step': return stepWork(job, flop, peer);
    case 'infer': return inferWork(job, flop, peer);
  }
}
