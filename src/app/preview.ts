/**
 * Beside the loss plot: the model's output on a fixed noisy validation crop (noisy | denoised |
 * clean with PSNR, refreshed every few seconds while training, so a person sees it improve), and
 * the model summary: each layer with its output shape, parameters and forward FLOPs.
 */
import type { Image } from '../data/images.ts';
import { imageToRgba8 } from '../data/png.ts';
import { type TrainConfig, configSpec } from '../model/config.ts';
import { type LayerSpec, traceModel } from '../model/layers.ts';
import type { PreviewEvent } from '../model/trainer.ts';
import { $, el, fmtCount, setText } from './ui.ts';

function draw(canvas: HTMLCanvasElement, im: Image): void {
  canvas.width = im.width;
  canvas.height = im.height;
  canvas.getContext('2d')!.putImageData(new ImageData(imageToRgba8(im) as Uint8ClampedArray<ArrayBuffer>, im.width, im.height), 0, 0);
}

export function renderPreview(p: PreviewEvent): void {
  draw($<HTMLCanvasElement>('preview-noisy'), p.noisy);
  draw($<HTMLCanvasElement>('preview-denoised'), p.denoised);
  draw($<HTMLCanvasElement>('preview-clean'), p.clean);
  setText('preview-noisy-cap', `noisy ${p.psnrNoisy.toFixed(2)} dB`);
  setText('preview-denoised-cap', `denoised ${p.psnr.toFixed(2)} dB`);
  const when = p.epoch === 0 ? 'before training' : `after ${Number.isInteger(p.epoch) ? p.epoch : p.epoch.toFixed(2)} epoch${p.epoch === 1 ? '' : 's'}`;
  setText('preview-title', `${p.clean.width}×${p.clean.height} validation crop, ${when}`);
  setText('preview-note', `The model's output on the same noisy crop every time: ${(p.psnr - p.psnrNoisy >= 0 ? '+' : '')}${(p.psnr - p.psnrNoisy).toFixed(2)} dB over the noisy input.`);
  $('preview-images').dataset.epoch = String(p.epoch);
}

export function clearPreview(): void {
  for (const id of ['preview-noisy', 'preview-denoised', 'preview-clean']) {
    const c = $<HTMLCanvasElement>(id);
    c.width = c.height = 0;
  }
  setText('preview-noisy-cap', 'noisy');
  setText('preview-denoised-cap', 'denoised');
  setText('preview-title', 'a fixed validation crop');
  delete $('preview-images').dataset.epoch;
}

const layerName = (l: LayerSpec): string => {
  switch (l.type) {
    case 'conv2d':
    case 'conv2dTranspose': {
      const s = l.stride && l.stride !== 1 ? `/${l.stride}` : '';
      const act = l.activation && l.activation !== 'none' ? ` ${l.activation}` : '';
      return `${l.type === 'conv2d' ? 'conv' : 'conv^T'} ${l.kernel}×${l.kernel}${s}, ${l.filters}${act}`;
    }
    case 'maxPool2d': return 'max-pool 2×2';
    case 'upsample': return `upsample ×${l.factor}`;
  }
};

const flopsText = (f: number) => (f >= 1e9 ? `${(f / 1e9).toFixed(2)} G` : f >= 1e6 ? `${(f / 1e6).toFixed(1)} M` : fmtCount(f));

/** The configured model at its training input size (the patch, or the seed preset's image). */
export function renderModelSummary(c: TrainConfig): void {
  const tbody = $('model-table').querySelector('tbody')!;
  const tfoot = $('model-table').querySelector('tfoot')!;
  try {
    const size = c.preset === 'seed' ? c.imageSize : c.patchSize;
    const spec = configSpec(c);
    const trace = traceModel(spec, size, size);
    tbody.replaceChildren(
      (() => { const tr = el('tr'); for (const v of ['', 'input', `${size}×${size}×${c.channels}`, '', '']) tr.append(el('td', v)); return tr; })(),
      ...trace.map((t, i) => {
        const tr = el('tr');
        for (const v of [String(i + 1), layerName(t.layer), t.out.join('×'), t.params ? t.params.toLocaleString('en-US') : '—', t.flops ? flopsText(t.flops) : '—']) tr.append(el('td', v));
        return tr;
      }),
    );
    const params = trace.reduce((a, t) => a + t.params, 0);
    const flops = trace.reduce((a, t) => a + t.flops, 0);
    const tr = el('tr');
    for (const v of ['', spec.residual ? 'total (output = input − layers)' : 'total', '', params.toLocaleString('en-US'), flopsText(flops)]) tr.append(el('td', v));
    tfoot.replaceChildren(tr);
    setText('model-title', `${c.preset}, ${trace.length} layers, ${params.toLocaleString('en-US')} parameters, ${flopsText(flops)}FLOP per ${size}×${size} input`);
  } catch (e) {
    tbody.replaceChildren();
    tfoot.replaceChildren();
    setText('model-title', (e as Error).message);
  }
}
