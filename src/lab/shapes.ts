/**
 * Shapes the lab offers and the benchmark runs: each kernel's dims at the presets' real layers
 * (traced from the model specs, so they follow the presets), and a small shape for quick checks.
 */
import { type Dims, type KernelRow, hasConvGeometry } from '../engine/kernels.ts';
import { type ModelSpec, traceModel } from '../model/layers.ts';
import { dncnn, seedAutoencoder, smallResidual } from '../model/presets.ts';
import { type ConvShape, convDims } from './cases.ts';

export interface NamedDims { label: string; dims: Dims }

/** The presets at the sizes they train at: name, spec, batch, image side. */
export const PRESET_SHAPES: { preset: string; spec: ModelSpec; batch: number; side: number }[] = [
  { preset: 'small', spec: smallResidual(1), batch: 16, side: 40 },
  { preset: 'dncnn', spec: dncnn(1), batch: 16, side: 40 },
  { preset: 'seed', spec: seedAutoencoder(3), batch: 8, side: 128 },
];

/** Every distinct layer of the presets as a conv shape (for conv kernels) or pool/upsample dims. */
export function presetLayers(batchOverride?: number): { label: string; kind: 'conv' | 'convT' | 'pool' | 'up'; dims: Dims }[] {
  const out: { label: string; kind: 'conv' | 'convT' | 'pool' | 'up'; dims: Dims }[] = [];
  const seen = new Set<string>();
  for (const p of PRESET_SHAPES) {
    const N = batchOverride ?? p.batch;
    let [H, W, C] = [p.side, p.side, p.spec.channels];
    traceModel(p.spec, p.side, p.side).forEach((t, i) => {
      const l = t.layer;
      let item: (typeof out)[number] | null = null;
      if (l.type === 'conv2d') {
        const s: ConvShape = { N, H, W, CI: C, CO: l.filters, K: l.kernel, S: l.stride ?? 1, padding: l.padding ?? 'same' };
        item = { label: `${p.preset} layer ${i} conv ${H}x${W} ${C}->${l.filters}`, kind: 'conv', dims: convDims(s) };
      } else if (l.type === 'conv2dTranspose') {
        // A transposed conv runs the kernels of the conv it is the adjoint of: [N,OH,OW,..] -> [N,H,W,..].
        const s: ConvShape = { N, H: t.out[0], W: t.out[1], CI: l.filters, CO: C, K: l.kernel, S: l.stride ?? 1, padding: l.padding ?? 'same' };
        item = { label: `${p.preset} layer ${i} transposed conv ${H}x${W} ${C}->${l.filters}`, kind: 'convT', dims: convDims(s) };
      } else if (l.type === 'maxPool2d') {
        item = { label: `${p.preset} layer ${i} max-pool ${H}x${W}x${C}`, kind: 'pool', dims: { N, H, W, C, OH: t.out[0], OW: t.out[1] } };
      } else {
        item = { label: `${p.preset} layer ${i} upsample x${l.factor} ${H}x${W}x${C}`, kind: 'up', dims: { N, H, W, C, F: l.factor } };
      }
      const key = JSON.stringify(item.dims);
      if (!seen.has(key)) { seen.add(key); out.push(item); }
      [H, W, C] = t.out;
    });
  }
  return out;
}

/** A small shape every kernel runs in well under a second on a CPU adapter (the lab's default, the tests'). */
export function smallDims(row: KernelRow): Dims {
  if (hasConvGeometry(row)) {
    // The first channel counts and stride that meet the row's condition (vec4 CO, scalar CO, narrow
    // CO, narrow CI, quad CO, quad CI, window: stride 1, a partial 4-row and 8-column block;
    // winograd's and winograd4's forward and input gradient: stride 1, odd sizes, a partial last 2x2
    // or 4x4 tile and 8-tile block; window1's and narrow1's weight gradients: CO or CI 1, a half last block of 8 channels on the other side;
    // winograd-s2: stride 2, a partial last 4x4 tile).
    const ch = [{ CI: 5, CO: 8, S: 2 }, { CI: 5, CO: 3, S: 2 }, { CI: 8, CO: 3, S: 2 }, { CI: 3, CO: 8, S: 2 }, { CI: 5, CO: 32, S: 2 }, { CI: 32, CO: 8, S: 2 }, { CI: 5, CO: 3, S: 1 }, { CI: 8, CO: 32, S: 1 }, { CI: 32, CO: 4, S: 1 }, { CI: 12, CO: 1, S: 1 }, { CI: 1, CO: 12, S: 1 }, { CI: 8, CO: 32, S: 2 }]
      .find((c) => !row.when || row.when.test({ ...c, KH: 3, KW: 3 }))!;
    return convDims({ N: 2, H: 9, W: 11, ...ch, K: 3, padding: 'same' });
  }
  switch (row.name) {
    case 'conv2d_bias_grad': return { M: 1000, C: 7 }; // three slices of the split sum
    case 'maxpool2d': case 'maxpool2d_backward': return { N: 2, H: 9, W: 8, C: 3, OH: 4, OW: 4 };
    case 'upsample_nearest': case 'upsample_nearest_backward': return { N: 2, H: 5, W: 4, C: 3, F: 2 };
    case 'reduce': return { segments: 3, segLen: 1000, chunks: 1 };
    case 'ssim': case 'ssim_mean': return { N: 2, H: 16, W: 13, C: 1 };
    case 'noise': return { count: 3 * 1024 };
    case 'augment': return { count: 64 * 8 };
    case 'conv2d_backward_filter_sum': return { count: 1000, KS: 5 };
    case 'conv2d_split_sum': return { count: 1000, KS: 3, CO: 8 };
    default: return { count: 1000 };
  }
}

/** The shapes the lab offers for a kernel: the small one, then the presets' real layers that fit it. */
export function offeredShapes(row: KernelRow): NamedDims[] {
  const out: NamedDims[] = [{ label: 'small', dims: smallDims(row) }];
  const kinds = hasConvGeometry(row) ? ['conv', 'convT'] : row.op === 'maxPool2d' ? ['pool'] : row.op === 'upsampleNearest' ? ['up'] : [];
  for (const l of presetLayers()) {
    if (!kinds.includes(l.kind)) continue;
    if (row.when && !row.when.test(l.dims)) continue;
    out.push({ label: l.label, dims: l.dims });
  }
  return out;
}
