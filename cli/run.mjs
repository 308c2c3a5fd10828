#!/usr/bin/env node
// Runs a TypeScript entry point (cli/train.ts, bench/*.ts) under Node through Vite's module
// runner, so the CLI uses the same sources, import.meta.glob and all, without a build step.
// Usage: node cli/run.mjs cli/train.ts [args...]
import { resolve } from 'node:path';
import { runnerImport } from 'vite';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node cli/run.mjs <entry.ts> [args...]');
  process.exit(2);
}
const { module } = await runnerImport(resolve(entry), { configFile: false, logLevel: 'error' });
if (typeof module.main !== 'function') {
  console.error(`${entry} exports no main(args)`);
  process.exit(2);
}
const code = await module.main(args);
process.exit(typeof code === 'number' ? code : 0);
