/**
 * Feature-map pictures: the first few channels of image 0 of an NHWC tensor as small grayscale
 * canvases, each scaled to its own [min, max] and enlarged by an integer factor (nearest
 * neighbour, so single pixels stay visible).
 */
import { h } from './dom.ts';

export interface Picture {
  /** Caption, e.g. "x (input)". */
  label: string;
  shape: readonly number[];
  data: ArrayLike<number>;
}

/** Channels shown per tensor. */
const MAX_CHANNELS = 4;
/** The displayed side a small map is enlarged towards (CSS pixels). */
const TARGET = 96;

/** True for a 4-D tensor with a picture in it (at least 2x2 pixels). */
export const isImage = (shape: readonly number[]) => shape.length === 4 && shape[1] >= 2 && shape[2] >= 2;

/** Draws channel c of image 0 of an NHWC tensor into a new canvas; returns it with its range. */
function channelCanvas(p: Picture, c: number): { canvas: HTMLCanvasElement; lo: number; hi: number } {
  const [, H, W, C] = p.shape;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < H * W; i++) {
    const v = p.data[i * C + c];
    if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  }
  const span = hi > lo ? hi - lo : 1;
  const canvas = h('canvas', 'fmap');
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d');
  if (ctx) {
    const img = ctx.createImageData(W, H);
    for (let i = 0; i < H * W; i++) {
      const v = p.data[i * C + c];
      // NaN and infinities are drawn red, so they stand out.
      const ok = Number.isFinite(v);
      const g = ok ? Math.round(((v - lo) / span) * 255) : 0;
      img.data.set([ok ? g : 255, g, g, 255], i * 4);
    }
    ctx.putImageData(img, 0, 0);
  }
  const scale = Math.max(1, Math.floor(TARGET / Math.max(H, W)));
  canvas.style.width = `${W * scale}px`;
  canvas.style.height = `${H * scale}px`;
  return { canvas, lo, hi };
}

/** One row per tensor: its label and shape, then its first channels with their value ranges. */
export function renderPictures(container: HTMLElement, pictures: Picture[]): void {
  const rows = pictures.filter((p) => isImage(p.shape)).map((p) => {
    const C = p.shape[3];
    const figs = [];
    for (let c = 0; c < Math.min(C, MAX_CHANNELS); c++) {
      const { canvas, lo, hi } = channelCanvas(p, c);
      canvas.title = `${p.label}, image 0, channel ${c}: ${lo.toPrecision(3)} (black) .. ${hi.toPrecision(3)} (white)`;
      figs.push(h('figure', '', canvas, h('figcaption', '', `c${c}  ${lo.toPrecision(2)}..${hi.toPrecision(2)}`)));
    }
    const more = C > MAX_CHANNELS ? h('span', 'note', `+${C - MAX_CHANNELS} more channels`) : null;
    return h('div', 'fmap-row', h('div', 'fmap-label', h('strong', '', p.label), h('span', 'note', `[${p.shape.join(', ')}]`)), h('div', 'fmap-figs', ...figs, more));
  });
  container.replaceChildren(...(rows.length
    ? [h('h3', '', 'Feature maps ', h('span', 'sub', 'image 0, first channels, each scaled to its own min..max')), ...rows]
    : []));
}
