/**
 * `npm run bench:dncnn -- [--sets set12,bsd68] [--limit N] [--seed S]`: the authors' pretrained
 * DnCNN-S (sigma 25) run by our engine on the standard test sets, next to the reference PSNR of
 * those exact weights (models/README.md) and the paper's. Noise drawn per image, not clipped;
 * output clipped to [0, 1]; PSNR averaged over images.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { openPage } from '../cli/browser.ts';

// models/README.md: independent float32 CPU run of these weights, and the paper.
const REFERENCE: Record<string, { noisy: number; weights: number; paper: number }> = {
  set12: { noisy: 20.2, weights: 30.46, paper: 30.44 },
  bsd68: { noisy: 20.19, weights: 29.24, paper: 29.23 },
};

export async function main(argv: string[]): Promise<number> {
  const arg = (k: string, d: string) => { const i = argv.indexOf(`--${k}`); return i >= 0 ? argv[i + 1] : d; };
  const sets = arg('sets', 'set12').split(',');
  const limit = arg('limit', '') ? Number(arg('limit', '')) : undefined;
  const seed = Number(arg('seed', '0'));
  for (const s of sets) if (!REFERENCE[s]) { console.error(`unknown set '${s}' (set12, bsd68)`); return 2; }
  const session = await openPage('cli/page.html');
  try {
    await session.page.exposeFunction('cliEvent', (json: string) => {
      const ev = JSON.parse(json);
      if (ev.type === 'stage' && ev.total) process.stdout.write(`\r${ev.stage}: ${ev.done}/${ev.total}\x1b[K`);
    });
    await session.page.goto(session.url);
    await session.page.waitForFunction(() => 'cli' in window);
    const adapter = await session.page.evaluate(() => window.cli.init());
    console.log(`WebGPU adapter: ${adapter}`);
    const rows: object[] = [];
    for (const set of sets) {
      const r = await session.page.evaluate((o) => window.cli.evalPretrained(o), { set: set as 'set12', sigma: 25, limit, seed }) as { mean: { psnr: number; psnrNoisy: number; ssim: number }; seconds: number; perImage: unknown[] };
      process.stdout.write('\n');
      const ref = REFERENCE[set];
      console.log(`${set} sigma 25 (${r.perImage.length} images, ${r.seconds.toFixed(0)} s): noisy ${r.mean.psnrNoisy.toFixed(2)} dB, ours ${r.mean.psnr.toFixed(2)} dB, ` +
        `reference run of these weights ${ref.weights.toFixed(2)} dB, paper ${ref.paper.toFixed(2)} dB, SSIM ${r.mean.ssim.toFixed(4)}`);
      rows.push({ set, sigma: 25, images: r.perImage.length, seed, ours: r.mean, reference: ref, seconds: r.seconds, perImage: r.perImage });
    }
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/dncnn.json', JSON.stringify({ adapter, date: new Date().toISOString(), rows }, null, 2));
    console.log('wrote bench/results/dncnn.json');
    return 0;
  } finally {
    await session.close();
  }
}
