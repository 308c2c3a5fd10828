/**
 * `npm run train -- [options]`: trains a denoiser in headless Chromium (WebGPU) with the same
 * code as the training page, prints progress, and writes runs/<name>/. Run with --help.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { listZipImages } from '../src/data/archive.ts';
import { IMAGE_EXTENSIONS } from '../src/data/archive.ts';
import { ConfigError, type NoiseConfig, ORIGINAL_SEED_SETTINGS, PRESETS, type PresetName, type TrainConfig, defaultConfig, validateConfig } from '../src/model/config.ts';
import { openPage } from './browser.ts';

const HELP = `Train a denoiser on the GPU (WebGPU in headless Chromium) and write runs/<name>/.

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
  --original          the seed preset with the original project's settings (lr 1e-5, batch 64, 50 epochs)
  --epochs N  --batch N  --lr X  --patch N  --steps N (per epoch; default one pass)
  --adam pytorch|keras  --early-stopping N  --lr-decay EVERY:FACTOR  --seed N  --val-fraction F
noise
  --noise gaussian|saltPepper|poisson|speckle   --sigma S or LO-HI (blind)   --amount F   --peak P
output
  --name NAME         run folder name (default <preset>-<date>)
  --resume FILE       continue from a checkpoint (its epoch, parameters and Adam state)
  --help
`;

interface Args { config: TrainConfig; data: string | null; limit: number; test: string; testLimit: number; sigmas: number[] | null; name: string; resume: string | null }

class UsageError extends Error {}

function parseArgs(argv: string[]): Args | null {
  const opts = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument '${a}'`);
    const [k, inline] = a.slice(2).split('=', 2);
    if (['help', 'original'].includes(k)) { flags.add(k); continue; }
    const v = inline ?? argv[++i];
    if (v === undefined) throw new UsageError(`--${k} needs a value`);
    opts.set(k, v);
  }
  if (flags.has('help')) return null;
  const known = ['data', 'limit', 'test', 'test-limit', 'sigmas', 'channels', 'preset', 'epochs', 'batch', 'lr', 'patch', 'steps', 'adam', 'early-stopping', 'lr-decay', 'seed', 'val-fraction', 'noise', 'sigma', 'amount', 'peak', 'name', 'resume'];
  for (const k of opts.keys()) if (!known.includes(k)) throw new UsageError(`unknown option --${k} (see --help)`);
  const num = (k: string) => {
    const v = opts.get(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new UsageError(`--${k} must be a number, got '${v}'`);
    return n;
  };
  const preset = (flags.has('original') ? 'seed' : opts.get('preset') ?? 'small') as PresetName;
  if (!PRESETS.includes(preset)) throw new UsageError(`--preset must be one of ${PRESETS.join(', ')}, got '${preset}'`);
  const base = defaultConfig(preset, flags.has('original') ? ORIGINAL_SEED_SETTINGS : {});
  const o: Partial<TrainConfig> = {};
  const set = <K extends keyof TrainConfig>(k: K, v: TrainConfig[K] | undefined) => { if (v !== undefined) o[k] = v; };
  set('channels', num('channels') as 1 | 3 | undefined);
  set('epochs', num('epochs'));
  set('batchSize', num('batch'));
  set('lr', num('lr'));
  set('patchSize', num('patch'));
  set('stepsPerEpoch', num('steps'));
  set('seed', num('seed'));
  set('earlyStopping', num('early-stopping'));
  set('valFraction', num('val-fraction'));
  set('adamMode', opts.get('adam') as TrainConfig['adamMode'] | undefined);
  if (opts.has('lr-decay')) {
    const [every, factor] = opts.get('lr-decay')!.split(':').map(Number);
    o.lrDecay = { every, factor };
  }
  const kind = opts.get('noise') ?? base.noise.kind;
  const sigmaText = opts.get('sigma');
  const sigma = sigmaText === undefined ? undefined : sigmaText.includes('-') ? sigmaText.split('-').map(Number) as [number, number] : Number(sigmaText);
  let noise: NoiseConfig;
  if (kind === 'gaussian') noise = { kind, sigma: sigma ?? (base.noise.kind === 'gaussian' ? base.noise.sigma : 25) };
  else if (kind === 'speckle') noise = { kind, sigma: typeof sigma === 'number' ? sigma : 25 };
  else if (kind === 'saltPepper') noise = { kind, amount: num('amount') ?? 0.05 };
  else if (kind === 'poisson') noise = { kind, peak: num('peak') ?? 30 };
  else throw new UsageError(`--noise must be gaussian, saltPepper, poisson or speckle, got '${kind}'`);
  o.noise = noise;
  const config = validateConfig({ ...base, ...o });
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
    resume: opts.get('resume') ?? null,
  };
}

/** Files of a folder (recursively) or a zip, as name + base64; non-images are left for the decoder to report. */
function readImages(path: string, what: string): { files: { name: string; b64: string }[]; skipped: string[] } {
  if (!existsSync(path)) throw new UsageError(`${what} '${path}' does not exist`);
  if (statSync(path).isFile()) {
    if (extname(path).toLowerCase() !== '.zip') throw new UsageError(`${what} '${path}' is a file but not a .zip; give a folder or a zip of images`);
    const { files, skipped } = listZipImages(readFileSync(path), basename(path));
    return { files: files.map((f) => ({ name: f.name, b64: Buffer.from(f.bytes).toString('base64') })), skipped: skipped.map((s) => `${s.name}: ${s.reason}`) };
  }
  const files: { name: string; b64: string }[] = [];
  const skipped: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, entry.name);
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) walk(p);
      else if (IMAGE_EXTENSIONS.includes(extname(entry.name).toLowerCase())) files.push({ name: p.slice(path.length + 1), b64: readFileSync(p).toString('base64') });
      else skipped.push(`${p}: not an image file extension`);
    }
  };
  walk(path);
  if (!files.length) throw new UsageError(`${what} '${path}' holds no images (PNG, JPEG, BMP or WebP)${skipped.length ? `; skipped ${skipped.length} other files` : ''}`);
  return { files, skipped };
}

const fmtTime = (s: number) => (!Number.isFinite(s) ? '?' : s >= 3600 ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m${Math.round(s % 60)}s` : `${Math.round(s)}s`);

export async function main(argv: string[]): Promise<number> {
  let args: Args | null;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError) { console.error(`error: ${e.message}\n(run with --help for the options)`); return 2; }
    throw e;
  }
  if (!args) { console.log(HELP); return 0; }
  const c = args.config;
  const BUILTIN = ['set12', 'bsd68', 'cbsd68', 'train400'];
  let train: unknown = { builtin: 'train400', limit: Number.isFinite(args.limit) ? args.limit : undefined };
  let test: unknown = null;
  try {
    if (args.data) {
      const r = readImages(resolve(args.data), '--data');
      for (const s of r.skipped) console.log(`skipped ${s}`);
      train = { files: Number.isFinite(args.limit) ? r.files.slice(0, args.limit) : r.files };
    }
    if (args.test !== 'none') {
      const lim = Number.isFinite(args.testLimit) ? args.testLimit : undefined;
      test = BUILTIN.includes(args.test) ? { builtin: args.test, limit: lim } : { files: readImages(resolve(args.test), '--test').files.slice(0, lim) };
    }
  } catch (e) {
    if (e instanceof UsageError || (e as Error).name === 'ArchiveError') { console.error(`error: ${(e as Error).message}`); return 2; }
    throw e;
  }
  const resume = args.resume ? { name: basename(args.resume), b64: readFileSync(args.resume).toString('base64') } : undefined;

  const out = resolve('runs', args.name);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'config.json'), JSON.stringify(c, null, 2));
  console.log(`run: ${out}`);
  console.log(`preset ${c.preset}, ${c.epochs} epochs, batch ${c.batchSize}, lr ${c.lr}, noise ${JSON.stringify(c.noise)}, data ${args.data ?? 'built-in Train400'}`);

  const session = await openPage('cli/page.html');
  const { page, errors } = session;
  let stopping = false;
  const onSigint = () => {
    if (stopping) { console.error('\ninterrupted twice: exiting without the final evaluation'); process.exit(130); }
    stopping = true;
    console.error('\nstopping after this step (the last checkpoint is kept); Ctrl-C again to quit now');
    void page.evaluate(() => window.cli.stop()).catch(() => {});
  };
  try {
    let lastLine = '';
    const tty = process.stdout.isTTY;
    await page.exposeFunction('cliEvent', (json: string) => {
      const ev = JSON.parse(json);
      if (ev.type === 'step') {
        const width = 24;
        const done = Math.round((ev.step / ev.stepsPerEpoch) * width);
        lastLine = `epoch ${ev.epoch}/${c.epochs} [${'#'.repeat(done)}${'-'.repeat(width - done)}] step ${ev.step}/${ev.stepsPerEpoch} ` +
          `loss ${ev.loss.toExponential(3)}  ${ev.imagesPerSec.toFixed(1)} img/s  ETA ${fmtTime(ev.etaSec)}`;
        if (tty) process.stdout.write(`\r${lastLine}\x1b[K`); else console.log(lastLine);
      } else if (ev.type === 'epoch') {
        const r = ev.record;
        if (tty) process.stdout.write('\n');
        console.log(`epoch ${r.epoch}: train loss ${r.trainLoss.toExponential(3)}, val loss ${r.valLoss.toExponential(3)}, val PSNR ${r.valPsnr.toFixed(2)} dB, ${r.seconds.toFixed(1)} s`);
        writeFileSync(join(out, 'checkpoint.safetensors'), Buffer.from(ev.checkpoint, 'base64'));
      } else if (ev.type === 'stage') {
        if (ev.stage === 'training') return;
        const line = `${ev.stage}${ev.total ? ` ${ev.done}/${ev.total}` : ''}`;
        if (tty) process.stdout.write(`\r${line}\x1b[K`);
        else if (!ev.total || ev.done === ev.total) console.log(line);
      } else if (ev.type === 'log') {
        if (tty) process.stdout.write('\r\x1b[K');
        console.log(ev.message);
      }
    });
    await page.goto(session.url);
    await page.waitForFunction(() => 'cli' in window);
    let adapter: string;
    try {
      adapter = await page.evaluate(() => window.cli.init());
    } catch (e) {
      console.error(`error: ${(e as Error).message.replace(/^Error: /, '')}`);
      return 1;
    }
    console.log(`WebGPU adapter: ${adapter}`);
    // Stage file data in chunks of about 2 MB: one large evaluate argument closes the connection.
    const stage = async (key: string, src: unknown) => {
      if (!src || typeof src !== 'object' || !('files' in src)) return src;
      const files = (src as { files: { name: string; b64: string }[] }).files;
      let chunk: typeof files = [];
      let size = 0;
      const flush = async () => { if (chunk.length) await page.evaluate((k, f) => window.cli.stage(k, f), key, chunk); chunk = []; size = 0; };
      for (const f of files) {
        chunk.push(f);
        size += f.b64.length;
        if (size > 2_000_000) await flush();
      }
      await flush();
      return { staged: key };
    };
    train = await stage('train', train);
    test = await stage('test', test);
    process.on('SIGINT', onSigint);
    const input = { config: c, train, test, testSigmas: args.sigmas ?? undefined, keepOutputs: 4, resume };
    let r: any;
    try {
      r = await page.evaluate((i) => window.cli.run(i as never), input as never);
    } catch (e) {
      if (tty) process.stdout.write('\n');
      console.error(`error: ${(e as Error).message.split('\n')[0].replace(/^Error: /, '')}`);
      console.error(`nothing of the training is lost: ${existsSync(join(out, 'checkpoint.safetensors')) ? `the last epoch's checkpoint is in ${out}` : 'no epoch had finished'}`);
      return 1;
    }
    if (tty) process.stdout.write('\n');

    writeFileSync(join(out, 'checkpoint.safetensors'), Buffer.from(r.checkpoint, 'base64'));
    writeFileSync(join(out, 'loss.png'), Buffer.from(r.plot, 'base64'));
    writeFileSync(join(out, 'history.csv'), ['epoch,train_loss,val_loss,val_psnr,lr,seconds', ...r.history.map((h: any) => [h.epoch, h.trainLoss, h.valLoss, h.valPsnr, h.lr, h.seconds].join(','))].join('\n') + '\n');
    const csv = ['sigma,image,psnr_noisy,psnr,ssim,mse,mae'];
    for (const t of r.tests) {
      const tag = t.sigma ?? t.noise.kind;
      for (const m of t.perImage) csv.push([tag, m.name, m.psnrNoisy, m.psnr, m.ssim, m.mse, m.mae].join(','));
      const dir = join(out, `denoised-${tag}`);
      mkdirSync(dir, { recursive: true });
      for (const d of t.denoised) writeFileSync(join(dir, basename(d.name).replace(/\.\w+$/, '.png')), Buffer.from(d.png, 'base64'));
      if (t.grid) writeFileSync(join(out, `grid-${tag}.png`), Buffer.from(t.grid, 'base64'));
    }
    writeFileSync(join(out, 'metrics.csv'), csv.join('\n') + '\n');
    const metrics = {
      state: r.state, error: r.error, adapter, seconds: r.seconds, model: r.model, data: r.data, history: r.history,
      tests: r.tests.map((t: any) => ({ sigma: t.sigma, noise: t.noise, mean: t.mean, perImage: t.perImage })),
    };
    writeFileSync(join(out, 'metrics.json'), JSON.stringify(metrics, null, 2));
    for (const t of r.tests) {
      console.log(`test ${args.test}${t.sigma !== null ? ` sigma ${t.sigma}` : ''}: PSNR ${t.mean.psnr.toFixed(2)} dB (noisy ${t.mean.psnrNoisy.toFixed(2)} dB), SSIM ${t.mean.ssim.toFixed(4)}, MSE ${t.mean.mse.toExponential(3)}, MAE ${t.mean.mae.toFixed(4)}`);
    }
    if (r.error) console.error(`training ended early: ${r.error}`);
    if (errors.length) console.error(`page errors: ${errors.join('; ')}`);
    console.log(`wrote ${out}: metrics.json, metrics.csv, history.csv, loss.png, checkpoint.safetensors${r.tests.length ? ', grid-*.png, denoised-*/' : ''}`);
    return r.error ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    await session.close();
  }
}
