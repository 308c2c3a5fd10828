/**
 * The autotuner's choices in the page (src/engine/autotune.ts TuneStore): kept in IndexedDB beside
 * the autosave (src/app/storage.ts), one entry per adapter key, so each device is measured once.
 * IndexedDB that cannot be opened or read is an empty cache (measured again); a failed write is
 * said once and costs only the next session's measurement: training never fails for it.
 */
import type { TuneStore } from '../engine/autotune.ts';
import { FAMILIES, type Family } from '../engine/kernels.ts';
import { idbGet, idbPut } from './storage.ts';

const keyOf = (adapter: string) => `autotune:${adapter}`;

/** A TuneStore on IndexedDB; `warn` hears of a failed write (once). */
export function idbTuneStore(warn: (message: string) => void = (m) => console.warn(m)): TuneStore {
  let warned = false;
  return {
    async load(adapter) {
      try {
        const raw = await idbGet<unknown>(keyOf(adapter));
        if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return {};
        return Object.fromEntries(Object.entries(raw).filter(([, f]) => typeof f === 'string' && (FAMILIES as readonly string[]).includes(f as string))) as Record<string, Family>;
      } catch {
        return {};
      }
    },
    async save(adapter, choices) {
      try {
        await idbPut(keyOf(adapter), { ...choices });
      } catch (e) {
        if (!warned) warn(`autotune: could not keep the kernel choices in the browser's storage (${(e as Error).message}); the next session measures again`);
        warned = true;
      }
    },
  };
}
