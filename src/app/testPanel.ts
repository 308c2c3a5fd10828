/**
 * The Test set panel: the table of metrics beside the published numbers and the noisy |
 * denoised | clean grid, for the test that ends a training run or for "Test the current model"
 * (any set and sigmas, e.g. the full BSD68 protocol at 15, 25 and 50), run as a cancellable
 * task with progress and an ETA. The results always say which model they scored.
 */
import { type BuiltinSet, builtinFiles, loadBuiltin } from '../data/builtin.ts';
import { decodeAll, resizeAll } from '../data/dataset.ts';
import type { NoiseConfig, TrainConfig } from '../model/config.ts';
import { evaluate, throwIfAborted } from '../model/evaluate.ts';
import { getDenoiser } from './checkpoints.ts';
import { testSettings } from './data.ts';
import { type TestRun, gridRows, renderGrid, renderTests, testLabel } from './results.ts';
import { state } from './state.ts';
import { runTask } from './tasks.ts';
import { pageTuneStore } from './tuneStore.ts';
import type { InferenceTuning } from '../model/tuneInference.ts';
import { $, clearError, el, input, log, select, setText, showError } from './ui.ts';

const SET_NAMES: Record<string, string> = { set12: 'Set12', bsd68: 'BSD68', cbsd68: 'CBSD68' };

export function renderTestResults(): void {
  const has = state.tests.length > 0;
  $('test-results').hidden = !has;
  $('test-empty').hidden = has;
  if (!has) { setText('test-title', ''); return; }
  renderTests($('test-table').querySelector('tbody')!, state.tests, state.testSet);
  const n = state.tests[0].result.perImage.length;
  const total = state.testSet === 'none' ? n : builtinFiles(state.testSet as BuiltinSet).length;
  setText('test-title', `${SET_NAMES[state.testSet] ?? state.testSet}, ${n === total ? `all ${n}` : `${n} of ${total}`} images${state.testedModel ? ` — model: ${state.testedModel}` : ''}`);
  const sel = select('grid-sigma');
  const prev = sel.value;
  sel.replaceChildren(...state.tests.map((t, i) => { const o = el('option', testLabel(t)); o.value = String(i); return o; }));
  if (prev && Number(prev) < state.tests.length) sel.value = prev;
  renderSelectedGrid();
}

export function selectedTest(): TestRun | null {
  return state.tests[Number(select('grid-sigma').value) || 0] ?? null;
}

export function renderSelectedGrid(): void {
  const t = selectedTest();
  renderGrid($<HTMLCanvasElement>('grid'), t ? gridRows(t) : []);
}

/** Tests the current model with the panel's settings (or the full protocol) as a cancellable task. */
export async function runTest(full: boolean, refresh: () => void): Promise<void> {
  if (!state.checkpoint || !state.runtime) return;
  clearError();
  const channels = state.checkpoint.meta.channels;
  if (full) {
    select('test-set').value = channels === 3 ? 'cbsd68' : 'bsd68';
    input('test-limit').value = '0';
    input('test-sigmas').value = '15, 25, 50';
  }
  let settings;
  try { settings = testSettings(); } catch (e) { showError(e); return; }
  if (settings.set === 'none') { showError('choose a test set first'); return; }
  const set = settings.set;
  const ck = state.checkpoint;
  await runTask(`testing on ${SET_NAMES[set]}`, async (signal, progress) => {
    const { model } = await getDenoiser();
    const files = await loadBuiltin(set, settings.limit || undefined);
    throwIfAborted(signal, 'the test');
    const report = await decodeAll(files, {
      channels: model.spec.channels as 1 | 3,
      onProgress: (d, t) => { throwIfAborted(signal, 'the test'); progress({ fraction: d / t, detail: `decoding image ${d} of ${t}` }); },
    });
    const cfg = ck.meta.config as TrainConfig | undefined;
    const images = ck.meta.preset === 'seed' ? resizeAll(report.images, cfg?.imageSize ?? 128) : report.images;
    const trained = ck.meta.noise as NoiseConfig | undefined;
    const noises: { sigma: number | null; noise: NoiseConfig }[] = settings.sigmas.length
      ? settings.sigmas.map((s) => ({ sigma: s, noise: { kind: 'gaussian', sigma: s } }))
      : trained?.kind === 'gaussian' && !Array.isArray(trained.sigma) ? [{ sigma: trained.sigma, noise: trained }]
      : trained && trained.kind !== 'gaussian' ? [{ sigma: null, noise: trained }]
      : [{ sigma: 25, noise: { kind: 'gaussian', sigma: 25 } }];
    state.tests = [];
    state.testSet = set;
    state.testedModel = `${ck.name} (${ck.label})`;
    renderTestResults();
    const pixels = images.map((d) => d.image.width * d.image.height);
    const perSigma = pixels.reduce((a, b) => a + b, 0);
    const total = perSigma * noises.length;
    // The test's strips measure the conv kernels first where this device has no choice near their size.
    const tune: InferenceTuning = {
      store: pageTuneStore, onLog: log,
      onProgress: (done, total) => progress({ fraction: null, detail: `measuring the conv kernels on this device, ${done} of ${total} layer shapes` }),
    };
    const t0 = performance.now();
    for (let k = 0; k < noises.length; k++) {
      const n = noises[k];
      const label = n.sigma !== null ? `sigma ${n.sigma}` : n.noise.kind;
      const report = (done: number) => {
        const i = Math.floor(done);
        const px = k * perSigma + pixels.slice(0, i).reduce((a, b) => a + b, 0) + (i < pixels.length ? (done - i) * pixels[i] : 0);
        const sec = (performance.now() - t0) / 1000;
        progress({ fraction: px / total, detail: `${label}: image ${Math.min(i + 1, images.length)} of ${images.length}`, etaSec: px > 0 ? (sec / px) * (total - px) : undefined });
      };
      report(0);
      const result = await evaluate(model, images, { noise: n.noise, seed: (cfg?.seed ?? 1) + 104729, keepOutputs: settings.keep, signal, onPartial: report, onProgress: report, tune });
      state.tests.push({ ...n, result });
      renderTestResults();
      refresh();
      log(`test ${SET_NAMES[set]} ${label}: PSNR ${result.mean.psnr.toFixed(2)} dB (noisy ${result.mean.psnrNoisy.toFixed(2)}), SSIM ${result.mean.ssim.toFixed(4)} — ${state.testedModel}`);
    }
  });
  refresh();
}
