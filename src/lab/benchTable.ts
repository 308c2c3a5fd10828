/**
 * The benchmark's result types and its fixed-width text table. No engine imports but the kernel
 * table (plain data): the CLI prints rows in Node as the page streams them.
 */
import { FAMILIES, type Family } from '../engine/kernels.ts';
import type { RowKind } from './benchRows.ts';
import type { Timing } from './timing.ts';

export interface BenchRow {
  name: string;
  kind: RowKind;
  /** What it is, for people. */
  what: string;
  /** The kernel timed (kernel rows). */
  kernel: string | null;
  /** FLOP and compulsory bytes of one call. */
  flop: number;
  bytes: number;
  ours: Timing;
  tfjs: Timing | null;
  /** TF.js median / ours median (> 1: we are faster); null without TF.js. */
  ratio: number | null;
  /** Our median rates. */
  gflops: number;
  gbps: number;
  /** Which ceiling applies (roofline): memory when flop/bytes is under the adapter's peak GFLOP/s / GB/s. */
  bound: 'compute' | 'memory';
  /** Our median rate as a share of that ceiling, percent (GFLOP/s of peak GFLOP/s, or GB/s of peak GB/s). */
  pct_peak: number;
  /** Largest |ours - float64 reference|; null when the shape is too large for the CPU reference. */
  max_err_vs_ref: number | null;
  /** Whether that is within the op's tolerance. */
  ref_pass: boolean | null;
  /** Largest |ours - TF.js| on the same inputs; null without TF.js. */
  max_diff_vs_tfjs: number | null;
  /** Why TF.js is absent, or what the TF.js difference compares. */
  note?: string;
}

export interface BenchResult {
  adapter: { vendor: string; architecture: string; description: string };
  /** Where it ran: 'node' (Dawn in the CLI's process) or 'browser' (a page: the CLI's headless Chromium or the lab). */
  backend?: 'node' | 'browser';
  /** The runtime's version string: Chromium's browser.version() from the CLI, the user agent in a page, Node and Dawn under --backend node. */
  browser: string;
  /** ISO 8601. */
  date: string;
  /** The better of the peaks measured at the start and the end of the run (both in `measured`). */
  peak: { gflops: number; gbps: number; measured?: { gflops: number; gbps: number }[] };
  quick: boolean;
  reps: number;
  rows: BenchRow[];
  /** Rows that threw instead of finishing (absent when none did). */
  failed?: { name: string; error: string }[];
  /** The conv kernel family the rows ran: 'auto' (the autotuner's choice per shape), 'tiled' or 'shared'. */
  family?: BenchFamily;
  /** With 'auto': the autotuner's measurements at the rows' conv shapes, each family's median ms. */
  tuning?: { key: string; choice: string; ms: Record<string, number>; rejected: Record<string, string> }[];
}

/** The conv kernels a run uses: the tuned ones ('auto') or one family (tiled where it has no kernel). */
export type BenchFamily = 'auto' | Family;
export const BENCH_FAMILIES: readonly BenchFamily[] = ['auto', ...FAMILIES];

/** Three significant figures, without exponent for ordinary timings. */
function sig(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a < 1e-3) return x.toExponential(1);
  return x.toPrecision(3);
}
const err = (x: number | null, pass?: boolean | null) => (x === null ? '-' : `${x === 0 ? '0' : x.toExponential(1)}${pass === false ? ' !' : ''}`);

interface Col { head: string; width: number; right: boolean; cell(r: BenchRow): string }

function columns(nameWidth: number): Col[] {
  return [
    { head: 'name', width: nameWidth, right: false, cell: (r) => r.name },
    { head: 'ours ms', width: 9, right: true, cell: (r) => sig(r.ours.median_ms) },
    { head: 'TF.js ms', width: 9, right: true, cell: (r) => (r.tfjs ? sig(r.tfjs.median_ms) : '-') },
    { head: 'ratio', width: 6, right: true, cell: (r) => (r.ratio === null ? '-' : r.ratio.toFixed(2)) },
    { head: 'GFLOP/s', width: 8, right: true, cell: (r) => (r.flop ? sig(r.gflops) : '-') },
    { head: 'GB/s', width: 7, right: true, cell: (r) => sig(r.gbps) },
    { head: '% peak', width: 8, right: true, cell: (r) => `${r.pct_peak.toFixed(1)} ${r.bound === 'compute' ? 'c' : 'm'}` },
    { head: 'err vs ref', width: 11, right: true, cell: (r) => err(r.max_err_vs_ref, r.ref_pass) },
    { head: 'diff TF.js', width: 10, right: true, cell: (r) => err(r.max_diff_vs_tfjs) },
  ];
}

const pad = (s: string, c: Col) => (c.right ? s.padStart(c.width) : s.padEnd(c.width));

/** A table printer for rows whose names are at most nameWidth long: header() then line(row). */
export function tablePrinter(nameWidth: number): { header(): string; line(r: BenchRow): string } {
  const cols = columns(Math.max(4, nameWidth));
  return {
    header: () => {
      const h = cols.map((c) => pad(c.head, c)).join('  ');
      return `${h}\n${'-'.repeat(h.length)}`;
    },
    line: (r) => cols.map((c) => pad(c.cell(r), c)).join('  '),
  };
}

/** The whole result as a fixed-width table, with a legend. */
export function formatTable(result: BenchResult): string {
  const p = tablePrinter(Math.max(0, ...result.rows.map((r) => r.name.length)));
  return [
    p.header(),
    ...result.rows.map(p.line),
    '',
    'ms: median per call (first run excluded); ratio: TF.js / ours (> 1: ours faster); % peak: of the adapter\'s',
    `measured peak (${sig(result.peak.gflops)} GFLOP/s c, ${sig(result.peak.gbps)} GB/s m, whichever bounds the row); `
      + 'err vs ref: max |ours - float64 reference| (! = over tolerance, - = too large to check); diff TF.js: max |ours - TF.js|.',
  ].join('\n');
}
