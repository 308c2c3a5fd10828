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
  profile(config: TrainConfig): Promise<string>;
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

/**
 * Starts the chosen backend. 'auto' takes Node when Dawn gives an adapter (or --adapter was
 * given) and otherwise the browser, saying why on stderr.
 */
export async function openBackend(choice: Backend, o: { adapter: string | null }): Promise<TrainBackend> {
  if (choice === 'node' || (choice === 'auto' && o.adapter)) return (await import('./nodeBackend.ts')).openNodeBackend(o);
  if (choice === 'browser') return (await import('./browserBackend.ts')).openBrowserBackend();
  let nodeError: BackendError;
  try {
    return await (await import('./nodeBackend.ts')).openNodeBackend(o);
  } catch (e) {
    if (!(e instanceof BackendError) || e.exitCode !== 2) throw e;
    nodeError = e;
  }
  console.error(`note: the Node backend is not available (${nodeError.message}); using the browser backend`);
  try {
    return await (await import('./browserBackend.ts')).openBrowserBackend();
  } catch (e) {
    if (e instanceof BackendError) throw new BackendError(`no backend could start.\n  node: ${nodeError.message}\n  browser: ${e.message}`, e.exitCode);
    throw e;
  }
}
