/**
 * The authors' pretrained DnCNN-S (sigma 25) runs in our engine: its output on a real Set12
 * crop matches the float64 reference model, and it removes most of the noise.
 * (The full-set PSNR reproduction, 30.46 dB on Set12, is `npm run bench:dncnn`: too slow for SwiftShader CI.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeImageBytes } from '../src/data/decode.ts';
import { Rng } from '../src/engine/random.ts';
import { pretrainedDncnnParams } from '../src/model/checkpoint.ts';
import { dncnn } from '../src/model/presets.ts';
import { compare } from './support/checkOp.ts';
import { b64ToF32, f32ToB64, useGpuPage } from './support/gpu.ts';
import { refModelForward } from './support/refModel.ts';

const page = useGpuPage();
const S = 32; // crop side: 17 layers of 64 channels in float64 on the CPU stay a few seconds

describe('pretrained DnCNN-S (models/dncnn_s25_folded.safetensors)', () => {
  it('matches the float64 reference on a noisy Set12 crop and denoises it', async () => {
    const img = await decodeImageBytes(readFileSync('data/set12/01.png'), '01.png');
    const rng = new Rng(25);
    const clean = new Float64Array(S * S);
    const noisy = new Float64Array(S * S);
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
      const v = img.data[(y + 100) * img.width + (x + 100)];
      clean[y * S + x] = v;
      noisy[y * S + x] = Math.fround(v + (25 / 255) * rng.normal());
    }
    const bytes = readFileSync('models/dncnn_s25_folded.safetensors');
    const params = pretrainedDncnnParams(bytes);
    const spec = dncnn(1);

    const gpu = await page().evaluate(async (req) => {
      const e = window.engine;
      const { Model } = await window.h.model();
      const app = await window.h.app();
      const model = new Model(req.spec, 1);
      // The page fetches the weights itself: a 6 MB argument through CDP closes the connection.
      const bytes = new Uint8Array(await (await fetch('/models/dncnn_s25_folded.safetensors')).arrayBuffer());
      await app.loadIntoModel(model, app.pretrainedDncnnParams(bytes), 'dncnn_s25_folded.safetensors');
      const x = e.tensor(window.h.b64ToF32(req.noisy), [1, req.S, req.S, 1]);
      const y = e.noGrad(() => model.forward(x));
      const out = window.h.f32ToB64(await y.read());
      y.dispose(); x.dispose(); model.dispose();
      return out;
    }, { spec, S, noisy: f32ToB64(noisy) });

    const refParams = new Map([...params].map(([k, t]) => [k, { shape: t.shape, data: Float64Array.from(t.data) }]));
    const want = refModelForward(spec, refParams, { shape: [1, S, S, 1], data: noisy }).y;
    const got = b64ToF32(gpu);
    // 17 float32 layers, each a sum of 576 products: the conv op's tolerance compounds; 1e-4 absolute
    // on pixel values in [0, 1] is far below what PSNR can see (it would cost < 0.001 dB).
    expect(compare('DnCNN output', want.shape, got, want.data, { atol: 1e-4, rtol: 1e-4 })).toBeNull();

    const psnr = (a: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < clean.length; i++) { const d = Math.min(1, Math.max(0, a[i])) - clean[i]; s += d * d; }
      return 10 * Math.log10(clean.length / s);
    };
    let sn = 0;
    for (let i = 0; i < clean.length; i++) sn += (noisy[i] - clean[i]) ** 2;
    const noisyPsnr = 10 * Math.log10(clean.length / sn);
    console.log(`[dncnn] 32x32 crop of Set12/01: noisy ${noisyPsnr.toFixed(2)} dB -> denoised ${psnr(got).toFixed(2)} dB`);
    expect(psnr(got)).toBeGreaterThan(noisyPsnr + 5);
  });
});
