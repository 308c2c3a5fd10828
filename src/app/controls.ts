/**
 * The settings form <-> TrainConfig: reading every control into a config (validated by
 * validateConfig elsewhere), writing a config back into the controls, the noise control whose
 * slider range follows the noise kind, and the preset's parameter count.
 */
import { type NoiseConfig, type PresetName, type TrainConfig, configSpec } from '../model/config.ts';
import { traceModel } from '../model/layers.ts';
import { $, input, select } from './ui.ts';

type Kind = NoiseConfig['kind'];

/** Slider range, number limits and label of each noise kind's parameter. */
const NOISE_PARAM: Record<Kind, { label: string; min: number; max: number; step: number; numMax: number; initial: number }> = {
  gaussian: { label: 'sigma (0–255)', min: 0, max: 75, step: 1, numMax: 255, initial: 25 },
  speckle: { label: 'sigma (0–255)', min: 0, max: 75, step: 1, numMax: 255, initial: 25 },
  saltPepper: { label: 'amount (share)', min: 0, max: 0.5, step: 0.01, numMax: 1, initial: 0.05 },
  poisson: { label: 'peak (photons)', min: 1, max: 200, step: 1, numMax: 1e6, initial: 30 },
};

/** The last value of each kind's parameter, so switching kinds back and forth keeps it. */
const noiseMemory: Record<Kind, number> = { gaussian: 25, speckle: 25, saltPepper: 0.05, poisson: 30 };

/** '' and unparsable text become NaN, which validateConfig reports. */
const num = (id: string): number => {
  const v = input(id).value.trim();
  return v === '' ? NaN : Number(v);
};

function readNoise(): NoiseConfig {
  const kind = select('noise-kind').value as Kind;
  const v = num('noise-number');
  switch (kind) {
    case 'gaussian':
      return { kind, sigma: input('noise-blind').checked ? [v, num('noise-hi')] : v };
    case 'speckle': return { kind, sigma: v };
    case 'saltPepper': return { kind, amount: v };
    case 'poisson': return { kind, peak: v };
    default: return { kind } as unknown as NoiseConfig; // validateConfig names the unknown kind
  }
}

/** Every control as a config (not validated). */
export function readConfig(): TrainConfig {
  const every = num('decay-every');
  return {
    preset: select('preset').value as PresetName,
    channels: Number(select('channels').value) as 1 | 3,
    epochs: num('epochs'),
    batchSize: num('batch-size'),
    lr: num('lr'),
    adamMode: select('adam-mode').value as TrainConfig['adamMode'],
    beta1: num('beta1'),
    beta2: num('beta2'),
    patchSize: num('patch-size'),
    imageSize: num('image-size'),
    stepsPerEpoch: num('steps-per-epoch'),
    patchesPerImage: num('patches-per-image'),
    noise: readNoise(),
    augment: { flip: input('aug-flip').checked, rot90: input('aug-rot90').checked, rotation: num('aug-rotation'), shift: num('aug-shift') },
    valFraction: num('val-fraction'),
    valPatchSize: num('val-patch'),
    seed: num('seed'),
    earlyStopping: num('early-stopping'),
    lrDecay: every === 0 ? null : { every, factor: num('decay-factor') },
    logEvery: num('log-every'),
  };
}

/** Puts a config into the controls. */
export function writeConfig(c: TrainConfig): void {
  const set = (id: string, v: number | string) => { input(id).value = String(v); };
  select('preset').value = c.preset;
  select('channels').value = String(c.channels);
  set('epochs', c.epochs);
  set('batch-size', c.batchSize);
  set('lr', c.lr);
  select('adam-mode').value = c.adamMode;
  set('beta1', c.beta1);
  set('beta2', c.beta2);
  set('patch-size', c.patchSize);
  set('image-size', c.imageSize);
  set('steps-per-epoch', c.stepsPerEpoch);
  set('patches-per-image', c.patchesPerImage);
  set('val-fraction', c.valFraction);
  set('val-patch', c.valPatchSize);
  set('seed', c.seed);
  set('early-stopping', c.earlyStopping);
  set('decay-every', c.lrDecay ? c.lrDecay.every : 0);
  set('decay-factor', c.lrDecay ? c.lrDecay.factor : 0.1);
  set('log-every', c.logEvery);
  input('aug-flip').checked = c.augment.flip;
  input('aug-rot90').checked = c.augment.rot90;
  set('aug-rotation', c.augment.rotation);
  set('aug-shift', c.augment.shift);

  const n = c.noise;
  select('noise-kind').value = n.kind;
  let value: number;
  input('noise-blind').checked = false;
  if (n.kind === 'gaussian' && Array.isArray(n.sigma)) {
    input('noise-blind').checked = true;
    value = n.sigma[0];
    set('noise-hi', n.sigma[1]);
  } else {
    value = n.kind === 'saltPepper' ? n.amount : n.kind === 'poisson' ? n.peak : (n.sigma as number);
  }
  noiseMemory[n.kind] = value;
  applyNoiseKind();
  updateSeedOnlyFields();
}

/** Sets the slider/number limits and label for the selected noise kind, and its remembered value. */
function applyNoiseKind(): void {
  const kind = select('noise-kind').value as Kind;
  const p = NOISE_PARAM[kind];
  const slider = input('noise-slider');
  const number = input('noise-number');
  slider.min = String(p.min);
  slider.max = String(p.max);
  slider.step = String(p.step);
  number.min = String(kind === 'poisson' ? 0.1 : 0);
  number.max = String(p.numMax);
  number.step = String(p.step);
  number.value = String(noiseMemory[kind]);
  slider.value = String(noiseMemory[kind]);
  $('noise-label').textContent = input('noise-blind').checked && kind === 'gaussian' ? 'sigma from' : p.label;
  $('blind-row').hidden = kind !== 'gaussian';
}

/** The image size applies to the seed preset only; patches to the others. */
function updateSeedOnlyFields(): void {
  const seed = select('preset').value === 'seed';
  input('image-size').disabled = !seed;
  input('patch-size').disabled = seed;
  input('val-patch').disabled = seed;
}

/** Wires the noise slider/number pair, the kind selector and the preset-dependent fields. */
export function setupControls(onChange: () => void): void {
  const slider = input('noise-slider');
  const number = input('noise-number');
  const kind = select('noise-kind');
  slider.addEventListener('input', () => {
    number.value = slider.value;
    noiseMemory[kind.value as Kind] = Number(slider.value);
  });
  number.addEventListener('input', () => {
    if (number.value !== '') slider.value = number.value;
    noiseMemory[kind.value as Kind] = Number(number.value);
  });
  kind.addEventListener('change', applyNoiseKind);
  input('noise-blind').addEventListener('change', applyNoiseKind);
  select('preset').addEventListener('change', updateSeedOnlyFields);
  // Every control reports changes (after the handlers above have synced their pair).
  const form = $('settings');
  form.addEventListener('input', onChange);
  form.addEventListener('change', onChange);
}

/** Marks the controls named in validateConfig's message (one problem per line). */
export function markInvalid(message: string | null): void {
  const lines = message ? message.split('\n').slice(1) : [];
  const noiseRe = /noise|salt-and-pepper|poisson|speckle/;
  for (const e of document.querySelectorAll<HTMLElement>('#settings [data-field]')) {
    const f = e.dataset.field!;
    const bad = lines.some((l) => (f === 'noise' ? noiseRe.test(l) : new RegExp(`\\b${f}\\b`).test(l)));
    e.classList.toggle('invalid', bad);
  }
}

/** Parameters and forward MFLOP per training input of a preset. */
export function modelSize(c: TrainConfig): { params: number; mflop: number; size: number } {
  const size = c.preset === 'seed' ? (c.imageSize % 32 === 0 && c.imageSize >= 32 ? c.imageSize : 128) : Math.max(8, c.patchSize || 40);
  const trace = traceModel(configSpec(c), size, size);
  return { params: trace.reduce((a, l) => a + l.params, 0), mflop: trace.reduce((a, l) => a + l.flops, 0) / 1e6, size };
}
