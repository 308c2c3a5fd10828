/**
 * `npm run bench:dncnn -- [options]`: the shipped pretrained denoisers (src/model/pretrained.ts)
 * run by our engine on the standard test sets at the noise levels each covers, next to the PSNR
 * of an independent float32 CPU run of the same weights (models/README.md) and the paper's.
 * Protocol (src/model/benchmark.ts): Gaussian noise drawn per image (Philox, seed S, image i),
 * not clipped; output clipped to [0, 1]; PSNR and SSIM averaged over images; the images go
 * through the same tiled path as `npm run denoise`.
 *
 *   --models all|a,b     models by name (default all)
 *   --sets a,b           set12, bsd68, cbsd68 (default: each model's own: Set12 and BSD68 for
 *                        gray, CBSD68 for colour); a set of the other colour is skipped
 *   --sigmas 15,25,50    noise levels (default: the model's sigma; 15, 25, 50 for blind models);
 *                        a non-blind model only runs at its own
 *   --limit N            only the first N images of each set (a CPU adapter: ~10 s per 256x256
 *                        image at depth 17)
 *   --seed S             noise seed (default 0)
 *   --tile N             tile side (default: the device's, as npm run denoise; 512 runs a Set12 or
 *                        BSD68 image in one tile, which saves the halo's work on a CPU adapter)
 *   --backend node|browser|auto, --adapter NAME   as for npm run train (default auto: Node)
 *   --tune on|off|again  as for npm run denoise: measure the conv kernels at the tile size first
 *                        (default on; the first image's time includes it)
 *   --json FILE          results, merged by (model, set, sigma) into FILE (default bench/results/dncnn.json)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Backend, parseTuneMode } from '../cli/args.ts';
import { BackendError, isCpuAdapter } from '../cli/backend.ts';
import { type InferenceBackend, openInference, tuneOnBar } from '../cli/inference.ts';
import { ProgressBar, formatDuration } from '../cli/progressBar.ts';
import type { BenchmarkResult } from '../src/model/benchmark.ts';
import type { TuneMode } from '../src/model/tuneInference.ts';
import { PRETRAINED, type PretrainedModel, type ScoreRow, type StandardSet } from '../src/model/pretrained.ts';

const SETS: StandardSet[] = ['set12', 'bsd68', 'cbsd68'];
const SET_SIZE: Record<StandardSet, number> = { set12: 12, bsd68: 68, cbsd68: 68 };
const SET_CHANNELS: Record<StandardSet, 1 | 3> = { set12: 1, bsd68: 1, cbsd68: 3 };

interface Run { model: PretrainedModel; set: StandardSet; sigma: number; ref: ScoreRow | undefined }

/** A row of the JSON file. */
interface Row extends BenchmarkResult { adapter: string; backend: string; date: string; reference: { noisy: number; weights: number; paper: number } | null }

class BenchUsage extends Error {}

function parse(argv: string[]) {
  const opts = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const [k, inline] = argv[i].replace(/^--/, '').split('=', 2);
    if (!argv[i].startsWith('--') || !['models', 'sets', 'sigmas', 'limit', 'seed', 'tile', 'backend', 'adapter', 'json', 'tune'].includes(k)) throw new BenchUsage(`unknown argument '${argv[i]}'`);
    const v = inline ?? argv[++i];
    if (v === undefined) throw new BenchUsage(`--${k} needs a value`);
    opts.set(k, v);
  }
  const list = (k: string) => opts.get(k)?.split(',').map((s) => s.trim()).filter(Boolean);
  const names = list('models') ?? ['all'];
  const models = names.includes('all') ? [...PRETRAINED] : names.map((n) => PRETRAINED.find((m) => m.name === n) ?? (() => { throw new BenchUsage(`unknown model '${n}' (models: ${PRETRAINED.map((m) => m.name).join(', ')})`); })());
  const sets = list('sets') as StandardSet[] | undefined;
  for (const s of sets ?? []) if (!SETS.includes(s)) throw new BenchUsage(`unknown set '${s}' (sets: ${SETS.join(', ')})`);
  const sigmas = list('sigmas')?.map(Number);
  if (sigmas?.some((s) => !(s >= 0 && s <= 255))) throw new BenchUsage(`--sigmas must be numbers in [0, 255], got '${opts.get('sigmas')}'`);
  const limit = opts.has('limit') ? Number(opts.get('limit')) : undefined;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) throw new BenchUsage(`--limit must be a positive integer, got '${opts.get('limit')}'`);
  const seed = Number(opts.get('seed') ?? 0);
  if (!(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32)) throw new BenchUsage(`--seed must be an integer in [0, 2^32), got '${opts.get('seed')}'`);
  const tile = opts.has('tile') ? Number(opts.get('tile')) : undefined;
  if (tile !== undefined && !(Number.isInteger(tile) && tile >= 8)) throw new BenchUsage(`--tile must be an integer >= 8, got '${opts.get('tile')}'`);
  const backend = (opts.get('backend') ?? 'auto') as Backend;
  if (!['node', 'browser', 'auto'].includes(backend)) throw new BenchUsage(`--backend must be node, browser or auto, got '${backend}'`);
  const runs: Run[] = [];
  for (const model of models) {
    for (const set of sets ?? model.sets) {
      if (SET_CHANNELS[set] !== model.channels) continue;
      for (const sigma of model.blind ? sigmas ?? model.sigmas : model.sigmas.filter((s) => !sigmas || sigmas.includes(s))) {
        runs.push({ model, set, sigma, ref: model.scores.find((r) => r.set === set && r.sigma === sigma) });
      }
    }
  }
  if (!runs.length) throw new BenchUsage('nothing to run: no chosen model covers the chosen sets and sigmas');
  let tune: TuneMode;
  try { tune = parseTuneMode(opts.get('tune')); } catch (e) { throw new BenchUsage((e as Error).message); }
  return { runs, limit, seed, tile, backend, adapter: opts.get('adapter') ?? null, tune, json: opts.get('json') ?? 'bench/results/dncnn.json' };
}

/** Merges rows into the JSON file by (model, set, sigma); rows of the older format (no model) were dncnn_s25's. */
function saveRows(path: string, rows: Row[]): void {
  let old: Row[] = [];
  if (existsSync(path)) {
    try {
      const j = JSON.parse(readFileSync(path, 'utf8'));
      old = (j.rows ?? []).map((r: Partial<Row> & { ours?: Row['mean'] }) => ({ ...r, model: r.model ?? 'dncnn_s25', mean: r.mean ?? r.ours, adapter: r.adapter ?? j.adapter, date: r.date ?? j.date }) as Row);
    } catch { /* an unreadable file is replaced */ }
  }
  const key = (r: Row) => `${r.model}/${r.set}/${r.sigma}`;
  const merged = new Map(old.map((r) => [key(r), r]));
  for (const r of rows) merged.set(key(r), r);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify({ note: 'npm run bench:dncnn; one row per (model, set, sigma), the newest run of each', rows: [...merged.values()] }, null, 2));
}

export async function main(argv: string[]): Promise<number> {
  let a: ReturnType<typeof parse>;
  try {
    a = parse(argv);
  } catch (e) {
    if (e instanceof BenchUsage) { console.error(`error: ${e.message}\n(options: see the comment at the top of bench/dncnn.ts)`); return 2; }
    throw e;
  }
  const bar = new ProgressBar();
  let backend: InferenceBackend;
  try {
    backend = await openInference(a.backend, { adapter: a.adapter, tune: tuneOnBar(a.tune, bar) });
  } catch (e) {
    if (e instanceof BackendError) { console.error(`error: ${e.message}`); return e.exitCode; }
    throw e;
  }
  console.log(`WebGPU adapter: ${backend.adapter} (${backend.name} backend)`);
  if (isCpuAdapter(backend.adapter)) console.error('warning: a CPU adapter: about 10 s per 256x256 image at depth 17; --limit N evaluates the first N images of each set');
  const rows: Row[] = [];
  try {
    for (const [k, run] of a.runs.entries()) {
      const label = `[${k + 1}/${a.runs.length}] ${run.model.name} ${run.set} sigma ${run.sigma}`;
      bar.reset();
      const r = await backend.benchmark({ model: run.model.name, set: run.set, sigma: run.sigma, limit: a.limit, seed: a.seed, tile: a.tile },
        (done, total) => bar.update(label, Math.floor(done), total, 'images', done / total));
      bar.end();
      const ref = run.ref;
      const subset = r.images < SET_SIZE[run.set] ? ` (first ${r.images} of ${SET_SIZE[run.set]} images; the reference and paper values are full-set means)` : '';
      console.log(`${label}: noisy ${r.mean.psnrNoisy.toFixed(2)} dB, ours ${r.mean.psnr.toFixed(2)} dB, SSIM ${r.mean.ssim.toFixed(4)}` +
        (ref ? `; reference run of these weights ${ref.reference.toFixed(2)}, paper ${ref.paper.toFixed(2)}` : '') + `, ${formatDuration(r.seconds)}${subset}`);
      const row: Row = { ...r, adapter: backend.adapter, backend: backend.name, date: new Date().toISOString(), reference: ref ? { noisy: ref.noisy, weights: ref.reference, paper: ref.paper } : null };
      rows.push(row);
      saveRows(a.json, [row]); // after every run: an interrupted benchmark keeps what it measured
    }
  } catch (e) {
    bar.end();
    console.error(`error: ${(e as Error).message}`);
    return 1;
  } finally {
    await backend.close();
    if (rows.length) console.log(`wrote ${a.json}`);
  }
  console.log('\n| model | set | sigma | images | noisy | ours | reference run | paper |\n|---|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.model} | ${r.set} | ${r.sigma} | ${r.images} | ${r.mean.psnrNoisy.toFixed(2)} | ${r.mean.psnr.toFixed(2)} | ${r.reference?.weights.toFixed(2) ?? ''} | ${r.reference?.paper.toFixed(2) ?? ''} |`);
  }
  return 0;
}
