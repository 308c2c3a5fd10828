/**
 * The autotuner: for each conv role (forward, input gradient, weight gradient) and geometry in use,
 * times every kernel family that serves it (src/engine/kernels.ts familiesFor: the register-tiled
 * kernels CPU adapters want, the workgroup-memory ones real GPUs usually want) on this device and
 * keeps the fastest for the 'auto' conv variant (src/engine/tuning.ts).
 *
 * Per shape:
 *  1. Check. Each family runs the shape at batch 1 on seeded inputs and must match the naive
 *     kernel there within the conv tolerance; one that does not is rejected, with the numbers. A
 *     weight gradient is checked on at most CHECK_SIDE x CHECK_SIDE output pixels (checkGeometry).
 *  2. Screen. Each family's first full-size call is timed (wall clock); one over SCREEN x the
 *     fastest (and SCREEN_MIN_MS) is dropped without sampling: on a CPU adapter, where sampling a
 *     slow kernel would cost seconds. On a GPU one call is too short to judge and none is dropped.
 *     A lone survivor is chosen with its first call's time.
 *  3. Time. The survivors take `reps` interleaved samples, each a batch of calls sized to
 *     SAMPLE_MS of GPU time (src/engine/timing.ts: timestamp queries where the device has them,
 *     else wall clock). The fastest median wins; a challenger must beat tiled by MARGIN, so noise
 *     does not flip choices.
 * Results are cached per adapter (vendor, architecture, device, description) through a TuneStore:
 * a file under Node (cli/tuneStore.ts), IndexedDB in the page (src/app/tuneStore.ts). Training
 * tunes its step's shapes (src/model/session.ts), inference its forward pass's at the tile or strip
 * size (src/model/tuneInference.ts).
 */
import { type Family, type Role, familiesFor } from './kernels.ts';
import { type ConvGeometry, tolerance } from './ops/conv2d.ts';
import { filterGrad } from './ops/convGrad.ts';
import { convForward, convTranspose } from './ops/convLaunch.ts';
import { Rng, randomUniform } from './random.ts';
import { type Tensor, tensor } from './tensor.ts';
import { runtime } from './runtime.ts';
import { oursTimer } from './timing.ts';
import { currentAdapterKey, setTuned, shapeKey, tunedFamily } from './tuning.ts';

/** A conv role the tuner chooses a family for, at a geometry. */
export interface TuneShape { role: TunedRole; g: ConvGeometry }
export type TunedRole = Extract<Role, 'forward' | 'input-grad' | 'weight-grad'>;
export const TUNED_ROLES: readonly TunedRole[] = ['forward', 'input-grad', 'weight-grad'];

export interface TuneResult {
  key: string;
  choice: Family;
  /** Median ms of each family timed at full size (a lone survivor of the screen: its first call's). */
  ms: Partial<Record<Family, number>>;
  /** Families not chosen before timing, and why. */
  rejected: Partial<Record<Family, string>>;
  /** True when the choice came from the store or an earlier call, not a measurement now. */
  cached: boolean;
}

/** Where choices persist between runs, per adapter key. */
export interface TuneStore {
  load(adapter: string): Promise<Record<string, Family>>;
  save(adapter: string, choices: Record<string, Family>): Promise<void>;
}

export interface TuneOptions {
  store?: TuneStore;
  /** Measure again even where a choice is held. */
  force?: boolean;
  /** Timed samples per family at full size (default 3). */
  reps?: number;
  onProgress?: (done: number, total: number, key: string) => void;
  signal?: AbortSignal;
}

/**
 * A family whose first full-size call takes SCREEN x the fastest's, and over SCREEN_MIN_MS, is not
 * sampled. Shorter first calls are not screened: there one-off costs (new buffers, bind groups)
 * can be most of the time (on an H200 they made 0.3 ms kernels take 1.4 ms).
 */
const SCREEN = 4;
const SCREEN_MIN_MS = 20;
/** GPU time of one sample (a batch of calls): well above timestamp quantisation (65 us on an H200). */
const SAMPLE_MS = 10;
/** A challenger must be this much faster than tiled to replace it. */
const MARGIN = 0.97;

/**
 * Output rows and columns a weight-gradient check keeps. The naive kernel adds every pixel serially
 * in float32: past some 16k pixels its own rounding error outgrows the conv tolerance (on an H200
 * it failed every family at 256x256 and 321x481), so it stops being a reference there.
 */
const CHECK_SIDE = 64;

/**
 * The geometry a role is checked at: batch 1; for the weight gradient also at most CHECK_SIDE x
 * CHECK_SIDE output pixels, with the input rows and columns their taps reach (the same kernel
 * paths: taps outside the input read zeros, as padding).
 */
export function checkGeometry(role: TunedRole, g: ConvGeometry): ConvGeometry {
  if (role !== 'weight-grad') return { ...g, N: 1 };
  const OH = Math.min(g.OH, CHECK_SIDE), OW = Math.min(g.OW, CHECK_SIDE);
  const H = OH < g.OH ? Math.min(g.H, (OH - 1) * g.S + g.KH) : g.H;
  const W = OW < g.OW ? Math.min(g.W, (OW - 1) * g.S + g.KW) : g.W;
  return { ...g, N: 1, OH, OW, H, W };
}

/** Tunes every distinct shape (skipping those already chosen unless `force`), then saves. */
export async function autotune(shapes: TuneShape[], opts: TuneOptions = {}): Promise<TuneResult[]> {
  const adapter = currentAdapterKey();
  if (opts.store) setTuned(adapter, await opts.store.load(adapter));
  const distinct = new Map<string, TuneShape>();
  for (const s of shapes) distinct.set(shapeKey(s.role, { ...s.g }), s);
  const results: TuneResult[] = [];
  const fresh: Record<string, Family> = {};
  let done = 0;
  for (const [key, s] of distinct) {
    opts.signal?.throwIfAborted();
    opts.onProgress?.(done, distinct.size, key);
    const held = tunedFamily(s.role, { ...s.g });
    if (held && !opts.force) {
      results.push({ key, choice: held, ms: {}, rejected: {}, cached: true });
    } else {
      const r = await measure(key, s, opts.reps ?? 3);
      results.push(r);
      fresh[key] = r.choice;
      setTuned(adapter, { [key]: r.choice });
    }
    done++;
  }
  opts.onProgress?.(done, distinct.size, '');
  if (opts.store && Object.keys(fresh).length) await opts.store.save(adapter, { ...(await opts.store.load(adapter)), ...fresh });
  return results;
}

/** The conv roles of a geometry that the tuner chooses for. */
export const tuneShapesOf = (g: ConvGeometry): TuneShape[] => TUNED_ROLES.map((role) => ({ role, g }));

// ---- one shape --------------------------------------------------------------------------------

/** Seeded inputs of a role at g, uploaded. */
function inputs(role: TunedRole, g: ConvGeometry, seed: number): Tensor[] {
  const rng = new Rng(seed);
  const rand = (shape: number[]) => tensor(randomUniform(rng, shape.reduce((p, q) => p * q, 1)), shape);
  if (role === 'weight-grad') return [rand([g.N, g.H, g.W, g.CI]), rand([g.N, g.OH, g.OW, g.CO])];
  const w = rand([g.KH, g.KW, g.CI, g.CO]);
  return role === 'forward'
    ? [rand([g.N, g.H, g.W, g.CI]), w, rand([g.CO])]
    : [rand([g.N, g.OH, g.OW, g.CO]), w];
}

function launch(role: TunedRole, t: Tensor[], g: ConvGeometry, f: Family): Tensor {
  if (role === 'weight-grad') return filterGrad(t[0], t[1], g, f);
  return role === 'forward' ? convForward(t[0], t[1], t[2], g, 'none', f) : convTranspose(t[0], t[1], null, g, 'none', f);
}

/** Each family's output at g on the same inputs, read back (the naive one first). */
async function outputs(role: TunedRole, t: Tensor[], g: ConvGeometry, families: Family[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const f of families) {
    const y = launch(role, t, g, f);
    out.push(await y.read());
    y.dispose();
  }
  return out;
}

/** Why `got` is not the naive kernel's `want` within the conv tolerance (NaN never is), or null. */
export function mismatch(got: Float32Array, want: Float32Array): string | null {
  let worst = 0, at = 0;
  for (let i = 0; i < got.length; i++) {
    const r = Math.abs(got[i] - want[i]) / (tolerance.atol + tolerance.rtol * Math.abs(want[i]));
    if (Number.isNaN(r)) return `differs from the naive kernel at batch 1: element ${i} is ${got[i]}, naive ${want[i]}`;
    if (r > worst) { worst = r; at = i; }
  }
  return worst <= 1 ? null : `differs from the naive kernel at batch 1: element ${at} is ${got[at]}, naive ${want[at]} (${worst.toFixed(1)}x the tolerance)`;
}

async function measure(key: string, s: TuneShape, reps: number): Promise<TuneResult> {
  const { role, g } = s;
  const rejected: Partial<Record<Family, string>> = {};
  let families = familiesFor('conv2d', role, { ...g }, runtime().ctx.device.features).filter((f) => f !== 'naive');
  const result = (ms: Partial<Record<Family, number>>): TuneResult => {
    let choice: Family = families.includes('tiled') ? 'tiled' : families[0] ?? 'tiled';
    for (const f of families) if (ms[f]! < ms[choice]! * MARGIN) choice = f;
    return { key, choice, ms, rejected, cached: false };
  };
  if (families.length < 2) return result({});

  // 1. Each family against the naive kernel at batch 1 (checkGeometry).
  const g1 = checkGeometry(role, g);
  const small = inputs(role, g1, 1);
  const [want, ...got] = await outputs(role, small, g1, ['naive', ...families]);
  for (const t of small) t.dispose();
  families.forEach((f, i) => { const why = mismatch(got[i], want); if (why) rejected[f] = why; });
  families = families.filter((f) => !rejected[f]);
  if (families.length < 2) return result({});

  // 2. Full size: a first call each (the screen), then interleaved samples of the survivors.
  const full = inputs(role, g, 2);
  try {
    const timers = new Map(families.map((f) => [f, oursTimer(() => launch(role, full, g, f).dispose(), { targetMs: SAMPLE_MS, maxBatch: 64 })]));
    try {
      const first = new Map<Family, number>();
      for (const [f, t] of timers) first.set(f, await t.first());
      const best = Math.min(...first.values());
      for (const [f, ms] of first) if (ms > SCREEN * best && ms > SCREEN_MIN_MS) rejected[f] = `its first call took ${(ms / best).toFixed(1)}x the fastest one's (${ms.toFixed(2)} ms)`;
      families = families.filter((f) => !rejected[f]);
      // One left: it is the choice, with the time it was judged by (its first call), not sampled.
      if (families.length < 2) return result(Object.fromEntries(families.map((f) => [f, first.get(f)!])));
      for (let r = 0; r < reps; r++) for (const f of families) await timers.get(f)!.sample();
      return result(Object.fromEntries(families.map((f) => [f, timers.get(f)!.result().median_ms])));
    } finally {
      for (const t of timers.values()) t.dispose();
    }
  } finally {
    for (const t of full) t.dispose();
  }
}

/** One line per result, for logs: "forward n16 ... : shared (tiled 0.21 ms, shared 0.08 ms)". */
export function describeTuning(r: TuneResult): string {
  const times = Object.entries(r.ms).map(([f, ms]) => `${f} ${ms!.toFixed(3)} ms`);
  const why = Object.entries(r.rejected).map(([f, w]) => `${f}: ${w}`);
  return `${r.key}: ${r.choice}${r.cached ? ' (cached)' : ''}${times.length ? ` (${times.join(', ')})` : ''}${why.length ? `; not ${why.join('; ')}` : ''}`;
}

