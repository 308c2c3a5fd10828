/**
 * `--backend browser` for `npm run denoise` and `npm run bench:dncnn`: the engine runs in
 * headless Chromium (cli/inferencePage.ts, served by Vite), driven through Puppeteer. Files cross
 * as base64 in chunks of about 2 MB (one large page.evaluate argument closes the connection);
 * the page decodes every format a browser can (PNG, JPEG, BMP, WebP).
 */
import { BackendError, firstLine, openPageOrFail } from './backend.ts';
import type { InferenceBackend } from './inference.ts';
import type { TuneSetting } from '../src/model/tuneInference.ts';
import { RemoteError } from './inference.ts';
import { exposeTuneStore, fileTuneStore } from './tuneStore.ts';
import type { Outcome, WireModel } from './inferencePage.ts';
import type { TileProgress } from '../src/model/denoise.ts';

const CHUNK = 1_500_000; // bytes per staged chunk (2 MB of base64)

function unwrap<T>(o: Outcome<T>): T {
  if ('error' in o) throw new RemoteError(o.error.kind, o.error.message);
  return o.ok;
}

export async function openBrowserInference(tune?: TuneSetting): Promise<InferenceBackend> {
  const session = await openPageOrFail('cli/inference.html');
  const { page } = session;
  let onEvent: (ev: { type: string } & Record<string, number>) => void = () => {};
  let adapter: string;
  try {
    await page.exposeFunction('inferenceEvent', (json: string) => {
      const ev = JSON.parse(json);
      // The page's autotuner reports to the CLI whatever job runs (cli/inferencePage.ts).
      if (ev.type === 'tuning') tune?.onProgress?.(ev.done, ev.total);
      else if (ev.type === 'log') tune?.onLog?.(ev.line);
      else onEvent(ev);
    });
    // The page's choices are kept in this process's store, as npm run train's (cli/tuneStore.ts).
    const store = fileTuneStore();
    await exposeTuneStore(page, () => store);
    await page.goto(session.url);
    await page.waitForFunction(() => 'inference' in window);
    adapter = await page.evaluate((mode) => window.inference.init(mode), tune?.mode ?? 'off');
  } catch (e) {
    await session.close();
    throw new BackendError(firstLine(e), 1);
  }

  let next = 0;
  /** Sends bytes to the page; returns the key they are staged under. */
  const stage = async (bytes: Uint8Array): Promise<string> => {
    const key = `f${next++}`;
    for (let i = 0; i === 0 || i < bytes.length; i += CHUNK) {
      const b64 = Buffer.from(bytes.subarray(i, i + CHUNK)).toString('base64');
      await page.evaluate((k, b) => window.inference.stage(k, b), key, b64);
    }
    return key;
  };

  return {
    name: 'browser',
    adapter,
    async setModel(choice) {
      const wire: WireModel = 'bytes' in choice ? { file: choice.file, staged: await stage(choice.bytes) } : choice;
      unwrap(await page.evaluate((m) => window.inference.setModel(m), wire));
    },
    async denoise(job, onProgress) {
      onEvent = (ev) => { if (ev.type === 'tile') onProgress(ev as unknown as TileProgress); };
      const wire = {
        name: job.name, staged: await stage(job.bytes), sigma: job.sigma, seed: job.seed, step: job.step, tile: job.tile,
        clean: job.clean && { name: job.clean.name, staged: await stage(job.clean.bytes) },
      };
      const r = unwrap(await page.evaluate((j) => window.inference.denoise(j), wire));
      return { ...r, png: new Uint8Array(Buffer.from(r.png, 'base64')) };
    },
    async benchmark(req, onProgress) {
      onEvent = (ev) => { if (ev.type === 'images') onProgress(ev.done, ev.total); };
      return unwrap(await page.evaluate((r) => window.inference.benchmark(r), req));
    },
    close: () => session.close(),
  };
}
