/**
 * GPU timing shared by the autotuner (src/engine/autotune.ts), the lab page and `npm run bench`
 * (whose TF.js timers are in src/lab/timing.ts): a first run alone (pipeline compiles,
 * uploads), then samples, each a batch of calls, reported as milliseconds per call.
 *
 * GPU time comes from timestamp queries when the device has 'timestamp-query': each sample is
 * bracketed by two EMPTY compute passes carrying timestampWrites (begin index before the batch,
 * end index after), recorded into the engine's pending encoder. Because the brackets are plain
 * queue work, they time whatever is submitted between them on the same queue, whichever engine
 * submitted it: that is how TF.js (running on our GPUDevice, src/lab/tfjs.ts) is timed the same
 * way as we are. Without timestamps: wall-clock around the batch, from an idle queue to
 * `queue.onSubmittedWorkDone()` (never a bare submit, which returns before the GPU has run).
 *
 * Chrome quantises timestamps (100 us without its developer flag), so a sample is sized to take
 * at least ~50 ms of GPU time: the batch is chosen from a warm probe call when the first run was
 * faster than that, and is 1 for slow work.
 */
import { runtime } from './runtime.ts';

export interface Timing {
  /** Median over the samples of the time per call, ms (the first run excluded). */
  median_ms: number;
  min_ms: number;
  max_ms: number;
  /** The first call alone, wall-clock ms from recording to the GPU being done: compiles included. */
  first_ms: number;
  /** Each sample's time per call, ms, in the order taken. */
  samples_ms: number[];
  method: 'timestamp' | 'queue';
  /** Calls per sample. */
  batch: number;
}

export interface TimeOptions {
  /** Samples after the first run (default 5, at least 3). */
  reps?: number;
  /** Calls per sample; default: enough for ~targetMs of GPU time (1 for slow work). */
  batch?: number;
  /** GPU time a sample should take when the batch is chosen automatically (default 50 ms). */
  targetMs?: number;
  /** Upper bound of the automatic batch (default 256). */
  maxBatch?: number;
}

export interface TimerOptions extends TimeOptions {
  /**
   * Submit the begin bracket on its own before recording (default true). Needed when the work is
   * submitted by another engine (TF.js): its submits must fall after the bracket's. With false,
   * bracket, batch and end bracket share one command buffer and the time is the GPU's alone.
   */
  separateBegin?: boolean;
}

/** A timer for one piece of work, so that a caller can interleave samples of several. */
export interface GpuTimer {
  readonly method: 'timestamp' | 'queue';
  /** Runs the first call alone; returns its wall-clock ms (also first_ms). Call once, first. */
  first(): Promise<number>;
  /** Takes one sample (choosing the batch on the first); returns its ms per call. */
  sample(): Promise<number>;
  /** The statistics of the samples taken so far (at least one). */
  result(): Timing;
  /** Frees the query set and read-back buffers. */
  dispose(): void;
}

const DEFAULT_REPS = 5;
const MIN_REPS = 3;

/** The number of samples for an options object: default 5, never under 3. */
export function repsOf(o: TimeOptions = {}): number {
  return Math.max(MIN_REPS, Math.floor(o.reps ?? DEFAULT_REPS));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * A timer for `record` (records one call of the work; may be async) followed by `submit` (makes
 * sure everything recorded is submitted; may also wait). The engine's pending encoder is flushed
 * before each measurement, so work recorded earlier (uploads) is not counted.
 */
export function gpuTimer(record: () => void | Promise<void>, submit: () => void | Promise<void>, opts: TimerOptions = {}): GpuTimer {
  const rt = runtime();
  const device = rt.device;
  const method = rt.ctx.hasTimestamps ? 'timestamp' as const : 'queue' as const;
  const target = opts.targetMs ?? 50;
  const maxBatch = opts.maxBatch ?? 256;
  const separateBegin = opts.separateBegin ?? true;
  const querySet = method === 'timestamp' ? device.createQuerySet({ label: 'timer', type: 'timestamp', count: 2 }) : null;
  const resolveBuf = querySet ? device.createBuffer({ label: 'timer resolve', size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }) : null;
  const readBuf = querySet ? device.createBuffer({ label: 'timer read', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }) : null;

  let firstMs = NaN;
  let firstGpuMs = NaN;
  let batch = opts.batch ?? 0;
  const samples: number[] = [];

  const idle = async () => { rt.flush(); await device.queue.onSubmittedWorkDone(); };

  /** GPU ms of n calls (timestamps), or wall-clock ms from an idle queue to done (queue). */
  async function measure(n: number): Promise<number> {
    if (!querySet) {
      await idle();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await record();
      await submit();
      await idle();
      return performance.now() - t0;
    }
    rt.flush();
    rt.commandEncoder().beginComputePass({ label: 'timer begin', timestampWrites: { querySet, beginningOfPassWriteIndex: 0 } }).end();
    if (separateBegin) rt.flush();
    for (let i = 0; i < n; i++) await record();
    await submit();
    const enc = rt.commandEncoder();
    enc.beginComputePass({ label: 'timer end', timestampWrites: { querySet, endOfPassWriteIndex: 1 } }).end();
    enc.resolveQuerySet(querySet, 0, 2, resolveBuf!, 0);
    enc.copyBufferToBuffer(resolveBuf!, 0, readBuf!, 0, 16);
    rt.flush();
    await readBuf!.mapAsync(GPUMapMode.READ);
    const t = new BigInt64Array(readBuf!.getMappedRange().slice(0));
    readBuf!.unmap();
    // Nanoseconds; a quantised begin may read after its end: that is 0.
    return Math.max(0, Number(t[1] - t[0])) / 1e6;
  }

  return {
    method,
    async first() {
      await idle();
      const t0 = performance.now();
      firstGpuMs = await measure(1);
      firstMs = performance.now() - t0;
      return firstMs;
    },
    async sample() {
      if (Number.isNaN(firstMs)) throw new Error('gpuTimer: call first() before sample()');
      if (!batch) {
        // The first run may include one-off work; a warm probe call sizes the batch (not a sample).
        const per = firstGpuMs >= target ? firstGpuMs : await measure(1);
        batch = Math.min(maxBatch, Math.max(1, Math.ceil(target / Math.max(per, 1e-3))));
      }
      const ms = (await measure(batch)) / batch;
      samples.push(ms);
      return ms;
    },
    result() {
      if (!samples.length) throw new Error('gpuTimer: no samples taken');
      return {
        median_ms: median(samples), min_ms: Math.min(...samples), max_ms: Math.max(...samples),
        first_ms: firstMs, samples_ms: [...samples], method, batch,
      };
    },
    dispose() {
      querySet?.destroy();
      resolveBuf?.destroy();
      readBuf?.destroy();
    },
  };
}

/** Runs timers interleaved (first runs, then sample 1 of each, sample 2 of each, ...). */
export async function interleave(timers: GpuTimer[], reps: number): Promise<Timing[]> {
  for (const t of timers) await t.first();
  for (let r = 0; r < reps; r++) for (const t of timers) await t.sample();
  return timers.map((t) => t.result());
}

/** Times `record` + `submit` on its own: the first run, then `reps` samples. */
export async function timeGpu(record: () => void | Promise<void>, submit: () => void | Promise<void>, opts: TimerOptions = {}): Promise<Timing> {
  const t = gpuTimer(record, submit, opts);
  try {
    return (await interleave([t], repsOf(opts)))[0];
  } finally {
    t.dispose();
  }
}

/**
 * A timer for engine work: `record` records one call into the runtime's pending encoder (e.g. a
 * kernel launch, a training step); the end bracket's flush submits it.
 *
 * Both engines are timed the same way: the begin bracket is submitted on its own before any call
 * is recorded, so each interval holds the engine's CPU cost of recording (while the GPU waits)
 * as well as the GPU work. TF.js submits every 15 dispatches and so overlaps the two; ours
 * records a whole sample before one submit and does not, which only counts against us. Both are
 * negligible when the GPU is the bottleneck (every row on SwiftShader); on a fast GPU, rows of
 * tiny kernels include each engine's per-dispatch CPU cost, which is what a user gets.
 */
export function oursTimer(record: () => void | Promise<void>, opts: TimeOptions = {}): GpuTimer {
  return gpuTimer(record, () => undefined, { ...opts, separateBegin: true });
}

/** Times engine work alone (see oursTimer). */
export async function timeOurs(record: () => void | Promise<void>, opts: TimeOptions = {}): Promise<Timing> {
  const t = oursTimer(record, opts);
  try { return (await interleave([t], repsOf(opts)))[0]; } finally { t.dispose(); }
}
