/**
 * The training page (index.html) driven like a person would at 1280x900: the controls and the
 * live state on one screen, a tiny run with progress every step, the plot, the preview, the
 * epoch and test tables and the grid (with a full storage that only warns), downloads that land
 * on disk and parse, bad files, a photo, Stop (and Stop again to skip the test), cancelling a
 * long test, a GPU device destroyed mid-training (the page recovers and resumes from the
 * autosave), the autosave after a reload, own-data checks, and the conv kernel choices kept in
 * IndexedDB per adapter. Leaves test-artifacts/page.png (the whole page) and page-running.png
 * (the screen while training).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { PNG } from 'pngjs';
import { forwardConsole } from '../cli/browser.ts';
import { readSafetensors } from '../src/model/safetensors.ts';

const ARTIFACTS = resolve('test-artifacts');
const DOWNLOADS = resolve(ARTIFACTS, 'downloads');

let browser: Browser;
let page: Page;
let errors: string[] = [];

declare global {
  interface Window { __devices: GPUDevice[]; __seen: { warn: string[]; steps: string[]; stages: string[] }; __stopStage?: string }
}

/** Sets an input's value and fires the events a person's typing would. */
async function setValue(id: string, value: string | number): Promise<void> {
  await page.$eval(`#${id}`, (el, v) => {
    const e = el as HTMLInputElement;
    e.value = String(v);
    e.dispatchEvent(new Event('input', { bubbles: true }));
    e.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
}

const text = (sel: string) => page.$eval(sel, (e) => e.textContent ?? '');
const visible = (sel: string) => page.$eval(sel, (e) => !(e as HTMLElement).hidden && (e as HTMLElement).offsetParent !== null);
const disabled = (sel: string) => page.$eval(sel, (e) => (e as HTMLButtonElement).disabled);
const session = () => page.$eval('body', (b) => b.dataset.session);
const progress = () => page.$eval('#train-progress', (p) => (p as HTMLProgressElement).value);

/** Waits for a file to appear in the download folder and stop growing. */
async function waitForDownload(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const f = readdirSync(DOWNLOADS).find((n) => pattern.test(n) && !n.endsWith('.crdownload'));
    if (f) {
      const p = resolve(DOWNLOADS, f);
      const size = statSync(p).size;
      await new Promise((r) => setTimeout(r, 200));
      if (size > 0 && statSync(p).size === size) return p;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no download matching ${pattern} within ${timeoutMs} ms (folder: ${readdirSync(DOWNLOADS).join(', ') || 'empty'})`);
}

/** Every element's box lies inside the 1280x900 viewport. */
async function onScreen(ids: string[]): Promise<string[]> {
  return page.evaluate((ids) => ids.filter((id) => {
    const r = document.getElementById(id)!.getBoundingClientRect();
    return !(r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth);
  }), ids);
}

const LIVE = ['start', 'pause', 'stop', 'stage', 'train-progress', 'stat-step', 'stat-loss', 'stat-eta', 'plot', 'preview-images', 'model-table'];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  rmSync(DOWNLOADS, { recursive: true, force: true });
  mkdirSync(DOWNLOADS, { recursive: true });
  browser = await puppeteer.connect({ browserWSEndpoint: inject('wsEndpoint'), protocolTimeout: 0 });
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  errors = forwardConsole(page, '[train page]');
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: DOWNLOADS });
  // Keep every device the page creates, so a test can destroy the one training runs on.
  await page.evaluateOnNewDocument(() => {
    window.__devices = [];
    const request = GPUAdapter.prototype.requestDevice;
    GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, d?: GPUDeviceDescriptor) {
      const device = await request.call(this, d);
      window.__devices.push(device);
      return device;
    };
  });
  await page.goto(inject('baseUrl'));
  // A clean slate: no autosave from an earlier run of this suite.
  await page.evaluate(() => new Promise((r) => { const q = indexedDB.deleteDatabase('webgpu-denoise'); q.onsuccess = q.onerror = q.onblocked = r; }));
  await page.reload();
});

afterAll(async () => {
  await page?.close();
  await browser?.disconnect();
});

describe('training page', () => {
  it('starts the engine and shows the adapter', async () => {
    await page.waitForSelector('body[data-engine="ready"], body[data-engine="unavailable"]', { timeout: 120_000 });
    expect(await page.$eval('body', (b) => b.dataset.engine), await text('#fatal')).toBe('ready');
    expect(await text('#engine-status')).toMatch(/GPU: .+/);
    expect(await disabled('#start')).toBe(false);
    expect(await visible('#lab-link')).toBe(true);
  });

  it('keeps the conv kernel choices in IndexedDB per adapter; a failed write only warns', async () => {
    const got = await page.evaluate(async (url) => {
      // Through Function: Vitest would rewrite an import() written here into a Node-side helper.
      const load = new Function('u', 'return import(u)') as (u: string) => Promise<typeof import('../src/app/tuneStore.ts')>;
      const { idbTuneStore } = await load(url);
      const [a, b] = ['test | a | 1 | adapter A', 'test | b | 2 | adapter B'];
      const store = idbTuneStore();
      const before = await store.load(a);
      await store.save(a, { 'forward n1 8x8x1 -> 8x8x4 k3x3 s1 p1,1': 'shared', 'input-grad n1 8x8x1 -> 8x8x4 k3x3 s1 p1,1': 'tiled' });
      await store.save(b, { 'forward n1 8x8x1 -> 8x8x4 k3x3 s1 p1,1': 'tiled' });
      // A new store (as after a reload) reads IndexedDB, not memory.
      const again = idbTuneStore();
      const loaded = { a: await again.load(a), b: await again.load(b), other: await again.load('test | none') };
      // IndexedDB refuses every write: save resolves, warns once.
      const warnings: string[] = [];
      const failing = idbTuneStore((m) => warnings.push(m));
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = () => { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };
      try {
        await failing.save(a, {});
        await failing.save(a, {});
      } finally {
        IDBObjectStore.prototype.put = put;
      }
      return { before, ...loaded, kept: await again.load(a), warnings };
    }, '/src/app/tuneStore.ts');
    expect(got.before).toEqual({});
    expect(got.a).toEqual({ 'forward n1 8x8x1 -> 8x8x4 k3x3 s1 p1,1': 'shared', 'input-grad n1 8x8x1 -> 8x8x4 k3x3 s1 p1,1': 'tiled' });
    expect(got.b).toEqual({ 'forward n1 8x8x1 -> 8x8x4 k3x3 s1 p1,1': 'tiled' });
    expect(got.other).toEqual({});
    expect(got.kept).toEqual(got.a);
    expect(got.warnings).toHaveLength(1);
    expect(got.warnings[0]).toMatch(/^autotune: could not keep the kernel choices in the browser's storage \(.*full.*\); the next session measures again$/);
  });

  it('at 1280x900 the controls, the live state, the plot, the preview and the model are on screen together', async () => {
    expect(await onScreen(LIVE)).toEqual([]);
    // Scrolled to the bottom, the run bar (buttons and state) stays in view.
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    expect(await onScreen(['start', 'pause', 'stop', 'stage', 'train-progress', 'stat-eta'])).toEqual([]);
    await page.evaluate(() => window.scrollTo(0, 0));
    expect(await text('#model-title')).toMatch(/^small, 8 layers, 56,097 parameters/);
    expect(await page.$$eval('#model-table tbody tr', (r) => r.length)).toBe(9); // the input and 8 layers
  });

  it('refuses absurd settings with validateConfig\'s message and keeps Start off until fixed', async () => {
    await page.select('#preset', 'small');
    // The small preset's last-epoch decay follows the epochs, as in the CLI; other decays stay.
    for (const [id, v] of [['epochs', 7], ['decay-every', 6], ['decay-factor', 0.1], ['epochs', 12]] as const) await setValue(id, v);
    expect(await page.$eval('#decay-every', (e) => (e as HTMLInputElement).value)).toBe('11');
    await setValue('decay-every', 4);
    await setValue('epochs', 9);
    expect(await page.$eval('#decay-every', (e) => (e as HTMLInputElement).value)).toBe('4');
    for (const [id, v] of [['epochs', 7], ['decay-every', 6]] as const) await setValue(id, v);
    await setValue('epochs', 0);
    expect(await visible('#config-error')).toBe(true);
    expect(await text('#config-error')).toContain('epochs must be an integer');
    expect(await page.$eval('#epochs', (e) => e.classList.contains('invalid'))).toBe(true);
    expect(await disabled('#start')).toBe(true);
    await setValue('epochs', 1);
    expect(await page.$eval('#decay-every', (e) => (e as HTMLInputElement).value)).toBe('0'); // one epoch: no decay
    expect(await visible('#config-error')).toBe(false);
    expect(await disabled('#start')).toBe(false);
  });

  it('trains a tiny configuration: progress every step, plot, preview, epochs, test and grid; a full storage only warns', async () => {
    const settings: [string, number | string][] = [
      ['epochs', 2], ['steps-per-epoch', 3], ['batch-size', 4], ['patch-size', 24], ['val-patch', 32],
      ['train-limit', 8], ['test-limit', 2], ['keep-outputs', 2],
    ];
    for (const [id, v] of settings) await setValue(id, v);
    expect(await page.$eval('#test-set', (e) => (e as HTMLSelectElement).value)).toBe('set12'); // the quick default
    expect(await page.$eval('#test-sigmas', (e) => (e as HTMLInputElement).value)).toBe(''); // the training sigma
    expect(await disabled('#start'), await text('#config-error')).toBe(false);
    // Record what the person sees: every step counter and every autosave warning.
    await page.evaluate(() => {
      window.__seen = { warn: [], steps: [], stages: [] };
      new MutationObserver(() => window.__seen.steps.push(document.getElementById('stat-step')!.textContent ?? ''))
        .observe(document.getElementById('stat-step')!, { childList: true, characterData: true, subtree: true });
      const stage = () => window.__seen.stages.push(`${document.getElementById('stage')!.textContent} ${document.getElementById('stage-detail')!.textContent}`);
      new MutationObserver(stage).observe(document.getElementById('stage')!, { childList: true, characterData: true, subtree: true });
      new MutationObserver(stage).observe(document.getElementById('stage-detail')!, { childList: true, characterData: true, subtree: true });
      const w = document.getElementById('autosave-warning')!;
      new MutationObserver(() => { if (!w.hidden) window.__seen.warn.push(w.textContent ?? ''); })
        .observe(w, { attributes: true, childList: true, characterData: true, subtree: true });
      // The storage is full for the first autosave.
      const put = IDBObjectStore.prototype.put;
      let failed = false;
      IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...a: Parameters<IDBObjectStore['put']>) {
        if (!failed && this.name === 'autosave' && a[1] === 'session') { failed = true; throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); }
        return put.apply(this, a);
      };
    });

    await page.click('#start');
    await page.waitForSelector('body[data-session="running"]', { timeout: 10_000 });
    await page.waitForFunction(() => /^[\d.e-]+$/.test(document.getElementById('stat-loss')!.textContent ?? ''), { timeout: 120_000 });
    await page.waitForFunction(() => document.getElementById('preview-images')!.dataset.epoch !== undefined, { timeout: 60_000 });
    expect(await onScreen(LIVE)).toEqual([]);
    await page.screenshot({ path: resolve(ARTIFACTS, 'page-running.png') });
    await page.waitForSelector('body[data-session="finished"], body[data-session="failed"], body[data-session="stopped"]', { timeout: 150_000 });
    expect(await session(), await text('#error-text')).toBe('finished');
    expect(await visible('#error-area')).toBe(false);

    const seen = await page.evaluate(() => window.__seen);
    // Every step of both epochs was shown as it happened.
    for (const s of ['1 / 3', '2 / 3', '3 / 3']) expect(seen.steps.filter((x) => x === s).length, seen.steps.join(' ')).toBeGreaterThanOrEqual(2);
    expect(seen.warn.some((w) => /Autosave of epoch 1 failed: the browser's storage for this page is full.*Training goes on/s.test(w)), seen.warn.join('\n')).toBe(true);
    expect(await visible('#autosave-warning')).toBe(false); // the next autosave worked
    expect(await text('#log')).toContain('autosave after epoch 1 failed');
    // The conv kernels were measured before training (src/model/session.ts tune), shown and logged.
    expect(seen.stages.some((x) => /^Measuring the conv kernels on this device \d+ of \d+$/.test(x)), seen.stages.join('\n')).toBe(true);
    expect(await text('#log')).toMatch(/autotune: /);
    expect(await progress()).toBe(1);
    expect(await text('#stage')).toBe('Finished');

    // Epoch table: two rows with finite training losses.
    const rows = await page.$$eval('#epochs-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((t) => t.textContent)));
    expect(rows.map((r) => r[0])).toEqual(['1', '2']);
    expect(Number(rows[1][1])).toBeGreaterThan(0);
    // The plot has every training step and both validation points; the preview was drawn.
    expect(await page.$eval('#plot', (e) => [(e as HTMLElement).dataset.points, (e as HTMLElement).dataset.valPoints])).toEqual(['6', '2']);
    expect(await page.$eval('#plot canvas', (c) => (c as HTMLCanvasElement).width)).toBeGreaterThan(300);
    // Hovering the plot shows the values under the cursor.
    const over = (await page.$('#plot .u-over'))!;
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width - 3, box.y + box.height / 2);
    await page.waitForFunction(() => !(document.querySelector('.plot-tip') as HTMLElement).hidden, { timeout: 5000 });
    expect(await text('.plot-tip')).toMatch(/^epoch 2\.00\ntraining [\d.e-]+ \(smoothed [\d.e-]+\)\nvalidation [\d.e-]+$/);
    await (await page.$('.live'))!.screenshot({ path: resolve(ARTIFACTS, 'page-plot.png') });
    await page.mouse.move(5, 5);
    expect(await page.$eval('#preview-denoised', (c) => (c as HTMLCanvasElement).width)).toBe(96); // a 96x96 crop of a validation image
    expect(await text('#preview-denoised-cap')).toMatch(/^denoised [\d.]+ dB$/);

    // Test metrics for sigma 25 on 2 Set12 images, beside the published DnCNN-S 30.44 dB.
    const cells = await page.$$eval('#test-table tbody tr td', (tds) => tds.map((t) => t.textContent));
    expect(cells[0]).toBe('sigma 25');
    const [noisy, ours, ssim] = [Number(cells[1]), Number(cells[2]), Number(cells[3])];
    expect(noisy).toBeGreaterThan(19);
    expect(noisy).toBeLessThan(21.5);
    expect(Number.isFinite(ours)).toBe(true);
    expect(ssim).toBeGreaterThan(0);
    expect(cells[7]).toBe('30.44');
    expect(await text('#test-title')).toBe('Set12, 2 of 12 images — model: small epoch 2, as trained');

    const grid = await page.$eval('#grid', (c) => ({ w: (c as HTMLCanvasElement).width, h: (c as HTMLCanvasElement).height, hidden: (c as HTMLCanvasElement).hidden }));
    expect(grid.hidden).toBe(false);
    expect(grid.w).toBeGreaterThan(300);
    expect(grid.h).toBeGreaterThan(2 * 120);
    expect(await text('#checkpoint-info')).toMatch(/small, gray, epoch 2/);
  });

  it('downloads the checkpoint, the metrics and the loss plot as real files', async () => {
    await page.click('#dl-checkpoint');
    const ck = readFileSync(await waitForDownload(/\.safetensors$/));
    const { tensors, metadata } = readSafetensors(new Uint8Array(ck));
    const meta = JSON.parse(metadata.checkpoint);
    expect(meta.preset).toBe('small');
    expect(meta.epoch).toBe(2);
    expect(tensors.get('layers.0.weight')?.shape).toEqual([3, 3, 1, 32]);

    await page.click('#dl-csv');
    const csv = readFileSync(await waitForDownload(/^metrics-.*\.csv$/), 'utf8');
    expect(csv.split('\n')[0]).toMatch(/^kind,epoch,train_loss/);
    expect(csv).toMatch(/\nepoch,2,/);
    expect(csv).toMatch(/\ntest_mean,.*,set12,sigma 25,/);

    await page.click('#dl-denoised');
    expect(statSync(await waitForDownload(/^denoised_sigma25\.zip$/)).size).toBeGreaterThan(1000);

    await page.click('#dl-plot');
    const png = PNG.sync.read(readFileSync(await waitForDownload(/^loss-.*\.png$/)));
    expect([png.width, png.height]).toEqual([960, 420]);
  });

  it('shows a bad file\'s reason and keeps the trained state', async () => {
    const bad = resolve(ARTIFACTS, 'not-an-image.png');
    writeFileSync(bad, 'hello, I am text pretending to be a PNG\n');
    await (await page.$('input#files-input'))!.uploadFile(bad);
    await page.waitForFunction(() => !document.getElementById('error-area')!.hidden, { timeout: 20_000 });
    const msg = await text('#error-text');
    expect(msg).toContain('not-an-image.png');
    expect(msg).toContain('not an image');
    expect(await page.$eval('#source-builtin', (e) => (e as HTMLInputElement).checked)).toBe(true);
    expect(await page.$$eval('#epochs-table tbody tr', (r) => r.length)).toBe(2);
    expect(await page.$$eval('#test-table tbody tr', (r) => r.length)).toBe(1);
    expect(await page.$eval('#grid', (c) => (c as HTMLCanvasElement).width)).toBeGreaterThan(300);
    expect(await disabled('#dl-checkpoint')).toBe(false);
    expect(await disabled('#start')).toBe(false);
  });

  it('denoises a photo with the trained model', async () => {
    const photo = resolve('data/set12', readdirSync('data/set12').sort()[0]);
    expect(existsSync(photo)).toBe(true);
    await (await page.$('input#photo-input'))!.uploadFile(photo);
    await page.waitForFunction(() => !(document.getElementById('photo-denoise') as HTMLButtonElement).disabled, { timeout: 20_000 });
    await setValue('photo-sigma', 25);
    await page.click('#photo-denoise');
    await page.waitForFunction(() => /denoised: [\d.]+ dB/.test(document.getElementById('photo-denoised-cap')!.textContent ?? ''), { timeout: 60_000 });
    expect(await text('#photo-noisy-cap')).toMatch(/noisy, sigma 25: [\d.]+ dB/);
    expect(await disabled('#photo-download')).toBe(false);
    await page.evaluate(() => document.getElementById('error-dismiss')!.click());
    await page.evaluate(() => (document.getElementById('log-details') as HTMLDetailsElement).open = true);
    await page.evaluate(() => window.scrollTo(0, 0)); // the sticky run bar and settings at their place
    await page.screenshot({ path: resolve(ARTIFACTS, 'page.png'), fullPage: true });
    expect(errors, 'uncaught errors in the page').toEqual([]);
  });

  it('refuses a bad checkpoint with its reason and loads a good one', async () => {
    const bad = resolve(ARTIFACTS, 'bad.safetensors');
    writeFileSync(bad, 'not a checkpoint');
    await (await page.$('input#checkpoint-input'))!.uploadFile(bad);
    await page.waitForFunction(() => !document.getElementById('error-area')!.hidden, { timeout: 20_000 });
    expect(await text('#error-text')).toContain('bad.safetensors is not a safetensors checkpoint');
    expect(await text('#checkpoint-info')).toMatch(/small, gray, epoch 2/); // the trained model stays

    const good = resolve(DOWNLOADS, readdirSync(DOWNLOADS).find((n) => n.endsWith('.safetensors'))!);
    await (await page.$('input#checkpoint-input'))!.uploadFile(good);
    await page.waitForFunction(() => /^Current model: denoiser-/.test(document.getElementById('checkpoint-info')!.textContent ?? ''), { timeout: 20_000 });
    expect(await visible('#error-area')).toBe(false);
    expect(await page.$eval('#resume-checkpoint', (e) => (e as HTMLInputElement).checked)).toBe(true);
  });

  it('Stop ends training after the step; Stop again skips the test; the stopped model is the current one', async () => {
    await page.$eval('#resume-checkpoint', (e) => { (e as HTMLInputElement).checked = false; });
    await setValue('epochs', 3);
    await setValue('steps-per-epoch', 4);
    // Stop is pressed inside the page the moment step 2 of 4 shows (a MutationObserver), as a person
    // would: through the test runner's round trip a fast adapter could finish all 12 steps first.
    await page.evaluate(() => {
      delete window.__stopStage;
      const step = document.getElementById('stat-step')!;
      const obs = new MutationObserver(() => {
        if (step.textContent !== '2 / 4') return;
        obs.disconnect();
        document.getElementById('stop')!.click();
        window.__stopStage = document.getElementById('stage')!.textContent ?? '';
      });
      obs.observe(step, { childList: true, characterData: true, subtree: true });
    });
    await page.click('#start');
    await page.waitForFunction(() => window.__stopStage !== undefined, { timeout: 60_000 });
    expect(await page.evaluate(() => window.__stopStage)).toBe('Stopping');
    await page.waitForFunction(() => /^Testing/.test(document.getElementById('stage')!.textContent ?? ''), { timeout: 30_000 });
    const t0 = Date.now();
    await page.click('#stop');
    await page.waitForSelector('body[data-session="stopped"], body[data-session="finished"], body[data-session="failed"]', { timeout: 30_000 });
    console.log(`[page] the test was cancelled ${Date.now() - t0} ms after the second Stop`);
    expect(await session(), await text('#error-text')).toBe('stopped');
    expect(await text('#stage')).toMatch(/^Stopped at epoch 0 \+ [2-4] steps \(stopped\)$/);
    expect(await text('#stage-detail')).toContain('the test was skipped');
    expect(await progress()).toBeLessThan(1);
    expect(await text('#checkpoint-info')).toMatch(/small, gray, epoch 0 \+ [2-4] steps \(stopped\)/);
    expect(await page.$eval('#resume-checkpoint', (e) => (e as HTMLInputElement).checked)).toBe(true);
    expect(await visible('#test-results')).toBe(false);
  });

  it('the full test protocol is one click away and cancels within a strip of work', async () => {
    await page.click('#test-full');
    expect(await page.$eval('#test-set', (e) => (e as HTMLSelectElement).value)).toBe('bsd68');
    await page.waitForFunction(() => /^sigma 15: image \d+ of 68/.test(document.getElementById('stage-detail')!.textContent ?? '')
      && document.getElementById('stat-eta')!.textContent !== '—', { timeout: 60_000 });
    expect(await text('#stop')).toBe('Cancel');
    const t0 = Date.now();
    await page.click('#stop');
    await page.waitForFunction(() => document.body.dataset.task === undefined, { timeout: 30_000 });
    const ms = Date.now() - t0;
    console.log(`[page] a BSD68 test cancelled in ${ms} ms`);
    expect(ms).toBeLessThan(5000);
    expect(await text('#stage')).toMatch(/cancelled$/);
    expect(await disabled('#start')).toBe(false);
    // Back to the quick test for what follows.
    await page.select('#test-set', 'set12');
    await setValue('test-sigmas', '');
  });

  it('a GPU device destroyed mid-training: the page says so, makes a new device and resumes from the autosave', async () => {
    await page.$eval('#resume-checkpoint', (e) => { (e as HTMLInputElement).checked = false; });
    await setValue('epochs', 2);
    await setValue('steps-per-epoch', 2);
    await page.select('#test-set', 'none');
    await page.click('#start');
    await page.waitForFunction(() => /small, gray, epoch 1\b/.test(document.getElementById('checkpoint-info')!.textContent ?? ''), { timeout: 60_000 });
    const devices = await page.evaluate(() => { window.__devices.at(-1)!.destroy(); return window.__devices.length; });
    await page.waitForFunction(() => /GPU device was lost/.test(document.getElementById('error-text')!.textContent ?? ''), { timeout: 20_000 });
    expect(await text('#error-text')).toMatch(/training resumes from the autosave of epoch 1: only the steps since then are lost/);
    await page.waitForFunction((n) => window.__devices.length > n && document.body.dataset.session === 'running', { timeout: 120_000 }, devices);
    await page.waitForSelector('body[data-session="finished"], body[data-session="failed"], body[data-session="stopped"]', { timeout: 120_000 });
    expect(await session(), await text('#error-text')).toBe('finished');
    expect(await text('#error-text')).toMatch(/A new device is ready .*training resumed from the autosave of epoch 1/);
    expect(await page.$$eval('#epochs-table tbody tr td:first-child', (r) => r.map((c) => c.textContent))).toEqual(['1', '2']);
    expect(await text('#log')).toContain('resumed from autosave (epoch 1) at epoch 1');
    expect(await text('#checkpoint-info')).toMatch(/small, gray, epoch 2/);
    await page.evaluate(() => document.getElementById('error-dismiss')!.click());
  });

  it('after a reload, the finished autosave offers its model and results', async () => {
    await page.reload();
    await page.waitForSelector('body[data-engine="ready"]', { timeout: 120_000 });
    await page.waitForFunction(() => !document.getElementById('autosave-banner')!.hidden, { timeout: 10_000 });
    expect(await text('#autosave-text')).toMatch(/^A finished session: small, 2 epochs on Train400/);
    expect(await text('#autosave-resume')).toBe('Load its model and results');
    await page.click('#autosave-resume');
    await page.waitForFunction(() => document.getElementById('autosave-banner')!.hidden, { timeout: 10_000 });
    expect(await page.$$eval('#epochs-table tbody tr td:first-child', (r) => r.map((c) => c.textContent))).toEqual(['1', '2']);
    expect(await text('#checkpoint-info')).toMatch(/small, gray, epoch 2/);
    expect(await page.$eval('#steps-per-epoch', (e) => (e as HTMLInputElement).value)).toBe('2');
    expect(await session()).toBe('idle');
  });

  it('own data: images smaller than the patch, too few for validation, and RGB testing on CBSD68', async () => {
    const tiny = new PNG({ width: 1, height: 1 });
    tiny.data.set([128, 128, 128, 255]);
    const tinyPath = resolve(ARTIFACTS, 'tiny-1x1.png');
    writeFileSync(tinyPath, PNG.sync.write(tiny));
    await (await page.$('input#files-input'))!.uploadFile(tinyPath);
    await page.waitForFunction(() => !document.getElementById('data-warning')!.hidden, { timeout: 20_000 });
    expect(await text('#data-warning')).toBe('Your only image is smaller than the 24×24 training patches (it is 1×1): patches are at least 8×8 pixels, so add larger images.');
    expect(await disabled('#start')).toBe(true);
    expect(await page.$eval('#start', (b) => (b as HTMLButtonElement).title)).toMatch(/smaller than the 24×24/);

    const one = resolve('data/set12', '01.png');
    await (await page.$('input#files-input'))!.uploadFile(one);
    await page.waitForFunction(() => /none is left for validation/.test(document.getElementById('data-warning')!.textContent ?? ''), { timeout: 20_000 });
    expect(await disabled('#start')).toBe(false);

    const five = readdirSync('data/set12').sort().slice(0, 5).map((f) => resolve('data/set12', f));
    await (await page.$('input#files-input'))!.uploadFile(...five);
    await page.waitForFunction(() => /4 for training, 1 held out for validation/.test(document.getElementById('data-summary')!.textContent ?? ''), { timeout: 20_000 });
    expect(await visible('#data-warning')).toBe(false);

    await page.select('#test-set', 'set12');
    await page.select('#channels', '3');
    expect(await page.$eval('#test-set', (e) => (e as HTMLSelectElement).value)).toBe('cbsd68');
    await page.select('#channels', '1');
    expect(await page.$eval('#test-set', (e) => (e as HTMLSelectElement).value)).toBe('set12');
  });

  it('a start that fails leaves the progress bar empty and says why', async () => {
    await page.click('#source-builtin');
    await setValue('train-limit', 8);
    await setValue('patch-size', 200); // larger than Train400's 180x180 images
    await page.$eval('#resume-checkpoint', (e) => { (e as HTMLInputElement).checked = false; });
    await page.click('#start');
    await page.waitForSelector('body[data-session="failed"]', { timeout: 30_000 });
    expect(await text('#stage')).toBe('Could not start');
    expect(await progress()).toBe(0);
    expect(await text('#error-text')).toMatch(/^could not start training: no training images left: all 8 images \(e\.g\. .*, 180x180\) are smaller than the 200x200 training patches/);
    await page.evaluate(() => document.getElementById('error-dismiss')!.click());
    await setValue('patch-size', 24);
  });

  it('the authors\' pretrained DnCNN-S becomes the current model with its own preset and label', async () => {
    await page.click('#use-pretrained');
    await page.waitForFunction(() => /pretrained by its authors/.test(document.getElementById('checkpoint-info')!.textContent ?? ''), { timeout: 60_000 });
    expect(await text('#checkpoint-info')).toBe("Current model: the authors' DnCNN-S — dncnn, gray, pretrained by its authors for sigma 25.");
    expect(await page.$eval('#preset', (e) => (e as HTMLSelectElement).value)).toBe('dncnn');
    expect(await text('#model-title')).toMatch(/^dncnn, 17 layers, 555,137 parameters/);
    expect(errors, 'uncaught errors in the page').toEqual([]);
  });

  it('the photo panel offers the current model first and by default, beside the shipped ones', async () => {
    const options = await page.$$eval('#photo-model option', (os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent]));
    expect(options[0]).toEqual(['current', "current model: the authors' DnCNN-S, pretrained by its authors for sigma 25"]);
    expect(options.map((o) => o[0]).slice(1)).toEqual(['auto', 'pretrained:dncnn_s15', 'pretrained:dncnn_s25', 'pretrained:dncnn_s50', 'pretrained:dncnn_b_gray_blind', 'pretrained:cdncnn_b_color_blind']);
    expect(await page.$eval('#photo-model', (s) => (s as HTMLSelectElement).value)).toBe('current');
    expect(await text('#photo-model-note')).toBe("Model: the current one, the authors' DnCNN-S (dncnn, gray, pretrained by its authors for sigma 25).");
  });
});
