/**
 * The autotuner's choices in the page (src/engine/autotune.ts TuneStore): kept in IndexedDB beside
 * the autosave (src/app/storage.ts), one entry per adapter key, so each device is measured once.
 * IndexedDB that cannot be opened or read is an empty cache (measured again); a failed write is
 * said once and costs only the next session's measurement: training never fails for it.
 */
import type { TuneStore } from '../engine/autotune.ts';
import { validChoices } from '../engine/tuning.ts';
import { idbGet, idbPut } from './storage.ts';
import { log } from './ui.ts';

const keyOf = (adapter: string) => `autotune:${adapter}`;

/** A TuneStore on IndexedDB; `warn` hears of a failed write (once). */
export function idbTuneStore(warn: (message: string) => void = (m) => console.warn(m)): TuneStore {
  let warned = false;
  return {
    async load(adapter) {
      try {
        return validChoices(await idbGet<unknown>(keyOf(adapter)));
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

/** The page's store: training, the test panel and the photo panel share it (a failed write is said in the log). */
export const pageTuneStore = idbTuneStore((m) => log(m));
