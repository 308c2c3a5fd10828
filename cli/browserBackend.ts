/**
 * `--backend browser`: the session runs in headless Chromium (cli/page.ts, served by Vite),
 * driven through Puppeteer. Files travel to the page as base64 in chunks, results come back
 * the same way.
 */
import type { TrainConfig } from '../src/model/config.ts';
import type { DataSource } from '../src/model/session.ts';
import type { TuneStore } from '../src/engine/autotune.ts';
import { BackendError, type TrainBackend, firstLine, openPageOrFail } from './backend.ts';
import type { CliEvent, RenderedRun } from './render.ts';
import { exposeTuneStore } from './tuneStore.ts';

const toB64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const fromB64 = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

/** RenderedRun as the page sends it: every byte array as base64. */
type WireRun = Omit<RenderedRun, 'plot' | 'checkpoint' | 'tests'> & {
  plot: string;
  checkpoint: string;
  tests: (Omit<RenderedRun['tests'][number], 'grid' | 'denoised'> & { grid: string | null; denoised: { name: string; png: string }[] })[];
};

export async function openBrowserBackend(): Promise<TrainBackend> {
  const session = await openPageOrFail('cli/page.html');
  const { page, errors } = session;
  let onEvent: (e: CliEvent) => void = () => {};
  let tuneStore: TuneStore | undefined;
  let adapter: string;
  try {
    // The page's autotuner keeps its choices in this process's store (cli/tuneStore.ts).
    await exposeTuneStore(page, () => tuneStore);
    await page.exposeFunction('cliEvent', (json: string) => {
      const ev = JSON.parse(json);
      onEvent(ev.type === 'epoch' ? { ...ev, checkpoint: fromB64(ev.checkpoint) } : ev);
    });
    await page.goto(session.url);
    await page.waitForFunction(() => 'cli' in window);
    adapter = await page.evaluate(() => window.cli.init());
  } catch (e) {
    await session.close();
    throw new BackendError(firstLine(e), 1);
  }

  // Stage file data in chunks of about 2 MB: one large evaluate argument closes the connection.
  const stage = async (key: string, src: DataSource | null) => {
    if (!src || !('files' in src)) return src;
    let chunk: { name: string; b64: string }[] = [];
    let size = 0;
    const flush = async () => { if (chunk.length) await page.evaluate((k, f) => window.cli.stage(k, f), key, chunk); chunk = []; size = 0; };
    for (const f of src.files) {
      chunk.push({ name: f.name, b64: toB64(f.bytes) });
      size += chunk[chunk.length - 1].b64.length;
      if (size > 2_000_000) await flush();
    }
    await flush();
    return { staged: key };
  };

  return {
    name: 'browser',
    adapter,
    errors,
    async run(input, handler) {
      onEvent = handler;
      tuneStore = input.tune?.store;
      const wire = {
        ...input,
        tune: input.tune && { force: input.tune.force, bridged: !!input.tune.store },
        train: await stage('train', input.train),
        test: await stage('test', input.test),
        resume: input.resume && { name: input.resume.name, b64: toB64(input.resume.bytes) },
      };
      // A page error is passed on whole: its name (DataError: exit code 2) and the detail lines
      // after the first (which files were skipped, and why); cli/train.ts makes it one line.
      const r = await page.evaluate((i) => window.cli.run(i as never), wire as never) as WireRun;
      return {
        ...r, plot: fromB64(r.plot), checkpoint: fromB64(r.checkpoint),
        tests: r.tests.map((t) => ({ ...t, grid: t.grid === null ? null : fromB64(t.grid), denoised: t.denoised.map((d) => ({ name: d.name, png: fromB64(d.png) })) })),
      };
    },
    async profile(config: TrainConfig, tune) {
      tuneStore = tune?.store;
      try {
        return (await page.evaluate((c, t) => window.cli.profile(c, t), config, tune && { force: tune.force, bridged: !!tune.store })).text;
      } catch (e) {
        throw new Error(firstLine(e));
      }
    },
    stop() { void page.evaluate(() => window.cli.stop()).catch(() => {}); },
    close: () => session.close(),
  };
}
