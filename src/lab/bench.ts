/**
 * The kernel benchmark: each row (src/lab/benchRows.ts) run by our engine and by TF.js's WebGPU
 * backend on the same GPUDevice, same inputs, same page. Per row: a first run of each (compiles,
 * uploads; reported, not in the median), the checks (ours against the float64 reference when small
 * enough, ours against TF.js always), then samples interleaved ours, TF.js, ours, ... and their
 * medians. Used by `npm run bench` (bench/page.ts) and the lab page (timeKernel).
 */
import { initEngine, runtime } from '../engine/runtime.ts';
import { type Dims, KERNELS, familiesFor, familyOf, hasConvGeometry, pickKernel } from '../engine/kernels.ts';
import { TUNED_ROLES, type TuneShape, autotune, describeTuning } from '../engine/autotune.ts';
import { inferenceTuneShapes, trainingTuneShapes } from '../model/layers.ts';
import { getConvVariant, setConvVariant } from '../engine/ops/conv2d.ts';
import { geom } from './cases.ts';
import { chosenFamily } from '../engine/tuning.ts';
import { PRESET_SPECS, type RowSpec, selectRows } from './benchRows.ts';
import type { BenchFamily, BenchResult, BenchRow } from './benchTable.ts';
import { type Validation, makeWork, referenceAffordable } from './benchWork.ts';
import { type Peak, measurePeak } from './peak.ts';
import { type TfPeer, initTfjs } from './tfjs.ts';
import { type GpuTimer, type Timing, oursTimer, repsOf, tfjsTimer } from './timing.ts';

export type { BenchResult, BenchRow } from './benchTable.ts';
export { formatTable, tablePrinter } from './benchTable.ts';
export { fullRows, quickRows, selectRows, type RowSpec } from './benchRows.ts';

export interface BenchOptions {
  /** Rows whose name matches. */
  filter?: RegExp;
  /** The small subset (benchRows.ts quickRows). */
  quick?: boolean;
  /** Samples per row and engine (default 5, at least 3). */
  reps?: number;
  /** The conv kernel family: 'auto' (default: autotune the rows' shapes first, then run each
   * shape's fastest), or 'tiled' / 'shared' for every conv. */
  family?: BenchFamily;
  onRow?(row: BenchRow): void;
  onProgress?(message: string): void;
}

interface Measured { ours: Timing; tfjs: Timing | null; validation: Validation; noTfjs?: string }

/** Times one row's work: first runs, checks (the reference when `reference`), interleaved samples. */
async function measure(job: RowSpec['job'], flop: number, reference: boolean, peer: TfPeer | null, reps: number, say: (m: string) => void): Promise<Measured> {
  const work = await makeWork(job, flop, peer, reference);
  const timers: GpuTimer[] = [];
  try {
    const ours = oursTimer(() => work.ours(), { reps });
    timers.push(ours);
    const tf = peer && work.tfjs ? tfjsTimer(peer, work.tfjs, { reps }) : null;
    if (tf) timers.push(tf);
    say('first runs');
    for (const t of timers) await t.first();
    say('checking');
    const validation = await work.validate();
    for (let r = 0; r < reps; r++) {
      say(`sample ${r + 1}/${reps}`);
      for (const t of timers) await t.sample();
    }
    return { ours: ours.result(), tfjs: tf?.result() ?? null, validation, noTfjs: work.noTfjs };
  } finally {
    for (const t of timers) t.dispose();
    work.dispose();
    runtime().trimPool(); // rows range from kilobytes to hundreds of megabytes: free the pool between them
  }
}

/** Rates of a median time and the share of the ceiling that bounds the row (roofline). */
export function rates(flop: number, bytes: number, ms: number, peak: Peak): Pick<BenchRow, 'gflops' | 'gbps' | 'bound' | 'pct_peak'> {
  const gflops = flop / (ms * 1e6);
  const gbps = bytes / (ms * 1e6);
  const bound = flop / bytes >= peak.gflops / peak.gbps ? 'compute' : 'memory';
  return { gflops, gbps, bound, pct_peak: 100 * (bound === 'compute' ? gflops / peak.gflops : gbps / peak.gbps) };
}

// ---- conv families ----------------------------------------------------------------------------

const TUNED = new Set<string>(TUNED_ROLES);

/**
 * The conv shape-roles the rows run, which the autotuner chooses for: a kernel row's own, a
 * training step's as training tunes them (src/model/layers.ts trainingTuneShapes), inference's
 * forward convs.
 */
export function tuneShapesOfRows(specs: RowSpec[]): TuneShape[] {
  const out: TuneShape[] = [];
  for (const s of specs) {
    const j = s.job;
    if (j.type === 'kernel' && KERNELS[j.kernel].op === 'conv2d' && TUNED.has(KERNELS[j.kernel].role)) {
      out.push({ role: KERNELS[j.kernel].role as TuneShape['role'], g: geom(j.dims) });
    } else if (j.type === 'step') out.push(...trainingTuneShapes(PRESET_SPECS[j.preset], j.batch, j.side, j.side));
    else if (j.type === 'infer') out.push(...inferenceTuneShapes(PRESET_SPECS.dncnn, 1, j.height, j.width));
  }
  return out;
}

/** A conv kernel row's job with the kernel of the family in use (the tuned one under 'auto'). */
function withFamily(job: RowSpec['job'], family: BenchFamily): RowSpec['job'] {
  if (job.type !== 'kernel') return job;
  const row = KERNELS[job.kernel];
  if (row.op !== 'conv2d' || !TUNED.has(row.role)) return job;
  const want = family === 'auto' ? (chosenFamily(row.role, job.dims) ?? 'tiled') : family;
  const f = familiesFor('conv2d', row.role, job.dims, runtime().ctx.device.features).includes(want) ? want : 'tiled';
  return { ...job, kernel: pickKernel('conv2d', row.role, f, job.dims).name };
}

/** Runs one row in both engines (its conv kernel of `family`). */
export async function runRow(spec: RowSpec, peer: TfPeer | null, peak: Peak, reps: number, onProgress?: (m: string) => void, family: BenchFamily = 'auto'): Promise<BenchRow> {
  const job = withFamily(spec.job, family);
  const m = await measure(job, spec.flop, referenceAffordable(spec), peer, reps, (s) => onProgress?.(`${spec.name}: ${s}`));
  const v = m.validation;
  return {
    name: spec.name, kind: spec.kind, what: spec.what,
    kernel: job.type === 'kernel' ? job.kernel : job.type === 'adam' ? 'adam' : null,
    flop: spec.flop, bytes: spec.bytes,
    ours: m.ours, tfjs: m.tfjs,
    ratio: m.tfjs ? m.tfjs.median_ms / m.ours.median_ms : null,
    ...rates(spec.flop, spec.bytes, m.ours.median_ms, peak),
    max_err_vs_ref: v.errVsRef, ref_pass: v.refPass, max_diff_vs_tfjs: v.diffVsTfjs,
    ...(m.noTfjs ? { note: m.noTfjs } : v.note ? { note: v.note } : {}),
  };
}

/** Runs the selected rows; see BenchResult for the JSON. */
export async function runBench(opts: BenchOptions = {}): Promise<BenchResult> {
  const say = (m: string) => opts.onProgress?.(m);
  const specs = selectRows({ quick: opts.quick, filter: opts.filter });
  if (!specs.length) throw new Error(`no benchmark rows match ${String(opts.filter)}`);
  const reps = repsOf({ reps: opts.reps });
  const rt = await initEngine();
  const a = rt.ctx.summary;
  say(`adapter ${a.vendor} / ${a.architecture}${a.description ? ` (${a.description})` : ''}, timing by ${rt.ctx.hasTimestamps ? 'timestamp queries' : 'onSubmittedWorkDone'}`);
  say('starting TF.js on the engine\'s device');
  (await initTfjs(rt.device)).dispose(); // fail early when TF.js cannot start
  const measurePeakOnce = async (when: string): Promise<Peak> => {
    say(`measuring the adapter's peak (${when})`);
    const { gflops, gbps } = await measurePeak();
    say(`peak ${gflops.toFixed(1)} GFLOP/s, ${gbps.toFixed(1)} GB/s`);
    return { gflops, gbps };
  };
  const start = await measurePeakOnce('start');
  const family = opts.family ?? 'auto';
  const before = getConvVariant();
  setConvVariant(family); // steps and inference: every conv of this family (or its tuned one)
  let tuning: BenchResult['tuning'];
  if (family === 'auto') {
    const shapes = tuneShapesOfRows(specs);
    say(`autotuning ${shapes.length} conv shapes and roles`);
    const results = await autotune(shapes, { force: true });
    for (const r of results) say(`autotune: ${describeTuning(r)}`);
    tuning = results.map((r) => ({ key: r.key, choice: r.choice, ms: r.ms as Record<string, number>, rejected: r.rejected as Record<string, string> }));
  }
  const rows: BenchRow[] = [];
  const failed: { name: string; error: string }[] = [];
  try {
    for (const [i, spec] of specs.entries()) {
      say(`[${i + 1}/${specs.length}] ${spec.name} (${spec.what})`);
      // A fresh TF.js backend per row: TF.js keeps every buffer size it has used in a pool (rows
      // range from kilobytes to hundreds of megabytes), and compiles per shape anyway.
      const peer = await initTfjs(rt.device);
      try {
        const row = await runRow(spec, peer, start, reps, say, family); // streamed with the start's peak
        rows.push(row);
        opts.onRow?.(row);
      } catch (e) {
        // One row's failure (a missing model file, a shape the device can't hold) costs that row only.
        const error = (e as Error)?.message?.split('\n')[0] ?? String(e);
        failed.push({ name: spec.name, error });
        say(`${spec.name}: FAILED: ${error}`);
      } finally {
        peer.dispose();
      }
    }
  } finally {
    setConvVariant(before);
  }
  // Measured again at the end, the better of the two is the ceiling: a busy machine or a clock
  // that drifted during the run must not make a row look faster than the peak.
  const end = await measurePeakOnce('end');
  const peak = { gflops: Math.max(start.gflops, end.gflops), gbps: Math.max(start.gbps, end.gbps) };
  return {
    adapter: { vendor: a.vendor, architecture: a.architecture, description: a.description },
    browser: navigator.userAgent ?? '', date: new Date().toISOString(),
    peak: { ...peak, measured: [start, end] }, quick: !!opts.quick, reps,
    rows: rows.map((r) => ({ ...r, ...rates(r.flop, r.bytes, r.ours.median_ms, peak) })),
    ...(failed.length ? { failed } : {}),
    family, ...(tuning ? { tuning } : {}),
  };
}

/**
 * Times one kernel of the table at dims (for the lab page), with or without TF.js on the same
 * inputs: first runs, a TF.js check when asked, interleaved samples. No reference check (the lab
 * has its own, checkKernel).
 */
export async function timeKernel(name: string, dims: Dims, opts: { tfjs: boolean; reps?: number }): Promise<{ ours: Timing; tfjs: Timing | null; maxDiffVsTfjs: number | null; flop: number; bytes: number; noTfjs?: string }> {
  const row = KERNELS[name];
  if (!row) throw new Error(`no kernel '${name}' in the kernel table`);
  // A conv family's case runs the whole role (every pass of the family, as winograd's four): its
  // rate counts the role's FLOPs and bytes, those of the naive kernel's row.
  const counted = hasConvGeometry(row) && familyOf(row) !== 'only' ? pickKernel(row.op, row.role, 'naive', dims) : row;
  const flop = counted.flops(dims);
  const bytes = counted.bytes(dims);
  const peer = opts.tfjs ? await initTfjs(runtime().device) : null;
  // Adam through the bench's Adam work, so that TF.js has a counterpart (one variable).
  const job = name === 'adam' ? { type: 'adam' as const, count: dims.count, pieces: [dims.count] } : { type: 'kernel' as const, kernel: name, dims };
  const m = await measure(job, flop, false, peer, repsOf({ reps: opts.reps }), () => undefined);
  return { ours: m.ours, tfjs: m.tfjs, maxDiffVsTfjs: m.validation.diffVsTfjs, flop, bytes, ...(m.noTfjs ? { noTfjs: m.noTfjs } : {}) };
}
