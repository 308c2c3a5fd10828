/**
 * The training page's state, shared by its modules; the DOM is drawn from it by small render
 * functions. Errors go to the error area and never throw away the model or the history.
 */
import type { Runtime } from '../engine/index.ts';
import type { Image } from '../data/images.ts';
import type { CheckpointMeta } from '../model/checkpoint.ts';
import { defaultConfig } from '../model/config.ts';
import type { Model } from '../model/layers.ts';
import type { SessionResult } from '../model/session.ts';
import type { EpochRecord, Trainer } from '../model/trainer.ts';
import type { OwnImages } from './files.ts';
import type { Photo } from './photo.ts';
import type { TestRun } from './results.ts';
import type { Autosave } from './storage.ts';

/** A model as checkpoint bytes, with the history that led to it (empty for a file). */
export interface LoadedCheckpoint {
  bytes: Uint8Array;
  name: string;
  meta: CheckpointMeta;
  /** How far it was trained, in words: 'epoch 3', 'epoch 1 + 5 steps (stopped)', 'pretrained by its authors'. */
  label: string;
  history: EpochRecord[];
  steps: [number, number][];
}

/** What a run continues from: a checkpoint with the history that led to it. */
export interface ResumeFrom { bytes: Uint8Array; name: string; history: EpochRecord[]; steps: [number, number][] }

/** The training session in progress. */
export interface RunningSession {
  token: number;
  controller: AbortController;
  trainer: Trainer | null;
  phase: 'preparing' | 'training' | 'testing' | 'saving';
  /** Stop was pressed once: training stops after this step, then the quick test runs. */
  stopRequested: boolean;
  startedAt: number;
  /** Where it started from, to start again after a lost device when there is no autosave yet. */
  resumeFrom?: ResumeFrom;
}

export const state = {
  runtime: null as Runtime | null,
  config: defaultConfig('small'),
  configValid: true,
  /** Why the chosen data cannot train (e.g. every image smaller than the patches), or null. */
  dataProblem: null as string | null,
  own: null as OwnImages | null,
  session: null as RunningSession | null,
  /** Bumped to abandon a session whose device was lost (its promise may never settle). */
  sessionToken: 0,
  /** Device losses recovered from in the run the person started (a limit stops a loop). */
  deviceRecoveries: 0,
  steps: [] as [number, number][],
  history: [] as EpochRecord[],
  tests: [] as TestRun[],
  testSet: 'set12',
  /** The model the test table scored, in words. */
  testedModel: '',
  summary: null as Pick<SessionResult, 'config' | 'model' | 'data' | 'seconds'> | null,
  /** The newest model: after training, after each epoch, or loaded from a file. */
  checkpoint: null as LoadedCheckpoint | null,
  /** The model built from `checkpoint` for denoising photos and tests (built on first use). */
  denoiser: null as { model: Model; source: LoadedCheckpoint } | null,
  photo: null as Photo | null,
  photoOut: null as { name: string; denoised: Image } | null,
  autosave: null as Autosave | null,
};
