/**
 * A one-line progress bar on stderr: what is being done, units done of total, percent and the
 * ETA from the rate so far. On a terminal it redraws in place; otherwise (logs, CI, tests) it
 * prints a plain line when a unit is done, at most every `everyMs`, so that logs stay short.
 */

/** '42 s', '3 min 05 s', '1 h 02 min'. */
export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** '[#########...........] 3/12 tiles  45%  ETA 12 s' (fraction: the share of the work done, which may differ from done/total). */
export function formatProgress(done: number, total: number, unit: string, fraction: number, elapsedSec: number, width = 20): string {
  const f = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(f * width);
  const eta = f > 0 && f < 1 ? `  ETA ${formatDuration((elapsedSec * (1 - f)) / f)}` : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${unit}  ${Math.floor(f * 100)}%${eta}`;
}

export class ProgressBar {
  private start = performance.now();
  private lastPrint = 0;
  private lastDone = -1;
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly everyMs = 2000) {}

  /** Starts timing a new task (the ETA counts from here). */
  reset(): void {
    this.end();
    this.start = performance.now();
    this.lastPrint = 0;
    this.lastDone = -1;
  }

  update(label: string, done: number, total: number, unit: string, fraction = total ? done / total : 0): void {
    const now = performance.now();
    const line = `${label} ${formatProgress(done, total, unit, fraction, (now - this.start) / 1000)}`;
    if (this.stream.isTTY) {
      this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 120) - 1)}\x1b[K`);
      this.drawn = true;
    } else if (done < total && done !== this.lastDone && (this.lastPrint === 0 || now - this.lastPrint >= this.everyMs)) {
      this.stream.write(`${line}\n`);
      this.lastPrint = now;
      this.lastDone = done;
    }
  }

  /** Clears the bar (a terminal), so that the next line starts clean. */
  end(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
