/**
 * The autotuner's choices for the device in use: for each conv role and geometry, the kernel family
 * measured fastest there. src/engine/autotune.ts measures and stores them; the 'auto' conv variant
 * (src/engine/ops/conv2d.ts) reads them. Choices are keyed by the adapter's vendor, architecture,
 * device and description, so a choice measured on one device never serves another: never by name
 * alone, and never a guess. The key also carries a hash of the conv kernels' sources, so a choice
 * measured among other kernels (before a kernel was added or changed) is measured again.
 */
import type { AdapterSummary } from './device.ts';
import { kernelSources } from './kernel.ts';
import { type Dims, FAMILIES, type Family, KERNELS, type Role } from './kernels.ts';
import { runtime } from './runtime.ts';

/** The adapter a choice was measured on. */
export function adapterKey(a: Pick<AdapterSummary, 'vendor' | 'architecture' | 'device' | 'description'>): string {
  return [a.vendor, a.architecture, a.device, a.description].map((s) => s || '-').join(' | ');
}

/** A conv role at a geometry, e.g. "forward n16 40x40x64 -> 40x40x64 k3x3 s1 p1,1". */
export function shapeKey(role: Role, d: Dims): string {
  return `${role} n${d.N} ${d.H}x${d.W}x${d.CI} -> ${d.OH}x${d.OW}x${d.CO} k${d.KH}x${d.KW} s${d.S} p${d.PT},${d.PL}`;
}

/** FNV-1a over every conv kernel's name and source, 8 hex digits: which kernels the tuner chose among. */
export function convKernelsHash(sources: Readonly<Record<string, string>> = kernelSources): string {
  let h = 0x811c9dc5;
  const names = Object.keys(KERNELS).filter((n) => KERNELS[n].op === 'conv2d').sort();
  for (const ch of names.map((n) => `${n}\0${sources[n]}\0`).join('')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
const CONV_KERNELS_HASH = convKernelsHash();

/** Choices by adapter, then by shape key. */
const tables = new Map<string, Map<string, Family>>();
let lastSummary: AdapterSummary | null = null;
let lastKey = '';

const KERNELS_PART = ' | kernels ';

/** The current device's adapter key with the conv kernels' hash (memoised on its summary object). */
export function currentAdapterKey(): string {
  const s = runtime().ctx.summary;
  if (s !== lastSummary) { lastSummary = s; lastKey = `${adapterKey(s)}${KERNELS_PART}${CONV_KERNELS_HASH}`; }
  return lastKey;
}

/** The device part of a key of currentAdapterKey (without the kernels' hash; a key of an older engine has none). */
export const deviceOfKey = (key: string): string => key.split(KERNELS_PART)[0];

/** The family measured fastest for this role and geometry on the current device, if measured. */
export function tunedFamily(role: Role, d: Dims): Family | undefined {
  return tables.get(currentAdapterKey())?.get(shapeKey(role, d));
}

/** A shape key's role and dims back (the inverse of shapeKey), or null for a string of another form. */
export function parseShapeKey(key: string): { role: Role; d: Dims } | null {
  const m = /^(\S+) n(\d+) (\d+)x(\d+)x(\d+) -> (\d+)x(\d+)x(\d+) k(\d+)x(\d+) s(\d+) p(\d+),(\d+)$/.exec(key);
  if (!m) return null;
  const [N, H, W, CI, OH, OW, CO, KH, KW, S, PT, PL] = m.slice(2).map(Number);
  return { role: m[1] as Role, d: { N, H, W, CI, OH, OW, CO, KH, KW, S, PT, PL } };
}

/**
 * How far apart in size (output pixels, N x OH x OW) a choice still serves a shape of the same
 * layer. Inference runs tiles and strips whose sizes change by a few pixels from image to image
 * (and strip by strip); the family measured fastest at one size stays so at a similar one, while
 * across more than 4x (2x a side) a GPU's occupancy can change the order.
 */
export const NEAR = 4;

const parsed = new Map<string, ReturnType<typeof parseShapeKey>>();

/**
 * Of `keys`, the one of the same layer as (role, d) (channels, kernel, stride, padding) whose size is
 * nearest, within NEAR x either way; undefined if none.
 */
export function nearestKey(role: Role, d: Dims, keys: Iterable<string>): string | undefined {
  const size = d.N * d.OH * d.OW;
  let best: string | undefined, bestRatio = NEAR;
  for (const k of keys) {
    let p = parsed.get(k);
    if (p === undefined) parsed.set(k, (p = parseShapeKey(k)));
    if (!p || p.role !== role || (['CI', 'CO', 'KH', 'KW', 'S', 'PT', 'PL'] as const).some((f) => p.d[f] !== d[f])) continue;
    const other = p.d.N * p.d.OH * p.d.OW;
    const ratio = Math.max(size / other, other / size);
    if (ratio <= bestRatio) { best = k; bestRatio = ratio; }
  }
  return best;
}

/**
 * The family 'auto' runs for this role and geometry: the one measured fastest here, else the one
 * measured for the same layer at the nearest size within NEAR x (a tile or strip a few pixels off
 * the one measured); undefined where neither was measured.
 */
export function chosenFamily(role: Role, d: Dims): Family | undefined {
  const t = tables.get(currentAdapterKey());
  if (!t) return undefined;
  const exact = t.get(shapeKey(role, d));
  if (exact) return exact;
  const near = nearestKey(role, d, t.keys());
  return near ? t.get(near) : undefined;
}

/** Records choices measured on an adapter (merged over earlier ones). */
export function setTuned(adapter: string, choices: Record<string, Family>): void {
  let t = tables.get(adapter);
  if (!t) tables.set(adapter, (t = new Map()));
  for (const [k, f] of Object.entries(choices)) t.set(k, f);
}

/** Every choice held for an adapter. */
export function tunedChoices(adapter: string): Record<string, Family> {
  return Object.fromEntries(tables.get(adapter) ?? []);
}

/** The valid entries of stored choices (anything read back from a file or IndexedDB): unknown families dropped. */
export function validChoices(raw: unknown): Record<string, Family> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return {};
  return Object.fromEntries(Object.entries(raw).filter(([, f]) => (FAMILIES as readonly unknown[]).includes(f))) as Record<string, Family>;
}

/** Forgets every choice (tests, and a user who asks to measure again). */
export function clearTuned(): void { tables.clear(); }
