/**
 * `npm run train`'s command line: the options (--help), their parsing and validation into a
 * TrainConfig, and reading the user's image folders and zips. Shared by both backends.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { IMAGE_EXTENSIONS, listZipImages } from '../src/data/archive.ts';
import type { NamedBytes } from '../src/data/dataset.ts';
import { type NoiseConfig, ORIGINAL_SEED_SETTINGS, PRESETS, type PresetName, type TrainConfig, decayForEpochs, defaultConfig, validateConfig } from '../src/model/config.ts';
import { PRETRAINED, type PretrainedModel, findPretrained, pretrainedAsCheckpoint } from '../src/model/pretrained.ts';
import type { TuneMode } from '../src/model/tuneInference.ts';

export const HELP = `Train a denoiser on the GPU with WebGPU and write runs/<name>/.

usage: npm run train -- [options]

data
  --data PATH         training images: a folder (searched recursively) or a .zip
                      (default: the built-in Train400, data/train400)
  --limit N           use only the first N training images
  --test SET|PATH     test set after training: set12, bsd68, cbsd68, none, or a folder/zip
                      (default: set12 for gray, cbsd68 for RGB)
  --test-limit N      evaluate only the first N test images
  --sigmas 15,25,50   test noise levels (gaussian; default: the training sigma)
  --channels 1|3      gray or RGB (default 1)
model and training
  --preset NAME       ${PRESETS.join(' | ')} (default small)
  --depth N           dncnn only: its conv layers (default 17; the blind DnCNN-B models have 20)
  --original          the seed preset with the original project's settings (lr 1e-5, batch 64, 50 epochs)
  --epochs N  --batch N  --lr X  --patch N  --steps N (per epoch; default one pass)
  --adam pytorch|keras  --early-stopping N  --lr-decay EVERY:FACTOR  --seed N  --val-fraction F
noise
  --noise gaussian|saltPepper|poisson|speckle   --sigma S or LO-HI (blind)   --amount F   --peak P
output
  --name NAME         run folder name (default <preset>-<date>)
  --resume FILE|NAME  continue from a checkpoint (its epoch, parameters and Adam state), or
                      fine-tune a shipped model: ${PRETRAINED.map((m) => m.name).join(', ')}
                      (preset dncnn at its depth and channels, its sigma or blind range, lr 1e-5
                      unless given; npm run denoise -- --list-models)
  --profile           instead of training: time one training step of the chosen preset and
                      settings (--preset, --channels, --batch, --patch, noise, ...) on a random
                      batch, every dispatch by timestamp queries, and print it by phase, layer
                      and kernel; writes nothing
backend
  --backend B         where WebGPU runs: node (Dawn, the optional npm package \`webgpu\`),
                      browser (headless Chromium through Puppeteer), or auto: node when it
                      finds an adapter, else browser (default auto)
  --adapter NAME      node backend: Dawn's adapter by name (a case-sensitive prefix, e.g.
                      SwiftShader); an unknown name lists the adapters
  --tune on|off|again before training, time each conv kernel family (register tiles, workgroup-
                      memory tiles) at the training shapes on this device and use the fastest;
                      the choices are kept per adapter in ~/.cache/webgpu-denoise/autotune.json
                      ($DENOISE_TUNE_CACHE), so only new shapes are measured (default on;
                      again: measure every shape anew; off: register tiles everywhere)
  --help
`;

export type Backend = 'node' | 'browser' | 'auto';


/** --tune's value (default on; src/model/tuneInference.ts TuneMode). */
export function parseTuneMode(v: string | undefined): TuneMode {
  const tune = (v ?? 'on') as TuneMode;
  if (!['on', 'off', 'again'].includes(tune)) throw new UsageError(`--tune must be on, off or again, got '${tune}'`);
  return tune;
}
export interface Args { config: TrainConfig; data: string | null; limit: number; test: string; testLimit: number; sigmas: number[] | null; name: string; resume: string | null; profile: boolean; backend: Backend; adapter: string | null; tune: TuneMode }

/** A mistake in the command line: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {}

/** Parses and validates the command line; null for --help. Throws UsageError or ConfigError. */
export function parseArgs(argv: string[]): Args | null {
  const opts = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument '${a}'`);
    const [k, inline] = a.slice(2).split('=', 2);
    if (['help', 'original', 'profile'].includes(k)) { flags.add(k); continue; }
    const v = inline ?? argv[++i];
    if (v === undefined) throw new UsageError(`--${k} needs a value`);
    opts.set(k, v);
  }
  if (flags.has('help')) return null;
  const known = ['data', 'limit', 'test', 'test-limit', 'sigmas', 'channels', 'preset', 'epochs', 'batch', 'lr', 'patch', 'steps', 'adam', 'early-stopping', 'lr-decay', 'seed', 'val-fraction', 'noise', 'sigma', 'amount', 'peak', 'name', 'resume', 'backend', 'adapter', 'depth', 'tune'];
  for (const k of opts.keys()) if (!known.includes(k)) throw new UsageError(`unknown option --${k} (see --help)`);
  const num = (k: string) => {
    const v = opts.get(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new UsageError(`--${k} must be a number, got '${v}'`);
    return n;
  };
  const shipped = shippedResume(opts);
  if (opts.has('resume') && !shipped) checkResumeFile(opts.get('resume')!);
  const preset = (flags.has('original') ? 'seed' : opts.get('preset') ?? (shipped ? 'dncnn' : 'small')) as PresetName;
  if (!PRESETS.includes(preset)) throw new UsageError(`--preset must be one of ${PRESETS.join(', ')}, got '${preset}'`);
  const base = defaultConfig(preset, flags.has('original') ? ORIGINAL_SEED_SETTINGS : {});
  const o: Partial<TrainConfig> = {};
  const set = <K extends keyof TrainConfig>(k: K, v: TrainConfig[K] | undefined) => { if (v !== undefined) o[k] = v; };
  set('channels', (num('channels') ?? shipped?.channels) as 1 | 3 | undefined);
  set('depth', num('depth') ?? (shipped && shipped.depth !== DNCNN_DEFAULT_DEPTH ? shipped.depth : undefined));
  set('epochs', num('epochs'));
  set('batchSize', num('batch'));
  // Fine-tuning a shipped model: Adam's first steps move every weight by about lr, which at the
  // from-scratch 1e-3 wrecks the pretrained net (dncnn_s25: validation PSNR 8 dB after one step);
  // after two steps at 1e-5 it was 27.3 dB on the same 64x64 validation crop (1e-4: 27.0).
  set('lr', num('lr') ?? (shipped ? 1e-5 : undefined));
  set('patchSize', num('patch'));
  set('stepsPerEpoch', num('steps'));
  set('seed', num('seed'));
  set('earlyStopping', num('early-stopping'));
  set('valFraction', num('val-fraction'));
  set('adamMode', opts.get('adam') as TrainConfig['adamMode'] | undefined);
  if (opts.has('lr-decay')) {
    const [every, factor] = opts.get('lr-decay')!.split(':').map(Number);
    o.lrDecay = { every, factor };
  } else if (o.epochs !== undefined) {
    o.lrDecay = decayForEpochs(base.lrDecay, base.epochs, o.epochs);
  }
  const kind = opts.get('noise') ?? base.noise.kind;
  const sigmaText = opts.get('sigma');
  const sigma = sigmaText === undefined ? undefined : sigmaText.includes('-') ? sigmaText.split('-').map(Number) as [number, number] : Number(sigmaText);
  let noise: NoiseConfig;
  if (kind === 'gaussian') noise = { kind, sigma: sigma ?? shipped?.sigma ?? (base.noise.kind === 'gaussian' ? base.noise.sigma : 25) };
  else if (kind === 'speckle') noise = { kind, sigma: typeof sigma === 'number' ? sigma : 25 };
  else if (kind === 'saltPepper') noise = { kind, amount: num('amount') ?? 0.05 };
  else if (kind === 'poisson') noise = { kind, peak: num('peak') ?? 30 };
  else throw new UsageError(`--noise must be gaussian, saltPepper, poisson or speckle, got '${kind}'`);
  o.noise = noise;
  const config = validateConfig({ ...base, ...o });
  const backend = (opts.get('backend') ?? 'auto') as Backend;
  if (!['node', 'browser', 'auto'].includes(backend)) throw new UsageError(`--backend must be node, browser or auto, got '${backend}'`);
  if (opts.has('adapter') && backend === 'browser') throw new UsageError('--adapter chooses a Dawn adapter: it needs --backend node (or auto)');
  const tune = parseTuneMode(opts.get('tune'));
  const stamp = new Date().toISOString().replace(/[:T]/g, '-').slice(0, 19);
  const sigmas = opts.get('sigmas')?.split(',').map(Number) ?? null;
  if (sigmas && !sigmas.every((s) => s >= 0 && s <= 255)) throw new UsageError(`--sigmas must be numbers in [0, 255], got '${opts.get('sigmas')}'`);
  return {
    config,
    data: opts.get('data') ?? null,
    limit: num('limit') ?? Infinity,
    test: opts.get('test') ?? (config.channels === 3 ? 'cbsd68' : 'set12'),
    testLimit: num('test-limit') ?? Infinity,
    sigmas,
    name: opts.get('name') ?? `${preset}-${stamp}`,
    resume: shipped ? shippedCheckpointFile(shipped) : opts.get('resume') ?? null,
    profile: flags.has('profile'),
    backend,
    adapter: opts.get('adapter') ?? null,
    tune,
  };
}

/** Files of a folder (recursively) or a zip; non-images are left for the decoder to report. */
export function readImages(path: string, what: string): { files: NamedBytes[]; skipped: string[] } {
  if (!existsSync(path)) throw new UsageError(`${what} '${path}' does not exist`);
  if (statSync(path).isFile()) {
    if (extname(path).toLowerCase() !== '.zip') throw new UsageError(`${what} '${path}' is a file but not a .zip; give a folder or a zip of images`);
    const { files, skipped } = listZipImages(readFileSync(path), basename(path));
    return { files, skipped: skipped.map((s) => `${s.name}: ${s.reason}`) };
  }
  const files: NamedBytes[] = [];
  const skipped: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, entry.name);
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) walk(p);
      else if (IMAGE_EXTENSIONS.includes(extname(entry.name).toLowerCase())) files.push({ name: p.slice(path.length + 1), bytes: new Uint8Array(readFileSync(p)) });
      else skipped.push(`${p}: not an image file extension`);
    }
  };
  walk(path);
  if (!files.length) throw new UsageError(`${what} '${path}' holds no images (PNG, JPEG, BMP or WebP)${skipped.length ? `; skipped ${skipped.length} other files` : ''}`);
  return { files, skipped };
}

/** The dncnn preset's depth when --depth is not given (DnCNN-S). */
const DNCNN_DEFAULT_DEPTH = 17;

/**
 * `--resume PATH` that names no shipped model: it must be a file. Said here, in one line, rather
 * than as readFileSync's ENOENT or EISDIR stack; a missing name lists the models it could have meant.
 */
function checkResumeFile(path: string): void {
  if (!existsSync(path)) {
    const names = PRETRAINED.map((m) => m.name).join(', ');
    throw new UsageError(`--resume '${path}' does not exist: give a checkpoint file (runs/<name>/checkpoint.safetensors) or a shipped model to fine-tune: ${names}`);
  }
  if (!statSync(path).isFile()) throw new UsageError(`--resume '${path}' is a folder, not a checkpoint file (a run's is ${join(path, 'checkpoint.safetensors')})`);
}

/**
 * `--resume NAME` of a shipped model (src/model/pretrained.ts) rather than a file: the model, after
 * checking that the training settings can hold it (preset dncnn, its channels and depth).
 */
function shippedResume(opts: Map<string, string>): PretrainedModel | undefined {
  const name = opts.get('resume');
  const m = name === undefined || existsSync(name) ? undefined : findPretrained(name);
  if (!m) return undefined;
  if (opts.has('preset') && opts.get('preset') !== 'dncnn') throw new UsageError(`--resume ${m.name} is a DnCNN: it needs --preset dncnn (or no --preset), got '${opts.get('preset')}'`);
  if (opts.has('channels') && Number(opts.get('channels')) !== m.channels) throw new UsageError(`--resume ${m.name} takes ${m.channels === 1 ? 'gray' : 'RGB'} images: it needs --channels ${m.channels}`);
  if (opts.has('depth') && Number(opts.get('depth')) !== m.depth) throw new UsageError(`--resume ${m.name} is ${m.depth} layers deep: it needs --depth ${m.depth} (or no --depth)`);
  return m;
}

/**
 * A shipped model as a checkpoint file of this engine (epoch 0, no optimizer state), written to
 * the system's temporary folder as NAME.safetensors for the session to resume from.
 */
function shippedCheckpointFile(m: PretrainedModel): string {
  const dir = join(tmpdir(), 'webgpu-denoise-pretrained');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${m.name}.safetensors`);
  writeFileSync(path, pretrainedAsCheckpoint(readFileSync(new URL(`../models/${m.file}`, import.meta.url)), m));
  return path;
}
