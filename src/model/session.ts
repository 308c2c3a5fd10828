/**
 * One training session, shared by the training page and the CLI: load and split the data,
 * build (or resume) the model, train, evaluate on a test set, and hand back everything a
 * person wants to keep (history, metrics, denoised images, checkpoint).
 *
 * An AbortSignal cancels it at any point within about a second of work: while decoding, it
 * stops the training after the step in progress, and cancels the test (the results of the
 * noise levels already evaluated are kept). `trainer.stop()` (Pause/Stop, Ctrl-C) ends only
 * the training; the test then runs on the model as it is, the same model the final checkpoint
 * holds. The ETA in step events covers the test as well.
 */
import { DeviceLostError } from '../engine/errors.ts';
import { Rng } from '../engine/random.ts';
import { type TuneShape, type TuneStore, autotune, describeTuning } from '../engine/autotune.ts';
import { type BuiltinSet, loadBuiltin } from '../data/builtin.ts';
import { DataError, type LoadReport, type NamedBytes, type NamedImage, decodeAll, resizeAll } from '../data/dataset.ts';
import { splitIndices } from '../data/patches.ts';
import { type NoiseConfig, type TrainConfig, configSpec, validateConfig } from './config.ts';
import { readCheckpoint, saveCheckpoint, loadIntoModel } from './checkpoint.ts';
import { CancelledError, type EvalResult, evaluate, throwIfAborted } from './evaluate.ts';
import { Model, traceModel, trainingTuneShapes } from './layers.ts';
import type { InferenceTuning } from './tuneInference.ts';
import { type EpochRecord, type PreviewEvent, type StepEvent, Trainer, type TrainerState } from './trainer.ts';

export { CancelledError, denoiseImage, evaluate } from './evaluate.ts';
export { receptiveRadius } from './tiles.ts';

export type DataSource = { builtin: BuiltinSet; limit?: number } | { files: NamedBytes[]; label?: string };

export interface SessionInput {
  config: TrainConfig;
  train: DataSource;
  /** A test set evaluated after training (null: skip). */
  test: DataSource | null;
  /** Gaussian sigmas for the test set (the standard protocol uses 15, 25, 50); default: the training noise. */
  testSigmas?: number[];
  /** How many test images keep their noisy/denoised/clean outputs (for grids and downloads). */
  keepOutputs?: number;
  /** A checkpoint to resume from (its parameters, optimizer state and epoch). */
  resume?: { bytes: Uint8Array; name: string };
  /** Cancels decoding, training (after the step in progress) and the test. */
  signal?: AbortSignal;
  /**
   * Measure the conv kernel families at the training shapes before training (src/engine/autotune.ts),
   * choices kept in `store` per adapter (then measured once per device); `force` measures again.
   */
  tune?: { store?: TuneStore; force?: boolean };
}

export interface SessionHooks {
  /** What the session is doing; done/total when it counts (images), etaSec when it can tell. */
  onStage?(stage: string, done?: number, total?: number, etaSec?: number): void;
  /** Every training step; etaSec covers the remaining training and the test. */
  onStep?(e: StepEvent): void;
  /** The model on a fixed validation crop: at the start, every few seconds and after each epoch. */
  onPreview?(p: PreviewEvent): void;
  onEpoch?(r: EpochRecord, checkpoint: () => Promise<Uint8Array>): void | Promise<void>;
  onLog?(message: string): void;
  /** Lets the caller pause/stop the trainer. */
  onTrainer?(t: Trainer): void;
}

export interface SessionResult {
  state: TrainerState;
  error: string | null;
  config: TrainConfig;
  model: { preset: string; parameters: number; flopsPerImage: number; inputSize: number };
  data: { train: number; val: number; skipped: LoadReport['skipped']; converted: number };
  history: EpochRecord[];
  /** Training loss of every step, as [fractional epoch, loss] (for loss plots). */
  steps: [number, number][];
  /** Epochs finished, and steps into the next one (a stopped run: the checkpoint holds them). */
  epoch: number;
  stepInEpoch: number;
  tests: { sigma: number | null; noise: NoiseConfig; result: EvalResult }[];
  /** The test was cancelled (by the signal): `tests` holds the noise levels finished before. */
  testCancelled: boolean;
  checkpoint: Uint8Array;
  seconds: number;
}

const TUNE_STAGE = 'measuring the conv kernels on this device';

/** The autotuner over the training shapes, its stage and a log line per choice. */
async function tuneKernels(shapes: TuneShape[], tune: NonNullable<SessionInput['tune']>, hooks: SessionHooks, signal?: AbortSignal): Promise<void> {
  const stage = TUNE_STAGE;
  hooks.onStage?.(stage);
  let results;
  try {
    results = await autotune(shapes, {
      store: tune.store, force: tune.force, signal, onProgress: (done, total) => hooks.onStage?.(stage, done, total),
    });
  } catch (e) {
    throwIfAborted(signal, 'measuring the kernels'); // a Stop here is a cancellation, as while decoding
    throw e;
  }
  const cached = results.filter((r) => r.cached);
  for (const r of results) if (!r.cached) hooks.onLog?.(`autotune: ${describeTuning(r)}`);
  if (cached.length) hooks.onLog?.(`autotune: ${cached.length} conv shape${cached.length > 1 ? 's' : ''} as measured before on this device (${cached.map((r) => r.choice).join(', ')})`);
}

/** The well-formed epoch records of a checkpoint's history up to `epoch` (older files have none). */
function earlierEpochs(history: unknown, epoch: number): EpochRecord[] {
  if (!Array.isArray(history)) return [];
  const fields = ['epoch', 'trainLoss', 'valLoss', 'valPsnr', 'lr', 'seconds'] as const;
  return history.filter((r): r is EpochRecord => !!r && typeof r === 'object' && fields.every((f) => typeof r[f] === 'number') && r.epoch <= epoch);
}

async function sourceFiles(src: DataSource, onProgress?: (d: number, t: number) => void): Promise<NamedBytes[]> {
  return 'builtin' in src ? loadBuiltin(src.builtin, src.limit, onProgress) : src.files;
}

export async function runSession(input: SessionInput, hooks: SessionHooks = {}): Promise<SessionResult> {
  const t0 = performance.now();
  const c = validateConfig(input.config);
  const log = (m: string) => hooks.onLog?.(m);
  const signal = input.signal;
  const check = (what: string) => throwIfAborted(signal, what);

  hooks.onStage?.('loading training images');
  const trainFiles = await sourceFiles(input.train);
  check('loading');
  const report = await decodeAll(trainFiles, {
    channels: c.channels,
    onProgress: (d, t) => { check('decoding'); hooks.onStage?.('decoding training images', d, t); },
  });
  for (const s of report.skipped) log(`skipped ${s.name}: ${s.reason}`);
  if (report.converted.length) log(`${report.converted.length} images converted to ${c.channels === 1 ? 'gray' : 'RGB'}`);
  let images: NamedImage[] = report.images;
  const side = c.preset === 'seed' ? c.imageSize : c.patchSize;
  if (c.preset === 'seed') images = resizeAll(images, c.imageSize);
  else {
    const small = images.filter((d) => d.image.width < c.patchSize || d.image.height < c.patchSize);
    if (small.length === images.length) {
      const s = small[0].image;
      throw new DataError(`no training images left: ${small.length === 1 ? `the only image (${small[0].name}, ${s.width}x${s.height})` : `all ${small.length} images (e.g. ${small[0].name}, ${s.width}x${s.height})`} ` +
        `are smaller than the ${c.patchSize}x${c.patchSize} training patches; lower the patch size or use larger images`);
    }
    if (small.length) log(`${small.length} images smaller than the ${c.patchSize}px patches are left out (e.g. ${small[0].name})`);
    images = images.filter((d) => d.image.width >= c.patchSize && d.image.height >= c.patchSize);
  }
  let [trainIdx, valIdx = []] = splitIndices(images.length, [1 - c.valFraction], new Rng(c.seed));
  // A validation share that rounds to no image on a small set still holds one out (when two or more).
  if (!valIdx.length && c.valFraction > 0 && trainIdx.length >= 2) {
    valIdx = trainIdx.slice(-1);
    trainIdx = trainIdx.slice(0, -1);
    log(`validation share ${c.valFraction} of ${images.length} images rounds to none: one image is held out for validation`);
  }
  const train = trainIdx.map((i) => images[i].image);
  const val = valIdx.map((i) => images[i].image);
  if (!train.length) throw new DataError(`no training images left (${images.length} usable, validation share ${c.valFraction})`);
  log(`${train.length} training and ${val.length} validation images`);

  // The test set is decoded before training: a bad set fails now, and its size gives the ETA.
  let testImages: NamedImage[] = [];
  if (input.test) {
    hooks.onStage?.('loading test images');
    const testReport = await decodeAll(await sourceFiles(input.test), {
      channels: c.channels,
      onProgress: (d, t) => { check('decoding'); hooks.onStage?.('decoding test images', d, t); },
    });
    testImages = c.preset === 'seed' ? resizeAll(testReport.images, c.imageSize) : testReport.images;
  }
  const sigmas = input.testSigmas ?? (c.noise.kind === 'gaussian' && !Array.isArray(c.noise.sigma) ? [c.noise.sigma] : [25]);
  const noises: { sigma: number | null; noise: NoiseConfig }[] = c.noise.kind === 'gaussian'
    ? sigmas.map((s) => ({ sigma: s, noise: { kind: 'gaussian', sigma: s } }))
    : [{ sigma: null, noise: c.noise }];
  const testPixels = noises.length * testImages.reduce((a, d) => a + d.image.width * d.image.height, 0);

  const spec = configSpec(c);
  const model = new Model(spec, c.seed);
  const inputSize = side;
  const flops = traceModel(spec, inputSize, inputSize).reduce((a, l) => a + l.flops, 0);
  log(`model '${c.preset}': ${model.parameterCount} parameters, ${(flops / 1e6).toFixed(1)} MFLOP per ${inputSize}x${inputSize} image forward`);
  if (input.tune) await tuneKernels(trainingTuneShapes(spec, c.batchSize, side, side), input.tune, hooks, signal);

  // The checkpoint closure and the trainer refer to each other: declare, then build.
  let trainer: Trainer;
  const checkpoint = () => saveCheckpoint(model, {
    preset: c.preset, epoch: trainer.epoch, noise: c.noise, config: c,
    metrics: trainer.history.length ? { ...trainer.history[trainer.history.length - 1] } : undefined,
    history: trainer.history.map((r) => ({ ...r })),
  }, trainer.adam);
  // The test's cost from the training speed: a forward pass is about a third of a training step
  // (forward + backward), per pixel; 1.5x for noise, clipping and the metrics.
  const testEta = (imagesPerSec: number) => (testPixels * 1.5) / (imagesPerSec * inputSize * inputSize * 3);
  trainer = new Trainer(model, train, val, c, {
    onStep: hooks.onStep && ((e) => hooks.onStep!({ ...e, etaSec: e.etaSec + testEta(e.imagesPerSec) })),
    onLog: hooks.onLog,
    onPreview: hooks.onPreview,
    onEpoch: (r) => hooks.onEpoch?.(r, checkpoint),
  });
  const stopTraining = () => trainer.stop();
  signal?.addEventListener('abort', stopTraining);
  let error: string | null = null;
  const tests: SessionResult['tests'] = [];
  let testCancelled = false;
  try {
    if (input.resume) {
      const ck = readCheckpoint(input.resume.bytes, input.resume.name);
      await loadIntoModel(model, ck.params, input.resume.name);
      if (ck.optimizer) trainer.adam.writeState(ck.optimizer);
      trainer.epoch = Math.min(ck.meta.epoch, c.epochs);
      // The epochs before it, so that the history (history.csv, loss.png) still starts at epoch 1
      // after a resume (after a lost device, the CLI resumes from the last epoch's checkpoint).
      trainer.history.push(...earlierEpochs(ck.meta.history, trainer.epoch));
      log(`resumed from ${input.resume.name} at epoch ${trainer.epoch}`);
    }
    hooks.onTrainer?.(trainer);

    hooks.onStage?.('training');
    if (!signal?.aborted) {
      try {
        await trainer.run();
      } catch (e) {
        if (e instanceof DeviceLostError) throw e;
        error = (e as Error).message;
        log(`training stopped: ${error}`);
      }
    }
    if (signal?.aborted && trainer.state !== 'failed') trainer.state = 'stopped';

    if (testImages.length && trainer.state !== 'failed') {
      let pixelsDone = 0;
      // The test's strips are other shapes than training's: measured once (near sizes share a choice).
      const tune: InferenceTuning | undefined = input.tune && {
        ...input.tune, onLog: log, onProgress: (d, t) => hooks.onStage?.(TUNE_STAGE, d, t),
      };
      const t1 = performance.now();
      try {
        for (const n of noises) {
          const stage = `testing${n.sigma !== null ? ` at sigma ${n.sigma}` : ''}`;
          const pixels = testImages.map((d) => d.image.width * d.image.height);
          const eta = (done: number) => {
            const i = Math.floor(done);
            const px = pixelsDone + pixels.slice(0, i).reduce((a, b) => a + b, 0) + (i < pixels.length ? (done - i) * pixels[i] : 0);
            const sec = (performance.now() - t1) / 1000;
            return px > 0 ? (sec / px) * (testPixels - px) : undefined;
          };
          hooks.onStage?.(stage, 0, testImages.length);
          const result = await evaluate(model, testImages, {
            noise: n.noise, seed: c.seed + 104729, keepOutputs: input.keepOutputs ?? 0, signal, tune,
            onProgress: (d, t) => hooks.onStage?.(stage, d, t, eta(d)),
            onPartial: (d, t) => hooks.onStage?.(stage, Math.floor(d), t, eta(d)),
          });
          pixelsDone += pixels.reduce((a, b) => a + b, 0);
          tests.push({ ...n, result });
          log(`test${n.sigma !== null ? ` sigma ${n.sigma}` : ''}: PSNR ${result.mean.psnr.toFixed(2)} dB (noisy ${result.mean.psnrNoisy.toFixed(2)}), SSIM ${result.mean.ssim.toFixed(4)}`);
        }
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        testCancelled = true;
        log(`test cancelled${tests.length ? ` (${tests.length} of ${noises.length} noise levels done)` : ''}`);
      }
    }
  } catch (e) {
    // A lost device took every buffer with it: nothing to free (and no runtime to free it into).
    if (!(e instanceof DeviceLostError)) {
      trainer.dispose();
      model.dispose();
    }
    throw e;
  } finally {
    signal?.removeEventListener('abort', stopTraining);
  }

  const bytes = await checkpoint();
  const result: SessionResult = {
    state: trainer.state, error, config: c,
    model: { preset: c.preset, parameters: model.parameterCount, flopsPerImage: flops, inputSize },
    data: { train: train.length, val: val.length, skipped: report.skipped, converted: report.converted.length },
    history: trainer.history, steps: trainer.steps, epoch: trainer.epoch, stepInEpoch: trainer.stepInEpoch,
    tests, testCancelled, checkpoint: bytes, seconds: (performance.now() - t0) / 1000,
  };
  trainer.dispose();
  model.dispose();
  return result;
}
