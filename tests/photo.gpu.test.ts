/**
 * The training page's photo panel on a fresh page (nothing trained): it says so and defaults to
 * the shipped pretrained models, denoises a tiny RGB photo through the colour model and, with a
 * gray model chosen, channel by channel (the code of `npm run denoise`, src/model/denoise.ts),
 * refuses a gray photo for the colour model, and a Cancel in the middle of a larger photo
 * leaves the page idle and usable. Images stay tiny: a DnCNN tile costs ~0.3 s per 64x64 on
 * SwiftShader. Leaves test-artifacts/photo-panel.png.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { PNG } from 'pngjs';
import { forwardConsole } from '../cli/browser.ts';

const ARTIFACTS = resolve('test-artifacts');

let browser: Browser;
let page: Page;
let errors: string[] = [];

declare global {
  interface Window { __details: string[] }
}

const text = (sel: string) => page.$eval(sel, (e) => e.textContent ?? '');
const disabled = (sel: string) => page.$eval(sel, (e) => (e as HTMLButtonElement).disabled);
const canvasSize = (id: string) => page.$eval(`#${id}`, (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]);
const dataset = () => page.$eval('#photo-info', (e) => ({ ...(e as HTMLElement).dataset }));

/** A smooth colour picture (gradients), so that a denoiser clearly beats the noisy input. */
function writePhoto(name: string, width: number, height: number, gray = false): string {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      const [r, g, b] = [40 + (170 * x) / width, 60 + (150 * y) / height, 200 - (120 * (x + y)) / (width + height)];
      const v = gray ? [r, r, r] : [r, g, b];
      png.data.set([...v.map(Math.round), 255], i);
    }
  }
  const path = resolve(ARTIFACTS, name);
  writeFileSync(path, PNG.sync.write(png, { colorType: gray ? 0 : 2 }));
  return path;
}

async function setValue(id: string, value: string | number): Promise<void> {
  await page.$eval(`#${id}`, (el, v) => {
    const e = el as HTMLInputElement;
    e.value = String(v);
    e.dispatchEvent(new Event('input', { bubbles: true }));
    e.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
}

async function choose(value: string): Promise<void> {
  await page.select('#photo-model', value);
}

async function upload(path: string): Promise<void> {
  await (await page.$('input#photo-input'))!.uploadFile(path);
  await page.waitForFunction((name) => (document.getElementById('photo-info')!.textContent ?? '').startsWith(name), { timeout: 20_000 }, basename(path));
}

/** Clicks Denoise and waits for the task to end; returns the run bar's details seen meanwhile. */
async function denoise(): Promise<string[]> {
  await page.evaluate(() => {
    window.__details = [];
    const d = document.getElementById('stage-detail')!;
    new MutationObserver(() => window.__details.push(d.textContent ?? '')).observe(d, { childList: true, characterData: true, subtree: true });
  });
  expect(await disabled('#photo-denoise')).toBe(false);
  await page.click('#photo-denoise');
  await page.waitForFunction(() => document.body.dataset.task === undefined, { timeout: 120_000 });
  expect(await page.$eval('#error-area', (e) => (e as HTMLElement).hidden), await text('#error-text')).toBe(true);
  return page.evaluate(() => window.__details);
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await puppeteer.connect({ browserWSEndpoint: inject('wsEndpoint'), protocolTimeout: 0 });
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  errors = forwardConsole(page, '[photo page]');
  await page.goto(inject('baseUrl'));
  // Nothing trained: no autosave from another suite either.
  await page.evaluate(() => new Promise((r) => { const q = indexedDB.deleteDatabase('webgpu-denoise'); q.onsuccess = q.onerror = q.onblocked = r; }));
  await page.reload();
  await page.waitForSelector('body[data-engine="ready"], body[data-engine="unavailable"]', { timeout: 120_000 });
});

afterAll(async () => {
  await page?.close();
  await browser?.disconnect();
});

describe('photo panel', () => {
  it('with nothing trained, offers the shipped models, defaults to the automatic pretrained choice and says so', async () => {
    expect(await page.$eval('body', (b) => b.dataset.engine), await text('#fatal')).toBe('ready');
    const options = await page.$$eval('#photo-model option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toEqual(['auto', 'pretrained:dncnn_s15', 'pretrained:dncnn_s25', 'pretrained:dncnn_s50', 'pretrained:dncnn_b_gray_blind', 'pretrained:cdncnn_b_color_blind']);
    expect(await page.$eval('#photo-model', (s) => (s as HTMLSelectElement).value)).toBe('auto');
    expect(await text('#photo-model-note')).toMatch(/^Nothing has been trained here yet, so a shipped pretrained model denoises.*Pretrained models/);
    expect(await disabled('#photo-denoise')).toBe(true); // no photo yet
  });

  it('denoises a 24x20 RGB photo through the colour model at its own size, tile progress, PSNR', async () => {
    await upload(writePhoto('photo-24x20.png', 24, 20));
    expect(await text('#photo-model-note')).toContain('This photo: RGB through the colour model.');
    await setValue('photo-sigma', 25);
    const details = await denoise();
    expect(await text('#stage')).toBe('Denoising the photo: done');
    expect(details).toContain('photo-24x20.png: tile 1 of 1');
    expect(await dataset()).toEqual({ model: 'cdncnn_b_color_blind', mode: 'colour' });
    expect(await text('#photo-info')).toMatch(/^photo-24x20\.png \(24×20 RGB\) denoised by cdncnn_b_color_blind \(CDnCNN-B, RGB, blind.*: RGB through the colour model, 1 tile of up to \d+×\d+ pixels, in [\d.]+ s\.$/);
    expect(await canvasSize('photo-denoised')).toEqual([24, 20]);
    expect(await canvasSize('photo-noisy')).toEqual([24, 20]);
    const noisy = Number(/sigma 25: ([\d.]+) dB/.exec(await text('#photo-noisy-cap'))?.[1]);
    const out = Number(/denoised: ([\d.]+) dB/.exec(await text('#photo-denoised-cap'))?.[1]);
    expect(noisy).toBeGreaterThan(18);
    expect(noisy).toBeLessThan(22.5);
    expect(out).toBeGreaterThan(noisy + 3);
    expect(await disabled('#photo-download')).toBe(false);
  });

  it('a gray model chosen: the RGB photo goes channel by channel, three tiles', async () => {
    await choose('pretrained:dncnn_s25');
    expect(await text('#photo-model-note')).toContain('This photo: R, G, B one by one through the gray model.');
    const details = await denoise();
    expect(details).toContain('photo-24x20.png: tile 3 of 3');
    expect(await dataset()).toEqual({ model: 'dncnn_s25', mode: 'per-channel' });
    expect(await text('#photo-info')).toContain('denoised by dncnn_s25 (DnCNN-S, gray, sigma 25; 555,137 parameters, receptive radius 17): R, G, B one by one through the gray model, 3 tiles');
    expect(await canvasSize('photo-denoised')).toEqual([24, 20]);
    expect(Number(/denoised: ([\d.]+) dB/.exec(await text('#photo-denoised-cap'))?.[1])).toBeGreaterThan(25);
  });

  it('a gray photo and the colour model: Denoise is off and the panel says why', async () => {
    await upload(writePhoto('gray-16.png', 16, 16, true));
    await choose('pretrained:cdncnn_b_color_blind');
    expect(await disabled('#photo-denoise')).toBe(true);
    expect(await page.$eval('#photo-denoise', (b) => (b as HTMLButtonElement).title)).toBe('a gray photo cannot go through a colour model: choose a gray one');
    expect(await text('#photo-model-note')).toContain('Not possible: a gray photo cannot go through a colour model: choose a gray one.');
    await choose('auto');
    expect(await text('#photo-model-note')).toContain('This photo: gray image, gray model.');
    expect(await disabled('#photo-denoise')).toBe(false);
  });

  it('Cancel in the middle of a larger photo stops within a layer of the tile in flight and leaves the page usable', async () => {
    await upload(writePhoto('big-300x240.png', 300, 240, true));
    await choose('pretrained:dncnn_s25');
    await setValue('photo-sigma', 25);
    const start = Date.now();
    await page.click('#photo-denoise');
    await page.waitForFunction(() => /tile 1 of \d+$/.test(document.getElementById('stage-detail')!.textContent ?? ''), { timeout: 120_000 });
    const firstTile = Date.now() - start; // the model's load and one tile
    const tiles = Number(/of (\d+)$/.exec(await text('#stage-detail'))![1]);
    expect(tiles).toBeGreaterThan(2);
    expect(await text('#stop')).toBe('Cancel');
    const t0 = Date.now();
    await page.click('#stop');
    await page.waitForFunction(() => document.body.dataset.task === undefined, { timeout: 60_000 });
    const ms = Date.now() - t0;
    console.log(`[photo] cancelled ${ms} ms after Cancel; the first tile came ${firstTile} ms after Denoise (${tiles} tiles)`);
    // The signal is checked between layers (src/model/denoise.ts denoiseTiled): at most one of the
    // 17 layers of the tile in flight finishes, a small share of the first tile's time.
    expect(ms).toBeLessThan(0.25 * firstTile + 1000);
    expect(await text('#stage')).toBe('Denoising the photo: cancelled');
    expect(await page.$eval('#error-area', (e) => (e as HTMLElement).hidden), await text('#error-text')).toBe(true);
    expect(await text('#photo-info')).toMatch(/^big-300x240\.png \(300×240 gray\): not denoised/);
    expect(await dataset()).toEqual({});
    expect(await page.$eval('body', (b) => b.dataset.session)).toBe('idle');
    expect(await disabled('#start')).toBe(false);
    // Usable: the next photo denoises.
    await upload(resolve(ARTIFACTS, 'photo-24x20.png'));
    await choose('auto');
    await denoise();
    expect(await dataset()).toEqual({ model: 'cdncnn_b_color_blind', mode: 'colour' });
    await (await page.$('#photo-section'))!.screenshot({ path: resolve(ARTIFACTS, 'photo-panel.png') });
    expect(errors, 'uncaught errors in the page').toEqual([]);
  });
});
