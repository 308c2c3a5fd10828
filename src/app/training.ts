/**
 * A training session on the page (src/model/session.ts, the same code as `npm run train`):
 * Start / Pause / Stop, progress every step (loss, images/s, ETA covering the test), the loss
 * plot, the preview, the epoch table, an autosave every epoch, and recovery from a lost GPU
 * device: a new device, then training resumes from the last autosave.
 *
 * Stop ends the training after the step in progress; the quick test then runs on the model as
 * it is (Stop again skips it). That stopped model is the current model, the one the test table,
 * the checkpoint download and a later Start all use.
 */
import type { DeviceLostError } from '../engine/index.ts';
import { readCheckpoint } from '../model/checkpoint.ts';
import { CancelledError } from '../model/evaluate.ts';
import { type SessionResult, runSession } from '../model/session.ts';
import type { EpochRecord } from '../model/trainer.ts';
import { writeAutosave } from './autosave.ts';
import type { LossChart } from './chart.ts';
import { setCheckpoint, trainedLabel } from './checkpoints.ts';
import { renderSkipped, testSettings, trainSource } from './data.ts';
import { clearPreview, renderPreview } from './preview.ts';
import { renderEpochs } from './results.ts';
import { type ResumeFrom, type RunningSession, state } from './state.ts';
import { saveFiles } from './storage.ts';
import { pageTuneStore } from './tuneStore.ts';
import { currentTask, showEta, showProgress, showStage } from './tasks.ts';
import { renderTestResults } from './testPanel.ts';
import { $, button, clearError, fmtNum, fmtSeconds, input, log, setText, showError } from './ui.ts';

export interface TrainingHost {
  refresh(): void;
  chart: LossChart;
  /** Creates a new device; true when the engine is ready again. */
  restartEngine(): Promise<boolean>;
}

let host: TrainingHost;
export function setupTraining(h: TrainingHost): void { host = h; }

let chartQueued = false;
export function queueChart(): void {
  if (chartQueued) return;
  chartQueued = true;
  requestAnimationFrame(() => {
    chartQueued = false;
    host.chart.update(state.steps, state.history.map((r) => [r.epoch, r.valLoss]), `MSE loss — ${state.config.preset}`, state.session ? state.config.epochs : 1);
  });
}

export function renderHistory(): void {
  renderEpochs($('epochs-table').querySelector('tbody')!, state.history);
  $('epochs-empty').hidden = state.history.length > 0;
  queueChart();
}

function resetStats(): void {
  for (const id of ['stat-epoch', 'stat-step', 'stat-loss', 'stat-speed', 'stat-elapsed']) setText(id, '—');
  showEta(undefined);
}

const cap = (s: string) => s[0].toUpperCase() + s.slice(1);

/** The conv kernel choices measured on this device, kept in IndexedDB (measured once per device). */

/** The autosave of the running session (in memory even when IndexedDB is full): what a lost device resumes from. */
const lastSaves = new WeakMap<RunningSession, ResumeFrom & { epoch: number }>();

export async function startSession(resumeFrom?: ResumeFrom, o: { auto?: boolean } = {}): Promise<void> {
  if (state.session || currentTask() || !state.runtime || !state.configValid || state.dataProblem) return;
  if (!o.auto) clearError();
  let test;
  try { test = testSettings(); } catch (e) { showError(e); return; }
  const config = state.config;
  const { source, saved } = trainSource();
  const ck = state.checkpoint;
  if (!resumeFrom && ck && input('resume-checkpoint').checked) {
    resumeFrom = { bytes: ck.bytes, name: ck.name, history: ck.history, steps: ck.steps };
  }
  if (!o.auto) state.deviceRecoveries = 0;
  $('autosave-banner').hidden = true;

  const token = ++state.sessionToken;
  const sess: RunningSession = {
    token, controller: new AbortController(), trainer: null, phase: 'preparing', stopRequested: false, startedAt: performance.now(), resumeFrom,
  };
  state.session = sess;
  document.body.dataset.session = 'running';
  resetStats();
  showStage('Preparing', resumeFrom ? `continuing from ${resumeFrom.name}` : '');
  showProgress(0);
  host.refresh();
  const live = () => state.session === sess && token === state.sessionToken;
  const elapsed = window.setInterval(() => { if (live()) setText('stat-elapsed', fmtSeconds((performance.now() - sess.startedAt) / 1000)); }, 1000);
  const baseHistory = resumeFrom ? [...resumeFrom.history] : [];
  const baseSteps = resumeFrom ? resumeFrom.steps.filter(([x]) => x <= (baseHistory.at(-1)?.epoch ?? 0)) : [];
  // The previous results stay on screen until training really starts (bad data fails before that).
  const clearResults = () => {
    state.history = [...baseHistory];
    state.steps = [...baseSteps];
    state.tests = [];
    state.testSet = test.set;
    state.testedModel = '';
    clearPreview();
    renderHistory();
    renderTestResults();
  };
  const syncSteps = () => { if (sess.trainer) state.steps = baseSteps.concat(sess.trainer.steps); };
  let trainingStarted = false;

  if (saved.kind === 'own' && 'files' in source) {
    await saveFiles(source.files).catch((e) => log(`autosave of your files failed (${(e as Error).message}); resuming after a reload will ask for them again`));
  }

  try {
    const result: SessionResult = await runSession({
      config,
      train: source,
      test: test.set === 'none' ? null : { builtin: test.set, limit: test.limit || undefined },
      testSigmas: test.sigmas.length ? test.sigmas : undefined,
      keepOutputs: test.keep,
      resume: resumeFrom ? { bytes: resumeFrom.bytes, name: resumeFrom.name } : undefined,
      signal: sess.controller.signal,
      tune: { store: pageTuneStore },
    }, {
      onStage: (stage, done, total, etaSec) => {
        if (!live()) return;
        if (stage === 'training') {
          sess.phase = 'training';
          if (!trainingStarted) { trainingStarted = true; clearResults(); }
          showStage('Training', 'compiling the first step…');
          host.refresh();
          return;
        }
        if (stage.startsWith('testing')) {
          sess.phase = 'testing';
          showStage(cap(stage), `${total ? `image ${Math.min((done ?? 0) + 1, total)} of ${total}` : ''}${sess.stopRequested ? '' : ' — Stop skips the test'}`);
          host.refresh();
        } else {
          showStage(cap(stage), total ? `${done} of ${total}` : '');
        }
        if (total) showProgress((done ?? 0) / total);
        if (etaSec !== undefined) showEta(etaSec);
      },
      onStep: (e) => {
        if (!live()) return;
        state.steps.push([e.epoch - 1 + e.step / e.stepsPerEpoch, e.loss]);
        setText('stat-epoch', `${e.epoch} / ${config.epochs}`);
        setText('stat-step', `${e.step} / ${e.stepsPerEpoch}`);
        setText('stat-loss', fmtNum(e.loss));
        setText('stat-speed', e.imagesPerSec.toFixed(1));
        const paused = sess.trainer?.state === 'paused';
        showEta(paused ? undefined : e.etaSec);
        if (!sess.stopRequested) showStage(paused ? 'Paused' : 'Training', `epoch ${e.epoch} of ${config.epochs}, step ${e.step} of ${e.stepsPerEpoch}`);
        showProgress(((e.epoch - 1) * e.stepsPerEpoch + e.step) / (config.epochs * e.stepsPerEpoch));
        queueChart();
      },
      onPreview: (p) => { if (live()) renderPreview(p); },
      onEpoch: async (r: EpochRecord, checkpoint) => {
        if (!live()) return;
        state.history.push(r);
        syncSteps();
        renderHistory();
        try {
          const bytes = await checkpoint();
          const meta = readCheckpoint(bytes).meta;
          setCheckpoint({ bytes, name: 'the model in training', meta, label: trainedLabel(r.epoch), history: [...state.history], steps: [...state.steps] });
          lastSaves.set(sess, { bytes, name: `autosave (epoch ${r.epoch})`, history: [...state.history], steps: [...state.steps], epoch: r.epoch });
          await writeAutosave({
            savedAt: new Date().toISOString(), epoch: r.epoch, config, history: [...state.history], steps: [...state.steps],
            checkpoint: bytes, data: saved, test, status: 'running',
          });
        } catch (e) {
          log(`checkpoint after epoch ${r.epoch} failed: ${(e as Error).message}`);
        }
        host.refresh();
      },
      onLog: (m) => { if (live()) log(m); },
      onTrainer: (t) => { if (live()) { sess.trainer = t; host.refresh(); } },
    });
    if (!live()) return;
    sess.phase = 'saving';
    syncSteps();
    state.tests = result.tests;
    state.testSet = test.set;
    state.summary = { config: result.config, model: result.model, data: result.data, seconds: result.seconds };
    const meta = readCheckpoint(result.checkpoint).meta;
    const stopped = result.state === 'stopped';
    const label = trainedLabel(result.epoch, stopped ? result.stepInEpoch : 0);
    state.testedModel = result.tests.length ? `${meta.preset} ${label}, as trained` : '';
    // The model as the run left it (a stopped run's partial epoch included) is the current model.
    setCheckpoint({ bytes: result.checkpoint, name: 'the trained model', meta, label, history: [...state.history], steps: [...state.steps] });
    // After a stop or a failure, Start continues from this model by default; after a full run it starts afresh.
    input('resume-checkpoint').checked = result.state !== 'done';
    renderHistory();
    renderTestResults();
    renderSkipped(result.data.skipped);
    const testNote = result.testCancelled ? 'the test was skipped' : result.tests.length ? 'tested' : 'no test set';
    if (result.error) {
      document.body.dataset.session = 'failed';
      showStage('Failed', `${label}; the model and history are kept`);
      showError(result.error, 'training stopped (the model and history are kept)');
    } else if (stopped) {
      document.body.dataset.session = 'stopped';
      showStage(`Stopped at ${label}`, `after ${fmtSeconds(result.seconds)}; ${testNote}. Start continues this model.`);
    } else {
      document.body.dataset.session = 'finished';
      showStage('Finished', `${result.epoch} epoch${result.epoch === 1 ? '' : 's'} in ${fmtSeconds(result.seconds)}; ${testNote}`);
      showProgress(1);
    }
    showEta(undefined);
    await writeAutosave({
      savedAt: new Date().toISOString(), epoch: result.epoch, stepInEpoch: stopped ? result.stepInEpoch : 0, config, history: [...state.history], steps: [...state.steps],
      checkpoint: result.checkpoint, data: saved, test, status: result.error ? 'failed' : stopped ? 'stopped' : 'done',
    });
    log(`session ${result.state}: ${result.data.train} training / ${result.data.val} validation images, ${fmtSeconds(result.seconds)}`);
  } catch (e) {
    if (!live()) return;
    if (e instanceof CancelledError) {
      // Stop while the images were still loading or the kernels measured: nothing was trained, nothing went wrong.
      document.body.dataset.session = 'stopped';
      showStage('Stopped', 'before training began');
      showProgress(0);
      showEta(undefined);
      return;
    }
    document.body.dataset.session = 'failed';
    showStage(trainingStarted ? 'Failed' : 'Could not start', (e as Error).message.split('\n')[0]);
    if (!trainingStarted) showProgress(0);
    showEta(undefined);
    showError(e, !trainingStarted ? 'could not start training' : state.history.length ? 'training failed (the history and the last epoch\'s checkpoint are kept)' : 'training failed');
  } finally {
    window.clearInterval(elapsed);
    if (live()) {
      state.session = null;
      host.refresh();
    }
  }
}

export function togglePause(): void {
  const t = state.session?.trainer;
  if (!t) return;
  if (t.state === 'running') {
    t.pause();
    document.body.dataset.session = 'paused';
    showStage('Paused', 'after the current step; images/s and the ETA leave paused time out');
    showEta(undefined);
  } else if (t.state === 'paused') {
    t.resume();
    document.body.dataset.session = 'running';
    showStage('Training');
  }
  host.refresh();
}

/** Stop: the training ends after the current step (the test then runs); pressed again, or while testing, it cancels. */
export function stopSession(): void {
  const s = state.session;
  if (!s) return;
  const t = s.trainer;
  if (s.phase === 'training' && !s.stopRequested && t && (t.state === 'running' || t.state === 'paused')) {
    s.stopRequested = true;
    t.stop();
    document.body.dataset.session = 'running';
    showStage('Stopping', 'after the current step; then the quick test — press Stop again to skip it');
  } else {
    s.stopRequested = true;
    s.controller.abort();
    showStage('Stopping', s.phase === 'testing' ? 'cancelling the test…' : 'cancelling…');
  }
  button('stop').disabled = s.controller.signal.aborted;
  host.refresh();
}

/**
 * The device was lost. A running session is abandoned (its promise may never settle); a new
 * device is created and the session resumes from its last autosave (or from where it started).
 */
export async function recoverFromDeviceLoss(err: DeviceLostError): Promise<void> {
  const lost = state.session;
  if (lost) {
    state.sessionToken++;
    state.session = null;
    lost.controller.abort();
    document.body.dataset.session = 'failed';
    resetStats();
  }
  const from = lost ? lastSaves.get(lost) ?? null : null;
  const resumeText = from ? `the autosave of epoch ${from.epoch}` : lost?.resumeFrom ? `where it started (${lost.resumeFrom.name})` : 'the start';
  const auto = lost && state.deviceRecoveries < 3;
  const what = `The GPU device was lost (reason: ${err.reason}${err.detail ? `: ${err.detail.replace(/\.+$/, '')}` : ''}).`;
  showError(`${what}\n${lost
    ? auto ? `A new GPU device is being created; training resumes from ${resumeText}: only the steps since then are lost.`
      : `It happened ${state.deviceRecoveries + 1} times in this run: re-initialise the GPU, then resume (the last epoch is autosaved).`
    : 'A new GPU device is being created.'}`, 'GPU device lost');
  showStage('GPU device lost', lost ? `recovering: resuming from ${resumeText}` : 'creating a new device');
  host.refresh();
  if (lost && !auto) { input('resume-checkpoint').checked = true; return; }
  const ok = await host.restartEngine();
  if (!ok || !lost) return;
  state.deviceRecoveries++;
  log(`GPU device lost (${err.reason}); resuming from ${resumeText}`);
  $('error-text').textContent += `\nA new device is ready (${new Date().toLocaleTimeString()}): training resumed from ${resumeText}.`;
  if (from) await startSession(from, { auto: true });
  else await startSession(lost.resumeFrom, { auto: true });
}
