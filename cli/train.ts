/**
 * `npm run train -- [options]`: trains a denoiser with WebGPU, with the same code as the training
 * page, prints progress, and writes runs/<name>/. Run with --help.
 *
 * The pieces: cli/args.ts (options), cli/backend.ts (Node on Dawn, or headless Chromium),
 * cli/report.ts (progress and the files written).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { BuiltinSet } from '../src/data/builtin.ts';
import { readCheckpoint } from '../src/model/checkpoint.ts';
import { ConfigError, type TrainConfig, configSpec } from '../src/model/config.ts';
import type { DataSource, SessionInput } from '../src/model/session.ts';
import { type Args, HELP, UsageError, parseArgs, readImages } from './args.ts';
import { BackendError, type TrainBackend, isCpuAdapter, openBackend } from './backend.ts';
import { Progress, RunFolder, writeRun } from './report.ts';
import { fileTuneStore } from './tuneStore.ts';

const BUILTIN = ['set12', 'bsd68', 'cbsd68', 'train400'];

/** The training and test data the options name (read here, so bad paths fail before any GPU work). */
function dataSources(args: Args): { train: DataSource; test: DataSource | null } {
  let train: DataSource = { builtin: 'train400', limit: Number.isFinite(args.limit) ? args.limit : undefined };
  let test: DataSource | null = null;
  if (args.data) {
    const r = readImages(resolve(args.data), '--data');
    for (const s of r.skipped) console.log(`skipped ${s}`);
    train = { files: Number.isFinite(args.limit) ? r.files.slice(0, args.limit) : r.files };
  }
  if (args.test !== 'none') {
    const lim = Number.isFinite(args.testLimit) ? args.testLimit : undefined;
    test = BUILTIN.includes(args.test) ? { builtin: args.test as BuiltinSet, limit: lim } : { files: readImages(resolve(args.test), '--test').files.slice(0, lim) };
  }
  return { train, test };
}

/**
 * `--resume FILE`, read and checked now: a file that is not a checkpoint of this engine, or holds
 * another preset or channel count, is refused before any image is decoded or the GPU started
 * (the session would find out only after decoding all the training data).
 */
function readResume(path: string, c: TrainConfig): NonNullable<SessionInput['resume']> {
  const name = basename(path);
  const bytes = new Uint8Array(readFileSync(path));
  const { meta } = readCheckpoint(bytes, name);
  // The depth only where the presets agree (another preset's spec has its own layer count).
  const depth = meta.preset === c.preset && meta.spec.layers.length !== configSpec(c).layers.length ? meta.spec.layers.length : null;
  const fix = [meta.preset !== c.preset && `--preset ${meta.preset}`, meta.channels !== c.channels && `--channels ${meta.channels}`, depth !== null && `--depth ${depth}`].filter(Boolean);
  const kind = (preset: string, channels: number) => `'${preset}' ${channels === 1 ? 'gray' : 'RGB'}`;
  if (fix.length) throw new UsageError(`--resume ${name} holds a ${kind(meta.preset, meta.channels)} model${depth !== null ? ` ${depth} layers deep` : ''} and this run trains a ${kind(c.preset, c.channels)} one${depth !== null ? ` ${configSpec(c).layers.length} deep` : ''}: add ${fix.join(' ')}`);
  return { name, bytes };
}

/**
 * An error as one line: its first line, then the indented detail lines some errors carry (a
 * DataError's skipped files, a CheckpointError's mismatches), joined with '; '. Other lines (the
 * stack frames a page error carries) are dropped.
 */
function errorLine(e: unknown): string {
  const [first, ...rest] = (e as Error).message.split('\n');
  const head = first.replace(/^Error: /, '');
  const details = rest.filter((l) => /^  \S/.test(l)).map((l) => l.trim());
  if (!details.length) return head;
  return `${head}${head.endsWith(':') ? '' : ':'} ${details.join('; ')}`;
}

/** New devices a run makes after losing one before it gives up. */
const MAX_DEVICE_RECOVERIES = 3;

/** A lost GPU device: DeviceLostError in this process, or its message from the page (browser backend). */
const isDeviceLost = (e: unknown) => (e as Error)?.name === 'DeviceLostError' || /WebGPU device lost \(reason/.test((e as Error)?.message ?? '');

/** Errors of the user's input found once the session reads it (images, checkpoint): exit code 2, like a bad option. */
const INPUT_ERRORS = ['DataError', 'CheckpointError', 'ArchiveError'];

/** Starts the backend and prints which one and its adapter, warning about a CPU fallback. */
async function start(args: Args): Promise<TrainBackend> {
  const backend = await openBackend(args.backend, { adapter: args.adapter });
  console.log(`WebGPU adapter: ${backend.adapter} (${backend.name} backend)`);
  if (isCpuAdapter(backend.adapter)) console.error('warning: this adapter runs WebGPU on the CPU (no GPU found or chosen): correct, but slow');
  return backend;
}

/** `--profile`: one profiled training step (src/model/profile.ts), its report on stdout. */
async function profile(backend: TrainBackend, c: TrainConfig, tune: SessionInput['tune']): Promise<number> {
  const size = c.preset === 'seed' ? `${c.imageSize}x${c.imageSize} images` : `${c.patchSize}x${c.patchSize} patches`;
  console.log(`profiling one training step: preset ${c.preset}, batch ${c.batchSize}, ${size}, noise ${JSON.stringify(c.noise)} (a warm-up step first)`);
  try {
    console.log(await backend.profile(c, tune));
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    return 1;
  }
  if (backend.errors.length) { console.error(`page errors: ${backend.errors.join('; ')}`); return 1; }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  let args: Args | null;
  let data: ReturnType<typeof dataSources> | null = null;
  let resume: SessionInput['resume'];
  try {
    args = parseArgs(argv);
    // The checkpoint before the data: it is one small file, the data can be hundreds.
    if (args?.resume && !args.profile) resume = readResume(args.resume, args.config);
    if (args && !args.profile) data = dataSources(args);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError) { console.error(`error: ${e.message}\n(run with --help for the options)`); return 2; }
    if (INPUT_ERRORS.includes((e as Error).name)) { console.error(`error: ${errorLine(e)}`); return 2; }
    throw e;
  }
  if (!args) { console.log(HELP); return 0; }
  const c = args.config;

  let backend: TrainBackend;
  try {
    backend = await start(args);
  } catch (e) {
    if (e instanceof BackendError) { console.error(`error: ${e.message}`); return e.exitCode; }
    throw e;
  }
  let stopping = false;
  const onSigint = () => {
    if (stopping) { console.error('\ninterrupted twice: exiting without the final evaluation'); process.exit(130); }
    stopping = true;
    console.error('\nstopping after this step (the last checkpoint is kept); Ctrl-C again to quit now');
    backend.stop();
  };
  try {
    const tune = args.tune === 'off' ? undefined : { store: fileTuneStore(), force: args.tune === 'again' };
    if (args.profile) return await profile(backend, c, tune);

    const folder = new RunFolder(resolve('runs', args.name), c);
    const out = folder.path;
    console.log(`run: ${out}`);
    console.log(`preset ${c.preset}, ${c.epochs} epochs, batch ${c.batchSize}, lr ${c.lr}${c.lrDecay ? ` (x${c.lrDecay.factor} every ${c.lrDecay.every} epochs)` : ''}, noise ${JSON.stringify(c.noise)}, data ${args.data ?? 'built-in Train400'}`);

    const progress = new Progress(c, folder);
    process.on('SIGINT', onSigint);
    let input: SessionInput = { config: c, train: data!.train, test: data!.test, testSigmas: args.sigmas ?? undefined, keepOutputs: 4, resume, tune };
    let r;
    let recoveries = 0;
    try {
      for (;;) {
        try {
          r = await backend.run(input, progress.onEvent);
          break;
        } catch (e) {
          progress.endLine();
          if (!isDeviceLost(e) || stopping || recoveries >= MAX_DEVICE_RECOVERIES) throw e;
          // A lost GPU device (a driver reset, a watchdog): a new one, and on from the last epoch's
          // checkpoint (or where this run started); only the steps since then are lost.
          recoveries++;
          const saved = join(out, 'checkpoint.safetensors');
          const from = folder.made && existsSync(saved) ? { name: 'checkpoint.safetensors', bytes: new Uint8Array(readFileSync(saved)) } : resume;
          const fromText = from === resume
            ? (resume ? `where it started (${resume.name})` : 'the start')
            : `the last epoch's checkpoint (epoch ${readCheckpoint(from!.bytes, from!.name).meta.epoch})`;
          console.error(`the GPU device was lost (${errorLine(e)}); making a new one and resuming from ${fromText} (recovery ${recoveries} of ${MAX_DEVICE_RECOVERIES})`);
          await backend.close();
          backend = await start(args);
          input = { ...input, resume: from };
        }
      }
    } catch (e) {
      console.error(`error: ${errorLine(e)}`);
      // Bad images or a checkpoint that does not fit: found before training, so nothing to keep.
      if (INPUT_ERRORS.includes((e as Error).name)) return 2;
      console.error(`nothing of the training is lost: ${folder.made && existsSync(join(out, 'checkpoint.safetensors')) ? `the last epoch's checkpoint is in ${out}` : 'no epoch had finished'}`);
      return 1;
    }
    progress.endLine();
    writeRun(folder.make(), r, { adapter: backend.adapter, backend: backend.name, testName: args.test });
    if (backend.errors.length) console.error(`page errors: ${backend.errors.join('; ')}`);
    return r.error ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    await backend.close();
  }
}
