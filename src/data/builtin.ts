/**
 * The built-in images (data/, copied from the DnCNN/FFDNet releases; see data/README.md),
 * served by Vite and fetched by the page.
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
    const url = await URLS[p]();
    const res = await fetch(url);
    if (!res.ok) throw new Error(`could not fetch ${p}: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    onProgress?.(++done, paths.length);
    return { name: p.replace(/^.*\//, ''), bytes };
  }));
}
