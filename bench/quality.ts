/**
 * `npm run bench:quality -- [--presets small,seed,dncnn] [--steps N] [--sets set12,bsd68] [--test-limit N]`
 * Trains each preset with a fixed seed and step budget on Train400 and reports PSNR at sigma 25
 * on the test sets next to the published figures (data/README.md). Writes bench/results/quality.json
 * and prints a Markdown table for the README. A benchmark, not a test: its numbers depend on the budget.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { openPage } from '../cli/browser.ts';
import { PRESETS, type PresetName, defaultConfig } from '../src/model/config.ts';

// data/README.md: published PSNR at sigma 25.
const PUBLISHED: Record<string, { noisy: number; bm3d: number; dncnn: number }> = {
  set12: { noisy: 20.17, bm3d: 29.97, dncnn: 30.44 },
  bsd68: { noisy: 20.17, bm3d: 28.57, dncnn: 29.23 },
};

export async function main(argv: string[]): Promise<number> {
  const arg = (k: string, d: string) => { const i = argv.indexOf(`--${k}`); return i >= 0 ? argv[i + 1] : d; };
  const presets = arg('presets', PRESETS.join(',')).split(',') as PresetName[];
  const steps = Number(arg('steps', '200'));
  const sets = arg('sets', 'set12').split(',');
  const testLimit = arg('test-limit', '') ? Number(arg('test-limit', '')) : undefined;
  for (const p of presets) if (!PRESETS.includes(p)) { console.error(`unknown preset '${p}'`); return 2; }
  for (const s of sets) if (!PUBLISHED[s]) { console.error(`unknown set '${s}' (set12, bsd68)`); return 2; }

  const session = await openPage('cli/page.html');
  const rows: { preset: string; set: string; steps: number; psnr: number; noisy: number; ssim: number; seconds: number; parameters: number }[] = [];
  try {
    await session.page.exposeFunction('cliEvent', (json: string) => {
      const ev = JSON.parse(json);
      if (ev.type === 'step') process.stdout.write(`\r  step ${(ev.epoch - 1) * ev.stepsPerEpoch + ev.step}/${steps} loss ${ev.loss.toExponential(3)} ETA ${Math.round(ev.etaSec)} s\x1b[K`);
      else if (ev.type === 'stage' && ev.total) process.stdout.write(`\r  ${ev.stage} ${ev.done}/${ev.total}\x1b[K`);
    });
    await session.page.goto(session.url);
    await session.page.waitForFunction(() => 'cli' in window);
    const adapter = await session.page.evaluate(() => window.cli.init());
    console.log(`WebGPU adapter: ${adapter}; budget ${steps} steps per preset, seed 1`);
    for (const preset of presets) {
      // One epoch of `steps` steps at batch 16 (the README's table; `small` now defaults to
      // batch 4); the preset's own defaults otherwise.
      const config = defaultConfig(preset, { epochs: 1, stepsPerEpoch: steps, batchSize: 16, seed: 1, logEvery: 10 });
      for (const set of sets) {
        console.log(`${preset} on ${set}:`);
        const r = await session.page.evaluate((i) => window.cli.run(i as never), {
          config, train: { builtin: 'train400' }, test: { builtin: set, limit: testLimit }, testSigmas: [25],
        } as never) as { tests: { mean: { psnr: number; psnrNoisy: number; ssim: number } }[]; seconds: number; model: { parameters: number }; error: string | null };
        process.stdout.write('\n');
        if (r.error) { console.error(`  ${r.error}`); return 1; }
        const m = r.tests[0].mean;
        rows.push({ preset, set, steps, psnr: m.psnr, noisy: m.psnrNoisy, ssim: m.ssim, seconds: r.seconds, parameters: r.model.parameters });
        console.log(`  PSNR ${m.psnr.toFixed(2)} dB (noisy ${m.psnrNoisy.toFixed(2)}), SSIM ${m.ssim.toFixed(4)}, ${r.seconds.toFixed(0)} s`);
      }
    }
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/quality.json', JSON.stringify({ adapter, date: new Date().toISOString(), steps, testLimit: testLimit ?? null, rows }, null, 2));
    console.log(`\n| preset | params | set | steps | PSNR (dB) | noisy | BM3D | DnCNN-S (paper) |\n|---|---:|---|---:|---:|---:|---:|---:|`);
    for (const r of rows) {
      const p = PUBLISHED[r.set];
      console.log(`| ${r.preset} | ${r.parameters} | ${r.set}${testLimit ? ` (first ${testLimit})` : ''} | ${r.steps} | ${r.psnr.toFixed(2)} | ${r.noisy.toFixed(2)} | ${p.bm3d} | ${p.dncnn} |`);
    }
    console.log(`\nadapter: ${adapter}; wrote bench/results/quality.json`);
    return 0;
  } finally {
    await session.close();
  }
}
