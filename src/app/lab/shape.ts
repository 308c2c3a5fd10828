/**
 * A kernel's shape as a person types it, and the kernel-table dims derived from it (no DOM here).
 *
 * Conv kernels are described as a conv: N, H, W, CI, CO, K, S and padding, and their dims (OH, OW,
 * PT, PL, ...) come from convDims, the same geometry the engine launches. Max-pool derives OH, OW
 * (2x2 'valid'), the reduction derives its chunk count; every other kernel takes its table dims as
 * typed. `dimsFromFields` refuses what the kernel cannot run, with a message naming the dim.
 */
import { type Dims, type KernelRow, hasConvGeometry } from '../../engine/kernels.ts';
import { convDims, convShapeOf } from '../../lab/cases.ts';

/** What the form holds: every value as typed (numbers, and 'same' | 'valid' for padding). */
export type Fields = Record<string, string>;

export interface FieldSpec {
  key: string;
  /** Shown next to the input. */
  title: string;
  kind: 'int' | 'padding';
}

/** A shape the kernel cannot run, with a message for the page. */
export class ShapeProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeProblem';
  }
}

const CONV_FIELDS: FieldSpec[] = [
  { key: 'N', title: 'batch', kind: 'int' }, { key: 'H', title: 'input height', kind: 'int' },
  { key: 'W', title: 'input width', kind: 'int' }, { key: 'CI', title: 'input channels', kind: 'int' },
  { key: 'CO', title: 'output channels', kind: 'int' }, { key: 'K', title: 'kernel size (K x K)', kind: 'int' },
  { key: 'S', title: 'stride', kind: 'int' }, { key: 'padding', title: "'same' (TensorFlow) or 'valid'", kind: 'padding' },
];

/** The reduction's chunk length (src/engine/ops/loss.ts: CHUNK): a segment is summed in chunks of it. */
const REDUCE_CHUNK = 4096;

/** True for the conv kernels that take a conv geometry (not the bias gradient, which takes M, C). */
export const isConvRow = (row: KernelRow) => hasConvGeometry(row);

/** Dims derived from the others rather than typed. */
const DERIVED: Record<string, string[]> = { maxpool2d: ['OH', 'OW'], maxpool2d_backward: ['OH', 'OW'], reduce: ['chunks'] };

/** The inputs the form shows for a kernel. */
export function fieldSpecs(row: KernelRow): FieldSpec[] {
  if (isConvRow(row)) return CONV_FIELDS;
  const derived = DERIVED[row.name] ?? [];
  return row.dims.filter((k) => !derived.includes(k)).map((key) => ({ key, title: DIM_TITLES[key] ?? key, kind: 'int' as const }));
}

const DIM_TITLES: Record<string, string> = {
  count: 'elements', M: 'pixels summed (N*OH*OW)', C: 'channels', N: 'batch', H: 'height', W: 'width', F: 'upsampling factor',
  segments: 'segments (images)', segLen: 'elements per segment',
};

/** The form's values for dims (the inverse of dimsFromFields). */
export function fieldsFromDims(row: KernelRow, d: Dims): Fields {
  if (isConvRow(row)) {
    const s = convShapeOf(d);
    return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, String(v)]));
  }
  return Object.fromEntries(fieldSpecs(row).map((f) => [f.key, String(d[f.key])]));
}

/** Parses one typed dim: a whole number >= min. */
function int(fields: Fields, key: string, min = 1): number {
  const raw = (fields[key] ?? '').trim();
  if (raw === '') throw new ShapeProblem(`${key} is empty: type a whole number`);
  const v = Number(raw);
  if (!Number.isInteger(v)) throw new ShapeProblem(`${key} = '${raw}' is not a whole number`);
  if (v < min) throw new ShapeProblem(`${key} = ${v}: it must be at least ${min}`);
  if (v > 1 << 24) throw new ShapeProblem(`${key} = ${v} is too large for the lab (at most ${1 << 24})`);
  return v;
}

/** Most floats any one tensor of a lab run may hold (1 GiB of float64 on the CPU reference side). */
const MAX_ELEMENTS = 1 << 27;

/** The kernel-table dims for typed fields; throws ShapeProblem naming what is wrong. */
export function dimsFromFields(row: KernelRow, fields: Fields): Dims {
  let d: Dims;
  if (isConvRow(row)) {
    const padding = (fields.padding ?? '').trim();
    if (padding !== 'same' && padding !== 'valid') throw new ShapeProblem(`padding must be 'same' or 'valid', not '${padding}'`);
    const s = { N: int(fields, 'N'), H: int(fields, 'H'), W: int(fields, 'W'), CI: int(fields, 'CI'), CO: int(fields, 'CO'), K: int(fields, 'K'), S: int(fields, 'S'), padding } as const;
    if (padding === 'valid' && (s.H < s.K || s.W < s.K)) throw new ShapeProblem(`'valid' padding needs H and W (${s.H}, ${s.W}) to be at least K (${s.K})`);
    d = convDims(s);
    sizeGuard({ x: s.N * s.H * s.W * s.CI, y: s.N * d.OH * d.OW * s.CO, w: s.K * s.K * s.CI * s.CO });
  } else {
    d = Object.fromEntries(fieldSpecs(row).map((f) => [f.key, int(fields, f.key)]));
    derive(row, d);
  }
  if (row.when && !row.when.test(d)) {
    const alt = row.variant === 'tiled' ? `${row.name}_scalar` : row.variant === 'tiled-scalar' ? row.name.replace(/_scalar$/, '') : '';
    throw new ShapeProblem(`${row.name} runs only when ${row.when.text} (here CO = ${d.CO})${alt ? `; this shape runs on ${alt}` : ''}`);
  }
  return d;
}

/** Fills the derived dims of non-conv kernels and checks each kernel's own constraints. */
function derive(row: KernelRow, d: Dims): void {
  switch (row.name) {
    case 'maxpool2d': case 'maxpool2d_backward':
      if (d.H < 2 || d.W < 2) throw new ShapeProblem(`a 2x2 'valid' max-pool needs H and W of at least 2 (got ${d.H}, ${d.W})`);
      d.OH = Math.floor(d.H / 2);
      d.OW = Math.floor(d.W / 2);
      sizeGuard({ x: d.N * d.H * d.W * d.C });
      break;
    case 'upsample_nearest': case 'upsample_nearest_backward':
      sizeGuard({ y: d.N * d.H * d.F * d.W * d.F * d.C });
      break;
    case 'reduce':
      d.chunks = Math.ceil(d.segLen / Math.min(REDUCE_CHUNK, d.segLen));
      sizeGuard({ a: d.segments * d.segLen });
      break;
    case 'ssim': case 'ssim_mean':
      if (d.H < 11 || d.W < 11) throw new ShapeProblem(`SSIM uses 11x11 windows: H and W must be at least 11 (got ${d.H}, ${d.W})`);
      sizeGuard({ a: d.N * d.H * d.W * d.C });
      break;
    case 'noise':
      if (d.count % 3) throw new ShapeProblem(`the noise case draws three images: count (${d.count}) must be a multiple of 3`);
      sizeGuard({ x: d.count });
      break;
    case 'augment':
      if (d.count % 64) throw new ShapeProblem(`the augment case flips 8x8 images: count (${d.count}) must be a multiple of 64`);
      sizeGuard({ x: d.count });
      break;
    case 'conv2d_bias_grad':
      sizeGuard({ dy: d.M * d.C });
      break;
    default:
      if ('count' in d) sizeGuard({ x: d.count });
  }
}

function sizeGuard(tensors: Record<string, number>): void {
  for (const [name, n] of Object.entries(tensors)) {
    if (n > MAX_ELEMENTS) throw new ShapeProblem(`${name} would hold ${n.toLocaleString('en')} floats; the lab allows ${MAX_ELEMENTS.toLocaleString('en')}`);
  }
}

/** The dims as "N=2 H=9 ..." for the page. */
export const dimsText = (d: Dims) => Object.entries(d).map(([k, v]) => `${k}=${v}`).join(' ');
