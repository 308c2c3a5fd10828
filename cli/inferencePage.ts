/**
 * The headless page behind `npm run denoise -- --backend browser` and `npm run bench:dncnn --
 * --backend browser`: runs the same engine code as the Node backend (cli/inference.ts) and
 * hands results back as base64. Errors come back as values ({ error: { kind, message } }) so
 * that their kind (DenoiseInputError: a bad input, exit code 2) survives the page boundary.
 */
import { b64ToBytes, bytesToB64 } from './b64.ts';
import { initEngine } from '../src/engine/index.ts';
import { type BenchmarkResult, benchmarkDenoiser } from '../src/model/benchmark.ts';
import { type DenoiseJobResult, DenoiserCache, type ModelChoice, ShippedDenoisers, runDenoiseJob } from '../src/model/denoise.ts';
import type { StandardSet } from '../src/model/pretrained.ts';
import { type InferenceTuning, type TuneMode, inferenceTuning } from '../src/model/tuneInference.ts';
import { bridgedStore } from './bridgedStore.ts';


/** A value or the error it threw, by name. */
export type Outcome<T> = { ok: T } | { error: { kind: string; message: string } };

/** A denoise job as it crosses to the page: files staged beforehand under keys. */
export interface WireJob { name: string; staged: string; clean?: { name: string; staged: string }; sigma?: number; seed?: number; step?: number; tile?: number }
export type WireModel = { auto: true } | { pretrained: string } | { file: string; staged: string };

declare global {
  interface Window {
    inferenceEvent(json: string): Promise<void>;
    inference: {
      /** Starts the engine; `tune`: --tune, with the choices kept in the CLI's store (tuneLoad, tuneSave). */
      init(tune: TuneMode): Promise<string>;
      /** Appends base64 bytes to a staged file (large files cross in chunks). */
      stage(key: string, b64: string): number;
      setModel(m: WireModel): Outcome<null>;
      denoise(job: WireJob): Promise<Outcome<Omit<DenoiseJobResult, 'png'> & { png: string }>>;
      benchmark(r: { model: string; set: StandardSet; sigma: number; limit?: number; seed: number; tile?: number }): Promise<Outcome<BenchmarkResult>>;
    };
  }
}

const staged = new Map<string, Uint8Array[]>();
/** A staged file's bytes (and forgets them). */
function take(key: string): Uint8Array {
  const parts = staged.get(key) ?? [];
  staged.delete(key);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

const send = (ev: object) => window.inferenceEvent(JSON.stringify(ev));
const fail = (e: unknown) => ({ error: { kind: (e as Error).name ?? 'Error', message: (e as Error).message ?? String(e) } });

let cache = new DenoiserCache({ auto: true });
const shipped = new ShippedDenoisers();
let tune: InferenceTuning | undefined;

window.inference = {
  async init(mode) {
    const rt = await initEngine();
    tune = inferenceTuning({ mode, onProgress: (done, total) => void send({ type: 'tuning', done, total }), onLog: (line) => void send({ type: 'log', line }) }, bridgedStore);
    const a = rt.ctx.summary;
    return `${a.vendor} / ${a.architecture}${a.description ? ` (${a.description})` : ''}`;
  },
  stage(key, b64) {
    const list = staged.get(key) ?? [];
    list.push(b64ToBytes(b64));
    staged.set(key, list);
    return list.length;
  },
  setModel(m) {
    const choice: ModelChoice = 'staged' in m ? { file: m.file, bytes: take(m.staged) } : m;
    cache.dispose();
    cache = new DenoiserCache(choice);
    return { ok: null };
  },
  async denoise(job) {
    try {
      const r = await runDenoiseJob(cache, {
        ...job, bytes: take(job.staged),
        clean: job.clean && { name: job.clean.name, bytes: take(job.clean.staged) },
      }, { onProgress: (p) => void send({ type: 'tile', ...p }), tune });
      return { ok: { ...r, png: bytesToB64(r.png) } };
    } catch (e) {
      return fail(e);
    }
  },
  async benchmark(r) {
    try {
      const d = await shipped.get(r.model);
      return { ok: await benchmarkDenoiser(d, r.set, r.sigma, { seed: r.seed, limit: r.limit, tile: r.tile, tune, onProgress: (done, total) => void send({ type: 'images', done, total }) }) };
    } catch (e) {
      return fail(e);
    }
  },
};
