/**
 * The training loop: seeded batches, GPU augmentation and noise, forward + MSE + backward +
 * Adam in one submit, validation every epoch, optional early stopping and learning-rate decay,
 * pause / resume / stop, a denoised preview of a fixed crop, and recovery from a NaN loss.
 *
 * Every step is reported (StepEvent; `logged` marks every `logEvery`-th for logs that want
 * fewer lines). Its loss comes back without stalling the queue: the step copies its loss into a
 * staging buffer from a small ring inside the same command encoder (still one submit) and maps
 * it asynchronously; the loop waits for a step's loss only when `depth` steps are in flight.
 * On a fast GPU two steps are in flight (the GPU never waits for the host); when one step takes
 * long (SwiftShader), one, so Pause and Stop take effect after at most the current step.
 *
 * NaN recovery restores the whole training state as it was at the last snapshot (the start and
 * the end of every epoch): parameters, Adam's moments m and v, its step count t and the learning
 * rate; then halves the learning rate and redoes the epoch. Three failures in a row give up
 * with a message, the state restored.
 */
import { Adam, EngineError, type Tensor, backward, clamp01, mseLoss, noGrad, psnrPerImage, runtime, tensor, tidy } from '../engine/index.ts';
import type { Image } from '../data/images.ts';
import { BatchSampler, centreCrops, stack } from '../data/dataset.ts';
import type { TrainConfig } from './config.ts';
import { Model } from './layers.ts';
import { corrupt } from './pipeline.ts';

export interface StepEvent {
  epoch: number; // 1-based
  step: number; // 1-based within the epoch
  stepsPerEpoch: number;
  loss: number;
  /** Training images per second of training time (paused time and previews excluded). */
  imagesPerSec: number;
  /** Seconds of training left (the session adds its test evaluation). */
  etaSec: number;
  /** Every `logEvery` steps and at the end of each epoch: the steps worth a line in a log. */
  logged: boolean;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  valPsnr: number;
  lr: number;
  seconds: number;
}

/** The model's output on a fixed noisy crop (the same crop and noise every time). */
export interface PreviewEvent {
  epoch: number; // epochs finished when it was taken (fractional inside an epoch)
  noisy: Image;
  denoised: Image;
  clean: Image;
  psnrNoisy: number;
  psnr: number;
}

export interface TrainHooks {
  onStep?(e: StepEvent): void;
  onEpoch?(r: EpochRecord, trainer: Trainer): void | Promise<void>;
  onLog?(message: string): void;
  /** When given, a preview is taken at the start, every few seconds and after every epoch. */
  onPreview?(p: PreviewEvent): void;
}

/**
 * Records one training step on a clean batch [N, H, W, C]: augment (the target) and add noise
 * (the input), zero the gradients, forward, MSE loss, backward, Adam. Nothing is submitted (the
 * caller flushes: one submit per step). Returns the loss [1].
 *
 * Sets `Runtime.tag` for the profiler (src/model/profile.ts): 'data' (augmentation, noise),
 * 'optimizer' (zeroGrad, Adam), 'loss'; the model tags its layers and autograd their backward.
 */
export function trainStep(model: Model, adam: Adam, clean: Tensor, config: TrainConfig, globalStep: number): Tensor {
  const rt = runtime();
  const outerTag = rt.tag;
  try {
    return tidy(() => {
      rt.tag = 'data';
      const { noisy, target } = corrupt(clean, config, config.seed, globalStep, true);
      rt.tag = 'optimizer';
      model.store.zeroGrad();
      const y = model.forward(noisy);
      rt.tag = 'loss';
      const l = mseLoss(y, target);
      backward(l);
      rt.tag = 'optimizer';
      adam.step();
      return l;
    });
  } finally {
    rt.tag = outerTag;
  }
}

export type TrainerState = 'idle' | 'running' | 'paused' | 'stopping' | 'done' | 'stopped' | 'failed';

/** Everything that training changes, as host copies: what NaN recovery and early stopping restore. */
export interface TrainingState {
  params: Map<string, Float32Array>;
  adam: { t: number; m: Float32Array; v: Float32Array };
  lr: number;
  epoch: number;
}

/** A step whose loss is on its way back. */
interface InFlight { staging: GPUBuffer; map: Promise<void>; epoch: number; step: number; submitted: number; queued: number }

// GPUBufferUsage.MAP_READ | COPY_DST, GPUMapMode.READ (numbers: this module also loads in Node).
const STAGING_USAGE = 0x01 | 0x08;
const MAP_READ = 0x01;
/** A step longer than this keeps only one step in flight (Pause/Stop then act within one step). */
const SLOW_STEP_MS = 400;
const MAX_RECOVERIES = 3;

export class Trainer {
  state: TrainerState = 'idle';
  readonly history: EpochRecord[] = [];
  /** Epochs finished (resuming starts after it). */
  epoch = 0;
  /** Steps taken in the current, unfinished epoch (0 between epochs). */
  stepInEpoch = 0;
  /** Training loss of every step so far, as [fractional epoch, loss]. */
  readonly steps: [number, number][] = [];
  readonly adam: Adam;
  /** How many steps took how many submits (recording and submitting a step): {1: n} when all is well. */
  readonly submitsPerStep = new Map<number, number>();
  /** NaN recoveries so far (each restored the last snapshot and halved the learning rate). */
  recoveries = 0;
  private resumeWaiter: (() => void) | null = null;
  private readonly sampler: BatchSampler;
  private readonly valClean: Float32Array;
  private readonly valShape: [number, number, number, number];
  private readonly previewClean: Image | null;
  private freeStaging: GPUBuffer[] = [];
  private allStaging: GPUBuffer[] = [];
  readonly stepsPerEpoch: number;

  constructor(readonly model: Model, train: Image[], val: Image[], readonly config: TrainConfig, private readonly hooks: TrainHooks = {}) {
    const c = config;
    this.adam = new Adam(model.store, { lr: c.lr, beta1: c.beta1, beta2: c.beta2, mode: c.adamMode });
    // The seed autoencoder sees whole (resized) images; the fully convolutional presets, patches.
    const size = c.preset === 'seed' ? c.imageSize : c.patchSize;
    this.sampler = new BatchSampler(train, size, c.seed);
    const perEpoch = c.preset === 'seed' ? train.length : train.length * c.patchesPerImage;
    this.stepsPerEpoch = c.stepsPerEpoch || Math.max(1, Math.ceil(perEpoch / c.batchSize));
    const valImages = c.preset === 'seed' ? val : centreCrops(val, c.valPatchSize);
    // Validation images must share one size to form a batch: keep those of the first one's size.
    const vs = valImages.filter((im) => im.width === valImages[0]?.width && im.height === valImages[0]?.height);
    this.valClean = vs.length ? stack(vs) : new Float32Array(0);
    this.valShape = vs.length ? [vs.length, vs[0].height, vs[0].width, vs[0].channels] : [0, 0, 0, 0];
    // The preview: a centre crop of the first validation image (else the first training image).
    const src = val[0] ?? train[0];
    this.previewClean = !hooks.onPreview || !src ? null
      : c.preset === 'seed' ? src : centreCrops([src], Math.min(96, src.width, src.height))[0];
  }

  get lr(): number { return this.adam.lr; }

  /** The state as pause()/stop() may have changed it meanwhile (await points in run()). */
  private is(s: TrainerState): boolean { return this.state === s; }

  pause(): void { if (this.state === 'running') this.state = 'paused'; }
  resume(): void {
    if (this.state === 'paused') { this.state = 'running'; this.resumeWaiter?.(); this.resumeWaiter = null; }
  }
  /** Stops after the step in progress; the model keeps the parameters it has. */
  stop(): void {
    if (this.state === 'running' || this.state === 'paused') { this.state = 'stopping'; this.resumeWaiter?.(); this.resumeWaiter = null; }
  }

  /** Parameters, Adam state and learning rate, read back from the GPU. */
  async snapshot(): Promise<TrainingState> {
    return { params: await this.model.store.readAll(), adam: await this.adam.readState(), lr: this.adam.lr, epoch: this.epoch };
  }

  /** Puts a snapshot back on the GPU (the epoch counter too). */
  async restore(s: TrainingState): Promise<void> {
    await this.model.store.writeAll(s.params);
    this.adam.writeState(s.adam);
    this.adam.lr = s.lr;
    this.epoch = s.epoch;
    this.stepInEpoch = 0;
  }

  private staging(): GPUBuffer {
    const b = this.freeStaging.pop();
    if (b) return b;
    const rt = runtime();
    const nb = rt.device.createBuffer({ label: 'loss readback', size: 256, usage: STAGING_USAGE });
    rt.stats.buffersCreated++;
    this.allStaging.push(nb);
    return nb;
  }

  /** Records one step, its loss copied to a staging buffer, submits it (once) and starts mapping. */
  private launch(epoch: number, step: number, size: number, queued: number): InFlight {
    const c = this.config;
    const rt = runtime();
    const before = rt.stats.submits;
    const x = tensor(this.sampler.next(c.batchSize), [c.batchSize, size, size, c.channels], 'batch');
    const loss = trainStep(this.model, this.adam, x, c, (epoch - 1) * this.stepsPerEpoch + step);
    x.dispose();
    const staging = this.staging();
    const v = loss.view('loss readback');
    rt.commandEncoder().copyBufferToBuffer(v.buffer, v.offset, staging, 0, 4);
    loss.dispose(); // safe: a reuse of its buffer is recorded after the copy
    rt.flush(); // the whole step: one submit
    const n = rt.stats.submits - before;
    this.submitsPerStep.set(n, (this.submitsPerStep.get(n) ?? 0) + 1);
    const map = staging.mapAsync(MAP_READ, 0, 4);
    map.catch(() => {}); // a lost device rejects it; settle() reports that
    return { staging, map, epoch, step, submitted: performance.now(), queued };
  }

  /** Waits for a step's loss; returns it and about how long the step took on the GPU (ms). */
  private async settle(f: InFlight): Promise<{ loss: number; ms: number }> {
    const rt = runtime();
    const lost = rt.ctx.lost.then((e) => { throw e; });
    lost.catch(() => {});
    await Promise.race([f.map, lost]);
    const loss = new Float32Array(f.staging.getMappedRange(0, 4).slice(0))[0];
    f.staging.unmap();
    this.freeStaging.push(f.staging);
    // From submit to result it waited for the `queued` steps ahead of it, then ran.
    return { loss, ms: (performance.now() - f.submitted) / (f.queued + 1) };
  }

  /** Validation loss and mean PSNR on the fixed validation set with fixed noise. */
  async validate(): Promise<{ loss: number; psnr: number }> {
    if (!this.valShape[0]) return { loss: NaN, psnr: NaN };
    const x = tensor(this.valClean, this.valShape, 'val');
    const r = tidy(() => noGrad(() => {
      // Fixed seed and step: every epoch sees the same noisy validation images.
      const { noisy, target } = corrupt(x, this.config, this.config.seed + 7919, 0, false);
      const y = this.model.forward(noisy);
      return [mseLoss(y, target)];
    }));
    const loss = (await r[0].read())[0];
    r[0].dispose();
    x.dispose();
    return { loss, psnr: 10 * Math.log10(1 / loss) };
  }

  /** The model on the preview crop (same noise every time); null when there is no preview. */
  async preview(): Promise<PreviewEvent | null> {
    const clean = this.previewClean;
    if (!clean) return null;
    const x = tensor(clean.data, [1, clean.height, clean.width, clean.channels], 'preview');
    const r = tidy(() => noGrad(() => {
      const { noisy } = corrupt(x, this.config, this.config.seed + 7919, 0, false);
      const denoised = clamp01(this.model.forward(noisy));
      return { noisy, denoised, psnrNoisy: psnrPerImage(noisy, x), psnr: psnrPerImage(denoised, x) };
    }));
    const dims = { width: clean.width, height: clean.height, channels: clean.channels };
    const out: PreviewEvent = {
      epoch: this.epoch + this.stepInEpoch / this.stepsPerEpoch,
      clean,
      noisy: { ...dims, data: await r.noisy.read() },
      denoised: { ...dims, data: await r.denoised.read() },
      psnrNoisy: (await r.psnrNoisy.read())[0],
      psnr: (await r.psnr.read())[0],
    };
    for (const t of Object.values(r)) t.dispose();
    x.dispose();
    return out;
  }

  /** Runs the remaining epochs. Resolves with the final state; never throws away trained parameters. */
  async run(): Promise<TrainerState> {
    const c = this.config;
    const log = (m: string) => this.hooks.onLog?.(m);
    this.state = 'running';
    const size = c.preset === 'seed' ? c.imageSize : c.patchSize;
    let best = Infinity;
    let sinceBest = 0;
    let bestState: TrainingState | null = null;
    let lastGood = await this.snapshot();
    let failuresInRow = 0;
    let imagesDone = 0;
    let launched = 0;
    let depth = 2;
    const startEpoch = this.epoch;
    const totalSteps = (c.epochs - startEpoch) * this.stepsPerEpoch;
    // Training time: the wall clock minus pauses (images/s and the ETA ignore paused time).
    const t0 = performance.now();
    let pausedMs = 0;
    const busySec = () => (performance.now() - t0 - pausedMs) / 1000;
    let nextPreview = 0; // busySec() at which the next preview is due

    const takePreview = async () => {
      if (!this.previewClean) return;
      const t = performance.now();
      const p = await this.preview();
      if (p) this.hooks.onPreview?.(p);
      // A preview costs a few per cent of the time at most.
      nextPreview = busySec() + Math.max(3, (20 * (performance.now() - t)) / 1000);
    };
    await takePreview();

    try {
      while (this.epoch < c.epochs) {
        const e = this.epoch + 1;
        if (!failuresInRow && c.lrDecay && this.epoch > 0 && this.epoch % c.lrDecay.every === 0) {
          this.adam.lr *= c.lrDecay.factor;
          log(`epoch ${e}: learning rate ${this.adam.lr.toExponential(2)}`);
        }
        const epochLr = this.adam.lr;
        const te = performance.now();
        let lossSum = 0;
        let lossCount = 0;
        const nan: { loss: number; step: number }[] = [];
        const inflight: InFlight[] = [];
        const settleOne = async () => {
          const f = inflight.shift()!;
          const { loss, ms } = await this.settle(f);
          if (nan.length) return; // the steps after a NaN are thrown away with it
          if (!Number.isFinite(loss)) { nan.push({ loss, step: f.step }); return; }
          depth = ms > SLOW_STEP_MS ? 1 : 2;
          lossSum += loss;
          lossCount++;
          this.steps.push([f.epoch - 1 + f.step / this.stepsPerEpoch, loss]);
          const elapsed = busySec();
          const remaining = totalSteps - ((f.epoch - 1 - startEpoch) * this.stepsPerEpoch + f.step);
          this.hooks.onStep?.({
            epoch: f.epoch, step: f.step, stepsPerEpoch: this.stepsPerEpoch, loss,
            imagesPerSec: imagesDone / elapsed,
            etaSec: (elapsed / launched) * Math.max(0, remaining),
            logged: f.step % c.logEvery === 0 || f.step === this.stepsPerEpoch,
          });
        };

        for (let s = 1; s <= this.stepsPerEpoch && !nan.length; s++) {
          if (this.is('paused')) {
            while (inflight.length) await settleOne();
            const p0 = performance.now();
            await new Promise<void>((r) => { this.resumeWaiter = r; });
            pausedMs += performance.now() - p0;
          }
          if (this.is('stopping')) break;
          while (inflight.length >= depth) await settleOne();
          if (nan.length) break;
          inflight.push(this.launch(e, s, size, inflight.length));
          this.stepInEpoch = s;
          imagesDone += c.batchSize;
          launched++;
          if (busySec() >= nextPreview && s < this.stepsPerEpoch) {
            while (inflight.length) await settleOne();
            if (!nan.length) await takePreview();
          }
        }
        while (inflight.length) await settleOne();

        if (nan.length) {
          const { loss, step } = nan[0];
          failuresInRow++;
          this.recoveries++;
          await this.restore(lastGood);
          if (failuresInRow >= MAX_RECOVERIES) {
            throw new EngineError(`the loss became ${loss} at epoch ${e}, step ${step}` +
              `${failuresInRow > 1 ? ` (${failuresInRow} times in a row, halving the learning rate each time)` : ''}; ` +
              `the training state (parameters, Adam moments and step count) was restored to the end of epoch ${this.epoch}. ` +
              'Lower the learning rate (or the noise level), check the data, and resume.');
          }
          this.adam.lr = epochLr / 2;
          log(`the loss became ${loss} at epoch ${e}, step ${step}: restored the training state of the end of epoch ${this.epoch} ` +
            `(parameters, Adam moments, step ${this.adam.t}); redoing epoch ${e} at learning rate ${this.adam.lr.toExponential(2)}`);
          const keep = this.steps.filter(([x]) => x <= this.epoch);
          this.steps.splice(0, this.steps.length, ...keep);
          continue;
        }
        if (this.is('stopping')) break;
        failuresInRow = 0;
        const val = await this.validate();
        this.epoch = e;
        this.stepInEpoch = 0;
        const rec: EpochRecord = { epoch: e, trainLoss: lossCount ? lossSum / lossCount : NaN, valLoss: val.loss, valPsnr: val.psnr, lr: this.adam.lr, seconds: (performance.now() - te) / 1000 };
        this.history.push(rec);
        lastGood = await this.snapshot();
        await this.hooks.onEpoch?.(rec, this);
        await takePreview();
        if (c.earlyStopping > 0 && Number.isFinite(val.loss)) {
          if (val.loss < best) { best = val.loss; sinceBest = 0; bestState = lastGood; }
          else if (++sinceBest >= c.earlyStopping) {
            log(`early stopping: no better validation loss for ${c.earlyStopping} epochs; restoring epoch ${e - sinceBest}`);
            if (bestState) await this.restore({ ...bestState, epoch: this.epoch });
            break;
          }
        }
      }
      this.state = this.is('stopping') ? 'stopped' : 'done';
    } catch (err) {
      this.state = 'failed';
      throw err;
    }
    return this.state;
  }

  dispose(): void {
    this.adam.dispose();
    for (const b of this.allStaging) b.destroy();
    this.allStaging = [];
    this.freeStaging = [];
  }
}
