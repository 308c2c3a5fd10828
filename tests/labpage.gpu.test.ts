/**
 * The kernel lab page (lab.html) driven like a person would: a conv kernel's page shows its WGSL
 * source and reflected binding table, Check at the small shape passes within tolerance, Time
 * returns a positive median, a broken shape gets a message, and the state lives in the URL.
 * Leaves test-artifacts/lab.png (after Check) and lab-time.png (after Time).
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { forwardConsole } from '../cli/browser.ts';

const ARTIFACTS = resolve('test-artifacts');

let browser: Browser;
let page: Page;
let errors: string[] = [];

const text = (sel: string) => page.$eval(sel, (e) => e.textContent ?? '');
const labState = () => page.$eval('body', (b) => b.dataset.lab ?? '');

/** Sets an input's value and fires the events a person's typing would. */
async function setValue(sel: string, value: string | number): Promise<void> {
  await page.$eval(sel, (el, v) => {
    const e = el as HTMLInputElement;
    e.value = String(v);
    e.dispatchEvent(new Event('input', { bubbles: true }));
    e.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
}

/** Clicks Run and waits for the page to report 'done' or 'failed'. */
async function runAndWait(timeout = 240_000): Promise<string> {
  await page.click('#run');
  await page.waitForSelector('body[data-lab="done"], body[data-lab="failed"]', { timeout });
  return labState();
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await puppeteer.connect({ browserWSEndpoint: inject('wsEndpoint'), protocolTimeout: 0 });
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  errors = forwardConsole(page, '[lab page]');
  await page.goto(`${inject('baseUrl')}lab.html?kernel=conv2d_tiled`);
});

afterAll(async () => {
  await page?.close();
  await browser?.disconnect();
});

describe('kernel lab page', () => {
  it('lists every kernel and shows conv2d_tiled\'s source and bindings', async () => {
    await page.waitForSelector('#source code');
    const listed = await page.$$eval('#kernel-list a[data-kernel]', (as) => as.map((a) => (a as HTMLElement).dataset.kernel));
    expect(listed).toContain('conv2d_tiled');
    expect(listed).toContain('adam');
    expect(await page.$eval('#kernel-list a.selected', (a) => (a as HTMLElement).dataset.kernel)).toBe('conv2d_tiled');
    expect(await text('#source')).toContain('fn main');
    const bindings = await page.$$eval('#bindings .bindings-table tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    const byName = Object.fromEntries(bindings.map((r) => [r[1], r]));
    expect(byName.x?.slice(0, 3)).toEqual(['1', 'x', 'read']);
    expect(byName.w?.slice(0, 3)).toEqual(['2', 'w', 'read']);
    expect(byName.b?.slice(0, 3)).toEqual(['3', 'b', 'read']);
    expect(byName.y?.slice(0, 3)).toEqual(['4', 'y', 'read_write']);
    expect(await text('#facts')).toMatch(/CO % 4 == 0/);
  });

  it('starts the engine', async () => {
    await page.waitForSelector('body[data-engine="ready"], body[data-engine="unavailable"]', { timeout: 120_000 });
    expect(await page.$eval('body', (b) => b.dataset.engine), await text('#fatal')).toBe('ready');
    expect(await text('#engine-status')).toMatch(/GPU: .+/);
  });

  it('Check at the small shape passes within tolerance', async () => {
    expect(await labState()).toBe('idle');
    expect(await runAndWait(), await text('#result')).toBe('done');
    const v = await page.$eval('#check .verdict', (e) => ({ pass: (e as HTMLElement).dataset.pass, share: Number((e as HTMLElement).dataset.share) }));
    expect(v.pass).toBe('true');
    expect(v.share).toBeGreaterThanOrEqual(0);
    expect(v.share).toBeLessThan(1);
    expect(await text('#result')).toMatch(/^PASS/);
    expect(await text('#check')).toContain('conv2d_tiled');
    expect(await page.$$eval('#check canvas.fmap', (cs) => cs.length)).toBeGreaterThan(0);
    await page.screenshot({ path: resolve(ARTIFACTS, 'lab.png') });
  });

  it('refuses a shape that breaks the kernel\'s condition, with a message', async () => {
    await setValue('#dim-CO', 3);
    expect(await text('.shape-problem')).toMatch(/CO % 4 == 0.*conv2d_tiled_scalar/);
    expect(await page.$eval('#run', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    await setValue('#dim-CO', 8);
    expect(await page.$eval('#run', (b) => (b as HTMLButtonElement).disabled)).toBe(false);
  });

  it('Time returns a positive median', async () => {
    await page.click('#tab-time');
    await setValue('#reps', 3);
    expect(await runAndWait(), await text('#result')).toBe('done');
    const median = await page.$eval('#time .times-table tbody tr', (tr) => Number((tr as HTMLElement).dataset.median));
    expect(median).toBeGreaterThan(0);
    expect(await text('#peak')).toMatch(/GFLOP\/s/);
    await page.screenshot({ path: resolve(ARTIFACTS, 'lab-time.png') });
  });

  it('keeps the state in the URL and restores it on load', async () => {
    const url = new URL(page.url());
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ kernel: 'conv2d_tiled', CO: '8', mode: 'time', reps: '3' });
    await page.goto(`${inject('baseUrl')}lab.html?kernel=maxpool2d&N=1&H=6&W=6&C=2&mode=check`);
    await page.waitForSelector('#source code');
    expect(await page.$eval('#dim-H', (i) => (i as HTMLInputElement).value)).toBe('6');
    expect(await page.$eval('#tab-check', (b) => b.classList.contains('active'))).toBe(true);
    expect(errors).toEqual([]);
  });
});
