/**
 * `npm run denoise`'s command line: the options (--help), and turning INPUT paths (files,
 * folders, zips) into a list of images, each with its output path and clean reference. A path
 * that cannot be read becomes a failed item (the batch goes on), never an exception.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { IMAGE_EXTENSIONS, listZipImages } from '../src/data/archive.ts';
import { DEFAULT_MODEL, PRETRAINED } from '../src/model/pretrained.ts';
import { type Backend, UsageError, parseTuneMode } from './args.ts';
import type { TuneMode } from '../src/model/tuneInference.ts';

export const DENOISE_HELP = `Denoise photos with a pretrained (or your own) model at full resolution; writes PNGs.

usage: npm run denoise -- INPUT... [options]

  INPUT               image files, folders (searched recursively) or .zip archives; gray or
                      colour. PNG and JPEG under the Node backend; BMP and WebP too in the browser
                      (--backend browser; auto picks it for such files when Chromium is there)
output
  --out PATH          one image: the output file (.png) or a folder; several: a folder
                      (default: beside each input as NAME_denoised.png; images from a zip go to
                      ZIPNAME_denoised/ beside the zip)
model
  --model NAME|FILE   a shipped model (${PRETRAINED.map((m) => m.name).join(', ')})
                      or a .safetensors checkpoint, e.g. runs/NAME/checkpoint.safetensors from
                      npm run train (default: the blind ${DEFAULT_MODEL[1]} for gray images,
                      ${DEFAULT_MODEL[3]} for colour ones)
                      A colour image with a gray model is denoised channel by channel.
  --list-models       print the shipped models with their PSNR, and exit
scoring
  --sigma S           add Gaussian noise of sigma S (0-255 scale) to each input first, then print
                      PSNR/SSIM of the noisy input and of the result against it
  --clean PATH        score against clean references: a file (one input) or a folder holding
                      files of the same names
  --seed N            noise seed for --sigma (default 0; image i of the batch gets draw (N, i))
speed
  --tile N            tile side in output pixels (default: from the device's buffer limits and a
                      work budget per dispatch); each tile is read with the network's receptive
                      radius of context, so the result does not depend on it
  --tune on|off|again before the first tile of a size, time each conv kernel family at it on this
                      device and use the fastest; kept per adapter with npm run train's choices
                      in ~/.cache/webgpu-denoise/autotune.json ($DENOISE_TUNE_CACHE), and a
                      choice serves tiles up to 4x larger or smaller, so a batch measures once
                      (default on; again: measure anew; off: register tiles everywhere)
backend
  --backend B         node (Dawn, the optional npm package \`webgpu\`), browser (headless
                      Chromium) or auto: node when it finds an adapter (default auto)
  --adapter NAME      node backend: Dawn's adapter by name (a case-sensitive prefix)
  --help

Exit code: 0 when every image was denoised, 2 when an input or the model was unusable (the other
images are still written; the summary lists the failures), 1 when the GPU work failed.
`;

export interface DenoiseArgs {
  inputs: string[];
  out: string | null;
  model: string | null;
  sigma: number | null;
  clean: string | null;
  seed: number;
  tile: number | null;
  backend: Backend;
  adapter: string | null;
  tune: TuneMode;
  listModels: boolean;
}

/** Parses and validates the command line; null for --help. Throws UsageError. */
export function parseDenoiseArgs(argv: string[]): DenoiseArgs | null {
  const opts = new Map<string, string>();
  const inputs: string[] = [];
  let listModels = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) { inputs.push(a); continue; }
    const [k, inline] = a.slice(2).split('=', 2);
    if (k === 'help') return null;
    if (k === 'list-models') { listModels = true; continue; }
    if (!['out', 'model', 'sigma', 'clean', 'seed', 'tile', 'backend', 'adapter', 'tune'].includes(k)) throw new UsageError(`unknown option --${k} (see --help)`);
    const v = inline ?? argv[++i];
    if (v === undefined) throw new UsageError(`--${k} needs a value`);
    opts.set(k, v);
  }
  const num = (k: string, ok: (n: number) => boolean, what: string): number | null => {
    const v = opts.get(k);
    if (v === undefined) return null;
    const n = Number(v);
    if (v.trim() === '' || !ok(n)) throw new UsageError(`--${k} must be ${what}, got '${v}'`);
    return n;
  };
  const sigma = num('sigma', (n) => n >= 0 && n <= 255, 'a noise level in [0, 255] (0-255 scale)');
  const seed = num('seed', (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32, 'an integer in [0, 2^32)') ?? 0;
  const tile = num('tile', (n) => Number.isInteger(n) && n >= 8 && n <= 8192, 'an integer in [8, 8192] (pixels)');
  const backend = (opts.get('backend') ?? 'auto') as Backend;
  if (!['node', 'browser', 'auto'].includes(backend)) throw new UsageError(`--backend must be node, browser or auto, got '${backend}'`);
  if (opts.has('adapter') && backend === 'browser') throw new UsageError('--adapter chooses a Dawn adapter: it needs --backend node (or auto)');
  if (sigma !== null && opts.has('clean')) throw new UsageError('--sigma scores against the input itself, --clean against references: give one of them');
  if (!inputs.length && !listModels) throw new UsageError('no INPUT given: name image files, folders or zips to denoise');
  return {
    inputs, out: opts.get('out') ?? null, model: opts.get('model') ?? null, sigma, clean: opts.get('clean') ?? null,
    seed, tile, backend, adapter: opts.get('adapter') ?? null, tune: parseTuneMode(opts.get('tune')), listModels,
  };
}

/** One image of the batch: its bytes (or why there are none), where the result goes, and its clean reference. */
export interface InputItem {
  /** As printed: the path, or 'archive.zip:dir/entry.png'. */
  label: string;
  bytes: Uint8Array | null;
  /** Why the input cannot be used (bytes is null). */
  error: string | null;
  out: string;
  clean: { name: string; bytes: Uint8Array } | null;
}

/** A file found under an INPUT, before outputs are assigned. */
interface Found { label: string; bytes: Uint8Array | null; error: string | null; rel: string; defaultOut: string }

const isImageName = (n: string) => IMAGE_EXTENSIONS.includes(extname(n).toLowerCase());
const stem = (n: string) => n.slice(0, n.length - extname(n).length);
/** A path as printed: relative to the current folder when it is inside it. */
const shown = (p: string) => { const r = relative(process.cwd(), p); return r && !r.startsWith('..') ? r : p; };
/** Results of an earlier run, skipped when a folder is searched. */
const isOutput = (n: string) => /_denoised\.png$/i.test(n);

/** The images an INPUT path names; notes about skipped files go to `notes`. */
function expand(path: string, notes: string[]): Found[] {
  const abs = resolve(path);
  const fail = (error: string): Found[] => [{ label: path, bytes: null, error, rel: basename(path), defaultOut: '' }];
  if (!existsSync(abs)) return fail(`${path}: no such file or folder`);
  const st = statSync(abs);
  if (st.isDirectory()) {
    const found: Found[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        if (e.name.startsWith('.')) continue;
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (isOutput(e.name)) continue;
        else if (isImageName(e.name)) found.push({ label: shown(p), bytes: readFileSync(p), error: null, rel: relative(abs, p), defaultOut: `${stem(p)}_denoised.png` });
        else notes.push(`skipped ${shown(p)}: not an image file name (${IMAGE_EXTENSIONS.join(', ')})`);
      }
    };
    walk(abs);
    return found.length ? found : fail(`${path}: the folder holds no images (${IMAGE_EXTENSIONS.join(', ')})`);
  }
  const bytes = new Uint8Array(readFileSync(abs));
  if (extname(abs).toLowerCase() === '.zip') {
    try {
      const { files, skipped } = listZipImages(bytes, basename(abs));
      for (const s of skipped) notes.push(`skipped ${path}:${s.name}: ${s.reason}`);
      const outDir = `${stem(abs)}_denoised`;
      return files.map((f) => ({ label: `${path}:${f.name}`, bytes: f.bytes, error: null, rel: f.name, defaultOut: join(outDir, `${stem(f.name)}_denoised.png`) }));
    } catch (e) {
      return fail((e as Error).message);
    }
  }
  // Any other file goes to the decoder, which says what it is if it is not an image.
  return [{ label: path, bytes, error: null, rel: basename(abs), defaultOut: join(dirname(abs), `${stem(basename(abs))}_denoised.png`) }];
}

/** The clean reference of an image: `clean` itself (a file), or the file of the same relative name (or stem) in the `clean` folder. */
function findClean(clean: string, rel: string): { name: string; bytes: Uint8Array } | string {
  const abs = resolve(clean);
  if (statSync(abs).isFile()) return { name: clean, bytes: new Uint8Array(readFileSync(abs)) };
  const tries = [rel, basename(rel), ...IMAGE_EXTENSIONS.map((e) => `${stem(rel)}${e}`), ...IMAGE_EXTENSIONS.map((e) => `${stem(basename(rel))}${e}`)];
  const hit = tries.map((t) => join(abs, t)).find((p) => existsSync(p) && statSync(p).isFile());
  return hit ? { name: shown(hit), bytes: new Uint8Array(readFileSync(hit)) } : `no clean reference for it in ${clean} (looked for ${basename(rel)} and the same name with ${IMAGE_EXTENSIONS.join(', ')})`;
}

/**
 * Every image of the INPUTs with its output path (--out: a .png file for a single image, else a
 * folder; two images never share an output: a -2, -3 suffix keeps them apart) and its clean
 * reference (--clean). Throws UsageError for a --out or --clean that cannot fit the batch.
 */
export function collectInputs(a: Pick<DenoiseArgs, 'inputs' | 'out' | 'clean'>): { items: InputItem[]; notes: string[] } {
  const notes: string[] = [];
  const found = a.inputs.flatMap((p) => expand(p, notes));
  const outFile = a.out !== null && extname(a.out).toLowerCase() === '.png';
  if (outFile && found.length > 1) throw new UsageError(`--out ${a.out} names one file, but the inputs hold ${found.length} images: give a folder`);
  if (a.out !== null && !outFile && existsSync(a.out) && !statSync(a.out).isDirectory()) throw new UsageError(`--out ${a.out} is an existing file: give a folder, or a .png name for a single image`);
  if (a.clean !== null) {
    if (!existsSync(a.clean)) throw new UsageError(`--clean ${a.clean}: no such file or folder`);
    if (statSync(a.clean).isFile() && found.length > 1) throw new UsageError(`--clean ${a.clean} is one file, but the inputs hold ${found.length} images: give a folder of references with the same names`);
  }
  const taken = new Set<string>();
  const items = found.map((f): InputItem => {
    let out = outFile ? resolve(a.out!) : a.out !== null ? join(resolve(a.out), `${stem(f.rel)}_denoised.png`) : f.defaultOut;
    for (let k = 2; taken.has(out); k++) out = `${stem(out).replace(/-\d+$/, '')}-${k}.png`;
    taken.add(out);
    let clean: InputItem['clean'] = null;
    let error = f.error;
    if (!error && a.clean !== null) {
      const c = findClean(a.clean, f.rel);
      if (typeof c === 'string') error = `${f.label}: ${c}`; else clean = c;
    }
    return { label: f.label, bytes: error ? null : f.bytes, error, out, clean };
  });
  return { items, notes };
}
