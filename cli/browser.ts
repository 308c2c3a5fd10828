/**
 * Launching headless Chromium with WebGPU, shared by the tests, the CLI and the benchmarks.
 * Puppeteer cannot download its own browser here, so we point it at an installed one:
 * $CHROME_PATH, else the usual system locations.
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { createServer } from 'vite';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
];

export function chromePath(): string {
  const env = process.env.CHROME_PATH || process.env.PUPPETEER_EXECUTABLE_PATH;
  if (env) {
    if (!existsSync(env)) throw new Error(`CHROME_PATH is set to '${env}', which does not exist`);
    return env;
  }
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new Error('No Chrome or Chromium found. Install one (Debian/Ubuntu: `apt-get install -y chromium`; ' +
      'macOS/Windows: install Google Chrome) or set CHROME_PATH to its executable.');
  }
  return found;
}

/** Flags: WebGPU on (SwiftShader when there is no GPU) and no background network traffic. */
export const CHROME_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-default-apps',
  '--disable-dev-shm-usage',
];

export async function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromePath(),
    headless: true,
    args: CHROME_ARGS,
    protocolTimeout: 0, // long GPU work (SwiftShader) must not time out page.evaluate
  });
}

/** Forwards a page's console and errors to ours; returns the list of page errors seen. */
export function forwardConsole(page: Page, prefix = '[page]'): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    const text = m.text();
    if (text.startsWith('[vite]')) return; // dev-server chatter
    if (m.type() === 'error') console.error(`${prefix} ${text}`);
    else if (m.type() === 'warn') console.warn(`${prefix} ${text}`);
    else console.log(`${prefix} ${text}`);
  });
  // The renderer (or the GPU process behind it) died: say so, rather than only "Target closed".
  page.on('error', (e) => {
    errors.push(`page crashed: ${e.message}`);
    console.error(`${prefix} page crashed: ${e.message}`);
  });
  page.on('pageerror', (e) => {
    const msg = e instanceof Error ? e.message : String(e);
    errors.push(msg);
    console.error(`${prefix} uncaught: ${msg}`);
  });
  return errors;
}

/**
 * Serves the repo with Vite on 127.0.0.1 and opens one of its pages in headless Chromium
 * (WebGPU needs a secure context: http://127.0.0.1 qualifies, about:blank does not).
 */
export async function openPage(path: string, prefix = '[page]'): Promise<{ page: Page; errors: string[]; url: string; close(): Promise<void> }> {
  const server = await createServer({ configFile: 'vite.config.ts', logLevel: 'error', server: { port: 5190, strictPort: false, hmr: false } });
  await server.listen();
  let browser: Browser | null = null;
  try {
    browser = await launchBrowser();
    const page = await browser.newPage();
    const errors = forwardConsole(page, prefix);
    const b = browser;
    return {
      page, errors,
      // The caller navigates (page.goto(url)) after registering its exposeFunction hooks.
      url: `${server.resolvedUrls!.local[0]}${path.replace(/^\//, '')}`,
      async close() { await b.close(); await server.close(); },
    };
  } catch (e) {
    await browser?.close();
    await server.close();
    throw e;
  }
}
