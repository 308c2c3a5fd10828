/**
 * Long work on the lab page: a queue of runs with a progress bar, a status line and a Cancel
 * button that stops the queue between runs (a run already on the GPU finishes). The page's
 * `body[data-lab]` follows it: 'running' while a queue runs, then 'done' or 'failed'.
 */
import { byId } from './dom.ts';

export type Outcome = 'done' | 'cancelled' | 'failed';

export interface Job<T> {
  /** Shown while it runs, e.g. "Timing conv2d_tiled at n2_h9w11_c5to8_k3s2 (2/5)". */
  label: string;
  run(): Promise<T>;
}

export class Runner {
  private cancelled = false;
  private active = false;
  private readonly progress = byId<HTMLProgressElement>('run-progress');
  private readonly status = byId('run-status');
  private readonly cancelButton = byId<HTMLButtonElement>('cancel');

  /** `onBusy` runs when a queue starts and ends (the page disables its controls meanwhile). */
  constructor(private readonly onBusy: (busy: boolean) => void) {
    this.cancelButton.addEventListener('click', () => this.cancel());
  }

  get busy(): boolean { return this.active; }

  /** Asks the queue to stop before its next run. */
  cancel(): void {
    if (!this.active) return;
    this.cancelled = true;
    this.cancelButton.disabled = true;
    this.status.textContent = `${this.status.textContent} — cancelling after this run…`;
  }

  /**
   * Runs the jobs in order, handing each result to `each`. Stops at the first error (rethrown
   * after the page state is set) or at Cancel.
   */
  async run<T>(jobs: Job<T>[], each: (result: T, index: number) => void): Promise<Outcome> {
    if (this.active) throw new Error('a run is already in progress');
    this.active = true;
    this.cancelled = false;
    document.body.dataset.lab = 'running';
    this.onBusy(true);
    this.cancelButton.disabled = false;
    this.progress.hidden = false;
    let outcome: Outcome = 'done';
    try {
      for (let i = 0; i < jobs.length; i++) {
        if (this.cancelled) { outcome = 'cancelled'; break; }
        this.status.textContent = jobs.length > 1 ? `${jobs[i].label} (${i + 1}/${jobs.length})` : jobs[i].label;
        if (jobs.length > 1) this.progress.value = i / jobs.length;
        else this.progress.removeAttribute('value'); // indeterminate
        // Let the browser paint the status before the (possibly long) GPU and CPU work.
        await new Promise((r) => setTimeout(r, 0));
        each(await jobs[i].run(), i);
      }
      this.status.textContent = outcome === 'cancelled' ? 'Cancelled.' : '';
      return outcome;
    } catch (e) {
      outcome = 'failed';
      this.status.textContent = '';
      throw e;
    } finally {
      this.active = false;
      this.progress.hidden = true;
      this.progress.value = 0;
      this.cancelButton.disabled = true;
      document.body.dataset.lab = outcome === 'failed' ? 'failed' : 'done';
      this.onBusy(false);
    }
  }
}
