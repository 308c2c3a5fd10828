/**
 * Text for the lab: the kernel table's formulas as readable source, and numbers with units.
 */
import { type Dims, type KernelRow, TILE } from '../../engine/kernels.ts';

/**
 * Helpers the table's formulas call, spelled out (src/engine/kernels.ts): `xBytes(d)` reads as
 * `xBytes`, and the legend under the formulas says what it is.
 */
export const FORMULA_HELPERS: Record<string, string> = {
  convFlops: '2*N*OH*OW*CO*KH*KW*CI',
  xBytes: '4*N*H*W*CI',
  wBytes: '4*KH*KW*CI*CO',
  yBytes: '4*N*OH*OW*CO',
  ssimMap: '(H-10)*(W-10)*C',
  ssimChunks: 'cdiv(ssimMap, 256)',
  cdiv: 'ceil(a / b)',
  channelV: '4 if C % 4 == 0, else 1',
  sumV: '4 if count % 4 == 0, else 1',
};

/**
 * A formula of the table as source text: `(d) => 2 * d.N * d.OH` becomes `2 * N * OH`; helper
 * calls `xBytes(d)` become `xBytes`. Elementwise rows close over a per-element constant, so
 * they read `<value> * count` (or `ceil(count / 4)`, a VEC4 kernel's invocations). (In a minified build the names are the minifier's.)
 */
export function formulaText(row: KernelRow, f: (d: Dims) => number): string {
  if (row.dims.length === 1 && row.dims[0] === 'count') {
    const k = f({ count: 4096 }) / 4096; // per element (the VEC4 kernels' invocations: 1/4)
    return k > 0 && k < 1 ? `ceil(count / ${1 / k})` : `${k} * count`;
  }
  let src = f.toString().trim();
  const arrow = /^\(?\s*(\w*)\s*\)?\s*=>\s*/.exec(src);
  if (!arrow) return src;
  const param = arrow[1];
  src = src.slice(arrow[0].length);
  if (param) {
    src = src.replace(new RegExp(`\\b(\\w+)\\(${param}\\)`, 'g'), '$1'); // helper(d) -> helper
    src = src.replace(new RegExp(`\\b${param}\\.`, 'g'), ''); // d.N -> N
  }
  return src.replace(/\s+/g, ' ');
}

/** The helper names a formula text mentions, with what they stand for. */
export function helpersIn(text: string): [string, string][] {
  const out = Object.entries(FORMULA_HELPERS).filter(([k]) => new RegExp(`\\b${k}\\b`).test(text));
  // Register-tile sizes: TILE.conv2d_tiled.P -> 8 (src/engine/kernels.ts TILE).
  for (const m of new Set(text.match(/\bTILE\.\w+\.\w+/g) ?? [])) {
    const [, kernel, key] = m.split('.');
    const v = (TILE as Record<string, Record<string, number>>)[kernel]?.[key];
    if (v !== undefined) out.push([m, String(v)]);
  }
  return out;
}

/** 1234567 -> "1.23 M"; SI prefixes, 3 significant digits. */
export function si(v: number, unit = ''): string {
  if (!Number.isFinite(v)) return '—';
  const prefixes: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [scale, p] of prefixes) if (Math.abs(v) >= scale) return `${(v / scale).toPrecision(3)} ${p}${unit}`;
  return `${Number.isInteger(v) ? v : v.toPrecision(3)}${unit ? ` ${unit}` : ''}`;
}

/** Milliseconds with sensible digits. */
export function ms(v: number): string {
  if (!Number.isFinite(v)) return '—';
  return v >= 100 ? `${v.toFixed(0)} ms` : v >= 1 ? `${v.toFixed(2)} ms` : `${(v * 1000).toFixed(1)} µs`;
}

/** An error or difference: exponent form when small. */
export function err(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return String(v);
  return v === 0 ? '0' : v < 1e-2 ? v.toExponential(2) : v.toPrecision(3);
}

/** A share as a percentage. */
export const pct = (v: number) => (!Number.isFinite(v) ? '—' : v >= 0.1 ? `${(v * 100).toFixed(0)}%` : `${(v * 100).toFixed(1)}%`);

/** A flat index of a row-major tensor as coordinates, e.g. (n, h, w, c). */
export function coords(shape: readonly number[], flat: number): number[] {
  const out: number[] = [];
  for (let i = shape.length - 1; i >= 0; i--) {
    out.unshift(flat % shape[i]);
    flat = Math.floor(flat / shape[i]);
  }
  return out;
}
