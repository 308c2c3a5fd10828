/**
 * Test-side access to the harness page: one page per test file, console forwarded, uncaught
 * page errors fail the test that caused them.
 */
import { afterAll, afterEach, beforeAll, expect, inject } from 'vitest';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { forwardConsole } from '../../cli/browser.ts';

export function f32ToB64(a: Float32Array | Float64Array | number[]): string {
  const f = a instanceof Float32Array ? a : Float32Array.from(a);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
}

export function b64ToF32(b64: string): Float32Array {
  const buf = Buffer.from(b64, 'base64');
  const out = new Float32Array(buf.length / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

/** Opens the harness page for this test file; returns a getter valid inside tests. */
export function useGpuPage(): () => Page {
  let browser: Browser;
  let page: Page;
  let errors: string[] = [];
  beforeAll(async () => {
    browser = await puppeteer.connect({ browserWSEndpoint: inject('wsEndpoint'), protocolTimeout: 0 });
    page = await browser.newPage();
    errors = forwardConsole(page);
    await page.goto(`${inject('baseUrl')}tests/page/index.html`);
    const ready = await page.evaluate(() => window.harnessReady);
    if (!ready.ok) throw new Error(`harness failed to start: ${ready.error}`);
  });
  afterEach(() => {
    const seen = errors.splice(0);
    expect(seen, 'uncaught errors in the page').toEqual([]);
  });
  afterAll(async () => {
    await page?.close();
    await browser?.disconnect();
  });
  return () => page;
}

/** Runs `src` in the page (with `e` = the engine) and returns what it throws as "Name: message", or 'no error'. */
export async function errorOf(page: Page, src: string): Promise<string> {
  return page.evaluate(async (s) => {
    const e = window.engine;
    try {
      await new Function('e', `return (async () => { ${s} })()`)(e);
      return 'no error';
    } catch (err) {
      return `${(err as Error).name}: ${(err as Error).message}`;
    }
  }, src);
}
