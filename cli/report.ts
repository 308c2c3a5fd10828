/**
 * `npm run train`'s output, the same for both backends: progress lines on the terminal (a
 * live bar on a TTY, plain lines in a log), the checkpoint after every epoch, and at the end
 * runs/<name>/: metrics.json, metrics.csv, history.csv, loss.png, grid-<sigma>.png, denoised-<sigma>/ and
 * checkpoint.safetensors.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TrainConfig } from '../src/model/config.ts';
import type { CliEvent, RenderedRun } from './render.ts';

/** '42s', '6m07s', '1h02m': whole seconds first, so 119.6 s reads 2m00s, not 1m60s. */
export function fmtTime(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  const s = Math.max(0, Math.round(sec));
  const pad = (n: number) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m` : s >= 60 ? `${Math.floor(s / 60)}m${pad(s % 60)}s` : `${s}s`;
}

/**
 * runs/<name>/, made (with its config.json) only when the first file goes into it: the first
 * epoch's checkpoint or the results. A run that fails before then leaves no folder behind.
 */
export class RunFolder {
  /** Whether the folder has been made by this run (so a checkpoint in it is this run's). */
  made = false;
  constructor(readonly path: string, private readonly config: TrainConfig) {}

  /** The folder's path, making it now if this run has not yet. */
  make(): string {
    if (!this.made) {
      mkdirSync(this.path, { recursive: true });
      writeFileSync(join(this.path, 'config.json'), JSON.stringify(this.config, null, 2));
      this.made = true;
    }
    return this.path;
  }
}

/** Prints a backend's progress events and saves each epoch's checkpoint into the run folder. */
export class Progress {
  private readonly tty = Boolean(process.stdout.isTTY);
  constructor(private readonly config: TrainConfig, private readonly folder: RunFolder) {}

  /** Ends a live line before other output (after a failure, say). */
  endLine(): void {
    if (this.tty) process.stdout.write('\n');
  }

  readonly onEvent = (ev: CliEvent): void => {
    const tty = this.tty;
    if (ev.type === 'step') {
      const width = 24;
      const done = Math.round((ev.step / ev.stepsPerEpoch) * width);
      const line = `epoch ${ev.epoch}/${this.config.epochs} [${'#'.repeat(done)}${'-'.repeat(width - done)}] step ${ev.step}/${ev.stepsPerEpoch} ` +
        `loss ${ev.loss.toExponential(3)}  ${ev.imagesPerSec.toFixed(1)} img/s  ETA ${fmtTime(ev.etaSec)}`;
      if (tty) process.stdout.write(`\r${line}\x1b[K`); else console.log(line);
    } else if (ev.type === 'epoch') {
      const r = ev.record;
      if (tty) process.stdout.write('\n');
      console.log(`epoch ${r.epoch}: train loss ${r.trainLoss.toExponential(3)}, val loss ${r.valLoss.toExponential(3)}, val PSNR ${r.valPsnr.toFixed(2)} dB, ${r.seconds.toFixed(1)} s`);
      writeFileSync(join(this.folder.make(), 'checkpoint.safetensors'), ev.checkpoint);
    } else if (ev.type === 'stage') {
      if (ev.stage === 'training') return;
      const line = `${ev.stage}${ev.total ? ` ${ev.done}/${ev.total}` : ''}`;
      if (tty) process.stdout.write(`\r${line}\x1b[K`);
      else if (!ev.total || ev.done === ev.total) console.log(line);
    } else if (ev.type === 'log') {
      if (tty) process.stdout.write('\r\x1b[K');
      console.log(ev.message);
    }
  };
}

/**
 * Writes a finished run into `out` and prints the test results. `testName` labels them
 * ('set12', or the folder given to --test); `adapter` and `backend` go into metrics.json.
 */
export function writeRun(out: string, r: RenderedRun, o: { adapter: string; backend: string; testName: string }): void {
  writeFileSync(join(out, 'checkpoint.safetensors'), r.checkpoint);
  writeFileSync(join(out, 'loss.png'), r.plot);
  writeFileSync(join(out, 'history.csv'), ['epoch,train_loss,val_loss,val_psnr,lr,seconds', ...r.history.map((h) => [h.epoch, h.trainLoss, h.valLoss, h.valPsnr, h.lr, h.seconds].join(','))].join('\n') + '\n');
  const csv = ['sigma,image,psnr_noisy,psnr,ssim,mse,mae'];
  for (const t of r.tests) {
    const tag = t.sigma ?? t.noise.kind;
    for (const m of t.perImage) csv.push([tag, m.name, m.psnrNoisy, m.psnr, m.ssim, m.mse, m.mae].join(','));
    const dir = join(out, `denoised-${tag}`);
    mkdirSync(dir, { recursive: true });
    for (const d of t.denoised) writeFileSync(join(dir, basename(d.name).replace(/\.\w+$/, '.png')), d.png);
    if (t.grid) writeFileSync(join(out, `grid-${tag}.png`), t.grid);
  }
  writeFileSync(join(out, 'metrics.csv'), csv.join('\n') + '\n');
  const metrics = {
    state: r.state, error: r.error, adapter: o.adapter, backend: o.backend, seconds: r.seconds, model: r.model, data: r.data, history: r.history,
    tests: r.tests.map((t) => ({ sigma: t.sigma, noise: t.noise, mean: t.mean, perImage: t.perImage })),
  };
  writeFileSync(join(out, 'metrics.json'), JSON.stringify(metrics, null, 2));
  for (const t of r.tests) {
    console.log(`test ${o.testName}${t.sigma !== null ? ` sigma ${t.sigma}` : ''}: PSNR ${t.mean.psnr.toFixed(2)} dB (noisy ${t.mean.psnrNoisy.toFixed(2)} dB), SSIM ${t.mean.ssim.toFixed(4)}, MSE ${t.mean.mse.toExponential(3)}, MAE ${t.mean.mae.toFixed(4)}`);
  }
  if (r.error) console.error(`training ended early: ${r.error}`);
  console.log(`wrote ${out}: metrics.json, metrics.csv, history.csv, loss.png, checkpoint.safetensors${r.tests.length ? ', grid-*.png, denoised-*/' : ''}`);
}
