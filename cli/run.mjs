#!/usr/bin/env node
// Runs a TypeScript entry point (cli/train.ts, bench/*.ts) under Node through Vite's module
// runner, so the CLI uses the same sources, import.meta.glob and all, without a build step.
// Usage: node cli/run.mjs cli/train.ts [args...]
//
// The runner stays open until main() returns: modules imported lazily later on (pngjs in
// src/data/decode.ts, the engine under --backend node) load through it too. (Vite's one-shot
// `runnerImport` closes its runner as soon as the entry has loaded.)
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { createServer, createServerModuleRunner } from 'vite';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node cli/run.mjs <entry.ts> [args...]');
  process.exit(2);
}
const root = resolve(import.meta.dirname, '..');
const server = await createServer({
  root,
  configFile: false,
  logLevel: 'error',
  appType: 'custom',
  // The same alias as vitest.config.ts: wgsl_reflect's "main" is a CommonJS build inside a
  // "type": "module" package, which Node cannot import; its ESM build can.
  resolve: { alias: { wgsl_reflect: 'wgsl_reflect/wgsl_reflect.module.js' } },
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  optimizeDeps: { noDiscovery: true, include: [] },
  // TF.js's ESM builds import without file extensions, which only a bundler resolves: let Vite
  // load them (the bench's peer under --backend node).
  ssr: { noExternal: [/^@tensorflow\//] },
});
// ...and TF.js's Node platform (platform_node.js) calls a bare require('util') that ESM lacks.
globalThis.require ??= createRequire(import.meta.url);
const runner = createServerModuleRunner(server.environments.ssr, { hmr: false });
let code = 1;
try {
  const module = await runner.import(resolve(entry));
  if (typeof module.main !== 'function') {
    console.error(`${entry} exports no main(args)`);
    code = 2;
  } else {
    const r = await module.main(args);
    code = typeof r === 'number' ? r : 0;
  }
} catch (e) {
  console.error(e);
  code = 1;
} finally {
  await runner.close();
  await server.close();
}
process.exit(code);
