/**
 * The training loop: seeded batches, GPU augmentation and noise, forward + MSE + backward +
 * Adam in one submit, validation every epoch, optional early stopping and learning-rate decay,
 * pause / resume / stop, and recovery from a NaN loss to the last good epoch.
 */
import { Adam, EngineError, type Tensor, backward, mseLoss, noGrad, runtime, tensor, tidy } from '../engine/index.ts';
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
  imagesPerSec: number;
  etaSec: number;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  valPsnr: number;
  lr: number;
  seconds: number;
}

export interface TrainHooks {
  onStep?(e: StepEvent): void;
  onEpoch?(r: EpochRecord, trainer: Trainer): void | Promise<void>;
  onLog?(message: string): void;
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

export class Trainer {
  state: TrainerState = 'idle';
  readonly history: EpochRecord[] = [];
  /** Epochs finished (resuming starts after it). */
  epoch = 0;
  readonly adam: Adam;
  private resumeWaiter: (() => void) | null = null;
  private readonly sampler: BatchSampler;
  private readonly valClean: Float32Array;
  private readonly valShape: [number, number, number, number];
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
  }

  get lr(): number { return this.adam.lr; }

  /** The state as pause()/stop() may have changed it meanwhile (await points in run()). */
  private is(s: TrainerState): boolean { return this.state === s; }

  pause(): void { if (this.state === 'running') this.state = 'paused'; }
  resume(): void {
    if (this.state === 'paused') { this.state = 'running'; this.resumeWaiter?.(); this.resumeWaiter = null; }
  }
  /** Stops after the current step; the model keeps the parameters it has. */
  stop(): void {
    if (this.state === 'running' || this.state === 'paused') { this.state = 'stopping'; this.resumeWaiter?.(); this.resumeWaiter = null; }
  }

  /** One training step on a clean batch; returns the loss tensor (read it or dispose it). */
  private step(clean: Float32Array, n: number, size: number, globalStep: number) {
    const C = this.config.channels;
    const x = tensor(clean, [n, size, size, C], 'batch');
    const loss = trainStep(this.model, this.adam, x, this.config, globalStep);
    x.dispose();
    runtime().flush(); // the whole step: one submit
    return loss;
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

  /** Runs the remaining epochs. Resolves with the final state; never throws away trained parameters. */
  async run(): Promise<TrainerState> {
    const c = this.config;
    const log = (m: string) => this.hooks.onLog?.(m);
    this.state = 'running';
    const size = c.preset === 'seed' ? c.imageSize : c.patchSize;
    let best = Infinity;
    let sinceBest = 0;
    let bestParams: Map<string, Float32Array> | null = null;
    let lastGood = await this.model.store.readAll();
    const t0 = performance.now();
    let imagesDone = 0;
    const totalSteps = (c.epochs - this.epoch) * this.stepsPerEpoch;
    let stepsDone = 0;

    try {
      while (this.epoch < c.epochs) {
        const e = this.epoch + 1;
        if (c.lrDecay && this.epoch > 0 && this.epoch % c.lrDecay.every === 0) {
          this.adam.lr *= c.lrDecay.factor;
          log(`epoch ${e}: learning rate ${this.adam.lr.toExponential(2)}`);
        }
        const te = performance.now();
        let lossSum = 0;
        let lossCount = 0;
        for (let s = 1; s <= this.stepsPerEpoch; s++) {
          if (this.is('paused')) await new Promise<void>((r) => { this.resumeWaiter = r; });
          if (this.is('stopping')) break;
          const globalStep = this.epoch * this.stepsPerEpoch + s;
          const loss = this.step(this.sampler.next(c.batchSize), c.batchSize, size, globalStep);
          imagesDone += c.batchSize;
          stepsDone++;
          if (s % c.logEvery === 0 || s === this.stepsPerEpoch) {
            const v = (await loss.read())[0];
            loss.dispose();
            if (!Number.isFinite(v)) {
              await this.model.store.writeAll(lastGood);
              throw new EngineError(`the loss became ${v} at epoch ${e}, step ${s}; the parameters were restored to the end of epoch ${this.epoch}. ` +
                'Lower the learning rate (or the noise level) and resume.');
            }
            lossSum += v;
            lossCount++;
            const elapsed = (performance.now() - t0) / 1000;
            this.hooks.onStep?.({
              epoch: e, step: s, stepsPerEpoch: this.stepsPerEpoch, loss: v,
              imagesPerSec: imagesDone / elapsed,
              etaSec: (elapsed / stepsDone) * (totalSteps - stepsDone),
            });
          } else {
            loss.dispose();
            await runtime().device.queue.onSubmittedWorkDone(); // pace the queue; keeps the page responsive
          }
        }
        if (this.is('stopping')) break;
        const val = await this.validate();
        this.epoch = e;
        const rec: EpochRecord = { epoch: e, trainLoss: lossCount ? lossSum / lossCount : NaN, valLoss: val.loss, valPsnr: val.psnr, lr: this.adam.lr, seconds: (performance.now() - te) / 1000 };
        this.history.push(rec);
        lastGood = await this.model.store.readAll();
        await this.hooks.onEpoch?.(rec, this);
        if (c.earlyStopping > 0 && Number.isFinite(val.loss)) {
          if (val.loss < best) { best = val.loss; sinceBest = 0; bestParams = lastGood; }
          else if (++sinceBest >= c.earlyStopping) {
            log(`early stopping: no better validation loss for ${c.earlyStopping} epochs; restoring epoch ${e - sinceBest}`);
            if (bestParams) await this.model.store.writeAll(bestParams);
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

  dispose(): void { this.adam.dispose(); }
}
