/**
 * The autotuner's choices under Node (src/engine/autotune.ts TuneStore): one JSON file,
 * { adapter key (with the conv kernels' hash): { shape key: family } }, at $DENOISE_TUNE_CACHE or, by default,
 * ($XDG_CACHE_HOME or ~/.cache)/webgpu-denoise/autotune.json. A missing, unreadable or malformed
 * file is an empty cache (measured again, then rewritten); a cache that cannot be written is said
 * once and costs only the next run's measurement.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TuneStore } from '../src/engine/autotune.ts';
import type { Family } from '../src/engine/kernels.ts';
import { deviceOfKey, validChoices } from '../src/engine/tuning.ts';


export function tuneCachePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DENOISE_TUNE_CACHE) return env.DENOISE_TUNE_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'webgpu-denoise', 'autotune.json');
}

type CacheFile = Record<string, Record<string, Family>>;

function readCache(path: string): CacheFile {
  if (!existsSync(path)) return {};
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return {};
    const out: CacheFile = {};
    for (const [adapter, choices] of Object.entries(raw as Record<string, unknown>)) out[adapter] = validChoices(choices);
    return out;
  } catch {
    return {};
  }
}

/** A TuneStore on the file at `path`; `warn` hears of a failed write (once). */
export function fileTuneStore(path = tuneCachePath(), warn: (message: string) => void = (m) => console.error(m)): TuneStore {
  let warned = false;
  return {
    async load(adapter) { return readCache(path)[adapter] ?? {}; },
    async save(adapter, choices) {
      try {
        const all = readCache(path);
        // Choices for this adapter among other kernels (an older engine's, src/engine/tuning.ts) serve no one.
        for (const k of Object.keys(all)) if (deviceOfKey(k) === deviceOfKey(adapter)) delete all[k];
        all[adapter] = choices;
        mkdirSync(dirname(path), { recursive: true });
        // Whole or not at all: a second run reading while this one writes sees the old file.
        writeFileSync(`${path}.tmp`, `${JSON.stringify(all, null, 1)}\n`);
        renameSync(`${path}.tmp`, path);
      } catch (e) {
        if (!warned) warn(`autotune: could not save the kernel choices to ${path} (${(e as Error).message}); the next run measures again`);
        warned = true;
      }
    },
  };
}

/**
 * Exposes `store()` (read at each call: the store may change between runs) to a headless page as
 * the tuneLoad and tuneSave functions its bridged store calls (cli/bridgedStore.ts).
 */
export async function exposeTuneStore(page: { exposeFunction(name: string, fn: (...args: string[]) => unknown): Promise<void> }, store: () => TuneStore | undefined): Promise<void> {
  await page.exposeFunction('tuneLoad', async (key: string) => JSON.stringify(await store()?.load(key) ?? {}));
  await page.exposeFunction('tuneSave', async (key: string, json: string) => { await store()?.save(key, JSON.parse(json)); });
}
