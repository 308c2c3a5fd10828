/**
 * TF.js's side of the benchmark's timing: the same gpuTimer (src/engine/timing.ts) around TF.js
 * work on our GPUDevice, so both engines are timed alike.
 */
import { type GpuTimer, type TimeOptions, type Timing, gpuTimer, interleave, repsOf } from '../engine/timing.ts';
import type { TfPeer } from './tfjs.ts';

export * from '../engine/timing.ts';

/**
 * A timer for TF.js work: `run` issues one call's TF.js ops (inside tf.tidy) and returns the
 * tensors to dispose; the batch is submitted and waited for with peer.flush(). Timed as oursTimer.
 */
export function tfjsTimer(peer: TfPeer, run: () => TfTensors, opts: TimeOptions = {}): GpuTimer {
  return gpuTimer(() => { peer.tf.dispose(peer.tf.tidy(run)); }, () => peer.flush(), { ...opts, separateBegin: true });
}

type TfTensors = ReturnType<TfPeer['tf']['tensor']>[];

/** Times TF.js work alone (see tfjsTimer). */
export async function timeTfjs(peer: TfPeer, run: () => TfTensors, opts: TimeOptions = {}): Promise<Timing> {
  const t = tfjsTimer(peer, run, opts);
  try { return (await interleave([t], repsOf(opts)))[0]; } finally { t.dispose(); }
}
