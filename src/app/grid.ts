/**
 * noisy | denoised | clean rows with per-image PSNR, drawn on a 2D canvas (or OffscreenCanvas).
 */
import type { Image } from '../data/images.ts';
import { imageToRgba8 } from '../data/png.ts';

export interface GridRow { name: string; noisy: Image; denoised: Image; clean: Image; psnrNoisy: number; psnr: number }

type Ctx = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

const LABEL = 18;
const GAP = 4;

/** Size of a grid whose images are scaled to `cell` pixels wide. */
export function gridSize(rows: GridRow[], cell: number): { width: number; height: number } {
  const heights = rows.map((r) => Math.round((r.clean.height / r.clean.width) * cell));
  return { width: 3 * cell + 4 * GAP, height: heights.reduce((a, h) => a + h + LABEL + GAP, GAP) };
}

export function drawGrid(ctx: Ctx, rows: GridRow[], cell: number): void {
  const { width, height } = gridSize(rows, cell);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.font = '12px sans-serif';
  let y = GAP;
  for (const r of rows) {
    const h = Math.round((r.clean.height / r.clean.width) * cell);
    const cols: [Image, string][] = [
      [r.noisy, `noisy ${r.psnrNoisy.toFixed(2)} dB`],
      [r.denoised, `denoised ${r.psnr.toFixed(2)} dB`],
      [r.clean, r.name],
    ];
    cols.forEach(([im, label], i) => {
      const x = GAP + i * (cell + GAP);
      ctx.fillStyle = '#222';
      ctx.fillText(label, x, y + 13);
      const src = new OffscreenCanvas(im.width, im.height);
      // Noisy values outside [0,1] are clipped for display only.
      src.getContext('2d')!.putImageData(new ImageData(imageToRgba8(im) as Uint8ClampedArray<ArrayBuffer>, im.width, im.height), 0, 0);
      ctx.imageSmoothingEnabled = im.width > cell; // downscale smoothly, upscale as pixels
      ctx.drawImage(src, x, y + LABEL, cell, h);
    });
    y += h + LABEL + GAP;
  }
}

export async function gridPng(rows: GridRow[], cell = 256): Promise<Uint8Array> {
  const { width, height } = gridSize(rows, cell);
  const canvas = new OffscreenCanvas(width, height);
  drawGrid(canvas.getContext('2d')!, rows, cell);
  return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
}
