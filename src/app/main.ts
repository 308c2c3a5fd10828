/**
 * The training page (index.html): wires the controls to the modules that do the work and keeps
 * the buttons in step with what is running.
 *
 *   engine.ts       WebGPU start-up, a lost device
 *   training.ts     a session: Start / Pause / Stop, live progress, autosave, device-loss recovery
 *   tasks.ts        other long tasks (a test, a photo, loading), cancellable, in the run bar
 *   data.ts         built-in or own images, the data summary and its warnings, test settings
 *   checkpoints.ts  the current model (trained, a file, or the pretrained DnCNN-S)
 *   testPanel.ts    test results and "Test the current model"
 *   chart.ts        the loss plot (uPlot); preview.ts the preview crop and the model summary
 *   autosave.ts     IndexedDB autosave and the resume banner; photoPanel.ts the photo panel
 */
import { type PresetName, ConfigError, ORIGINAL_SEED_SETTINGS, type TrainConfig, decayForEpochs, defaultConfig, validateConfig } from '../model/config.ts';
import { discardAutosave, offerAutosave, resumeAutosave, setupAutosave } from './autosave.ts';
import { LossChart } from './chart.ts';
import { loadCheckpointFile, usePretrained } from './checkpoints.ts';
import { markInvalid, readConfig, setupControls, writeConfig } from './controls.ts';
import { matchTestSetToChannels, renderDataSummary, takeOwnImages } from './data.ts';
import { setupEngine, startEngine } from './engine.ts';
import { fromDrop, fromFileList } from './files.ts';
import { setupPhotoPanel, updatePhotoPanel } from './photoPanel.ts';
import { plotPng } from './plot.ts';
import { renderModelSummary } from './preview.ts';
import { isProfiling, setupProfiler, updateProfiler } from './profiler.ts';
import { denoisedFiles, metricsCsv, metricsJson } from './results.ts';
import { state } from './state.ts';
import { cancelTask, currentTask, setupTasks } from './tasks.ts';
import { renderSelectedGrid, runTest, selectedTest } from './testPanel.ts';
import { queueChart, recoverFromDeviceLoss, renderHistory, setupTraining, startSession, stopSession, togglePause } from './training.ts';
import { $, button, clearError, download, input, log, select, showError } from './ui.ts';

const chart = new LossChart($('plot'));

// ---------------------------------------------------------------------------------------
// Settings

function onSettingsChanged(): void {
  const channels = state.config.channels;
  followLastEpochDecay();
  try {
    state.config = validateConfig(readConfig());
    state.configValid = true;
    $('config-error').hidden = true;
    markInvalid(null);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    state.configValid = false;
    const box = $('config-error');
    box.textContent = `${e.message}\nStart is off until this is fixed; the last valid settings are kept.`;
    box.hidden = false;
    markInvalid(e.message);
  }
  if (state.config.channels !== channels) matchTestSetToChannels(state.config.channels);
  renderModelSummary(state.config);
  renderDataSummary();
  updateButtons();
}

/** A drop for the last epoch (the small preset's) moves with the epochs control, as with --epochs. */
function followLastEpochDecay(): void {
  const epochs = Number(input('epochs').value);
  if (!Number.isInteger(epochs) || epochs < 1) return;
  const every = Number(input('decay-every').value);
  const shown = every === 0 ? null : { every, factor: Number(input('decay-factor').value) };
  const moved = decayForEpochs(shown, state.config.epochs, epochs);
  if (moved !== shown) input('decay-every').value = String(moved?.every ?? 0);
}

/** A preset brings its defaults; colour, noise and seed stay as chosen. */
function applyPreset(preset: PresetName, extra: Partial<TrainConfig> = {}): void {
  const keep = { channels: state.config.channels, noise: state.config.noise, seed: state.config.seed };
  writeConfig({ ...defaultConfig(preset, keep), ...extra });
}

// ---------------------------------------------------------------------------------------
// Downloads

const stamp = () => `${state.config.preset}-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '')}`;

function downloadDenoised(): void {
  const t = selectedTest();
  const f = t && denoisedFiles(t);
  if (f) download(f.name, f.bytes, f.mime);
}

function downloadMetrics(kind: 'csv' | 'json'): void {
  if (kind === 'csv') download(`metrics-${stamp()}.csv`, metricsCsv(state.history, state.tests, state.testSet), 'text/csv');
  else {
    download(`metrics-${stamp()}.json`, metricsJson({
      config: state.summary?.config ?? state.config, model: state.summary?.model, data: state.summary?.data,
      seconds: state.summary?.seconds, history: state.history, tests: state.tests, testSet: state.testSet,
    }), 'application/json');
  }
}

/** The same picture as the CLI's loss.png (plot.ts): every step, and validation per epoch. */
async function downloadPlot(): Promise<void> {
  const png = await plotPng(960, 420, [
    { label: 'training loss (per step)', color: '#1f77b4', points: state.steps },
    { label: 'validation loss (per epoch)', color: '#d62728', points: state.history.map((r) => [r.epoch, r.valLoss]), marker: true },
  ], { title: `MSE loss — ${state.config.preset}`, xLabel: 'epoch' });
  download(`loss-${stamp()}.png`, png, 'image/png');
}

function downloadCheckpoint(): void {
  const ck = state.checkpoint;
  if (!ck) return;
  const steps = /\+ (\d+) step/.exec(ck.label)?.[1];
  const name = ck.meta.epoch === 0 && /pretrained/.test(ck.label) ? `${ck.meta.preset}-pretrained.safetensors`
    : `denoiser-${ck.meta.preset}-epoch${ck.meta.epoch}${steps ? `-step${steps}` : ''}.safetensors`;
  download(name, ck.bytes);
}

// ---------------------------------------------------------------------------------------
// Buttons

function updateButtons(): void {
  const ready = !!state.runtime;
  const s = state.session;
  const task = currentTask();
  // A profile times every dispatch on the device: no other GPU work may start meanwhile.
  const busy = !!s || !!task || isProfiling();
  const t = s?.trainer;
  const trainable = t && (t.state === 'running' || t.state === 'paused');
  $<HTMLFieldSetElement>('settings').disabled = busy;
  const start = button('start');
  start.disabled = !ready || busy || !state.configValid || !!state.dataProblem;
  start.title = !ready ? 'needs WebGPU' : !state.configValid ? 'fix the settings first' : state.dataProblem ?? (busy ? 'busy' : '');
  button('pause').disabled = !s || !trainable || s.stopRequested;
  button('pause').textContent = t?.state === 'paused' ? 'Resume' : 'Pause';
  const stop = button('stop');
  stop.disabled = s ? s.controller.signal.aborted : !task;
  stop.textContent = task && !s ? 'Cancel' : 'Stop';
  stop.title = s ? (s.phase === 'testing' || s.stopRequested ? 'cancel the test' : 'stop after the current step') : task ? `cancel ${task.name}` : '';
  input('checkpoint-input').disabled = busy;
  button('use-pretrained').disabled = !ready || busy;
  $('resume-row').hidden = !!s || !state.checkpoint;
  button('autosave-resume').disabled = !ready || busy || !state.autosave;
  button('autosave-discard').disabled = !!s;
  for (const id of ['test-set', 'test-limit', 'test-sigmas', 'keep-outputs']) input(id).disabled = busy;
  button('test-run').disabled = !ready || busy || !state.checkpoint;
  button('test-full').disabled = !ready || busy || !state.checkpoint;
  button('dl-denoised').disabled = !(selectedTest()?.result.outputs?.length);
  button('dl-csv').disabled = !state.history.length && !state.tests.length;
  button('dl-json').disabled = !state.history.length && !state.tests.length;
  button('dl-plot').disabled = !state.steps.length && !state.history.length;
  button('dl-checkpoint').disabled = !state.checkpoint;
  updatePhotoPanel(ready, busy);
  updateProfiler();
}

/** Runs an async handler, showing any error instead of losing it. */
const guard = (fn: () => unknown) => () => {
  Promise.resolve().then(fn).catch((e) => showError(e));
};

function wire(): void {
  setupControls(onSettingsChanged);
  setupTasks(updateButtons);
  setupEngine({ refresh: updateButtons, onDeviceLost: recoverFromDeviceLoss });
  setupTraining({ refresh: updateButtons, chart, restartEngine: startEngine });
  setupAutosave({ onSettingsChanged, refresh: updateButtons, renderHistory, startSession: (r) => startSession(r) });
  setupProfiler({
    runtime: () => state.runtime,
    config: () => (state.configValid ? state.config : null),
    training: () => state.session !== null || currentTask() !== null,
    onChange: updateButtons,
  });
  select('preset').addEventListener('change', () => applyPreset(select('preset').value as PresetName));
  button('original-settings').addEventListener('click', () => {
    applyPreset('seed', ORIGINAL_SEED_SETTINGS);
    onSettingsChanged();
    log('original Keras settings: seed autoencoder, 128×128 images, batch 64, 50 epochs, lr 1e-5, Keras Adam, 60/40 split, rotation 20°, shift 0.1');
  });
  for (const id of ['source-builtin', 'source-own', 'train-limit']) $(id).addEventListener('change', () => { renderDataSummary(); updateButtons(); });

  const files = input('files-input');
  files.addEventListener('change', guard(async () => {
    const picked = fromFileList(files.files);
    files.value = ''; // picking the same file again fires change again
    if (picked.length) await takeOwnImages(picked, picked.length === 1 ? picked[0].path : `${picked.length} picked files`, updateButtons);
  }));
  const folder = input('folder-input');
  folder.addEventListener('change', guard(async () => {
    const picked = fromFileList(folder.files);
    folder.value = '';
    const name = picked[0]?.path.split('/')[0] ?? 'the folder';
    await takeOwnImages(picked, `folder ${name}`, updateButtons);
  }));
  const drop = $('drop-zone');
  // A drop anywhere else must not navigate away from the page (and lose the session).
  for (const ev of ['dragover', 'drop']) window.addEventListener(ev, (e) => e.preventDefault());
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (state.session || currentTask() || !e.dataTransfer) return;
    const dt = e.dataTransfer;
    const names = Array.from(dt.files, (f) => f.name);
    guard(async () => {
      const picked = await fromDrop(dt);
      await takeOwnImages(picked, names.length === 1 ? names[0] : `${names.length} dropped items`, updateButtons);
    })();
  });

  button('start').addEventListener('click', guard(() => startSession()));
  button('pause').addEventListener('click', togglePause);
  button('stop').addEventListener('click', () => { if (state.session) stopSession(); else cancelTask(); });
  button('engine-reinit').addEventListener('click', guard(async () => {
    clearError();
    if (await startEngine()) await offerAutosave();
  }));
  button('error-dismiss').addEventListener('click', clearError);
  button('autosave-resume').addEventListener('click', guard(resumeAutosave));
  button('autosave-discard').addEventListener('click', guard(discardAutosave));

  const ck = input('checkpoint-input');
  ck.addEventListener('change', guard(async () => {
    const f = ck.files?.[0];
    ck.value = '';
    if (f) await loadCheckpointFile(f, onSettingsChanged);
  }));
  button('use-pretrained').addEventListener('click', guard(() => usePretrained(onSettingsChanged)));
  button('test-run').addEventListener('click', guard(() => runTest(false, updateButtons)));
  button('test-full').addEventListener('click', guard(() => runTest(true, updateButtons)));

  select('grid-sigma').addEventListener('change', () => { renderSelectedGrid(); updateButtons(); });
  button('dl-denoised').addEventListener('click', downloadDenoised);
  button('dl-csv').addEventListener('click', () => downloadMetrics('csv'));
  button('dl-json').addEventListener('click', () => downloadMetrics('json'));
  button('dl-plot').addEventListener('click', guard(downloadPlot));
  button('dl-checkpoint').addEventListener('click', downloadCheckpoint);
  input('plot-log').addEventListener('change', () => { chart.setLog(input('plot-log').checked); queueChart(); });

  setupPhotoPanel(updateButtons);

  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => { chart.resize(); renderSelectedGrid(); }, 150);
  });
  window.addEventListener('unhandledrejection', (e) => showError(e.reason, 'unexpected error'));
  window.addEventListener('beforeunload', (e) => { if (state.session) e.preventDefault(); });
}

function main(): void {
  wire();
  writeConfig(state.config);
  onSettingsChanged();
  renderHistory();
  void offerAutosave();
  void startEngine();
}

main();
