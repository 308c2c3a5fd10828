/**
 * Node (Dawn) and the browser (headless Chromium) give the same numbers: the same conv forward
 * and backward, and the pretrained DnCNN-S on a noisy Set12 crop, run on both. On the same
 * adapter (SwiftShader on both, as in CI) they must be bit-identical; on different adapters
 * (a GPU under Node, SwiftShader in the browser) within the ops' tolerance.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeImageBytes } from '../src/data/decode.ts';
import { Rng, backward, conv2d, convTolerance, noGrad, requireGrad, tensor } from '../src/engine/index.ts';
import { loadIntoModel, pretrainedDncnnParams } from '../src/model/checkpoint.ts';
import { Model } from '../src/model/layers.ts';
import { dncnn } from '../src/model/presets.ts';
import { type Tol, compare } from './support/checkOp.ts';
import { b64ToF32, f32ToB64, useGpuPage } from './support/gpu.ts';
import { useNodeEngine } from './support/node-gpu.ts';

const page = useGpuPage();
const engine = useNodeEngine();

/** "vendor / architecture" of the browser's adapter. */
async function browserAdapter(): Promise<string> {
  return page().evaluate(() => { const a = window.engine.runtime().ctx.summary; return `${a.vendor} / ${a.architecture}`; });
}

/** Bit-identical on the same adapter, else within `tol`; reports the number of differing values. */
async function expectSame(what: string, shape: number[], node: Float32Array, browser: Float32Array, tol: Tol) {
  const a = engine().runtime.ctx.summary;
  const same = `${a.vendor} / ${a.architecture}` === await browserAdapter();
  let differ = 0;
  for (let i = 0; i < node.length; i++) if (!Object.is(node[i], browser[i])) differ++;
  console.log(`[parity] ${what}: ${node.length} values, ${differ} differ between Node and the browser${same ? ' (same adapter)' : ''}`);
  expect(node.length).toBe(browser.length);
  if (same) expect(differ, `${what}: Node and the browser on the same adapter`).toBe(0);
  else expect(compare(what, shape, node, browser, tol)).toBeNull();
}

const seeded = (n: number, seed: number) => { const r = new Rng(seed); return Float32Array.from({ length: n }, () => r.uniform(-1, 1)); };

describe('Node and the browser give the same numbers', () => {
  it('conv2d forward and backward (stride 2, same padding, bias)', async () => {
    const xs = [2, 9, 11, 5], ws = [3, 3, 5, 8];
    const x = seeded(2 * 9 * 11 * 5, 1), w = seeded(3 * 3 * 5 * 8, 2), b = seeded(8, 3);
    const attrs = { stride: 2, padding: 'same' as const };

    const xt = requireGrad(tensor(x, xs)), wt = requireGrad(tensor(w, ws)), bt = requireGrad(tensor(b, [8]));
    const y = conv2d(xt, wt, bt, attrs);
    const dy = seeded(y.size, 4);
    const yNode = await y.read();
    const dyt = tensor(dy, y.shape);
    backward(y, dyt);
    const gNode = [await xt.grad!.read(), await wt.grad!.read(), await bt.grad!.read()];
    for (const t of [xt, wt, bt]) { t.grad!.dispose(); t.dispose(); }
    y.dispose(); dyt.dispose();

    const r = await page().evaluate((req) => window.h.runOp(req), {
      op: 'conv2d', attrs, dy: f32ToB64(dy),
      inputs: [{ b64: f32ToB64(x), shape: xs, grad: true }, { b64: f32ToB64(w), shape: ws, grad: true }, { b64: f32ToB64(b), shape: [8], grad: true }],
    });
    await expectSame('conv2d y', r.y.shape, yNode, b64ToF32(r.y.b64), convTolerance);
    await expectSame('conv2d dx', xs, gNode[0], b64ToF32(r.grads[0]!), convTolerance);
    await expectSame('conv2d dw', ws, gNode[1], b64ToF32(r.grads[1]!), convTolerance);
    await expectSame('conv2d db', [8], gNode[2], b64ToF32(r.grads[2]!), convTolerance);
  });

  it('the pretrained DnCNN-S on a noisy 32x32 Set12 crop', async () => {
    const S = 32;
    const img = await decodeImageBytes(readFileSync('data/set12/01.png'), '01.png');
    const rng = new Rng(25);
    const noisy = new Float32Array(S * S);
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) noisy[y * S + x] = img.data[(y + 100) * img.width + (x + 100)] + (25 / 255) * rng.normal();

    const model = new Model(dncnn(1), 1);
    await loadIntoModel(model, pretrainedDncnnParams(readFileSync('models/dncnn_s25_folded.safetensors')), 'dncnn_s25_folded.safetensors');
    const xt = tensor(noisy, [1, S, S, 1]);
    const yt = noGrad(() => model.forward(xt));
    const node = await yt.read();
    yt.dispose(); xt.dispose(); model.dispose();

    const browser = b64ToF32(await page().evaluate(async (req) => {
      const e = window.engine;
      const { Model } = await window.h.model();
      const app = await window.h.app();
      const model = new Model(app.dncnn(1), 1);
      // The page fetches the weights itself: a 6 MB argument through CDP closes the connection.
      const bytes = new Uint8Array(await (await fetch('/models/dncnn_s25_folded.safetensors')).arrayBuffer());
      await app.loadIntoModel(model, app.pretrainedDncnnParams(bytes), 'dncnn_s25_folded.safetensors');
      const x = e.tensor(window.h.b64ToF32(req.noisy), [1, req.S, req.S, 1]);
      const y = e.noGrad(() => model.forward(x));
      const out = window.h.f32ToB64(await y.read());
      y.dispose(); x.dispose(); model.dispose();
      return out;
    }, { S, noisy: f32ToB64(noisy) }));
    // As tests/dncnn.gpu.test.ts: 17 float32 layers, 1e-4 on pixel values is far below what PSNR sees.
    await expectSame('DnCNN-S output', [1, S, S, 1], node, browser, { atol: 1e-4, rtol: 1e-4 });
  });
});
