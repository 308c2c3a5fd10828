/**
 * GPU suite setup: serves the repo with Vite on 127.0.0.1 (WebGPU needs a secure context, and
 * about:blank/data: pages have none), launches one headless Chromium with WebGPU, and checks
 * that an adapter exists. No adapter -> the whole suite fails, naming what it expected.
 */
import type { TestProject } from 'vitest/node';
import { createServer } from 'vite';
import { forwardConsole, launchBrowser } from '../../cli/browser.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    wsEndpoint: string;
    baseUrl: string;
    adapter: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await createServer({ configFile: 'vite.config.ts', logLevel: 'warn', server: { port: 5180, strictPort: false, hmr: false } });
  await server.listen();
  const baseUrl = server.resolvedUrls?.local[0];
  if (!baseUrl) throw new Error('Vite did not report a local URL');
  const browser = await launchBrowser();

  const page = await browser.newPage();
  forwardConsole(page, '[setup]');
  await page.goto(`${baseUrl}tests/page/index.html`);
  const ready = await page.evaluate(() => window.harnessReady);
  await page.close();
  if (!ready.ok) {
    await browser.close();
    await server.close();
    throw new Error(`WebGPU is not available in headless Chromium: ${ready.error}\n` +
      'Expected an adapter (on a machine without a GPU: architecture "swiftshader"). ' +
      'Chromium must run with --enable-unsafe-webgpu and load the page from http://127.0.0.1.');
  }
  const a = ready.adapter;
  const adapter = `${a.vendor || '?'} / ${a.architecture || '?'} ${a.description} features: ${a.features.join(', ')}`;
  console.log(`[gpu] WebGPU adapter: ${adapter}`);
  project.provide('wsEndpoint', browser.wsEndpoint());
  project.provide('baseUrl', baseUrl);
  project.provide('adapter', adapter);

  return async () => {
    await browser.close();
    await server.close();
  };
}
