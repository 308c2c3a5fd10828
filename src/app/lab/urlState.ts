/**
 * The lab's state in the URL, so a result can be shared: which kernel, the shape as typed, the
 * mode, the TF.js switch and the repetitions. `&run=1` on load runs it.
 *
 *   lab.html?kernel=conv2d_tiled&N=2&H=9&W=11&CI=5&CO=8&K=3&S=2&padding=same&mode=time&tfjs=1&reps=20&run=1
 */
import type { Fields } from './shape.ts';

export type Mode = 'check' | 'time';

export interface LabState {
  kernel: string;
  /** The shape's fields as typed (empty: the kernel's small shape). */
  fields: Fields;
  mode: Mode;
  tfjs: boolean;
  reps: number;
  /** Run on load (only read from the URL, never written). */
  run: boolean;
}

/** Parameters that are not shape fields. */
const CONTROL = new Set(['kernel', 'mode', 'tfjs', 'reps', 'run']);

export const DEFAULT_REPS = 20;

/** The state a query string describes (missing parts get defaults; `fallbackKernel` when none is named). */
export function readUrl(search: string, fallbackKernel: string): LabState {
  const q = new URLSearchParams(search);
  const fields: Fields = {};
  for (const [k, v] of q) if (!CONTROL.has(k)) fields[k] = v;
  const reps = Number(q.get('reps'));
  return {
    kernel: q.get('kernel') || fallbackKernel,
    fields,
    mode: q.get('mode') === 'time' ? 'time' : 'check',
    tfjs: q.get('tfjs') === '1' || q.get('tfjs') === 'true',
    reps: Number.isInteger(reps) && reps >= 1 ? reps : DEFAULT_REPS,
    run: q.get('run') === '1' || q.get('run') === 'true',
  };
}

/** The query string for a state (without `run`). */
export function queryOf(s: LabState): string {
  const q = new URLSearchParams({ kernel: s.kernel });
  for (const [k, v] of Object.entries(s.fields)) q.set(k, v);
  q.set('mode', s.mode);
  if (s.tfjs) q.set('tfjs', '1');
  if (s.reps !== DEFAULT_REPS) q.set('reps', String(s.reps));
  return `?${q}`;
}

/** Writes the state into the address bar: a new history entry when the kernel changes, else in place. */
export function writeUrl(s: LabState, newEntry: boolean): void {
  const url = `${location.pathname}${queryOf(s)}`;
  if (url === `${location.pathname}${location.search}`) return;
  if (newEntry) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
}
