/**
 * `npm run bench:soak -- [--steps 1000] [--preset small] [--batch N] [--patch N]`
 * A long run of the real training loop (the Trainer: augmentation and noise on, every step's
 * loss read back asynchronously, validation every epoch) that checks the engine does not leak:
 * after the first steps no new GPU buffer is created and the bytes in use stay flat, each step
 * is one submit, and every loss is finite. Prints a line per 100 steps and a verdict; writes
 * bench/results/soak.json. tests/soak.gpu.test.ts runs the same function for a few dozen steps.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { openPage } from '../cli/browser.ts';
import { type TrainConfig, defaultConfig } from '../src/model/config.ts';

export interface SoakSample { step: number; loss: number; submits: number; buffersCreated: number; bytesInUse: number; bytesInPool: number; ms: number }
export interface SoakResult {
  adapter: string;
  steps: number;
  samples: SoakSample[];
  /** Steps after the warm-up (the first epoch, its validation included) that created buffers, or whose bytes in use differ from the first steady step. */
  newBuffers: number;
  bytesInUseMin: number;
  bytesInUseMax: number;
  /** How many steps took how many submits (Trainer.submitsPerStep): { '1': steps } when each step is one. */
  submitsPerStep: Record<string, number>;
  nonFinite: number;
  seconds: number;
}

/**
 * Runs in the test harness page (tests/page/index.html): trains `steps` steps with the Trainer
 * and samples the runtime's counters at every step. Self-contained (page.evaluate serialises it).
 */
export async function soakInPage(a: { config: TrainConfig; steps: number; warmup: number; trainImages: number }): Promise<SoakResult> {
  const e = window.engine;
  const app = await window.h.app();
  const { Model } = await window.h.model();
  const rt = e.runtime();
  const report = await app.decodeAll(await app.loadBuiltin('train400', a.trainImages), { channels: a.config.channels });
  const images = report.images.map((d) => d.image);
  const val = images.slice(0, 2);
  const model = new Model(app.presetSpec(a.config.preset, a.config.channels), a.config.seed);
  const samples: SoakSample[] = [];
  const t0 = performance.now();
  const trainer = new app.Trainer(model, images.slice(2), val, a.config, {
    onPreview: () => {}, // the page's preview path too
    onStep: (ev) => {
      const s = rt.stats;
      samples.push({ step: (ev.epoch - 1) * ev.stepsPerEpoch + ev.step, loss: ev.loss, submits: s.submits, buffersCreated: s.buffersCreated, bytesInUse: s.bytesInUse, bytesInPool: s.bytesInPool, ms: performance.now() - t0 });
      if (samples.length % 100 === 0) console.log(`[soak] step ${samples.length}: loss ${ev.loss.toExponential(3)}, ${s.buffersCreated} buffers created, ${(s.bytesInUse / 1e6).toFixed(2)} MB in use`);
    },
  });
  try {
    await trainer.run();
  } finally {
    trainer.dispose();
    model.dispose();
  }
  const steady = samples.filter((s) => s.step > a.warmup);
  const first = steady[0];
  const a0 = rt.ctx.summary;
  return {
    adapter: [a0.vendor, a0.architecture, a0.description].filter(Boolean).join(' / '),
    steps: samples.length,
    samples,
    newBuffers: first ? steady.filter((s) => s.buffersCreated !== first.buffersCreated || s.bytesInUse !== first.bytesInUse).length : -1,
    bytesInUseMin: Math.min(...steady.map((s) => s.bytesInUse)),
    bytesInUseMax: Math.max(...steady.map((s) => s.bytesInUse)),
    submitsPerStep: Object.fromEntries(trainer.submitsPerStep),
    nonFinite: samples.filter((s) => !Number.isFinite(s.loss)).length,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The soak configuration: the default preset's settings, epochs of `perEpoch` steps. */
export function soakConfig(steps: number, perEpoch: number, overrides: Partial<TrainConfig> = {}): TrainConfig {
  return defaultConfig(overrides.preset ?? 'small', { epochs: Math.ceil(steps / perEpoch), stepsPerEpoch: perEpoch, ...overrides });
}

export async function main(argv: string[]): Promise<number> {
  const arg = (k: string, d: string) => { const i = argv.indexOf(`--${k}`); return i >= 0 ? argv[i + 1] : d; };
  const steps = Number(arg('steps', '1000'));
  const overrides: Partial<TrainConfig> = { preset: arg('preset', 'small') as TrainConfig['preset'] };
  if (arg('batch', '')) overrides.batchSize = Number(arg('batch', ''));
  if (arg('patch', '')) overrides.patchSize = Number(arg('patch', ''));
  const config = soakConfig(steps, 100, overrides);
  const total = config.epochs * config.stepsPerEpoch; // whole epochs of 100 steps
  const session = await openPage('tests/page/index.html', '');
  try {
    await session.page.goto(session.url);
    const ready = await session.page.evaluate(() => window.harnessReady);
    if (!ready.ok) { console.error(ready.error); return 1; }
    console.log(`soak: ${total} steps of '${config.preset}' (batch ${config.batchSize}, ${config.patchSize}px patches, augmentation and noise on)`);
    const r = await session.page.evaluate(soakInPage, { config, steps: total, warmup: 101, trainImages: 40 });
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/soak.json', JSON.stringify({ date: new Date().toISOString(), config, ...r, samples: r.samples.filter((_, i) => i % 10 === 0) }, null, 2));
    const ok = r.newBuffers === 0 && r.nonFinite === 0 && Object.keys(r.submitsPerStep).join() === '1' && r.steps === total;
    console.log(`adapter: ${r.adapter}`);
    console.log(`${r.steps} steps in ${r.seconds.toFixed(0)} s; after the first epoch: steps that allocated or changed bytes in use: ${r.newBuffers}; ` +
      `bytes in use ${r.bytesInUseMin}..${r.bytesInUseMax}; steps by submits ${JSON.stringify(r.submitsPerStep)}; non-finite losses ${r.nonFinite}`);
    console.log(ok ? 'PASS: no growth' : 'FAIL');
    return ok ? 0 : 1;
  } finally {
    await session.close();
  }
}
