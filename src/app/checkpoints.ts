/**
 * The current model: set by training (every epoch, and the final state of a run, stopped ones
 * included), by a .safetensors file, or by the authors' pretrained DnCNN-S. Tests and the
 * checkpoint download use this one model, and its label says how far it was trained; the photo
 * panel offers it first, beside the shipped models (src/app/photo.ts).
 */
import { readCheckpoint, loadIntoModel, modelFromCheckpoint, pretrainedDncnnParams, saveCheckpoint } from '../model/checkpoint.ts';
import { type TrainConfig, defaultConfig, validateConfig } from '../model/config.ts';
import { throwIfAborted } from '../model/evaluate.ts';
import { Model } from '../model/layers.ts';
import { dncnn } from '../model/presets.ts';
// The authors' DnCNN-S weights (see models/README.md), bundled as an asset.
import dncnnUrl from '../../models/dncnn_s25_folded.safetensors?url';
import { writeConfig } from './controls.ts';
import { matchTestSetToChannels } from './data.ts';
import { type LoadedCheckpoint, state } from './state.ts';
import { runTask } from './tasks.ts';
import { $, clearError, input, log, setText } from './ui.ts';

/** 'epoch 3', or 'epoch 1 + 5 steps (stopped)' when a run stopped inside an epoch. */
export function trainedLabel(epoch: number, stepInEpoch = 0): string {
  return stepInEpoch > 0 ? `epoch ${epoch} + ${stepInEpoch} step${stepInEpoch === 1 ? '' : 's'} (stopped)` : `epoch ${epoch}`;
}

/** The newest model changes: the denoiser is rebuilt from it on next use. */
export function setCheckpoint(ck: LoadedCheckpoint): void {
  state.checkpoint = ck;
  if (state.denoiser && state.denoiser.source !== ck) {
    state.denoiser.model.dispose();
    state.denoiser = null;
  }
  const m = ck.meta;
  const metric = m.metrics && Number.isFinite(m.metrics.valPsnr) ? `, validation PSNR ${Number(m.metrics.valPsnr).toFixed(2)} dB` : '';
  setText('checkpoint-info', `Current model: ${ck.name} — ${m.preset}, ${m.channels === 1 ? 'gray' : 'RGB'}, ${ck.label}${metric}.`);
  setText('resume-text', `Start continues training this model (from ${ck.label.replace(/ \(stopped\)$/, '')})`);
}

/** The current model, built on the GPU (once per checkpoint). */
export async function getDenoiser(): Promise<{ model: Model; source: LoadedCheckpoint }> {
  const ck = state.checkpoint;
  if (!ck) throw new Error('no model yet: train one or load a checkpoint');
  if (state.denoiser?.source === ck) return state.denoiser;
  state.denoiser?.model.dispose();
  state.denoiser = null;
  const model = await modelFromCheckpoint(readCheckpoint(ck.bytes, ck.name), ck.name);
  state.denoiser = { model, source: ck };
  return state.denoiser;
}

/** Puts a model's stored settings into the controls; returns a note for the person. */
function applyStoredConfig(cfg: TrainConfig | undefined, epoch: number, onSettingsChanged: () => void): string {
  if (!cfg) return '';
  try {
    validateConfig(cfg);
    writeConfig(cfg);
    matchTestSetToChannels(cfg.channels);
    onSettingsChanged();
    let note = ' Its training settings are now in the controls.';
    if (cfg.epochs <= epoch) note += ` It finished its ${cfg.epochs} epochs: raise Epochs to train further.`;
    return note;
  } catch (e) {
    return ` Its stored settings were not applied: ${(e as Error).message}`;
  }
}

export async function loadCheckpointFile(file: File, onSettingsChanged: () => void): Promise<void> {
  clearError();
  await runTask('loading the checkpoint', async (signal, progress) => {
    progress({ fraction: null, detail: file.name });
    const bytes = new Uint8Array(await file.arrayBuffer());
    throwIfAborted(signal, 'loading the checkpoint');
    const ck = readCheckpoint(bytes, file.name);
    // Build it now: a file that does not fit its own architecture is refused here, with the reason.
    const model = state.runtime ? await modelFromCheckpoint(ck, file.name) : null;
    if (signal.aborted) { model?.dispose(); throwIfAborted(signal, 'loading the checkpoint'); }
    const loaded: LoadedCheckpoint = { bytes, name: file.name, meta: ck.meta, label: trainedLabel(ck.meta.epoch), history: [], steps: [] };
    setCheckpoint(loaded);
    if (model) state.denoiser = { model, source: loaded };
    input('resume-checkpoint').checked = true;
    const note = applyStoredConfig(ck.meta.config as TrainConfig | undefined, ck.meta.epoch, onSettingsChanged);
    log(`loaded checkpoint ${file.name} (${ck.meta.preset}, epoch ${ck.meta.epoch})`);
    $('checkpoint-info').textContent += note;
  });
}

/** The authors' DnCNN-S (gray, trained for sigma 25) as the current model: for photos, tests, or to fine-tune. */
export async function usePretrained(onSettingsChanged: () => void): Promise<void> {
  if (!state.runtime) return;
  clearError();
  await runTask('loading the pretrained DnCNN-S', async (signal, progress) => {
    const name = 'dncnn_s25_folded.safetensors';
    progress({ fraction: null, detail: name });
    const res = await fetch(dncnnUrl, { signal });
    if (!res.ok) throw new Error(`could not fetch ${name}: HTTP ${res.status}`);
    const params = pretrainedDncnnParams(new Uint8Array(await res.arrayBuffer()));
    throwIfAborted(signal, 'loading');
    const model = new Model(dncnn(1));
    try {
      await loadIntoModel(model, params, name);
      const noise = { kind: 'gaussian', sigma: 25 } as const;
      const config = defaultConfig('dncnn', { noise, channels: 1 });
      const bytes = await saveCheckpoint(model, { preset: 'dncnn', epoch: 0, noise, config });
      const loaded: LoadedCheckpoint = {
        bytes, name: "the authors' DnCNN-S", meta: readCheckpoint(bytes).meta, label: 'pretrained by its authors for sigma 25', history: [], steps: [],
      };
      setCheckpoint(loaded);
      state.denoiser = { model, source: loaded };
      // The controls show this model's preset; Start fine-tunes it when the box is ticked.
      writeConfig(config);
      matchTestSetToChannels(1);
      onSettingsChanged();
      input('resume-checkpoint').checked = false;
      log(`loaded ${name}: DnCNN-S, ${model.parameterCount} parameters; the settings now show the dncnn preset at sigma 25`);
    } catch (e) {
      model.dispose();
      throw e;
    }
  });
}
