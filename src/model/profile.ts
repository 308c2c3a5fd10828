/**
 * The training-step profiler: one step of a preset, every dispatch timed by timestamp queries
 * (Runtime.beginProfile), grouped by phase (data, forward, loss, backward, optimizer), by layer
 * and by kernel, with FLOPs and bytes from the kernel table (src/engine/kernels.ts) at the dims
 * each dispatch recorded. Shown on the training page (src/app/profiler.ts) and printed by
 * `npm run train -- --profile`.
 *
 * Grouping reads `Runtime.tag`, which the step sets as it records: 'data', 'optimizer' and
 * 'loss' (src/model/trainer.ts trainStep), 'layers.3 conv2d forward' (Model.forward), and
 * 'layers.3 conv2d backward' / 'loss backward' while autograd runs an op's backward rule.
 */
import { Adam, EngineError, MAX_PROFILED_DISPATCHES, type ProfiledDispatch, type Role, Rng, type Tensor, kernelRow, runtime, tensor } from '../engine/index.ts';
import { type TrainConfig, configSpec } from './config.ts';
import { Model, trainingTuneShapes } from './layers.ts';
import { type TuneStore, autotune } from '../engine/autotune.ts';
import { trainStep } from './trainer.ts';

export type Phase = 'data' | 'forward' | 'loss' | 'backward' | 'optimizer';
/** The phases in step order. */
export const PHASES: readonly Phase[] = ['data', 'forward', 'loss', 'backward', 'optimizer'];

/** One timed dispatch, with its cost from the kernel table and where in the step it ran. */
export interface ProfileEntry extends ProfiledDispatch {
  /** Floating-point operations (2 per multiply-add) at the recorded dims. */
  flop: number;
  /** Compulsory bytes read and written at the recorded dims. */
  bytes: number;
  phase: Phase;
  /** 'layers.3 conv2d', 'residual', or the phase itself for 'data', 'loss' and 'optimizer'. */
  layer: string;
}

export interface Totals { ms: number; flop: number; bytes: number; dispatches: number }

/** A layer (or the data / loss / optimizer row): its time per phase and its kernels. */
export interface LayerProfile extends Totals {
  layer: string;
  /** Milliseconds per phase: a model layer has forward and backward, the loss row loss and backward. */
  phases: Record<Phase, number>;
  /** Its kernels, slowest first. */
  kernels: { kernel: string; ms: number; dispatches: number }[];
}

export interface KernelProfile extends Totals { kernel: string; role: Role; op: string }

export interface StepProfile {
  preset: TrainConfig['preset'];
  channels: number;
  batch: number;
  /** Side of the square training inputs (patchSize, or imageSize for the seed preset). */
  size: number;
  parameters: number;
  /** 'vendor / architecture (description)'. */
  adapter: string;
  /** Every dispatch of the step, in order. */
  dispatches: ProfileEntry[];
  byPhase: Record<Phase, Totals>;
  /** Data, then the model's layers in order, then loss and optimizer. */
  byLayer: LayerProfile[];
  /** Slowest first. */
  byKernel: KernelProfile[];
  /** Sum of the dispatches' GPU times. */
  totalMs: number;
  totalFlop: number;
  totalBytes: number;
  /**
   * Wall-clock milliseconds of the profiled step, from recording to the GPU finishing. Each
   * dispatch runs in a compute pass of its own while profiling, so this is above a plain step's.
   */
  wallMs: number;
  /** Dispatches the step recorded; more than dispatches.length only when over the profiler's capacity. */
  stepDispatches: number;
  /** The profiled step's loss. */
  loss: number;
}

/** Where a dispatch ran, from the tag it was recorded with. */
export function classifyTag(tag: string): { phase: Phase; layer: string } {
  if (tag === 'data' || tag === 'loss' || tag === 'optimizer') return { phase: tag, layer: tag };
  const m = /^(.+) (forward|backward)$/.exec(tag);
  if (m) return { phase: m[2] as Phase, layer: m[1] };
  // Nothing in a training step is untagged; should something be, it shows as its own row.
  return { phase: tag === 'backward' ? 'backward' : 'forward', layer: '(untagged)' };
}

const zeroTotals = (): Totals => ({ ms: 0, flop: 0, bytes: 0, dispatches: 0 });
const zeroPhases = (): Record<Phase, number> => ({ data: 0, forward: 0, loss: 0, backward: 0, optimizer: 0 });
function add(t: Totals, e: ProfileEntry): void {
  t.ms += e.ms;
  t.flop += e.flop;
  t.bytes += e.bytes;
  t.dispatches++;
}

/** Rows of the layer table: data first, the model's layers in the order they first ran, then loss and optimizer. */
const layerRank = (layer: string) => (layer === 'data' ? 0 : layer === 'loss' ? 2 : layer === 'optimizer' ? 3 : 1);

/** Costs and groups timed dispatches (pure: no GPU). */
export function analyseDispatches(raw: readonly ProfiledDispatch[]): Pick<StepProfile, 'dispatches' | 'byPhase' | 'byLayer' | 'byKernel' | 'totalMs' | 'totalFlop' | 'totalBytes'> {
  const dispatches: ProfileEntry[] = raw.map((d) => {
    const row = kernelRow(d.kernel);
    return { ...d, flop: row.flops(d.dims), bytes: row.bytes(d.dims), ...classifyTag(d.tag) };
  });
  const byPhase = Object.fromEntries(PHASES.map((p) => [p, zeroTotals()])) as Record<Phase, Totals>;
  const layers = new Map<string, LayerProfile & { kernelMap: Map<string, { kernel: string; ms: number; dispatches: number }> }>();
  const kernels = new Map<string, KernelProfile>();
  const total = zeroTotals();
  for (const e of dispatches) {
    add(total, e);
    add(byPhase[e.phase], e);
    let l = layers.get(e.layer);
    if (!l) layers.set(e.layer, l = { layer: e.layer, ...zeroTotals(), phases: zeroPhases(), kernels: [], kernelMap: new Map() });
    add(l, e);
    l.phases[e.phase] += e.ms;
    const lk = l.kernelMap.get(e.kernel) ?? { kernel: e.kernel, ms: 0, dispatches: 0 };
    lk.ms += e.ms;
    lk.dispatches++;
    l.kernelMap.set(e.kernel, lk);
    let k = kernels.get(e.kernel);
    if (!k) {
      const row = kernelRow(e.kernel);
      kernels.set(e.kernel, k = { kernel: e.kernel, role: row.role, op: row.op, ...zeroTotals() });
    }
    add(k, e);
  }
  const order = [...layers.keys()];
  const byLayer = [...layers.values()]
    .sort((a, b) => layerRank(a.layer) - layerRank(b.layer) || order.indexOf(a.layer) - order.indexOf(b.layer))
    .map(({ kernelMap, ...l }) => ({ ...l, kernels: [...kernelMap.values()].sort((a, b) => b.ms - a.ms) }));
  const byKernel = [...kernels.values()].sort((a, b) => b.ms - a.ms || a.kernel.localeCompare(b.kernel));
  return { dispatches, byPhase, byLayer, byKernel, totalMs: total.ms, totalFlop: total.flop, totalBytes: total.bytes };
}

/** A model, its optimizer and a seeded random clean batch for a configuration: what profileStep times. */
export interface StepBench {
  model: Model;
  adam: Adam;
  /** [batchSize, size, size, channels], uniform in [0, 1). */
  batch: Tensor;
  size: number;
  /** Records one training step (trainStep) and submits it; returns the loss [1]. */
  step(globalStep: number): Tensor;
  dispose(): void;
}

/** Builds a StepBench (model seeded by config.seed, batch drawn from Rng(config.seed)). */
export function stepBench(config: TrainConfig): StepBench {
  const size = config.preset === 'seed' ? config.imageSize : config.patchSize;
  const model = new Model(configSpec(config), config.seed);
  const adam = new Adam(model.store, { lr: config.lr, beta1: config.beta1, beta2: config.beta2, mode: config.adamMode });
  const rng = new Rng(config.seed);
  const data = new Float32Array(config.batchSize * size * size * config.channels);
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  const batch = tensor(data, [config.batchSize, size, size, config.channels], 'profile batch');
  return {
    model, adam, batch, size,
    step(globalStep) {
      const loss = trainStep(model, adam, batch, config, globalStep);
      runtime().flush();
      return loss;
    },
    dispose() { batch.dispose(); adam.dispose(); model.dispose(); },
  };
}

/** The adapter in words: 'vendor / architecture (description)'. */
export function adapterName(): string {
  const a = runtime().ctx.summary;
  return `${[a.vendor, a.architecture].filter(Boolean).join(' / ') || 'unknown adapter'}${a.description ? ` (${a.description})` : ''}`;
}


/**
 * Profiles one training step of `config` (its preset, channels, batch, patch or image size,
 * noise, augmentation and Adam settings) on a seeded random batch: one warm-up step (pipelines
 * compile, the buffer pool fills), then one step with every dispatch timed. Needs the adapter's
 * 'timestamp-query' feature; without it, throws an EngineError saying so before any work.
 */
export async function profileStep(config: TrainConfig, capacity = MAX_PROFILED_DISPATCHES, tune?: { store?: TuneStore; force?: boolean }): Promise<StepProfile> {
  const rt = runtime();
  if (!rt.ctx.hasTimestamps) {
    throw new EngineError(`profiling needs the adapter's 'timestamp-query' feature, which this one (${adapterName()}) lacks. ` +
      'In Chrome it is on by default since version 121; a browser or GPU without it cannot time dispatches.');
  }
  // The kernels training would run: the autotuner's choices at this step's shapes.
  const size = config.preset === 'seed' ? config.imageSize : config.patchSize;
  if (tune) await autotune(trainingTuneShapes(configSpec(config), config.batchSize, size, size), tune);
  const bench = stepBench(config);
  try {
    const warm = bench.step(1);
    await warm.read();
    warm.dispose();
    await rt.sync();

    const before = rt.stats.dispatches;
    const t0 = performance.now();
    rt.beginProfile(Math.min(capacity, MAX_PROFILED_DISPATCHES));
    let loss: Tensor;
    try {
      loss = bench.step(2);
    } catch (e) {
      await rt.endProfile().catch(() => []); // leave the runtime out of profiling mode
      throw e;
    }
    const raw = await rt.endProfile();
    const wallMs = performance.now() - t0;
    const stepDispatches = rt.stats.dispatches - before;
    const lossValue = (await loss.read())[0];
    loss.dispose();
    return {
      preset: config.preset, channels: config.channels, batch: config.batchSize, size: bench.size,
      parameters: bench.model.parameterCount, adapter: adapterName(),
      ...analyseDispatches(raw), wallMs, stepDispatches, loss: lossValue,
    };
  } finally {
    bench.dispose();
  }
}

// ---- the text report ----------------------------------------------------------------------------

/** Milliseconds with three significant-ish digits. */
export function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
}
const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-');
/** Work per second in G units (GFLOP/s from FLOPs, GB/s from bytes); '-' when no time was measured. */
export const perSecondG = (amount: number, ms: number) => (ms > 0 && amount > 0 ? (amount / ms / 1e6).toFixed(2) : '-');

/** A fixed-width table: first column left-aligned, the rest right-aligned. */
function table(head: string[], rows: string[][]): string[] {
  const all = [head, ...rows];
  const w = head.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  return all.map((r) => r.map((v, c) => (c === 0 ? v.padEnd(w[c]) : v.padStart(w[c]))).join('  ').trimEnd());
}

/** The text report: by phase, by layer (forward and backward columns), by kernel; ms, share of the step, GFLOP/s. */
export function formatProfile(p: StepProfile): string {
  const T = p.totalMs;
  const out: string[] = [];
  const kind = p.channels === 1 ? 'gray' : 'RGB';
  out.push(`one training step of '${p.preset}' (${kind}, batch ${p.batch}, ${p.size}x${p.size}, ${p.parameters.toLocaleString('en-US')} parameters) on ${p.adapter}`);
  out.push(`${p.dispatches.length} dispatches timed: ${fmtMs(T)} ms of GPU time in all, ${(p.totalFlop / 1e9).toFixed(3)} GFLOP, ` +
    `${perSecondG(p.totalFlop, T)} GFLOP/s; the profiled step took ${fmtMs(p.wallMs)} ms wall-clock (each dispatch in its own pass), loss ${p.loss.toExponential(3)}`);
  if (p.stepDispatches > p.dispatches.length) out.push(`warning: ${p.stepDispatches - p.dispatches.length} of the step's ${p.stepDispatches} dispatches were over the profiler's capacity and are not counted`);

  out.push('', 'by phase');
  out.push(...table(['phase', 'ms', 'share', 'GFLOP/s', 'dispatches'], [
    ...PHASES.map((ph) => { const t = p.byPhase[ph]; return [ph, fmtMs(t.ms), pct(t.ms, T), perSecondG(t.flop, t.ms), String(t.dispatches)]; }),
    ['total', fmtMs(T), pct(T, T), perSecondG(p.totalFlop, T), String(p.dispatches.length)],
  ]).map((l) => `  ${l}`));

  out.push('', 'by layer (ms)');
  out.push(...table(['layer', 'forward', 'backward', 'total', 'share', 'GFLOP/s', 'dispatches'], p.byLayer.map((l) => {
    const own = l.layer === 'data' || l.layer === 'optimizer';
    // The loss row's forward is its own phase ('loss'); data and optimizer are neither.
    const fwd = own ? '-' : fmtMs(l.phases.forward + l.phases.loss);
    const bwd = own ? '-' : fmtMs(l.phases.backward);
    return [l.layer, fwd, bwd, fmtMs(l.ms), pct(l.ms, T), perSecondG(l.flop, l.ms), String(l.dispatches)];
  })).map((l) => `  ${l}`));

  out.push('', 'by kernel');
  out.push(...table(['kernel', 'role', 'dispatches', 'ms', 'share', 'GFLOP/s', 'GB/s'], p.byKernel.map((k) => [
    k.kernel, k.role, String(k.dispatches), fmtMs(k.ms), pct(k.ms, T), perSecondG(k.flop, k.ms), perSecondG(k.bytes, k.ms),
  ])).map((l) => `  ${l}`));
  out.push('', 'GPU times are timestamp queries around each dispatch (browsers may quantise them); FLOPs and bytes come from the kernel table at each dispatch\'s shape.');
  return out.join('\n');
}
