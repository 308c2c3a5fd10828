/**
 * `npm run denoise -- INPUT... [options]`: denoises photos with a shipped or trained model, at
 * full resolution through tiles, gray or colour, and writes PNGs. Run with --help.
 *
 * The pieces: cli/denoiseArgs.ts (options, inputs, output paths), cli/inference.ts (Node on Dawn,
 * or headless Chromium), src/model/denoise.ts (the engine side, shared with the page),
 * cli/progressBar.ts. Every bad input is reported and skipped; the others are still written.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';
import { sniffImageFormat } from '../src/data/decode.ts';
import { COLOUR_MODE_TEXT, type DenoiseJobResult, type ModelChoice, describeDenoiser, readModelFile } from '../src/model/denoise.ts';
import { DEFAULT_MODEL, PRETRAINED, findPretrained } from '../src/model/pretrained.ts';
import { UsageError } from './args.ts';
import { BackendError, isCpuAdapter } from './backend.ts';
import { DENOISE_HELP, type DenoiseArgs, type InputItem, collectInputs, parseDenoiseArgs } from './denoiseArgs.ts';
import { type InferenceBackend, openInference, tuneOnBar } from './inference.ts';
import { ProgressBar, formatDuration } from './progressBar.ts';

/** Errors that mean "this input (or model) cannot be used": exit code 2. Anything else is a failure: 1. */
const INPUT_ERRORS = ['DenoiseInputError', 'CheckpointError', 'ImageDecodeError', 'ArchiveError'];
const isInputError = (e: unknown) => INPUT_ERRORS.includes((e as Error).name);
const message = (e: unknown) => (e as Error).message.split('\n').filter(Boolean).join('; ').replace(/^Error: /, '');
/** A path as printed: relative to the current folder when it is inside it. */
const shown = (p: string) => { const r = relative(process.cwd(), p); return r && !r.startsWith('..') ? r : p; };

/** The shipped models as a table: `--list-models`. */
export function modelTable(): string {
  const lines = ['shipped models (models/, provenance in models/README.md); PSNR in dB at Gaussian sigma: ours (npm run bench:dncnn) / an independent float32 run of the weights / the paper', ''];
  for (const m of PRETRAINED) {
    lines.push(`${m.name.padEnd(22)} ${m.title}; depth ${m.depth}, ${m.parameters.toLocaleString('en-US')} parameters, ${(m.bytes / 1e6).toFixed(1)} MB`);
    for (const s of m.scores) {
      const ours = s.measured ? `${s.measured.psnr.toFixed(2)}${s.measured.images < ({ set12: 12, bsd68: 68, cbsd68: 68 })[s.set] ? ` (first ${s.measured.images} images)` : ''}` : 'not measured';
      lines.push(`${''.padEnd(22)}   ${s.set} sigma ${s.sigma}: ${ours} / ${s.reference.toFixed(2)} / ${s.paper.toFixed(2)}`);
    }
  }
  lines.push('', `default: ${DEFAULT_MODEL[1]} for gray images, ${DEFAULT_MODEL[3]} for colour ones`);
  return lines.join('\n');
}

/** --model: a file (checked on the CPU now, so a bad one fails before any GPU work) or a shipped name. */
function modelChoice(model: string | null): { choice: ModelChoice; text: string } {
  if (model === null) return { choice: { auto: true }, text: `per image: ${DEFAULT_MODEL[1]} for gray, ${DEFAULT_MODEL[3]} for colour (blind, sigma 0-55)` };
  const shipped = findPretrained(model);
  if (existsSync(model)) {
    const bytes = new Uint8Array(readFileSync(model));
    const f = readModelFile(bytes, basename(model), shipped && shipped.bytes === bytes.length ? shipped : null);
    return { choice: { file: basename(model), bytes }, text: describeDenoiser(f.info) };
  }
  if (shipped) return { choice: { pretrained: shipped.name }, text: `${shipped.name} (${shipped.title}; depth ${shipped.depth}, ${shipped.parameters.toLocaleString('en-US')} parameters)` };
  throw new UsageError(`--model '${model}': no such file, and no shipped model of that name (shipped: ${PRETRAINED.map((m) => m.name).join(', ')}; --list-models describes them)`);
}

/** One result as a line: where it went, how, and the scores. */
function resultLine(item: InputItem, r: DenoiseJobResult): string {
  const s = r.scores;
  const score = s ? `; PSNR ${s.psnrNoisy.toFixed(2)} -> ${s.psnr.toFixed(2)} dB, SSIM ${Number.isNaN(s.ssim) ? 'n/a (under 11 px)' : s.ssim.toFixed(4)}` : '';
  return `${item.label} -> ${shown(item.out)}: ${r.width}x${r.height} ${r.channels === 1 ? 'gray' : 'RGB'}, ${r.model} (${COLOUR_MODE_TEXT[r.mode]}), ` +
    `${r.tiles} tile${r.tiles > 1 ? 's' : ''} of up to ${r.tile} px, ${formatDuration(r.seconds)}${score}`;
}

/** Formats a backend would have to decode, for `auto`: BMP and WebP need the browser. */
function browserOnlyInputs(items: InputItem[]): string | undefined {
  const formats = new Set(items.filter((i) => i.bytes).map((i) => sniffImageFormat(i.bytes!)).filter((f) => f && f !== 'png' && f !== 'jpeg'));
  return formats.size ? `${[...formats].join(', ').toUpperCase()} input needs a browser to decode (Node decodes PNG and JPEG)` : undefined;
}

async function runBatch(backend: InferenceBackend, args: DenoiseArgs, items: InputItem[], failures: { label: string; reason: string; input: boolean }[], bar: ProgressBar): Promise<DenoiseJobResult[]> {
  const done: DenoiseJobResult[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item.error) { failures.push({ label: item.label, reason: item.error, input: true }); continue; }
    bar.reset();
    try {
      const r = await backend.denoise(
        { name: item.label, bytes: item.bytes!, clean: item.clean ?? undefined, sigma: args.sigma ?? undefined, seed: args.seed, step: i, tile: args.tile ?? undefined },
        (p) => bar.update(`[${i + 1}/${items.length}] ${item.label}`, p.tilesDone, p.tiles, 'tiles', p.fraction),
      );
      bar.end();
      mkdirSync(dirname(item.out), { recursive: true });
      writeFileSync(item.out, r.png);
      console.log(resultLine(item, r));
      for (const n of r.notes) console.log(`  note: ${n}`);
      done.push(r);
    } catch (e) {
      bar.end();
      const input = isInputError(e);
      let reason = message(e);
      if (backend.name === 'node' && /needs a browser/.test(reason)) reason += ', or run with --backend browser';
      failures.push({ label: item.label, reason: reason.startsWith(item.label) ? reason : `${item.label}: ${reason}`, input });
      console.error(`error: ${failures[failures.length - 1].reason}`);
      if (!input) {
        // The GPU failed (device lost, out of memory): the rest would fail alike.
        for (const rest of items.slice(i + 1)) failures.push({ label: rest.label, reason: `${rest.label}: not processed (the GPU failed on an earlier image)`, input: false });
        break;
      }
    }
  }
  return done;
}

export async function main(argv: string[]): Promise<number> {
  const t0 = performance.now();
  let args: DenoiseArgs | null;
  let model: ReturnType<typeof modelChoice>;
  let items: InputItem[];
  try {
    args = parseDenoiseArgs(argv);
    if (!args) { console.log(DENOISE_HELP); return 0; }
    if (args.listModels) { console.log(modelTable()); if (!args.inputs.length) return 0; }
    model = modelChoice(args.model);
    const c = collectInputs(args);
    items = c.items;
    for (const n of c.notes) console.log(n);
  } catch (e) {
    if (e instanceof UsageError) { console.error(`error: ${e.message}\n(run with --help for the options)`); return 2; }
    if (isInputError(e)) { console.error(`error: ${message(e)}`); return 2; }
    throw e;
  }
  const failures: { label: string; reason: string; input: boolean }[] = [];
  if (!items.some((i) => !i.error)) {
    for (const i of items) console.error(`error: ${i.error}`);
    console.error('nothing to denoise');
    return 2;
  }

  // The first tiles of a size (within 4x) measure the conv kernel families first (--tune).
  const bar = new ProgressBar();
  let backend: InferenceBackend;
  try {
    backend = await openInference(args.backend, { adapter: args.adapter, preferBrowser: args.backend === 'auto' ? browserOnlyInputs(items) : undefined, tune: tuneOnBar(args.tune, bar) });
  } catch (e) {
    if (e instanceof BackendError) { console.error(`error: ${e.message}`); return e.exitCode; }
    throw e;
  }
  let results: DenoiseJobResult[];
  try {
    console.log(`WebGPU adapter: ${backend.adapter} (${backend.name} backend)`);
    if (isCpuAdapter(backend.adapter)) console.error('warning: this adapter runs WebGPU on the CPU (no GPU found or chosen): correct, but slow');
    console.log(`model: ${model.text}`);
    if (args.sigma !== null) console.log(`adding Gaussian noise of sigma ${args.sigma} (seed ${args.seed}) to each image, then scoring against it`);
    await backend.setModel(model.choice);
    results = await runBatch(backend, args, items, failures, bar);
  } finally {
    await backend.close();
  }

  // The summary: what was written, the mean scores, and every failure with its reason.
  const scored = results.filter((r) => r.scores);
  const mean = (f: (r: DenoiseJobResult) => number) => scored.reduce((s, r) => s + f(r), 0) / scored.length;
  console.log(`\ndenoised ${results.length} of ${items.length} image${items.length > 1 ? 's' : ''} in ${formatDuration((performance.now() - t0) / 1000)}` +
    (scored.length ? `; mean PSNR ${mean((r) => r.scores!.psnrNoisy).toFixed(2)} -> ${mean((r) => r.scores!.psnr).toFixed(2)} dB over ${scored.length}` : ''));
  if (failures.length) {
    console.error(`failed (${failures.length}):`);
    for (const f of failures) console.error(`  ${f.reason}`);
  }
  if (failures.some((f) => !f.input)) return 1;
  return failures.length ? 2 : 0;
}
