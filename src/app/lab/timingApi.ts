/**
 * The lab's access to the timing modules (src/lab/bench.ts, src/lab/peak.ts), loaded on first
 * Time through dynamic import(): the source view and Check never load them, and TF.js (which
 * bench.ts starts only when the compare switch is on) stays out of the page until then.
 */
import type { Dims } from '../../engine/kernels.ts';
import type { Peak } from '../../lab/peak.ts';
import type { Timing } from '../../lab/timing.ts';

export type { Peak, Timing };

/** One timed kernel at one shape (bench.ts's timeKernel). */
export interface KernelTiming {
  ours: Timing;
  /** TF.js at the same shape, on the same device, interleaved with ours; null when not compared. */
  tfjs: Timing | null;
  /** Largest |ours - TF.js| over the output, or null. */
  maxDiffVsTfjs: number | null;
  /** FLOP and bytes of one run at this shape (the kernel table's formulas). */
  flop: number;
  bytes: number;
  /** Why TF.js has no counterpart (when it was asked for and has none). */
  noTfjs?: string;
}

/** A timing module failed to load (a broken build or a network error), said plainly. */
export class TimingMissing extends Error {
  constructor(file: string, cause: unknown) {
    super(`timing module missing: could not load ${file} (${(cause as Error)?.message ?? String(cause)}); Check still works`);
    this.name = 'TimingMissing';
  }
}

/** Imports a timing module, turning a load failure into TimingMissing. */
async function load<T>(file: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (e) {
    throw new TimingMissing(file, e);
  }
}

/** Times kernel `name` at dims, with TF.js beside it when asked. */
export async function timeKernel(name: string, dims: Dims, opts: { tfjs: boolean; reps: number }): Promise<KernelTiming> {
  const m = await load('src/lab/bench.ts', () => import('../../lab/bench.ts'));
  return m.timeKernel(name, dims, opts);
}

let peak: Promise<Peak> | null = null;

/** The adapter's measured peak, measured once per visit (a failed measurement is retried next time). */
export function adapterPeak(): Promise<Peak> {
  peak ??= load('src/lab/peak.ts', () => import('../../lab/peak.ts')).then((m) => m.measurePeak());
  peak.catch(() => { peak = null; });
  return peak;
}
