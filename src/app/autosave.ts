/**
 * Autosave on the page: every epoch (and the end of a run) goes to IndexedDB; a full storage
 * shows a warning and training goes on (the last epoch stays in memory, so a lost GPU still
 * resumes from it). After a reload the banner offers to resume an unfinished run or to load
 * the model and results of a finished one.
 */
import { readCheckpoint } from '../model/checkpoint.ts';
import { setCheckpoint, trainedLabel } from './checkpoints.ts';
import { takeOwnImages, renderDataSummary, writeTestSettings } from './data.ts';
import { writeConfig } from './controls.ts';
import { state } from './state.ts';
import { type Autosave, StorageFullError, clearAutosave, loadAutosave, loadSavedFiles, saveAutosave } from './storage.ts';
import { $, button, clearError, input, log, setText, showError } from './ui.ts';

export interface AutosaveHost {
  onSettingsChanged(): void;
  refresh(): void;
  renderHistory(): void;
  startSession(resume: { bytes: Uint8Array; name: string; history: Autosave['history']; steps: Autosave['steps'] }): Promise<void>;
}

let host: AutosaveHost;
export function setupAutosave(h: AutosaveHost): void { host = h; }

const finished = (a: Autosave) => a.status === 'done' || (a.status === undefined && a.epoch >= a.config.epochs);

/** Keeps `a` in memory and in IndexedDB; a failure is a warning, never an error that stops training. */
export async function writeAutosave(a: Autosave): Promise<void> {
  state.autosave = a;
  const box = $('autosave-warning');
  try {
    await saveAutosave(a);
    box.hidden = true;
  } catch (e) {
    const what = e instanceof StorageFullError ? `${e.message}` : (e as Error).message;
    box.textContent = `Autosave of epoch ${a.epoch} failed: ${what}. Training goes on; this tab still holds the last epoch ` +
      '(a lost GPU resumes from it), but a reload would lose it: download the checkpoint, or free some space (Discard an old autosave, clear site data).';
    box.hidden = false;
    log(`autosave after epoch ${a.epoch} failed: ${what}`);
  }
}

export async function offerAutosave(): Promise<void> {
  try {
    state.autosave = (await loadAutosave()) ?? null;
  } catch (e) {
    log(`autosave unavailable: ${(e as Error).message}`);
    state.autosave = null;
  }
  const a = state.autosave;
  $('autosave-banner').hidden = !a || state.session !== null;
  if (!a) return;
  const when = new Date(a.savedAt).toLocaleString();
  const data = a.data.kind === 'builtin' ? 'Train400' : `${a.data.count} of your images (${a.data.label})`;
  const where = trainedLabel(a.epoch, a.stepInEpoch ?? 0);
  if (finished(a)) {
    setText('autosave-text', `A finished session: ${a.config.preset}, ${a.epoch} epoch${a.epoch === 1 ? '' : 's'} on ${data}, saved ${when}.`);
    setText('autosave-resume', 'Load its model and results');
  } else {
    setText('autosave-text', `An unfinished session: ${a.config.preset}, ${where} of ${a.config.epochs} on ${data}${a.status === 'stopped' ? ' (stopped)' : ''}, saved ${when}.`);
    setText('autosave-resume', 'Resume');
  }
  host.refresh();
}

/** Shows a finished autosave's model, history and settings without training. */
function loadFinished(a: Autosave): void {
  const meta = readCheckpoint(a.checkpoint).meta;
  state.history = [...a.history];
  state.steps = [...a.steps];
  setCheckpoint({ bytes: a.checkpoint, name: `autosave (${trainedLabel(a.epoch)})`, meta, label: trainedLabel(a.epoch), history: [...a.history], steps: [...a.steps] });
  input('resume-checkpoint').checked = false;
  host.renderHistory();
  $('autosave-banner').hidden = true;
  log(`loaded the finished autosave: ${a.config.preset}, ${a.epoch} epochs`);
  host.refresh();
}

export async function resumeAutosave(): Promise<void> {
  const a = state.autosave;
  if (!a || !state.runtime || state.session) return;
  clearError();
  writeConfig(a.config);
  host.onSettingsChanged();
  if (!state.configValid) { showError('the autosaved settings are not valid any more; fix them, or discard the autosave'); return; }
  writeTestSettings(a.test);
  if (finished(a)) { loadFinished(a); return; }
  input('train-limit').value = String(a.data.limit);
  if (a.data.kind === 'own') {
    const files = await loadSavedFiles().catch(() => undefined);
    if (!files?.length) { showError('the autosave was made with your own images, which were not stored: pick them again, then Resume'); return; }
    const ok = await takeOwnImages(files.map((f) => ({ path: f.name, file: new File([f.bytes as BlobPart], f.name) })), a.data.label, host.refresh);
    if (!ok) return;
    input('train-limit').value = '0'; // the stored files are already the limited selection
  } else {
    input('source-builtin').checked = true;
  }
  renderDataSummary();
  await host.startSession({ bytes: a.checkpoint, name: `autosave (epoch ${a.epoch})`, history: a.history, steps: a.steps });
}

export async function discardAutosave(): Promise<void> {
  await clearAutosave().catch((e) => showError(e, 'could not clear the autosave'));
  state.autosave = null;
  $('autosave-banner').hidden = true;
  $('autosave-warning').hidden = true;
  button('autosave-resume').disabled = true;
}
