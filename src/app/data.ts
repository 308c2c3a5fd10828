/**
 * The Data section: built-in Train400 or the person's own images (files, a folder, a drop or a
 * zip), read as a cancellable task, with a summary that says up front what training will use:
 * images too small for the patches, how many are held out for validation, and a reason that
 * keeps Start off when nothing can train. Also the test settings (the Test set panel).
 */
import { builtinFiles } from '../data/builtin.ts';
import { ConfigError } from '../model/config.ts';
import type { DataSource } from '../model/session.ts';
import { type PickedFile, loadOwnImages } from './files.ts';
import { state } from './state.ts';
import type { SavedData, TestSettings } from './storage.ts';
import { runTask } from './tasks.ts';
import { $, clearError, el, input, log, select, setText, showError } from './ui.ts';

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

/** Images that split into training and validation as runSession splits them. */
export function predictSplit(n: number, valFraction: number): { train: number; val: number } {
  let train = valFraction === 0 ? n : Math.min(n, Math.round((1 - valFraction) * n));
  let val = n - train;
  if (!val && valFraction > 0 && train >= 2) { val = 1; train -= 1; }
  return { train, val };
}

function trainLimit(): number {
  return Math.max(0, Math.floor(Number(input('train-limit').value) || 0));
}

/** Describes the data Start would use; sets state.dataProblem when it cannot train. */
export function renderDataSummary(): void {
  const own = state.own;
  const useOwn = input('source-own').checked && own;
  const limit = trainLimit();
  const c = state.config;
  const warnings: string[] = [];
  state.dataProblem = null;
  let text: string;
  if (useOwn) {
    const n = limit && limit < own.files.length ? limit : own.files.length;
    const sizes = own.sizes.slice(0, n);
    const kinds = [own.gray && `${own.gray} gray`, own.rgb && `${own.rgb} RGB`].filter(Boolean).join(', ');
    text = `Training on ${limit && limit < own.files.length ? `${limit} of ${own.files.length}` : own.files.length} of your images (${kinds}; sides ${own.minSide}–${own.maxSide} px) from ${own.label}.`;
    if (own.rgb && c.channels === 1) text += ' Colour images are converted to gray (choose RGB under Model to keep colour).';
    // The seed preset resizes every image; the others cut patches, which must fit.
    const small = c.preset === 'seed' ? [] : sizes.filter(([w, h]) => w < c.patchSize || h < c.patchSize);
    const usable = sizes.length - small.length;
    if (!usable) {
      const [w, h] = small.reduce((m, s) => (Math.min(...s) < Math.min(...m) ? s : m));
      const biggest = Math.max(...small.map(([a, b]) => Math.min(a, b)));
      state.dataProblem = `${small.length === 1 ? 'Your only image is' : `All ${small.length} of your images are`} smaller than the ${c.patchSize}×${c.patchSize} training patches ` +
        `(${small.length === 1 ? `it is ${w}×${h}` : `the smallest is ${w}×${h}`}): ${biggest >= 8 ? `lower Patch under Training to at most ${biggest}, or add larger images` : 'patches are at least 8×8 pixels, so add larger images'}.`;
    } else {
      if (small.length) warnings.push(`${plural(small.length, 'image')} smaller than the ${c.patchSize}×${c.patchSize} patches will be left out.`);
      const split = predictSplit(usable, c.valFraction);
      text += ` ${split.train} for training, ${split.val} held out for validation.`;
      if (!split.val && c.valFraction > 0) {
        warnings.push(`With ${plural(usable, 'usable image')} none is left for validation: the validation loss and PSNR stay empty and early stopping is off. Add images, or set the validation share to 0 to train on it knowingly.`);
      }
    }
  } else {
    const total = builtinFiles('train400').length || 400;
    const n = limit && limit < total ? limit : total;
    const split = predictSplit(n, c.valFraction);
    text = `Training on ${limit && limit < total ? `${limit} of ${total}` : total} built-in Train400 images: ${split.train} for training, ${split.val} for validation.`;
  }
  setText('data-summary', text);
  const box = $('data-warning');
  const all = [state.dataProblem, ...warnings].filter(Boolean);
  box.hidden = !all.length;
  box.textContent = all.join('\n');
}

export function renderSkipped(skipped: { name: string; reason: string }[]): void {
  const details = $<HTMLDetailsElement>('skipped');
  details.hidden = !skipped.length;
  setText('skipped-summary', `${skipped.length} file${skipped.length === 1 ? '' : 's'} skipped`);
  $('skipped-list').replaceChildren(...skipped.slice(0, 500).map((s) => {
    const li = el('li');
    li.append(el('code', s.name), document.createTextNode(` — ${s.reason}`));
    return li;
  }));
}

/** Reads, unpacks and checks picked files as a cancellable task; keeps the previous data on failure. */
export async function takeOwnImages(picked: PickedFile[], label: string, onDone: () => void): Promise<boolean> {
  clearError();
  const own = await runTask('reading your images', async (signal, progress) => {
    progress({ fraction: null, detail: `${picked.length} file${picked.length === 1 ? '' : 's'} from ${label}` });
    try {
      return await loadOwnImages(picked, label, (d, t) => progress({ fraction: d / t, detail: `checking image ${d} of ${t}` }), signal);
    } catch (e) {
      if (signal.aborted) throw e;
      showError(e, `${label} not used`);
      return undefined;
    }
  });
  if (own) {
    state.own = own;
    input('source-own').disabled = false;
    input('source-own').checked = true;
    setText('own-count', `(${own.files.length})`);
    renderSkipped(own.skipped);
    log(`${own.files.length} usable images from ${label}; ${own.skipped.length} skipped`);
  }
  renderDataSummary();
  onDone();
  return !!own;
}

export function trainSource(): { source: DataSource; saved: SavedData } {
  const limit = trainLimit();
  if (input('source-own').checked && state.own) {
    const files = limit ? state.own.files.slice(0, limit) : state.own.files;
    return { source: { files, label: state.own.label }, saved: { kind: 'own', label: state.own.label, count: files.length, limit } };
  }
  return { source: { builtin: 'train400', limit: limit || undefined }, saved: { kind: 'builtin', limit } };
}

/** The test controls; throws with a readable message on bad sigmas. Empty sigmas: the training noise. */
export function testSettings(): TestSettings {
  const set = select('test-set').value as TestSettings['set'];
  const raw = input('test-sigmas').value.split(/[\s,;]+/).filter(Boolean);
  const sigmas = raw.map(Number);
  if (sigmas.some((s) => !(s >= 0 && s <= 255))) {
    throw new ConfigError(`test sigmas must be numbers in [0, 255] separated by commas, e.g. "15, 25, 50" (empty: the training noise); got "${input('test-sigmas').value}"`);
  }
  return {
    set, sigmas,
    limit: Math.max(0, Math.floor(Number(input('test-limit').value) || 0)),
    keep: Math.max(0, Math.min(68, Math.floor(Number(input('keep-outputs').value) || 0))),
  };
}

export function writeTestSettings(t: TestSettings): void {
  select('test-set').value = t.set;
  input('test-limit').value = String(t.limit);
  input('test-sigmas').value = t.sigmas.join(', ');
  input('keep-outputs').value = String(t.keep);
}

/** Colour models are tested on CBSD68 and gray ones on the gray sets, as the CLI does. */
export function matchTestSetToChannels(channels: 1 | 3): void {
  const s = select('test-set');
  if (channels === 3 && (s.value === 'set12' || s.value === 'bsd68')) {
    s.value = 'cbsd68';
    log('RGB: the test set is now CBSD68 (colour)');
  } else if (channels === 1 && s.value === 'cbsd68') {
    s.value = 'set12';
    log('gray: the test set is now Set12');
  }
  setText('test-full', channels === 3 ? 'Full protocol: CBSD68, σ 15, 25, 50' : 'Full protocol: BSD68, σ 15, 25, 50');
}
