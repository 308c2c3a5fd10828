/**
 * The built-in images (data/, copied from the DnCNN/FFDNet releases; see data/README.md),
 * served by Vite and fetched by the page; in Node (the CLI's Node backend, tests) read from disk.
 */
import type { NamedBytes } from './dataset.ts';

const URLS = import.meta.glob('/data/*/*.png', { query: '?url', import: 'default' }) as Record<string, () => Promise<string>>;

export type BuiltinSet = 'train400' | 'set12' | 'bsd68' | 'cbsd68';
export const BUILTIN_SETS: BuiltinSet[] = ['train400', 'set12', 'bsd68', 'cbsd68'];

/** The file names of a built-in set, sorted. */
export function builtinFiles(set: BuiltinSet): string[] {
  return Object.keys(URLS).filter((p) => p.startsWith(`/data/${set}/`)).sort();
}

/** Fetches a built-in set's files (the first `limit` of them, in name order). */
export async function loadBuiltin(set: BuiltinSet, limit = Infinity, onProgress?: (done: number, total: number) => void): Promise<NamedBytes[]> {
  const paths = builtinFiles(set).slice(0, limit);
  let done = 0;
  return Promise.all(paths.map(async (p) => {
    const bytes = await readBuiltinFile(p, await URLS[p]());
    onProgress?.(++done, paths.length);
    return { name: p.replace(/^.*\//, ''), bytes };
  }));
}

// Through a variable so that Vite never tries to bundle node:fs into the page.
const FS = 'node:fs/promises';
const inNode = () => typeof window === 'undefined' && typeof process !== 'undefined' && Boolean(process.versions?.node);

/** One file's bytes: fetched from the dev server in a browser, read from the repository in Node. */
async function readBuiltinFile(path: string, url: string): Promise<Uint8Array> {
  if (inNode()) {
    const fs = (await import(/* @vite-ignore */ FS)) as typeof import('node:fs/promises');
    // `path` is relative to the repository root ('/data/set12/01.png'); this file is src/data/builtin.ts.
    return new Uint8Array(await fs.readFile(new URL(`../..${path}`, import.meta.url)));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch ${path}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}
