/**
 * Long tasks other than training (testing the current model, denoising a photo, loading a
 * checkpoint, reading your images) run one at a time with progress and an ETA in the run bar,
 * and the Stop button (labelled Cancel) aborts them within about a second of work: each task
 * checks its AbortSignal between small pieces of work (an image, a strip of rows).
 */
import { CancelledError } from '../model/evaluate.ts';
import { $, button, fmtSeconds, log, setText, showError } from './ui.ts';

export interface TaskProgress {
  /** 0..1, or null for an unknown amount. */
  fraction: number | null;
  detail?: string;
  etaSec?: number;
}

interface Task { name: string; controller: AbortController; startedAt: number }

let current: Task | null = null;
let onChange: () => void = () => {};

export function setupTasks(changed: () => void): void { onChange = changed; }

/** The task in progress, or null. */
export const currentTask = () => current;

export function cancelTask(): void {
  if (!current) return;
  current.controller.abort();
  setText('stage-detail', 'cancelling…');
}

/** The run bar's stage line and progress bar (shared with the training session). */
export function showStage(stage: string, detail = ''): void {
  setText('stage', stage);
  setText('stage-detail', detail);
}

export function showProgress(fraction: number | null): void {
  const p = $<HTMLProgressElement>('train-progress');
  if (fraction === null) p.removeAttribute('value');
  else p.value = Math.max(0, Math.min(1, fraction));
}

export function showEta(sec: number | undefined): void {
  setText('stat-eta', sec === undefined || !Number.isFinite(sec) ? '—' : fmtSeconds(sec));
}

/**
 * Runs `fn` as the current task. Resolves with its value, or undefined when it was cancelled
 * or failed (the error is shown). Refuses (undefined) while another task runs.
 */
export async function runTask<T>(name: string, fn: (signal: AbortSignal, progress: (p: TaskProgress) => void) => Promise<T>): Promise<T | undefined> {
  if (current) return undefined;
  const task: Task = { name, controller: new AbortController(), startedAt: performance.now() };
  current = task;
  document.body.dataset.task = name;
  showStage(`${name[0].toUpperCase()}${name.slice(1)}…`);
  showProgress(null);
  showEta(undefined);
  onChange();
  setText('stat-elapsed', '0 s');
  const clock = window.setInterval(() => setText('stat-elapsed', fmtSeconds((performance.now() - task.startedAt) / 1000)), 1000);
  const progress = (p: TaskProgress) => {
    if (current !== task) return;
    showProgress(p.fraction);
    showEta(p.etaSec);
    if (p.detail !== undefined) setText('stage-detail', p.detail);
  };
  try {
    const value = await fn(task.controller.signal, progress);
    showStage(`${name[0].toUpperCase()}${name.slice(1)}: done`, `in ${fmtSeconds((performance.now() - task.startedAt) / 1000)}`);
    showProgress(1);
    return value;
  } catch (e) {
    if (e instanceof CancelledError || task.controller.signal.aborted) {
      showStage(`${name[0].toUpperCase()}${name.slice(1)}: cancelled`, `after ${fmtSeconds((performance.now() - task.startedAt) / 1000)}`);
      log(`${name} cancelled`);
    } else {
      showStage(`${name[0].toUpperCase()}${name.slice(1)}: failed`);
      showError(e, `${name} failed`);
    }
    showProgress(0);
    return undefined;
  } finally {
    window.clearInterval(clock);
    showEta(undefined);
    current = null;
    delete document.body.dataset.task;
    button('stop').textContent = 'Stop';
    onChange();
  }
}
