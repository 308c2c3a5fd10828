/**
 * Keeping dawn.node's wait for the GPU cheap.
 *
 * While a promise of its is pending (mapAsync, onSubmittedWorkDone, requestDevice, ...),
 * dawn.node polls Dawn from the JS thread: its AsyncRunner calls the global `setImmediate` with
 * a native callback that runs `wgpuInstanceProcessEvents` and schedules itself again until the
 * promise settles. That is a busy loop: while SwiftShader computes a training step, the JS
 * thread spins on one core, and on a two-core machine SwiftShader loses half its threads.
 *
 * The fix: route native callers of `setImmediate` (JS callers are left untouched) through a
 * backoff: the first few polls of a wait run immediately (short waits stay fast), then the
 * interval doubles from 1 ms up to `maxDelayMs`, so a long wait costs a few hundred wake-ups a
 * second instead of a spinning core. A wait's polls are recognised as a streak because each one
 * schedules the next from inside the previous callback.
 */

export interface PollStats {
  /** Native polls scheduled since install. */
  polls: number;
  /** Of those, how many were deferred with a timer rather than run immediately. */
  deferred: number;
}

/** Polls of one wait run back to back before backing off (short waits, e.g. a pipeline compile). */
const IMMEDIATE_POLLS = 8;

let installed: { stats: PollStats; restore(): void } | null = null;

const isNative = (fn: unknown): boolean =>
  typeof fn === 'function' && Function.prototype.toString.call(fn).includes('[native code]');

/**
 * Throttles dawn.node's event polling (see above). Idempotent; returns counters for tests and
 * benchmarks. `maxDelayMs` = 0 turns the throttle off (Dawn's own busy polling).
 */
export function throttleDawnPolling(maxDelayMs = 4): PollStats {
  if (installed) return installed.stats;
  const original = globalThis.setImmediate;
  const stats: PollStats = { polls: 0, deferred: 0 };
  let streak = 0;
  let inPoll = false;
  const run = (fn: (...a: unknown[]) => void, args: unknown[]) => {
    inPoll = true;
    try { fn(...args); } finally { inPoll = false; }
  };
  const patched = function setImmediate(fn: (...a: unknown[]) => void, ...args: unknown[]) {
    if (maxDelayMs <= 0 || !isNative(fn)) return original(fn, ...args);
    stats.polls++;
    // A poll scheduled from inside the previous poll continues the same wait.
    streak = inPoll ? streak + 1 : 0;
    if (streak < IMMEDIATE_POLLS) return original(run, fn, args);
    stats.deferred++;
    const delay = Math.min(maxDelayMs, 2 ** Math.floor((streak - IMMEDIATE_POLLS) / 4));
    // Timers give no Immediate object back; dawn.node ignores the return value.
    return setTimeout(run, delay, fn, args) as unknown as NodeJS.Immediate;
  } as typeof globalThis.setImmediate;
  // Keep util.promisify(setImmediate) and friends working for everyone else.
  Object.assign(patched, original);
  globalThis.setImmediate = patched;
  installed = { stats, restore: () => { globalThis.setImmediate = original; installed = null; } };
  return stats;
}

/** Undoes throttleDawnPolling (for measurements). */
export function restoreDawnPolling(): void {
  installed?.restore();
}
