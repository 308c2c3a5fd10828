/**
 * "Denoise your own photo": pick a picture, choose the noise to add, denoise it with the current
 * model as a cancellable task (strip by strip, with progress), compare and download.
 */
import { type Image, encodePng, imageToRgba8 } from '../data/images.ts';
import type { TrainConfig } from '../model/config.ts';
import { getDenoiser } from './checkpoints.ts';
import { denoisePhoto, fitToModel, loadPhoto, psnr } from './photo.ts';
import { state } from './state.ts';
import { runTask } from './tasks.ts';
import { $, clearError, download, input, setText, showError } from './ui.ts';

function drawImage(canvas: HTMLCanvasElement, im: Image): void {
  canvas.width = im.width;
  canvas.height = im.height;
  canvas.getContext('2d')!.putImageData(new ImageData(imageToRgba8(im) as Uint8ClampedArray<ArrayBuffer>, im.width, im.height), 0, 0);
}

export async function pickPhoto(file: File): Promise<void> {
  clearError();
  try {
    state.photo = await loadPhoto(file);
    state.photoOut = null;
    $('photo-pair').hidden = false;
    drawImage($<HTMLCanvasElement>('photo-noisy'), state.photo.image);
    $<HTMLCanvasElement>('photo-denoised').width = 0;
    setText('photo-noisy-cap', `${file.name} (original)`);
    setText('photo-denoised-cap', 'denoised');
    setText('photo-info', `${file.name}: ${state.photo.note}. Choose the noise to add, then Denoise.`);
  } catch (e) {
    showError(e, 'photo not loaded');
  }
}

export async function runPhoto(): Promise<void> {
  const photo = state.photo;
  if (!photo) return;
  clearError();
  await runTask('denoising the photo', async (signal, progress) => {
    const { model, source } = await getDenoiser();
    const fallback = (source.meta.config as TrainConfig | undefined)?.imageSize ?? 128;
    const fit = fitToModel(photo.image, model, fallback);
    const sigma = Math.max(0, Math.min(75, Number(input('photo-sigma').value) || 0));
    setText('photo-info', 'Denoising…');
    const t0 = performance.now();
    const { noisy, denoised } = await denoisePhoto(model, fit.image, sigma, 1, {
      signal,
      onProgress: (f) => {
        const sec = (performance.now() - t0) / 1000;
        progress({ fraction: f, detail: `${photo.name}: ${Math.round(f * 100)}% of the rows`, etaSec: f > 0 ? (sec / f) * (1 - f) : undefined });
      },
    });
    drawImage($<HTMLCanvasElement>('photo-noisy'), noisy);
    drawImage($<HTMLCanvasElement>('photo-denoised'), denoised);
    setText('photo-noisy-cap', sigma > 0 ? `noisy, sigma ${sigma}: ${psnr(noisy, fit.image).toFixed(2)} dB` : 'input (no noise added)');
    setText('photo-denoised-cap', sigma > 0 ? `denoised: ${psnr(denoised, fit.image).toFixed(2)} dB` : 'denoised');
    state.photoOut = { name: photo.name, denoised };
    const notes = [photo.note, fit.note].filter(Boolean).join(', ');
    setText('photo-info', `${photo.name} (${notes}) denoised by ${source.name} (${source.label}) in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
  });
}

export function downloadPhoto(): void {
  const p = state.photoOut;
  if (p) download(`${p.name.replace(/\.[^.]+$/, '')}_denoised.png`, encodePng(p.denoised), 'image/png');
}
