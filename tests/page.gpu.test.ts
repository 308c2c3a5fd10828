/**
 * The training page (index.html) driven like a person would: tiny settings through the
 * controls, Start, live progress, the plot, the epoch and test tables and the grid, a
 * download that lands on disk and parses, a bad file that shows an error without losing the
 * trained state, and a photo denoised with the trained model. Leaves test-artifacts/page.png.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { forwardConsole } from '../cli/browser.ts';
import { readSafetensors } from '../src/model/safetensors.ts';

const ARTIFACTS = resolve('test-artifacts');
const DOWNLOADS = resolve(ARTIFACTS, 'downloads');

let browser: Browser;
let page: Page;
let errors: string[] = [];

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
  await page.goto(inject('baseUrl'));
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
  });

  it('refuses absurd settings with validateConfig\'s message and keeps Start off until fixed', async () => {
    await page.select('#preset', 'small');
    await setValue('epochs', 0);
    expect(await visible('#config-error')).toBe(true);
    expect(await text('#config-error')).toContain('epochs must be an integer');
    expect(await page.$eval('#epochs', (e) => e.classList.contains('invalid'))).toBe(true);
    expect(await disabled('#start')).toBe(true);
    await setValue('epochs', 1);
    expect(await visible('#config-error')).toBe(false);
    expect(await disabled('#start')).toBe(false);
  });

  it('trains a tiny configuration and shows progress, plot, epochs, test metrics and the grid', async () => {
    const settings: [string, number | string][] = [
      ['epochs', 1], ['steps-per-epoch', 4], ['batch-size', 4], ['patch-size', 24], ['log-every', 1], ['val-patch', 32],
      ['train-limit', 8], ['test-limit', 2], ['test-sigmas', '25'], ['keep-outputs', 2],
    ];
    for (const [id, v] of settings) await setValue(id, v);
    await page.select('#test-set', 'set12');
    expect(await disabled('#start'), await text('#config-error')).toBe(false);
    expect(await text('#param-count')).toMatch(/parameters/);

    await page.click('#start');
    await page.waitForSelector('body[data-session="running"]', { timeout: 10_000 });
    // The first logged step: numbers in the progress panel.
    await page.waitForFunction(() => /^[\d.e-]+$/.test(document.getElementById('stat-loss')!.textContent ?? ''), { timeout: 120_000 });
    await page.waitForSelector('#epochs-table tbody tr', { timeout: 120_000 });
    await page.waitForSelector('body[data-session="finished"], body[data-session="failed"]', { timeout: 150_000 });
    expect(await page.$eval('body', (b) => b.dataset.session), await text('#error-text')).toBe('finished');
    expect(await visible('#error-area')).toBe(false);

    // Epoch table: one row with a finite training loss.
    const row = await page.$$eval('#epochs-table tbody tr td', (tds) => tds.map((t) => t.textContent));
    expect(row[0]).toBe('1');
    expect(Number(row[1])).toBeGreaterThan(0);

    // The plot shows the training series (its blue) and not just "no data yet".
    const bluePixels = await page.$eval('#plot', (c) => {
      const cv = c as HTMLCanvasElement;
      const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 0x1f) < 30 && Math.abs(d[i + 1] - 0x77) < 30 && Math.abs(d[i + 2] - 0xb4) < 30) n++;
      return n;
    });
    expect(bluePixels).toBeGreaterThan(50);

    // Test metrics for sigma 25 on 2 Set12 images, beside the published DnCNN-S 30.44 dB.
    const cells = await page.$$eval('#test-table tbody tr td', (tds) => tds.map((t) => t.textContent));
    expect(cells[0]).toBe('sigma 25');
    const [noisy, ours, ssim] = [Number(cells[1]), Number(cells[2]), Number(cells[3])];
    expect(noisy).toBeGreaterThan(19);
    expect(noisy).toBeLessThan(21.5);
    expect(Number.isFinite(ours)).toBe(true);
    expect(ssim).toBeGreaterThan(0);
    expect(cells[7]).toBe('30.44');
    expect(await text('#test-title')).toContain('2 of 12');

    // The grid: 2 rows of noisy | denoised | clean, drawn.
    const grid = await page.$eval('#grid', (c) => ({ w: (c as HTMLCanvasElement).width, h: (c as HTMLCanvasElement).height, hidden: (c as HTMLCanvasElement).hidden }));
    expect(grid.hidden).toBe(false);
    expect(grid.w).toBeGreaterThan(300);
    expect(grid.h).toBeGreaterThan(2 * 120);
    expect(await text('#checkpoint-info')).toMatch(/small, gray, epoch 1/);
  });

  it('downloads the checkpoint and the metrics as real files', async () => {
    await page.click('#dl-checkpoint');
    const ck = readFileSync(await waitForDownload(/\.safetensors$/));
    const { tensors, metadata } = readSafetensors(new Uint8Array(ck));
    const meta = JSON.parse(metadata.checkpoint);
    expect(meta.preset).toBe('small');
    expect(meta.epoch).toBe(1);
    expect(tensors.get('layers.0.weight')?.shape).toEqual([3, 3, 1, 32]);

    await page.click('#dl-csv');
    const csv = readFileSync(await waitForDownload(/^metrics-.*\.csv$/), 'utf8');
    expect(csv.split('\n')[0]).toMatch(/^kind,epoch,train_loss/);
    expect(csv).toMatch(/\nepoch,1,/);
    expect(csv).toMatch(/\ntest_mean,.*,set12,sigma 25,/);

    await page.click('#dl-denoised');
    const zip = statSync(await waitForDownload(/^denoised_sigma25\.zip$/)).size;
    expect(zip).toBeGreaterThan(1000);
  });

  it('shows a bad file\'s reason and keeps the trained state', async () => {
    const bad = resolve(ARTIFACTS, 'not-an-image.png');
    writeFileSync(bad, 'hello, I am text pretending to be a PNG\n');
    const inputEl = await page.$('input#files-input');
    await inputEl!.uploadFile(bad);
    await page.waitForFunction(() => !document.getElementById('error-area')!.hidden, { timeout: 20_000 });
    const msg = await text('#error-text');
    expect(msg).toContain('not-an-image.png');
    expect(msg).toContain('not an image');
    // Nothing else changed: built-in data, the epoch row, the test table, the grid, the checkpoint.
    expect(await page.$eval('#source-builtin', (e) => (e as HTMLInputElement).checked)).toBe(true);
    expect(await page.$$eval('#epochs-table tbody tr', (r) => r.length)).toBe(1);
    expect(await page.$$eval('#test-table tbody tr', (r) => r.length)).toBe(1);
    expect(await page.$eval('#grid', (c) => (c as HTMLCanvasElement).width)).toBeGreaterThan(300);
    expect(await disabled('#dl-checkpoint')).toBe(false);
    expect(await disabled('#start')).toBe(false);
  });

  it('denoises a photo with the trained model', async () => {
    const photo = resolve('data/set12', readdirSync('data/set12').sort()[0]);
    expect(existsSync(photo)).toBe(true);
    const inputEl = await page.$('input#photo-input');
    await inputEl!.uploadFile(photo);
    await page.waitForFunction(() => !(document.getElementById('photo-denoise') as HTMLButtonElement).disabled, { timeout: 20_000 });
    await setValue('photo-sigma', 25);
    await page.click('#photo-denoise');
    await page.waitForFunction(() => /denoised: [\d.]+ dB/.test(document.getElementById('photo-denoised-cap')!.textContent ?? ''), { timeout: 60_000 });
    expect(await text('#photo-noisy-cap')).toMatch(/noisy, sigma 25: [\d.]+ dB/);
    expect(await disabled('#photo-download')).toBe(false);
    await page.evaluate(() => document.getElementById('error-dismiss')!.click());
    await page.evaluate(() => (document.getElementById('log-details') as HTMLDetailsElement).open = true);
    await page.screenshot({ path: resolve(ARTIFACTS, 'page.png'), fullPage: true });
    expect(errors, 'uncaught errors in the page').toEqual([]);
  });

  it('refuses a bad checkpoint with its reason and loads a good one', async () => {
    const bad = resolve(ARTIFACTS, 'bad.safetensors');
    writeFileSync(bad, 'not a checkpoint');
    await (await page.$('input#checkpoint-input'))!.uploadFile(bad);
    await page.waitForFunction(() => !document.getElementById('error-area')!.hidden, { timeout: 20_000 });
    expect(await text('#error-text')).toContain('bad.safetensors is not a safetensors checkpoint');
    expect(await text('#checkpoint-info')).toMatch(/small, gray, epoch 1/); // the trained model stays

    const good = resolve(DOWNLOADS, readdirSync(DOWNLOADS).find((n) => n.endsWith('.safetensors'))!);
    await (await page.$('input#checkpoint-input'))!.uploadFile(good);
    await page.waitForFunction(() => /^Current model: denoiser-/.test(document.getElementById('checkpoint-info')!.textContent ?? ''), { timeout: 20_000 });
    expect(await visible('#error-area')).toBe(false);
    expect(await page.$eval('#resume-checkpoint', (e) => (e as HTMLInputElement).checked)).toBe(true);
  });

  it('offers the autosave after a reload and resumes from it', async () => {
    await page.reload();
    await page.waitForSelector('body[data-engine="ready"]', { timeout: 120_000 });
    await page.waitForFunction(() => !document.getElementById('autosave-banner')!.hidden, { timeout: 10_000 });
    expect(await text('#autosave-text')).toMatch(/small, epoch 1 of 1 on Train400/);
    await page.click('#autosave-resume');
    await page.waitForSelector('body[data-session="running"]', { timeout: 10_000 });
    await page.waitForSelector('body[data-session="finished"], body[data-session="failed"]', { timeout: 120_000 });
    expect(await page.$eval('body', (b) => b.dataset.session), await text('#error-text')).toBe('finished');
    // The history came back from IndexedDB; the settings too; the test ran on the resumed model.
    expect(await page.$$eval('#epochs-table tbody tr td:first-child', (r) => r.map((c) => c.textContent))).toEqual(['1']);
    expect(await page.$eval('#steps-per-epoch', (e) => (e as HTMLInputElement).value)).toBe('4');
    expect(await page.$$eval('#test-table tbody tr', (r) => r.length)).toBe(1);
    expect(await text('#log')).toContain('resumed from autosave (epoch 1)');
    expect(errors, 'uncaught errors in the page').toEqual([]);
  });
});
