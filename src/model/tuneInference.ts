/**
 * Measuring the conv kernels before inference (denoising a photo, testing a model): the autotuner
 * (src/engine/autotune.ts) at the shapes the forward pass is about to run, so that 'auto' runs the
 * family measured fastest on this device there, as training does at its own shapes. Tiles and
 * strips change size by a few pixels from image to image, so a choice measured for a layer at a
 * near size serves (src/engine/tuning.ts chosenFamily): a batch of similar images measures once,
 * and the store keeps the choices for later runs.
 */
import { type TuneShape, type TuneStore, autotune, describeTuning } from '../engine/autotune.ts';
import { NEAR, chosenFamily, currentAdapterKey, nearestKey, setTuned, shapeKey } from '../engine/tuning.ts';
import { type ModelSpec, inferenceTuneShapes } from './layers.ts';

export interface InferenceTuning {
  /** Where choices persist between runs (a file under Node, IndexedDB in the page). */
  store?: TuneStore;
  /** Measure again, even where a choice is held: each layer once per InferenceTuning object. */
  force?: boolean;
  /** While measuring: shapes done of total. */
  onProgress?(done: number, total: number): void;
  /** A line per choice measured. */
  onLog?(line: string): void;
}

/** --tune of `npm run train` and `npm run denoise`: measure where not measured, measure anew, or not at all (tiled everywhere). */
export type TuneMode = 'on' | 'off' | 'again';

/** How a CLI run measures before inference: its mode, and what it hears while measuring (a progress bar, a log). */
export interface TuneSetting {
  mode: TuneMode;
  onProgress?(done: number, total: number): void;
  onLog?(line: string): void;
}

/** The tuning of a whole run, or undefined for 'off' (one object: it reads the store once, and 'again' measures each layer once). */
export function inferenceTuning(t: TuneSetting | undefined, store: TuneStore): InferenceTuning | undefined {
  if (!t || t.mode === 'off') return undefined;
  return { store, force: t.mode === 'again', onProgress: (d, n) => t.onProgress?.(d, n), onLog: (l) => t.onLog?.(l) };
}

/** Per tuning object: whether its store was read, and (under force) the shapes measured again. */
const seen = new WeakMap<InferenceTuning, { loaded: boolean; forced: Set<string> }>();

/**
 * Measures the conv kernels for N images of h x w through `spec`, where this device has no choice
 * for them at this size or a near one (or all of them once, under force), at half the side.
 * Nothing without `t`.
 */
export async function tuneInference(spec: ModelSpec, N: number, h: number, w: number, t: InferenceTuning | undefined, signal?: AbortSignal): Promise<void> {
  if (!t) return;
  let s = seen.get(t);
  if (!s) seen.set(t, (s = { loaded: false, forced: new Set() }));
  if (t.store && !s.loaded) {
    setTuned(currentAdapterKey(), await t.store.load(currentAdapterKey()));
    s.loaded = true;
  }
  const forced = s.forced;
  const held = (x: TuneShape) => t.force ? nearestKey(x.role, { ...x.g }, forced) : chosenFamily(x.role, { ...x.g });
  // Measured at half the side: a quarter of the cost (on SwiftShader, measuring at a Set12 image's
  // full size took ten times as long as denoising it), and the choice still serves the full size (NEAR).
  const half = (n: number) => Math.max(Math.min(n, 16), Math.ceil(n / Math.sqrt(NEAR)));
  const halves = inferenceTuneShapes(spec, N, half(h), half(w));
  const shapes = inferenceTuneShapes(spec, N, h, w).flatMap((x, i) => (held(x) ? [] : [halves[i]]));
  if (!shapes.length) return;
  const results = await autotune(shapes, { store: t.store, force: t.force, signal, onProgress: (done, total) => t.onProgress?.(done, total) });
  if (t.force) for (const x of shapes) forced.add(shapeKey(x.role, { ...x.g }));
  for (const r of results) if (!r.cached) t.onLog?.(`autotune: ${describeTuning(r)}`);
}
