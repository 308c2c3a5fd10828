/**
 * Where `npm run train` runs the session: in this Node process on Dawn (cli/nodeBackend.ts), or
 * in headless Chromium through Puppeteer (cli/browserBackend.ts). Both run the same code
 * (src/model/session.ts runSession) and report the same events and results.
 */
import type { TrainConfig } from '../src/model/config.ts';
import type { SessionInput } from '../src/model/session.ts';
export { isCpuAdapter } from '../src/node/gpu.ts';
import type { Backend } from './args.ts';
import type { CliEvent, RenderedRun } from './render.ts';

export interface TrainBackend {
  readonly name: 'node' | 'browser';
  /** "vendor / architecture (description)" */
  readonly adapter: string;
  /** Runs one session; progress goes to onEvent. Rejects with the session's error. */
  run(input: SessionInput, onEvent: (e: CliEvent) => void): Promise<RenderedRun>;
  /** `--profile`: one profiled training step, as text. */
  profile(config: TrainConfig, tune?: SessionInput['tune']): Promise<string>;
  /** Asks a running session to stop after its current step (it still evaluates and saves). */
  stop(): void;
  /** Errors the page reported (browser), printed after the run. */
  readonly errors: string[];
  close(): Promise<void>;
}

/** The backend could not start: the message says what to install; exit code 2 (setup) or 1. */
export class BackendError extends Error {
  constructor(message: string, readonly exitCode: number) { super(message); }
}

/** An error's first line, without a leading 'Error: ' (page errors carry whole stacks). */
export const firstLine = (e: unknown) => (e as Error).message.split('\n')[0].replace(/^Error: /, '');

/** Starts the engine in this process on Dawn; a setup problem becomes a BackendError with exit code 2. */
export async function startNodeOrFail(adapter: string | null): Promise<string> {
  const { NodeGpuError, startNodeEngine } = await import('../src/node/index.ts');
  try {
    return (await startNodeEngine({ adapter: adapter ?? undefined })).adapter;
  } catch (e) {
    if (e instanceof NodeGpuError) throw new BackendError(e.message, 2);
    throw new BackendError(`${(e as Error).name}: ${(e as Error).message}`, 1);
  }
}

/** Opens a headless page of the repo; no browser to be found is a BackendError with exit code 2. */
export async function openPageOrFail(path: string): Promise<Awaited<ReturnType<typeof import('./browser.ts').openPage>>> {
  const { openPage } = await import('./browser.ts');
  try {
    return await openPage(path);
  } catch (e) {
    throw new BackendError(firstLine(e), /No Chrome|CHROME_PATH/.test((e as Error).message) ? 2 : 1);
  }
}

/**
 * The choice `--backend` makes between two ways of starting (train and denoise share it): 'node'
 * and 'browser' as said; 'auto' takes Node when Dawn gives an adapter (or --adapter was given)
 * and otherwise the browser, saying why on stderr.
 */
export async function chooseBackend<T>(choice: Backend, adapter: string | null, node: () => Promise<T>, browser: () => Promise<T>): Promise<T> {
  if (choice === 'node' || (choice === 'auto' && adapter)) return node();
  if (choice === 'browser') return browser();
  let nodeError: BackendError;
  try {
    return await node();
  } catch (e) {
    if (!(e instanceof BackendError) || e.exitCode !== 2) throw e;
    nodeError = e;
  }
  console.error(`note: the Node backend is not available (${nodeError.message}); using the browser backend`);
  try {
    return await browser();
  } catch (e) {
    if (e instanceof BackendError) throw new BackendError(`no backend could start.\n  node: ${nodeError.message}\n  browser: ${e.message}`, e.exitCode);
    throw e;
  }
}

/** Starts the chosen backend for `npm run train` (see chooseBackend). */
export function openBackend(choice: Backend, o: { adapter: string | null }): Promise<TrainBackend> {
  return chooseBackend(choice, o.adapter,
    async () => (await import('./nodeBackend.ts')).openNodeBackend(o),
    async () => (await import('./browserBackend.ts')).openBrowserBackend());
}
