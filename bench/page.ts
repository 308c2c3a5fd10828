/**
 * The headless page behind `npm run bench` (bench/kernels.ts): runs src/lab/bench.ts, the same code
 * the lab page uses, and streams progress and each finished row back to Node through benchEvent.
 */
import { type BenchResult, runBench } from '../src/lab/bench.ts';
import type { BenchFamily } from '../src/lab/benchTable.ts';

declare global {
  interface Window {
    /** Exposed by the CLI: one JSON event, { type: 'progress', message } or { type: 'row', row }. */
    benchEvent(json: string): Promise<void>;
    bench: {
      run(o: { quick: boolean; filter: string | null; reps?: number; family?: BenchFamily }): Promise<BenchResult>;
    };
  }
}

const send = (ev: object) => void window.benchEvent(JSON.stringify(ev));

window.bench = {
  run: (o) => runBench({
    quick: o.quick,
    filter: o.filter === null ? undefined : new RegExp(o.filter),
    reps: o.reps,
    family: o.family,
    onProgress: (message) => send({ type: 'progress', message }),
    onRow: (row) => send({ type: 'row', row }),
  }),
};
