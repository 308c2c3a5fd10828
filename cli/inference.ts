/**
 * Where `npm run denoise` and `npm run bench:dncnn` run the model: in this Node process on Dawn,
 * or in headless Chromium (cli/inferenceBrowser.ts). Both run the same engine code
 * (src/model/denoise.ts runDenoiseJob, src/model/benchmark.ts benchmarkDenoiser); `--backend`
 * picks as for `npm run train` (cli/backend.ts): auto takes Node when Dawn finds an adapter.
 */
import type { Backend } from './args.ts';
import { BackendError, chooseBackend, startNodeOrFail } from './backend.ts';
import { fileTuneStore } from './tuneStore.ts';
import { type BenchmarkResult, benchmarkDenoiser } from '../src/model/benchmark.ts';
import { type DenoiseJob, type DenoiseJobResult, DenoiserCache, type ModelChoice, ShippedDenoisers, type TileProgress, runDenoiseJob } from '../src/model/denoise.ts';
import type { StandardSet } from '../src/model/pretrained.ts';
import { releaseNodeGpu } from '../src/node/index.ts';
import { type TuneMode, type TuneSetting, inferenceTuning } from '../src/model/tuneInference.ts';
import type { ProgressBar } from './progressBar.ts';

export interface BenchmarkRequest { model: string; set: StandardSet; sigma: number; limit?: number; seed: number; tile?: number }

export interface InferenceBackend {
  readonly name: 'node' | 'browser';
  /** "vendor / architecture (description)" */
  readonly adapter: string;
  /** The model for the following denoise jobs (a file's bytes cross to the page once). */
  setModel(choice: ModelChoice): Promise<void>;
  /** One image; rejects with a DenoiseInputError (name kept across the page boundary) for a bad input. */
  denoise(job: DenoiseJob, onProgress: (p: TileProgress) => void): Promise<DenoiseJobResult>;
  /** A shipped model on a standard set at one sigma. */
  benchmark(r: BenchmarkRequest, onProgress: (done: number, total: number) => void): Promise<BenchmarkResult>;
  close(): Promise<void>;
}

/**
 * --tune for a CLI run with a progress bar: the measuring shows on the bar (its clock restarts
 * after, so the ETA of the work that follows is not skewed), each choice as a line.
 */
export function tuneOnBar(mode: TuneMode, bar: ProgressBar): TuneSetting {
  return {
    mode,
    onProgress: (done, total) => { bar.update('measuring the conv kernels on this device', done, total, 'shapes'); if (done === total) bar.reset(); },
    onLog: (line) => { bar.end(); console.log(line); },
  };
}

/** An error from the engine, by name, so that the CLI can tell a bad input (exit 2) from a failure (exit 1). */
export class RemoteError extends Error {
  constructor(readonly kind: string, message: string) { super(message); this.name = kind; }
}

/** The engine in this process (Dawn through the optional npm package `webgpu`). */
export async function openNodeInference(o: { adapter: string | null; tune?: TuneSetting }): Promise<InferenceBackend> {
  const adapter = await startNodeOrFail(o.adapter);
  const tune = inferenceTuning(o.tune, fileTuneStore());
  let cache = new DenoiserCache({ auto: true });
  const shipped = new ShippedDenoisers();
  return {
    name: 'node',
    adapter,
    async setModel(choice) { cache.dispose(); cache = new DenoiserCache(choice); },
    denoise: (job, onProgress) => runDenoiseJob(cache, job, { onProgress, tune }),
    async benchmark(r, onProgress) {
      return benchmarkDenoiser(await shipped.get(r.model), r.set, r.sigma, { seed: r.seed, limit: r.limit, tile: r.tile, onProgress, tune });
    },
    async close() {
      cache.dispose();
      shipped.dispose();
      releaseNodeGpu();
    },
  };
}

/**
 * Starts the chosen backend. 'auto' takes Node when Dawn gives an adapter (or --adapter was
 * given), else the browser, saying why on stderr; `preferBrowser` (inputs only a browser can
 * decode, such as JPEG) tries the browser first.
 */
export async function openInference(choice: Backend, o: { adapter: string | null; preferBrowser?: string; tune?: TuneSetting }): Promise<InferenceBackend> {
  const browser = async () => (await import('./inferenceBrowser.ts')).openBrowserInference(o.tune);
  if (choice === 'auto' && !o.adapter && o.preferBrowser) {
    try {
      const b = await browser();
      console.error(`note: using the browser backend: ${o.preferBrowser}`);
      return b;
    } catch (e) {
      if (!(e instanceof BackendError)) throw e;
      console.error(`note: ${o.preferBrowser}, but the browser backend is not available (${e.message}); using the Node backend`);
      return openNodeInference(o);
    }
  }
  return chooseBackend(choice, o.adapter, () => openNodeInference(o), browser);
}
