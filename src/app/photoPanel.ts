/**
 * The photo panel: pick a picture, choose the model (the current one, a shipped pretrained one,
 * or the automatic choice of `npm run denoise`) and the noise to add, denoise it as a
 * cancellable task (tile by tile, with progress), compare and download. The work is in photo.ts.
 */
import type { Image } from '../data/images.ts';
import { encodePng, imageToRgba8 } from '../data/png.ts';
import { COLOUR_MODE_TEXT, describeDenoiser } from '../model/denoise.ts';
import { throwIfAborted } from '../model/evaluate.ts';
import { DEFAULT_MODEL, PRETRAINED, findPretrained, noiseLabel } from '../model/pretrained.ts';
import { type ChoicePlan, type PhotoChoice, denoiseOwnPhoto, denoiserFor, loadPhoto, planChoice } from './photo.ts';
import { state } from './state.ts';
import { runTask } from './tasks.ts';
import { pageTuneStore } from './tuneStore.ts';
import { $, button, clearError, download, el, input, log, select, setText, showError } from './ui.ts';

/** Noise seed: the CLI's default, so the page and `npm run denoise -- PHOTO --sigma S` draw the same noise. */
const SEED = 0;

/** The person's own pick in the chooser; until then the default follows whether a model exists. */
let picked: PhotoChoice | null = null;

const autoText = () => `automatic, as npm run denoise: ${findPretrained(DEFAULT_MODEL[1])!.title} for gray photos, ${findPretrained(DEFAULT_MODEL[3])!.title} for colour ones`;

function drawImage(canvas: HTMLCanvasElement, im: Image): void {
  canvas.width = im.width;
  canvas.height = im.height;
  canvas.getContext('2d')!.putImageData(new ImageData(imageToRgba8(im) as Uint8ClampedArray<ArrayBuffer>, im.width, im.height), 0, 0);
}

/** Wires the panel; `refresh` re-renders the page's buttons (main.ts updateButtons). */
export function setupPhotoPanel(refresh: () => void): void {
  const chooser = select('photo-model');
  chooser.replaceChildren(
    Object.assign(el('option', 'automatic, by the photo\'s colour (as npm run denoise)'), { value: 'auto' }),
    ...PRETRAINED.map((m) => Object.assign(el('option', `${m.title} (${m.name})`), { value: `pretrained:${m.name}` })),
  );
  chooser.addEventListener('change', () => { picked = chooser.value as PhotoChoice; refresh(); });
  const file = input('photo-input');
  file.addEventListener('change', () => {
    const f = file.files?.[0];
    file.value = ''; // picking the same file again fires change again
    if (f) void pickPhoto(f).then(refresh);
  });
  const slider = input('photo-sigma-slider');
  const sigma = input('photo-sigma');
  slider.addEventListener('input', () => { sigma.value = slider.value; });
  sigma.addEventListener('input', () => { slider.value = sigma.value; });
  button('photo-denoise').addEventListener('click', () => { void runPhoto().then(refresh); });
  button('photo-download').addEventListener('click', downloadPhoto);
}

/** The chooser's value now: the person's pick while it is still offered, else the current model if there is one, else automatic. */
function choice(): PhotoChoice {
  if (picked && (picked !== 'current' || state.checkpoint)) return picked;
  return state.checkpoint ? 'current' : 'auto';
}

/** What the chosen model is and how it treats this photo's colour; first, when nothing is trained, that a shipped model stands in. */
function describeChoice(c: PhotoChoice, plan: ChoicePlan | null): string {
  const ck = state.checkpoint;
  let model: string;
  if (c === 'auto') model = `Model: ${autoText()}.`;
  else if (c === 'current') model = `Model: the current one, ${ck!.name} (${ck!.meta.preset}, ${ck!.meta.channels === 1 ? 'gray' : 'RGB'}, ${ck!.label}).`;
  else {
    const m = findPretrained(c.slice('pretrained:'.length))!;
    model = `Model: ${m.title}, ${m.blind ? 'one model for any noise in its range' : `trained for ${noiseLabel(m)} only`}.`;
  }
  if (plan?.mode) model += ` This photo: ${COLOUR_MODE_TEXT[plan.mode]}.`;
  if (plan?.problem) model += ` Not possible: ${plan.problem}.`;
  const untrained = 'Nothing has been trained here yet, so a shipped pretrained model denoises: the authors\' DnCNN releases ' +
    '(README, "Pretrained models"). Train a model or load a checkpoint to use your own.';
  return ck ? model : `${untrained}\n${model}`;
}

/** Keeps the chooser, its note and the panel's buttons in step with the page (called by main.ts updateButtons). */
export function updatePhotoPanel(ready: boolean, busy: boolean): void {
  const chooser = select('photo-model');
  const ck = state.checkpoint;
  // The current model is offered only when there is one; its text says which.
  let current = chooser.querySelector<HTMLOptionElement>('option[value="current"]');
  if (ck && !current) current = chooser.insertBefore(Object.assign(el('option'), { value: 'current' }), chooser.firstChild);
  if (!ck && current) current.remove();
  if (ck && current) {
    const text = `current model: ${ck.name}, ${ck.label}`;
    if (current.textContent !== text) current.textContent = text;
  }
  const c = choice();
  if (chooser.value !== c) chooser.value = c;
  chooser.disabled = busy;

  let plan: ChoicePlan | null = null;
  try {
    plan = planChoice(c, state.photo?.image.channels ?? null, ck);
  } catch { /* only for a choice no longer offered, which choice() never returns: Denoise stays off */ }
  const note = describeChoice(c, plan);
  if ($('photo-model-note').textContent !== note) setText('photo-model-note', note);

  const denoise = button('photo-denoise');
  denoise.disabled = !ready || busy || !state.photo || !plan || !!plan.problem;
  denoise.title = !ready ? 'needs WebGPU' : busy ? 'available when nothing else runs' : !state.photo ? 'pick a photo first' : plan?.problem ?? '';
  button('photo-download').disabled = !state.photoOut;
}

export async function pickPhoto(file: File): Promise<void> {
  clearError();
  try {
    state.photo = await loadPhoto(file);
    state.photoOut = null;
    $('photo-pair').hidden = false;
    drawImage($<HTMLCanvasElement>('photo-noisy'), state.photo.image);
    $<HTMLCanvasElement>('photo-denoised').width = 0;
    setText('photo-noisy-cap', `${file.name} (original)`);
    setText('photo-denoised-cap', 'denoised');
    setText('photo-info', `${file.name}: ${state.photo.note}. Choose the model and the noise to add, then Denoise.`);
  } catch (e) {
    showError(e, 'photo not loaded');
  }
}

export async function runPhoto(): Promise<void> {
  const photo = state.photo;
  const runtime = state.runtime;
  if (!photo || !runtime) return;
  clearError();
  const ck = state.checkpoint;
  const c = choice();
  const sigma = Math.max(0, Math.min(75, Number(input('photo-sigma').value) || 0));
  const info = $('photo-info');
  delete info.dataset.model;
  delete info.dataset.mode;
  const done = await runTask('denoising the photo', async (signal, progress) => {
    const plan = planChoice(c, photo.image.channels, ck);
    if (plan.problem) throw new Error(plan.problem);
    progress({ fraction: null, detail: `${photo.name}: loading the model ${plan.pretrained ?? ck?.name}` });
    const d = await denoiserFor(plan, runtime, ck);
    throwIfAborted(signal, 'denoising the photo');
    setText('photo-info', `Denoising ${photo.name} (${photo.note}) with ${describeDenoiser(d.info)}…`);
    const t0 = performance.now();
    const r = await denoiseOwnPhoto(d, photo.image, sigma, SEED, {
      signal,
      // The first photo of a size measures the conv kernels there (kept per device, as training's).
      tune: {
        store: pageTuneStore, onLog: log,
        onProgress: (done, total) => progress({ fraction: null, detail: `${photo.name}: measuring the conv kernels on this device, ${done} of ${total} layer shapes` }),
      },
      onProgress: (p) => {
        const sec = (performance.now() - t0) / 1000;
        progress({ fraction: p.fraction, detail: `${photo.name}: tile ${p.tilesDone} of ${p.tiles}`, etaSec: p.fraction > 0 ? (sec / p.fraction) * (1 - p.fraction) : undefined });
      },
    });
    drawImage($<HTMLCanvasElement>('photo-noisy'), r.noisy);
    drawImage($<HTMLCanvasElement>('photo-denoised'), r.denoised);
    setText('photo-noisy-cap', r.psnrNoisy !== null ? `noisy, sigma ${sigma}: ${r.psnrNoisy.toFixed(2)} dB` : 'input (no noise added)');
    setText('photo-denoised-cap', r.psnr !== null ? `denoised: ${r.psnr.toFixed(2)} dB` : 'denoised');
    state.photoOut = { name: photo.name, denoised: r.denoised };
    const tiles = `${r.tiles} tile${r.tiles === 1 ? '' : 's'} of up to ${r.tile}×${r.tile} pixels`;
    setText('photo-info', `${photo.name} (${photo.note}) denoised by ${describeDenoiser(d.info)}: ${COLOUR_MODE_TEXT[r.mode]}, ` +
      `${tiles}, in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
    // For tests and scripts: which model and colour path ran.
    info.dataset.model = d.info.name;
    info.dataset.mode = r.mode;
    return true;
  });
  if (!done) setText('photo-info', `${photo.name} (${photo.note}): not denoised (cancelled or failed; the run bar says which). Denoise to try again.`);
}

export function downloadPhoto(): void {
  const p = state.photoOut;
  if (p) download(`${p.name.replace(/\.[^.]+$/, '')}_denoised.png`, encodePng(p.denoised), 'image/png');
}
