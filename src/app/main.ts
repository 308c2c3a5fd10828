/**
 * The training page (index.html): starts the engine, gathers data and settings, runs a
 * training session (src/model/session.ts, the same code as `npm run train`) with live
 * progress, shows and hands out the results, denoises the person's own photo, and autosaves
 * every epoch to IndexedDB so a reload or a lost GPU resumes from the last epoch.
 *
 * State lives in `state` below; the DOM is updated from it by small render functions. Errors
 * go to the error area and never throw away the model or the history.
 */
import { DeviceLostError, type Runtime, WebGpuUnavailableError, initEngine } from '../engine/index.ts';
import { type BuiltinSet, builtinFiles } from '../data/builtin.ts';
import { type Image, encodePng, imageToRgba8 } from '../data/images.ts';
import {
  type CheckpointMeta, loadIntoModel, modelFromCheckpoint, pretrainedDncnnParams, readCheckpoint, saveCheckpoint,
} from '../model/checkpoint.ts';
import { ConfigError, ORIGINAL_SEED_SETTINGS, type PresetName, type TrainConfig, defaultConfig, validateConfig } from '../model/config.ts';
import { Model } from '../model/layers.ts';
import { dncnn } from '../model/presets.ts';
// The authors' DnCNN-S weights (see models/README.md), bundled as an asset.
import dncnnUrl from '../../models/dncnn_s25_folded.safetensors?url';
import { type DataSource, type SessionResult, runSession } from '../model/session.ts';
import type { EpochRecord, Trainer } from '../model/trainer.ts';
import { markInvalid, modelSize, readConfig, setupControls, writeConfig } from './controls.ts';
import { type OwnImages, type PickedFile, fromDrop, fromFileList, loadOwnImages } from './files.ts';
import { type Photo, denoisePhoto, fitToModel, loadPhoto, psnr } from './photo.ts';
import { isProfiling, setupProfiler, updateProfiler } from './profiler.ts';
import {
  type TestRun, denoisedFiles, gridRows, metricsCsv, metricsJson, renderEpochs, renderGrid, renderPlot, renderTests, testLabel,
} from './results.ts';
import { type Autosave, type SavedData, type TestSettings, clearAutosave, loadAutosave, loadSavedFiles, saveAutosave, saveFiles } from './storage.ts';
import {
  $, button, clearError, download, el, fmtNum, fmtSeconds, input, log, select, setText, showError,
} from './ui.ts';

/** A model as checkpoint bytes, with the history that led to it (empty for a file). */
interface LoadedCheckpoint { bytes: Uint8Array; name: string; meta: CheckpointMeta; history: EpochRecord[]; steps: [number, number][] }

const state = {
  runtime: null as Runtime | null,
  config: defaultConfig('small'),
  configValid: true,
  own: null as OwnImages | null,
  running: false,
  /** Bumped to abandon a session whose device was lost (its promise may never settle). */
  sessionToken: 0,
  trainer: null as Trainer | null,
  steps: [] as [number, number][],
  history: [] as EpochRecord[],
  tests: [] as TestRun[],
  testSet: 'bsd68',
  summary: null as Pick<SessionResult, 'config' | 'model' | 'data' | 'seconds'> | null,
  /** The newest model: after training, after each epoch, or loaded from a file. */
  checkpoint: null as LoadedCheckpoint | null,
  /** The model built from `checkpoint` for denoising photos (built on first use). */
  denoiser: null as { model: Model; source: LoadedCheckpoint } | null,
  photo: null as Photo | null,
  photoOut: null as { name: string; denoised: Image } | null,
  autosave: null as Autosave | null,
};

// ---------------------------------------------------------------------------------------
// Engine

async function startEngine(): Promise<void> {
  document.body.dataset.engine = 'starting';
  $('engine-reinit').hidden = true;
  const progress = $<HTMLProgressElement>('engine-progress');
  progress.hidden = false;
  setText('engine-status', 'Starting WebGPU…');
  try {
    const rt = await initEngine({
      onProgress: (done, total) => {
        progress.value = done / total;
        setText('engine-status', `Compiling shaders ${done}/${total}…`);
      },
    });
    state.runtime = rt;
    const a = rt.ctx.summary;
    const name = [a.vendor, a.architecture].filter(Boolean).join(' / ') || 'unknown adapter';
    setText('engine-status', `GPU: ${name}${a.description ? ` (${a.description})` : ''}`);
    $('engine-status').title = `features: ${a.features.join(', ')}`;
    if (a.architecture === 'swiftshader') $('engine-status').textContent += ' — a CPU fallback: training will be slow';
    progress.hidden = true;
    document.body.dataset.engine = 'ready';
    log(`engine ready on ${name}`);
    rt.ctx.lost.then((err) => onDeviceLost(rt, err));
  } catch (e) {
    progress.hidden = true;
    document.body.dataset.engine = 'unavailable';
    setText('engine-status', 'No WebGPU');
    const fatal = $('fatal');
    fatal.replaceChildren(
      el('strong', e instanceof WebGpuUnavailableError ? 'WebGPU is not available, so this page cannot train.' : 'The GPU engine failed to start.'),
      el('p', (e as Error).message),
    );
    fatal.hidden = false;
    log(`engine: ${(e as Error).message}`);
  }
  updateButtons();
}

function onDeviceLost(rt: Runtime, err: DeviceLostError): void {
  if (state.runtime !== rt) return;
  state.runtime = null;
  state.denoiser = null; // its buffers died with the device (no dispose: they belong to the old runtime)
  document.body.dataset.engine = 'lost';
  setText('engine-status', 'GPU device lost');
  $('engine-reinit').hidden = false;
  const wasRunning = state.running;
  if (wasRunning) {
    state.sessionToken++; // the session's promise may never settle: stop listening to it
    state.running = false;
    state.trainer = null;
    document.body.dataset.session = 'failed';
    input('resume-checkpoint').checked = true;
  }
  showError(`${err.message}${wasRunning ? '\nThe history and the last epoch\'s checkpoint are kept (and autosaved): re-initialise the GPU, then resume.' : ''}`);
  updateButtons();
}

async function reinitEngine(): Promise<void> {
  clearError();
  await startEngine();
  if (state.runtime) await offerAutosave();
}

// ---------------------------------------------------------------------------------------
// Settings

function onSettingsChanged(): void {
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
  renderModelSize();
  renderDataSummary();
  updateButtons();
}

function renderModelSize(): void {
  try {
    const m = modelSize(state.config);
    const flops = m.mflop >= 1000 ? `${(m.mflop / 1000).toFixed(2)} GFLOP` : `${m.mflop.toFixed(1)} MFLOP`;
    setText('param-count', `${m.params.toLocaleString('en-US')} parameters · ${flops} per ${m.size}×${m.size} input`);
  } catch (e) {
    setText('param-count', (e as Error).message);
  }
}

/** A preset brings its defaults; colour, noise and seed stay as chosen. */
function applyPreset(preset: PresetName, extra: Partial<TrainConfig> = {}): void {
  const keep = { channels: state.config.channels, noise: state.config.noise, seed: state.config.seed };
  writeConfig({ ...defaultConfig(preset, keep), ...extra });
}

// ---------------------------------------------------------------------------------------
// Data

function renderDataSummary(): void {
  const own = state.own;
  const useOwn = input('source-own').checked && own;
  const limit = Math.max(0, Math.floor(Number(input('train-limit').value) || 0));
  const lim = (n: number) => (limit && limit < n ? `${limit} of ${n}` : `${n}`);
  let text: string;
  if (useOwn) {
    const kinds = [own.gray && `${own.gray} gray`, own.rgb && `${own.rgb} RGB`].filter(Boolean).join(', ');
    text = `Training on ${lim(own.files.length)} of your images (${kinds}; sides ${own.minSide}–${own.maxSide} px) from ${own.label}.`;
    if (own.rgb && state.config.channels === 1) text += ' Colour images are converted to gray (choose RGB under Model to keep colour).';
  } else {
    text = `Training on ${lim(builtinFiles('train400').length || 400)} built-in Train400 images.`;
  }
  setText('data-summary', text);
}

function renderSkipped(skipped: { name: string; reason: string }[]): void {
  const details = $<HTMLDetailsElement>('skipped');
  details.hidden = !skipped.length;
  setText('skipped-summary', `${skipped.length} file${skipped.length === 1 ? '' : 's'} skipped`);
  $('skipped-list').replaceChildren(...skipped.slice(0, 500).map((s) => {
    const li = el('li');
    li.append(el('code', s.name), document.createTextNode(` — ${s.reason}`));
    return li;
  }));
}

async function takeOwnImages(picked: PickedFile[], label: string): Promise<void> {
  clearError();
  setText('data-summary', `Reading ${picked.length} file${picked.length === 1 ? '' : 's'} from ${label}…`);
  try {
    const own = await loadOwnImages(picked, label, (d, t) => setText('data-summary', `Checking images ${d}/${t}…`));
    state.own = own;
    input('source-own').disabled = false;
    input('source-own').checked = true;
    setText('own-count', `(${own.files.length})`);
    renderSkipped(own.skipped);
    log(`${own.files.length} usable images from ${label}; ${own.skipped.length} skipped`);
  } catch (e) {
    showError(e, `${label} not used`);
  }
  renderDataSummary();
}

function trainSource(): { source: DataSource; saved: SavedData } {
  const limit = Math.max(0, Math.floor(Number(input('train-limit').value) || 0));
  if (input('source-own').checked && state.own) {
    const files = limit ? state.own.files.slice(0, limit) : state.own.files;
    return { source: { files, label: state.own.label }, saved: { kind: 'own', label: state.own.label, count: files.length, limit } };
  }
  return { source: { builtin: 'train400', limit: limit || undefined }, saved: { kind: 'builtin', limit } };
}

/** The test controls; throws with a readable message on bad sigmas. */
function testSettings(): TestSettings {
  const set = select('test-set').value as TestSettings['set'];
  const raw = input('test-sigmas').value.split(/[\s,;]+/).filter(Boolean);
  const sigmas = raw.map(Number);
  if (!sigmas.length || sigmas.some((s) => !(s >= 0 && s <= 255))) {
    throw new ConfigError(`test sigmas must be numbers in [0, 255] separated by commas, e.g. "15, 25, 50"; got "${input('test-sigmas').value}"`);
  }
  return {
    set, sigmas,
    limit: Math.max(0, Math.floor(Number(input('test-limit').value) || 0)),
    keep: Math.max(0, Math.min(68, Math.floor(Number(input('keep-outputs').value) || 0))),
  };
}

function writeTestSettings(t: TestSettings): void {
  select('test-set').value = t.set;
  input('test-limit').value = String(t.limit);
  input('test-sigmas').value = t.sigmas.join(', ');
  input('keep-outputs').value = String(t.keep);
}

// ---------------------------------------------------------------------------------------
// Training

let plotQueued = false;
function queuePlot(): void {
  if (plotQueued) return;
  plotQueued = true;
  requestAnimationFrame(() => {
    plotQueued = false;
    renderPlot($<HTMLCanvasElement>('plot'), state.steps, state.history, `MSE loss — ${state.config.preset}`);
  });
}

function renderHistory(): void {
  renderEpochs($('epochs-table').querySelector('tbody')!, state.history);
  $('epochs-empty').hidden = state.history.length > 0;
  queuePlot();
}

function renderTestResults(): void {
  const section = $('test-section');
  section.hidden = !state.tests.length;
  if (!state.tests.length) return;
  renderTests($('test-table').querySelector('tbody')!, state.tests, state.testSet);
  const n = state.tests[0].result.perImage.length;
  const total = state.testSet === 'none' ? n : builtinFiles(state.testSet as BuiltinSet).length;
  const names: Record<string, string> = { set12: 'Set12', bsd68: 'BSD68', cbsd68: 'CBSD68' };
  setText('test-title', `${names[state.testSet] ?? state.testSet}, ${n === total ? `all ${n}` : `${n} of ${total}`} images`);
  const sel = select('grid-sigma');
  const prev = sel.value;
  sel.replaceChildren(...state.tests.map((t, i) => { const o = el('option', testLabel(t)); o.value = String(i); return o; }));
  if (prev && Number(prev) < state.tests.length) sel.value = prev;
  renderSelectedGrid();
}

function selectedTest(): TestRun | null {
  return state.tests[Number(select('grid-sigma').value) || 0] ?? null;
}

function renderSelectedGrid(): void {
  const t = selectedTest();
  renderGrid($<HTMLCanvasElement>('grid'), t ? gridRows(t) : []);
}

interface ResumeFrom { bytes: Uint8Array; name: string; history: EpochRecord[]; steps: [number, number][] }

async function startSession(resumeFrom?: ResumeFrom): Promise<void> {
  if (state.running || !state.runtime || !state.configValid) return;
  clearError();
  let test: TestSettings;
  try { test = testSettings(); } catch (e) { showError(e); return; }
  const config = state.config;
  const { source, saved } = trainSource();
  const ck = state.checkpoint;
  if (!resumeFrom && ck && input('resume-checkpoint').checked) {
    resumeFrom = { bytes: ck.bytes, name: ck.name, history: ck.history, steps: ck.steps };
  }
  $('autosave-banner').hidden = true;

  const token = ++state.sessionToken;
  state.running = true;
  document.body.dataset.session = 'running';
  updateButtons();
  const live = () => token === state.sessionToken;
  // The previous results stay on screen until training really starts (bad data fails before that).
  const clearResults = () => {
    state.history = resumeFrom ? [...resumeFrom.history] : [];
    state.steps = resumeFrom ? [...resumeFrom.steps] : [];
    state.tests = [];
    state.testSet = test.set;
    renderHistory();
    renderTestResults();
  };

  if (saved.kind === 'own' && 'files' in source) {
    await saveFiles(source.files).catch((e) => log(`autosave of your files failed (${(e as Error).message}); resuming after a reload will ask for them again`));
  }

  const progress = $<HTMLProgressElement>('train-progress');
  try {
    const result = await runSession({
      config,
      train: source,
      test: test.set === 'none' ? null : { builtin: test.set, limit: test.limit || undefined },
      testSigmas: test.sigmas,
      keepOutputs: test.keep,
      resume: resumeFrom ? { bytes: resumeFrom.bytes, name: resumeFrom.name } : undefined,
    }, {
      onStage: (stage, done, total) => {
        if (!live()) return;
        setText('stage', total ? `${stage} ${done}/${total}` : stage);
        if (stage === 'training') { clearResults(); progress.value = 0; }
        if (total && stage !== 'training') progress.value = (done ?? 0) / total;
      },
      onStep: (e) => {
        if (!live()) return;
        state.steps.push([e.epoch - 1 + e.step / e.stepsPerEpoch, e.loss]);
        setText('stat-epoch', `${e.epoch} / ${config.epochs}`);
        setText('stat-step', `${e.step} / ${e.stepsPerEpoch}`);
        setText('stat-loss', fmtNum(e.loss));
        setText('stat-speed', e.imagesPerSec.toFixed(1));
        setText('stat-eta', fmtSeconds(e.etaSec));
        setText('stage', state.trainer?.state === 'paused' ? 'paused' : 'training');
        progress.value = ((e.epoch - 1) * e.stepsPerEpoch + e.step) / (config.epochs * e.stepsPerEpoch);
        queuePlot();
        updateButtons(); // the trainer went from idle to running: Pause and Stop apply now
      },
      onEpoch: async (r, checkpoint) => {
        if (!live()) return;
        state.history.push(r);
        renderHistory();
        try {
          const bytes = await checkpoint();
          setCheckpoint({ bytes, name: `epoch ${r.epoch}`, meta: readCheckpoint(bytes).meta, history: [...state.history], steps: [...state.steps] });
          state.autosave = {
            savedAt: new Date().toISOString(), epoch: r.epoch, config, history: [...state.history], steps: [...state.steps],
            checkpoint: bytes, data: saved, test,
          };
          await saveAutosave(state.autosave);
        } catch (e) {
          log(`autosave after epoch ${r.epoch} failed: ${(e as Error).message}`);
        }
        updateButtons();
      },
      onLog: (m) => { if (live()) log(m); },
      onTrainer: (t) => { if (live()) { state.trainer = t; updateButtons(); } },
    });
    if (!live()) return;
    state.tests = result.tests;
    state.summary = { config: result.config, model: result.model, data: result.data, seconds: result.seconds };
    const meta = readCheckpoint(result.checkpoint).meta;
    // Steps of an interrupted epoch are not part of the checkpoint: continuing redoes that epoch.
    setCheckpoint({ bytes: result.checkpoint, name: `${meta.preset} epoch ${meta.epoch}`, meta, history: [...state.history], steps: state.steps.filter(([x]) => x <= meta.epoch) });
    // After a stop or a failure, Start continues from this model by default; after a full run it starts afresh.
    input('resume-checkpoint').checked = result.state !== 'done';
    renderTestResults();
    renderSkipped(result.data.skipped);
    setText('stage', `${result.state} in ${fmtSeconds(result.seconds)}`);
    if (result.state !== 'failed') progress.value = 1;
    document.body.dataset.session = result.error ? 'failed' : 'finished';
    if (result.error) showError(result.error, 'training stopped (the model and history are kept)');
    log(`session ${result.state}: ${result.data.train} training / ${result.data.val} validation images, ${fmtSeconds(result.seconds)}`);
  } catch (e) {
    if (!live()) return;
    document.body.dataset.session = 'failed';
    setText('stage', 'failed');
    showError(e, state.history.length ? 'training failed (the history and the last epoch\'s checkpoint are kept)' : 'training failed');
  } finally {
    if (live()) {
      state.running = false;
      state.trainer = null;
      updateButtons();
    }
  }
}

function togglePause(): void {
  const t = state.trainer;
  if (!t) return;
  if (t.state === 'running') { t.pause(); setText('stage', 'paused (after this step)'); } else if (t.state === 'paused') { t.resume(); setText('stage', 'training'); }
  updateButtons();
}

function stopSession(): void {
  state.trainer?.stop();
  setText('stage', 'stopping after this step, then testing…');
  updateButtons();
}

// ---------------------------------------------------------------------------------------
// Checkpoints

/** The newest model changes: the photo denoiser is rebuilt from it on next use. */
function setCheckpoint(ck: LoadedCheckpoint): void {
  state.checkpoint = ck;
  if (state.denoiser && state.denoiser.source !== ck) {
    state.denoiser.model.dispose();
    state.denoiser = null;
  }
  const m = ck.meta;
  const metric = m.metrics && Number.isFinite(m.metrics.valPsnr) ? `, validation PSNR ${Number(m.metrics.valPsnr).toFixed(2)} dB` : '';
  setText('checkpoint-info', `Current model: ${ck.name} — ${m.preset}, ${m.channels === 1 ? 'gray' : 'RGB'}, epoch ${m.epoch}${metric}.`);
  setText('resume-text', `Start continues training this model (from epoch ${m.epoch})`);
}

async function loadCheckpointFile(file: File): Promise<void> {
  clearError();
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const ck = readCheckpoint(bytes, file.name);
    // Build it now: a file that does not fit its own architecture is refused here, with the reason.
    const model = state.runtime ? await modelFromCheckpoint(ck, file.name) : null;
    const loaded = { bytes, name: file.name, meta: ck.meta, history: [], steps: [] };
    setCheckpoint(loaded);
    if (model) state.denoiser = { model, source: loaded };
    input('resume-checkpoint').checked = true;
    const cfg = ck.meta.config as TrainConfig | undefined;
    let note = '';
    if (cfg) {
      try {
        validateConfig(cfg);
        writeConfig(cfg);
        onSettingsChanged();
        note = ' Its training settings are now in the controls.';
        if (cfg.epochs <= ck.meta.epoch) note += ` It finished its ${cfg.epochs} epochs: raise Epochs to train further.`;
      } catch (e) {
        note = ` Its stored settings were not applied: ${(e as Error).message}`;
      }
    }
    log(`loaded checkpoint ${file.name} (${ck.meta.preset}, epoch ${ck.meta.epoch})`);
    $('checkpoint-info').textContent += note;
  } catch (e) {
    showError(e, 'checkpoint not loaded');
  }
  updateButtons();
}

/** The authors' DnCNN-S (gray, trained for sigma 25) as the current model: for photos, or to fine-tune. */
async function usePretrained(): Promise<void> {
  if (!state.runtime || state.running) return;
  clearError();
  const name = 'dncnn_s25_folded.safetensors';
  const res = await fetch(dncnnUrl);
  if (!res.ok) throw new Error(`could not fetch ${name}: HTTP ${res.status}`);
  const model = new Model(dncnn(1));
  try {
    await loadIntoModel(model, pretrainedDncnnParams(new Uint8Array(await res.arrayBuffer())), name);
    const noise = { kind: 'gaussian', sigma: 25 } as const;
    const bytes = await saveCheckpoint(model, { preset: 'dncnn', epoch: 0, noise, config: defaultConfig('dncnn', { noise }) });
    const loaded = { bytes, name: "the authors' DnCNN-S (sigma 25)", meta: readCheckpoint(bytes).meta, history: [], steps: [] };
    setCheckpoint(loaded);
    state.denoiser = { model, source: loaded };
    input('resume-checkpoint').checked = false;
    log(`loaded ${name}: DnCNN-S, ${model.parameterCount} parameters`);
  } catch (e) {
    model.dispose();
    throw e;
  }
  updateButtons();
}

async function getDenoiser(): Promise<{ model: Model; source: LoadedCheckpoint }> {
  const ck = state.checkpoint;
  if (!ck) throw new Error('no model yet: train one or load a checkpoint');
  if (state.denoiser?.source === ck) return state.denoiser;
  state.denoiser?.model.dispose();
  state.denoiser = null;
  const model = await modelFromCheckpoint(readCheckpoint(ck.bytes, ck.name), ck.name);
  state.denoiser = { model, source: ck };
  return state.denoiser;
}

// ---------------------------------------------------------------------------------------
// Photo

function drawImage(canvas: HTMLCanvasElement, im: Image): void {
  canvas.width = im.width;
  canvas.height = im.height;
  canvas.getContext('2d')!.putImageData(new ImageData(imageToRgba8(im) as Uint8ClampedArray<ArrayBuffer>, im.width, im.height), 0, 0);
}

async function pickPhoto(file: File): Promise<void> {
  clearError();
  try {
    state.photo = await loadPhoto(file);
    state.photoOut = null;
    $('photo-pair').hidden = false;
    drawImage($<HTMLCanvasElement>('photo-noisy'), state.photo.image);
    $<HTMLCanvasElement>('photo-denoised').width = 0;
    setText('photo-noisy-cap', `${file.name} (original)`);
    setText('photo-denoised-cap', 'denoised');
    setText('photo-info', `${file.name}: ${state.photo.note}. Choose the noise to add, then Denoise.`);
  } catch (e) {
    showError(e, 'photo not loaded');
  }
  updateButtons();
}

async function runPhoto(): Promise<void> {
  if (!state.photo || state.running) return;
  clearError();
  const btn = button('photo-denoise');
  btn.disabled = true;
  try {
    const { model, source } = await getDenoiser();
    const fallback = (source.meta.config as TrainConfig | undefined)?.imageSize ?? 128;
    const fit = fitToModel(state.photo.image, model, fallback);
    const sigma = Math.max(0, Math.min(75, Number(input('photo-sigma').value) || 0));
    setText('photo-info', 'Denoising…');
    const t0 = performance.now();
    const { noisy, denoised } = await denoisePhoto(model, fit.image, sigma, 1);
    drawImage($<HTMLCanvasElement>('photo-noisy'), noisy);
    drawImage($<HTMLCanvasElement>('photo-denoised'), denoised);
    setText('photo-noisy-cap', sigma > 0 ? `noisy, sigma ${sigma}: ${psnr(noisy, fit.image).toFixed(2)} dB` : 'input (no noise added)');
    setText('photo-denoised-cap', sigma > 0 ? `denoised: ${psnr(denoised, fit.image).toFixed(2)} dB` : 'denoised');
    state.photoOut = { name: state.photo.name, denoised };
    const notes = [state.photo.note, fit.note].filter(Boolean).join(', ');
    setText('photo-info', `${state.photo.name} (${notes}) denoised by ${source.name} in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
  } catch (e) {
    showError(e, 'denoising failed');
  }
  updateButtons();
}

// ---------------------------------------------------------------------------------------
// Autosave

async function offerAutosave(): Promise<void> {
  try {
    state.autosave = (await loadAutosave()) ?? null;
  } catch (e) {
    log(`autosave unavailable: ${(e as Error).message}`);
    state.autosave = null;
  }
  const a = state.autosave;
  $('autosave-banner').hidden = !a || state.running;
  if (!a) return;
  const when = new Date(a.savedAt).toLocaleString();
  const data = a.data.kind === 'builtin' ? 'Train400' : `${a.data.count} of your images (${a.data.label})`;
  setText('autosave-text', `An autosaved session: ${a.config.preset}, epoch ${a.epoch} of ${a.config.epochs} on ${data}, saved ${when}.`);
  updateButtons();
}

async function resumeAutosave(): Promise<void> {
  const a = state.autosave;
  if (!a || !state.runtime || state.running) return;
  clearError();
  writeConfig(a.config);
  onSettingsChanged();
  if (!state.configValid) { showError('the autosaved settings are not valid any more; fix them, or discard the autosave'); return; }
  writeTestSettings(a.test);
  input('train-limit').value = String(a.data.limit);
  if (a.data.kind === 'own') {
    const files = await loadSavedFiles().catch(() => undefined);
    if (!files?.length) { showError('the autosave was made with your own images, which were not stored: pick them again, then Resume'); return; }
    await takeOwnImages(files.map((f) => ({ path: f.name, file: new File([f.bytes as BlobPart], f.name) })), a.data.label);
    if (!state.own) return;
    input('train-limit').value = '0'; // the stored files are already the limited selection
  } else {
    input('source-builtin').checked = true;
  }
  renderDataSummary();
  await startSession({ bytes: a.checkpoint, name: `autosave (epoch ${a.epoch})`, history: a.history, steps: a.steps });
}

async function discardAutosave(): Promise<void> {
  await clearAutosave().catch((e) => showError(e, 'could not clear the autosave'));
  state.autosave = null;
  $('autosave-banner').hidden = true;
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

function downloadPlot(): void {
  $<HTMLCanvasElement>('plot').toBlob((b) => { if (b) download(`loss-${stamp()}.png`, b); }, 'image/png');
}

function downloadCheckpoint(): void {
  const ck = state.checkpoint;
  if (ck) download(`denoiser-${ck.meta.preset}-epoch${ck.meta.epoch}.safetensors`, ck.bytes);
}

function downloadPhoto(): void {
  const p = state.photoOut;
  if (p) download(`${p.name.replace(/\.[^.]+$/, '')}_denoised.png`, encodePng(p.denoised), 'image/png');
}

// ---------------------------------------------------------------------------------------
// Buttons

function updateButtons(): void {
  const ready = !!state.runtime;
  // A profile times every dispatch on the device: no other GPU work may start meanwhile.
  const running = state.running || isProfiling();
  const t = state.trainer;
  $<HTMLFieldSetElement>('settings').disabled = running;
  button('start').disabled = !ready || running || !state.configValid;
  button('start').title = !ready ? 'needs WebGPU' : !state.configValid ? 'fix the settings first' : '';
  button('pause').disabled = !running || !t || (t.state !== 'running' && t.state !== 'paused');
  button('pause').textContent = t?.state === 'paused' ? 'Resume' : 'Pause';
  button('stop').disabled = !running || !t || (t.state !== 'running' && t.state !== 'paused');
  input('checkpoint-input').disabled = running;
  button('use-pretrained').disabled = !ready || running;
  $('resume-row').hidden = running || !state.checkpoint;
  button('autosave-resume').disabled = !ready || running;
  button('autosave-discard').disabled = running;
  button('dl-denoised').disabled = !(selectedTest()?.result.outputs?.length);
  button('dl-csv').disabled = !state.history.length && !state.tests.length;
  button('dl-json').disabled = !state.history.length && !state.tests.length;
  button('dl-plot').disabled = !state.steps.length && !state.history.length;
  button('dl-checkpoint').disabled = !state.checkpoint;
  button('photo-denoise').disabled = !ready || running || !state.photo || !state.checkpoint;
  button('photo-denoise').title = running ? 'available when training is not running' : !state.checkpoint ? 'train a model or load a checkpoint first' : '';
  button('photo-download').disabled = !state.photoOut;
  updateProfiler();
}

/** Runs an async handler, showing any error instead of losing it. */
const guard = (fn: () => unknown) => () => {
  Promise.resolve().then(fn).catch((e) => showError(e));
};

function wire(): void {
  setupControls(onSettingsChanged);
  setupProfiler({
    runtime: () => state.runtime,
    config: () => (state.configValid ? state.config : null),
    training: () => state.running,
    onChange: updateButtons,
  });
  select('preset').addEventListener('change', () => applyPreset(select('preset').value as PresetName));
  button('original-settings').addEventListener('click', () => {
    applyPreset('seed', ORIGINAL_SEED_SETTINGS);
    onSettingsChanged();
    log('original Keras settings: seed autoencoder, 128×128 images, batch 64, 50 epochs, lr 1e-5, Keras Adam, 60/40 split, rotation 20°, shift 0.1');
  });
  for (const id of ['source-builtin', 'source-own', 'train-limit']) $(id).addEventListener('change', renderDataSummary);

  const files = input('files-input');
  files.addEventListener('change', guard(async () => {
    const picked = fromFileList(files.files);
    files.value = ''; // picking the same file again fires change again
    if (picked.length) await takeOwnImages(picked, picked.length === 1 ? picked[0].path : `${picked.length} picked files`);
  }));
  const folder = input('folder-input');
  folder.addEventListener('change', guard(async () => {
    const picked = fromFileList(folder.files);
    folder.value = '';
    const name = picked[0]?.path.split('/')[0] ?? 'the folder';
    await takeOwnImages(picked, `folder ${name}`);
  }));
  const drop = $('drop-zone');
  // A drop anywhere else must not navigate away from the page (and lose the session).
  for (const ev of ['dragover', 'drop']) window.addEventListener(ev, (e) => e.preventDefault());
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (state.running || !e.dataTransfer) return;
    const dt = e.dataTransfer;
    const names = Array.from(dt.files, (f) => f.name);
    guard(async () => {
      const picked = await fromDrop(dt);
      await takeOwnImages(picked, names.length === 1 ? names[0] : `${names.length} dropped items`);
    })();
  });

  button('start').addEventListener('click', guard(() => startSession()));
  button('pause').addEventListener('click', togglePause);
  button('stop').addEventListener('click', stopSession);
  button('engine-reinit').addEventListener('click', guard(reinitEngine));
  button('error-dismiss').addEventListener('click', clearError);
  button('autosave-resume').addEventListener('click', guard(resumeAutosave));
  button('autosave-discard').addEventListener('click', guard(discardAutosave));

  const ck = input('checkpoint-input');
  ck.addEventListener('change', guard(async () => {
    const f = ck.files?.[0];
    ck.value = '';
    if (f) await loadCheckpointFile(f);
  }));

  select('grid-sigma').addEventListener('change', () => { renderSelectedGrid(); updateButtons(); });
  button('dl-denoised').addEventListener('click', downloadDenoised);
  button('dl-csv').addEventListener('click', () => downloadMetrics('csv'));
  button('dl-json').addEventListener('click', () => downloadMetrics('json'));
  button('dl-plot').addEventListener('click', downloadPlot);
  button('dl-checkpoint').addEventListener('click', downloadCheckpoint);
  button('use-pretrained').addEventListener('click', guard(usePretrained));

  const photo = input('photo-input');
  photo.addEventListener('change', guard(async () => {
    const f = photo.files?.[0];
    photo.value = '';
    if (f) await pickPhoto(f);
  }));
  const ps = input('photo-sigma-slider');
  const pn = input('photo-sigma');
  ps.addEventListener('input', () => { pn.value = ps.value; });
  pn.addEventListener('input', () => { ps.value = pn.value; });
  button('photo-denoise').addEventListener('click', guard(runPhoto));
  button('photo-download').addEventListener('click', downloadPhoto);

  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => { queuePlot(); renderSelectedGrid(); }, 150);
  });
  window.addEventListener('unhandledrejection', (e) => showError(e.reason, 'unexpected error'));
  window.addEventListener('beforeunload', (e) => { if (state.running) e.preventDefault(); });
}

function main(): void {
  wire();
  writeConfig(state.config);
  onSettingsChanged();
  renderHistory();
  renderDataSummary();
  void offerAutosave();
  void startEngine();
}

main();
