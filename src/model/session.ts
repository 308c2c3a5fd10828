/**
 * One training session, shared by the training page and the CLI: load and split the data,
 * build (or resume) the model, train, evaluate on a test set, and hand back everything a
 * person wants to keep (history, metrics, denoised images, checkpoint).
 */
import { Rng } from '../engine/random.ts';
import { type BuiltinSet, loadBuiltin } from '../data/builtin.ts';
import { DataError, type LoadReport, type NamedBytes, type NamedImage, decodeAll, resizeAll } from '../data/dataset.ts';
import { splitIndices } from '../data/images.ts';
import { type NoiseConfig, type TrainConfig, presetSpec, validateConfig } from './config.ts';
import { readCheckpoint, saveCheckpoint, loadIntoModel } from './checkpoint.ts';
import { type EvalResult, evaluate } from './evaluate.ts';
import { Model, traceModel } from './layers.ts';
import { type EpochRecord, type StepEvent, Trainer, type TrainerState } from './trainer.ts';

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
}

export interface SessionHooks {
  onStage?(stage: string, done?: number, total?: number): void;
  onStep?(e: StepEvent): void;
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
  tests: { sigma: number | null; noise: NoiseConfig; result: EvalResult }[];
  checkpoint: Uint8Array;
  seconds: number;
}

async function sourceFiles(src: DataSource, onProgress?: (d: number, t: number) => void): Promise<NamedBytes[]> {
  return 'builtin' in src ? loadBuiltin(src.builtin, src.limit, onProgress) : src.files;
}

export async function runSession(input: SessionInput, hooks: SessionHooks = {}): Promise<SessionResult> {
  const t0 = performance.now();
  const c = validateConfig(input.config);
  const log = (m: string) => hooks.onLog?.(m);

  hooks.onStage?.('loading training images');
  const report = await decodeAll(await sourceFiles(input.train), { channels: c.channels, onProgress: (d, t) => hooks.onStage?.('decoding training images', d, t) });
  for (const s of report.skipped) log(`skipped ${s.name}: ${s.reason}`);
  if (report.converted.length) log(`${report.converted.length} images converted to ${c.channels === 1 ? 'gray' : 'RGB'}`);
  let images: NamedImage[] = report.images;
  if (c.preset === 'seed') images = resizeAll(images, c.imageSize);
  else {
    const small = images.filter((d) => d.image.width < c.patchSize || d.image.height < c.patchSize);
    if (small.length) log(`${small.length} images smaller than the ${c.patchSize}px patches are left out (e.g. ${small[0].name})`);
    images = images.filter((d) => d.image.width >= c.patchSize && d.image.height >= c.patchSize);
  }
  const [trainIdx, valIdx] = splitIndices(images.length, [1 - c.valFraction], new Rng(c.seed));
  const train = trainIdx.map((i) => images[i].image);
  const val = (valIdx ?? []).map((i) => images[i].image);
  if (!train.length) throw new DataError(`no training images left (${images.length} usable, validation share ${c.valFraction})`);
  log(`${train.length} training and ${val.length} validation images`);

  const spec = presetSpec(c.preset, c.channels);
  const model = new Model(spec, c.seed);
  const inputSize = c.preset === 'seed' ? c.imageSize : c.patchSize;
  const flops = traceModel(spec, inputSize, inputSize).reduce((a, l) => a + l.flops, 0);
  log(`model '${c.preset}': ${model.parameterCount} parameters, ${(flops / 1e6).toFixed(1)} MFLOP per ${inputSize}x${inputSize} image forward`);

  // The checkpoint closure and the trainer refer to each other: declare, then build.
  let trainer: Trainer;
  const checkpoint = () => saveCheckpoint(model, {
    preset: c.preset, epoch: trainer.epoch, noise: c.noise, config: c,
    metrics: trainer.history.length ? { ...trainer.history[trainer.history.length - 1] } : undefined,
  }, trainer.adam);
  trainer = new Trainer(model, train, val, c, {
    onStep: hooks.onStep, onLog: hooks.onLog,
    onEpoch: (r) => hooks.onEpoch?.(r, checkpoint),
  });
  if (input.resume) {
    const ck = readCheckpoint(input.resume.bytes, input.resume.name);
    await loadIntoModel(model, ck.params, input.resume.name);
    if (ck.optimizer) trainer.adam.writeState(ck.optimizer);
    trainer.epoch = Math.min(ck.meta.epoch, c.epochs);
    log(`resumed from ${input.resume.name} at epoch ${trainer.epoch}`);
  }
  hooks.onTrainer?.(trainer);

  let error: string | null = null;
  hooks.onStage?.('training');
  try {
    await trainer.run();
  } catch (e) {
    error = (e as Error).message;
    log(`training stopped: ${error}`);
  }

  const tests: SessionResult['tests'] = [];
  if (input.test && trainer.state !== 'failed') {
    hooks.onStage?.('loading test images');
    const testReport = await decodeAll(await sourceFiles(input.test), { channels: c.channels });
    let testImages = testReport.images;
    if (c.preset === 'seed') testImages = resizeAll(testImages, c.imageSize);
    const sigmas = input.testSigmas ?? (c.noise.kind === 'gaussian' && !Array.isArray(c.noise.sigma) ? [c.noise.sigma] : [25]);
    const noises: { sigma: number | null; noise: NoiseConfig }[] = c.noise.kind === 'gaussian'
      ? sigmas.map((s) => ({ sigma: s, noise: { kind: 'gaussian', sigma: s } }))
      : [{ sigma: null, noise: c.noise }];
    for (const n of noises) {
      hooks.onStage?.(`evaluating${n.sigma !== null ? ` at sigma ${n.sigma}` : ''}`);
      const result = await evaluate(model, testImages, {
        noise: n.noise, seed: c.seed + 104729, keepOutputs: input.keepOutputs ?? 0,
        onProgress: (d, t) => hooks.onStage?.(`evaluating${n.sigma !== null ? ` at sigma ${n.sigma}` : ''}`, d, t),
      });
      tests.push({ ...n, result });
      log(`test${n.sigma !== null ? ` sigma ${n.sigma}` : ''}: PSNR ${result.mean.psnr.toFixed(2)} dB (noisy ${result.mean.psnrNoisy.toFixed(2)}), SSIM ${result.mean.ssim.toFixed(4)}`);
    }
  }

  const bytes = await checkpoint();
  const result: SessionResult = {
    state: trainer.state, error, config: c,
    model: { preset: c.preset, parameters: model.parameterCount, flopsPerImage: flops, inputSize },
    data: { train: train.length, val: val.length, skipped: report.skipped, converted: report.converted.length },
    history: trainer.history, tests, checkpoint: bytes, seconds: (performance.now() - t0) / 1000,
  };
  trainer.dispose();
  model.dispose();
  return result;
}
